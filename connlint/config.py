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
    """``file: key: reason``, always on one line (control characters escaped)."""

    def __init__(self, message: str):
        super().__init__(one_line(message))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every character that could break or hide a terminal line
    escaped as in a Python literal (``\\n``, ``\\x00``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
    """The nearest ``pyproject.toml`` at or above ``start``.  Something of that
    name that is not a regular file (a directory, a dangling link) is an
    error rather than skipped: skipping it would silently apply the settings
    of a project further up."""
    current = start.resolve()
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if os.path.lexists(candidate):
            raise ConfigError(f"{candidate}: {_not_a_file(candidate)}")
    return None


def _not_a_file(path: Path) -> str:
    """Why ``path``, which exists in some form, cannot be read as a config file."""
    if path.is_dir():
        return "is a directory, not a configuration file"
    if path.is_symlink() and not path.exists():
        return "is a dangling symbolic link"
    return "is not a regular file"


def load_settings(config_file: str | None, isolated: bool, cwd: Path | None = None) -> Settings:
    cwd = cwd or Path.cwd()
    if isolated:
        return Settings(root=cwd.resolve())
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            if os.path.lexists(path):
                raise ConfigError(f"{config_file}: {_not_a_file(path)}")
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
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: invalid TOML: not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line {line})"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits
        reason = str(exc).split(";")[0].split(":")[0]
        raise ConfigError(f"{path}: invalid TOML: {reason[:1].lower()}{reason[1:]}") from None
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
            else:
                for pattern in values:
                    _check_glob(pattern, f"{where}: [tool.connlint] {key}: '{pattern}'")
            setattr(settings, key.replace("-", "_"), values)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [tool.connlint] per-file-ignores: expected a table of glob = [codes]")
            parsed = {}
            for pattern, codes in value.items():
                _check_glob(pattern, f"{where}: [tool.connlint] per-file-ignores.\"{pattern}\"")
                codes = _string_list(codes, where, f"per-file-ignores.\"{pattern}\"")
                check_codes(codes, f"{where}: [tool.connlint] per-file-ignores.\"{pattern}\"")
                parsed[pattern] = codes
            settings.per_file_ignores = parsed
        elif key == "baseline":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: [tool.connlint] baseline: expected a file path string, got {type(value).__name__}")
            if not value.strip() or "\0" in value:
                raise ConfigError(f"{where}: [tool.connlint] baseline: expected a file path, got {value!r}")
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


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is no usable exclude / per-file-ignores glob, or None.

    Globs are matched with ``fnmatch`` (and ``PurePath.match`` for
    per-file-ignores), which never reject a pattern: an unclosed ``[`` is
    taken literally and a reversed range matches nothing, both surely typos.
    """
    if not pattern:
        return "empty glob"
    if all(part in ("", ".") for part in pattern.split("/")):
        return "names no file or directory"
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] != "[":
            i += 1
            continue
        # fnmatch.translate: '!' negates, a ']' right after '[' or '[!' is literal
        start = i + 1
        j = start + 1 if start < n and pattern[start] == "!" else start
        first = j
        if j < n and pattern[j] == "]":
            j += 1
        while j < n and pattern[j] != "]":
            j += 1
        if j >= n:
            return "unclosed '[' (write '[[]' to match a literal '[')"
        body = pattern[first:j]
        k = 0
        while k < len(body):
            if k + 2 < len(body) and body[k + 1] == "-":
                low, high = body[k], body[k + 2]
                if low > high:
                    return f"reversed range '{low}-{high}' (it matches nothing)"
                k += 3
            else:
                k += 1
        i = j + 1
    return None


def _check_glob(pattern: str, where: str) -> None:
    problem = glob_problem(pattern)
    if problem:
        raise ConfigError(f"{where}: {problem}")


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
