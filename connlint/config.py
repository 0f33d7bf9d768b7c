"""Settings: ``[tool.connlint]`` in the nearest pyproject.toml, then the command line.

Every problem in the configuration is a ``ConfigError`` naming the file, the
key and the reason; the CLI prints it on one line and exits 2.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from connlint.datafiles import toml_module
from connlint.discovery import DEFAULT_EXCLUDE
from connlint.record import Record, field

CODE_PREFIX = re.compile(r"^CNL\d{0,3}$")

LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
KNOWN_KEYS = set(LIST_KEYS) | {"per-file-ignores", "openers", "frameworks", "baseline"}


class ConfigError(Exception):
    pass


class Settings(Record):
    root: Path
    source: Path | None = None  # the file the settings came from
    select: list[str] = field(factory=lambda: ["CNL"])
    ignore: list[str] = field(factory=list)
    extend_select: list[str] = field(factory=list)
    per_file_ignores: dict[str, list[str]] = field(factory=dict)
    exclude: list[str] = field(factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(factory=list)
    openers: list = field(factory=list)
    frameworks: list = field(factory=list)
    baseline: str | None = None  # relative to the project root

    @property
    def all_excludes(self) -> list[str]:
        return list(self.exclude) + list(self.extend_exclude)

    @property
    def source_name(self) -> str:
        return str(self.source) if self.source else "command line"


def find_pyproject(start: Path) -> Path | None:
    current = start.resolve()
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_file: str | None, isolated: bool, cwd: Path | None = None) -> Settings:
    cwd = cwd or Path.cwd()
    if isolated:
        return Settings(root=cwd.resolve())
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"{config_file}: config file not found")
        table = _read_table(path, require_tool_table=False)
    else:
        path = find_pyproject(cwd)
        if path is None:
            return Settings(root=cwd.resolve())
        table = _read_table(path, require_tool_table=True)
    settings = Settings(root=path.resolve().parent, source=path)
    if table:
        _apply_table(settings, table, str(path))
    return settings


def _read_table(path: Path, require_tool_table: bool) -> dict:
    tomllib = toml_module()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    tool = data.get("tool", {})
    if isinstance(tool, dict) and "connlint" in tool:
        table = tool["connlint"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.connlint] must be a table")
        return table
    if require_tool_table or path.name == "pyproject.toml":
        return {}
    return data  # a dedicated connlint.toml holds the keys at top level


def _apply_table(settings: Settings, table: dict, where: str) -> None:
    for key, value in table.items():
        if key not in KNOWN_KEYS:
            hint = f" (did you mean '{key.replace('_', '-')}'?)" if key.replace("_", "-") in KNOWN_KEYS else ""
            raise ConfigError(f"{where}: [tool.connlint] unknown key '{key}'{hint}")
        if key in LIST_KEYS:
            values = _string_list(value, where, key)
            if key in ("select", "ignore", "extend-select"):
                check_codes(values, f"{where}: [tool.connlint] {key}")
            setattr(settings, key.replace("-", "_"), values)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [tool.connlint] per-file-ignores: expected a table of glob = [codes]")
            parsed = {}
            for pattern, codes in value.items():
                codes = _string_list(codes, where, f"per-file-ignores.\"{pattern}\"")
                check_codes(codes, f"{where}: [tool.connlint] per-file-ignores.\"{pattern}\"")
                parsed[pattern] = codes
            settings.per_file_ignores = parsed
        elif key == "baseline":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: [tool.connlint] baseline: expected a file path string, got {type(value).__name__}")
            settings.baseline = value
        elif key in ("openers", "frameworks"):
            if not isinstance(value, list):
                raise ConfigError(f"{where}: [tool.connlint] {key}: expected an array of tables")
            setattr(settings, key, value)


def _string_list(value, where: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where}: [tool.connlint] {key}: expected a list of strings, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{where}: [tool.connlint] {key}: expected a list of strings, got {type(item).__name__} {item!r}")
    return value


def check_codes(codes, where: str) -> None:
    from connlint.registry import all_rules

    known = [rule.code for rule in all_rules()]
    for code in codes:
        upper = code.strip().upper()
        if not CODE_PREFIX.match(upper) or not any(k.startswith(upper) for k in known):
            raise ConfigError(f"{where}: unknown rule code '{code}' (see 'connlint --list-rules')")


def split_codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip().upper() for c in re.split(r"[,\s]+", text) if c.strip()]


class Selection:
    """Which codes are on: the longest matching prefix wins, ignore on a tie."""

    def __init__(self, select, ignore, extend_select=()):
        self.select = [c.upper() for c in list(select) + list(extend_select)]
        self.ignore = [c.upper() for c in ignore]

    def explicit(self, code: str) -> bool:
        """Selected by its full code (opt-in checks need that)."""
        return code in self.select and not self.ignored(code)

    def ignored(self, code: str) -> bool:
        """Explicitly ignored by a prefix at least as long as any selecting one."""
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        return dropped >= 0 and dropped >= chosen

    def enabled(self, code: str) -> bool:
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return chosen >= 0 and chosen > dropped


def per_file_ignored(settings: Settings, path: str) -> list[str]:
    """Codes ignored for ``path`` by per-file-ignores (globs relative to the project root)."""
    if not settings.per_file_ignores:
        return []
    absolute = os.path.abspath(path)
    try:
        relative = Path(absolute).relative_to(settings.root).as_posix()
    except ValueError:
        relative = Path(path).as_posix()
    from connlint.discovery import matches

    codes = []
    for pattern, values in settings.per_file_ignores.items():
        if matches(relative, [pattern]) or Path(relative).match(pattern):
            codes.extend(v.upper() for v in values)
    return codes
