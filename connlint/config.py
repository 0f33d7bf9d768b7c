"""Settings: ``[tool.connlint]`` in the nearest pyproject.toml, then the command line.

Every problem in the configuration is a ``ConfigError`` naming the file, the
key and the reason; the CLI prints it on one line and exits 2.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

from connlint.datafiles import toml_module
from connlint.discovery import DEFAULT_EXCLUDE
from connlint.record import Record, field

CODE_PREFIX = re.compile(r"^CNL\d{0,3}$")

LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
KNOWN_KEYS = set(LIST_KEYS) | {"per-file-ignores", "openers", "frameworks", "baseline", "extend"}


#: Python refuses to read integers this long (its own wording differs between versions).
TOO_LONG_INTEGER = f"an integer of more than {getattr(sys, 'get_int_max_str_digits', lambda: 4300)()} digits"


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
    extended: list = field(factory=list)  # the settings files this one extends, outermost first

    @property
    def all_excludes(self) -> list[str]:
        return list(self.exclude) + list(self.extend_exclude)

    @property
    def source_name(self) -> str:
        return str(self.source) if self.source else "command line"


#: Files that can hold connlint's settings, looked for in this order in each directory.
CONFIG_NAMES = ("connlint.toml", "pyproject.toml")


def find_config(start: Path) -> Path | None:
    """The settings file for what lies in ``start``: the nearest
    ``connlint.toml``, or ``pyproject.toml`` with a ``[tool.connlint]`` table,
    at or above ``start`` and no higher than the repository root.  A
    ``pyproject.toml`` without the table (a sub-package of a monorepo) does
    not stop the search.  Something of either name that is not a regular file
    is an error rather than skipped: skipping it would silently apply the
    settings of a project further up."""
    return _find_config(str(Path(start).resolve()))


@functools.lru_cache(maxsize=1024)
def _find_config(directory: str) -> Path | None:
    here = Path(directory)
    for name in CONFIG_NAMES:
        candidate = here / name
        if candidate.is_file():
            if name != "pyproject.toml" or _has_tool_table(candidate):
                return candidate
        elif os.path.lexists(candidate):
            raise ConfigError(f"{candidate}: {_not_a_file(candidate)}")
    if is_repository_root(here) or here.parent == here:
        return None
    return _find_config(str(here.parent))


def is_repository_root(directory) -> bool:
    """Does ``directory`` (a path or a string) hold ``.git`` or ``.hg``?"""
    return any(os.path.exists(os.path.join(directory, marker)) for marker in (".git", ".hg"))


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.git`` or ``.hg``."""
    found = _repository_root(_real_folder(os.path.abspath(start)))
    return Path(found) if found is not None else None


@functools.lru_cache(maxsize=4096)
def _real_folder(directory: str) -> str:
    """``os.path.realpath`` of an absolute, normalised path, from its
    parent's: one ``lstat`` for each folder a run asks about, not one for
    every component of its path."""
    parent, name = os.path.split(directory)
    if not name or parent == directory:
        return os.path.realpath(directory)
    joined = os.path.join(_real_folder(parent), name)
    return os.path.realpath(joined) if os.path.islink(joined) else joined


@functools.lru_cache(maxsize=1024)
def _repository_root(directory: str) -> str | None:
    # plain strings: this runs for every checked file's folder
    if is_repository_root(directory):
        return directory
    parent = os.path.dirname(directory)
    return None if parent == directory else _repository_root(parent)


def _has_tool_table(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return True  # reading it again reports why it cannot be read
    if b"connlint" not in data:
        return False  # no need to parse it
    return "connlint" in _read_toml(path).get("tool", {})


def _not_a_file(path: Path) -> str:
    """Why ``path``, which exists in some form, cannot be read as a config file."""
    if path.is_dir():
        return "is a directory, not a configuration file"
    if path.is_symlink() and not path.exists():
        return "is a dangling symbolic link"
    return "is not a regular file"


def load_settings(config_file: str | None, isolated: bool, cwd: Path | None = None) -> Settings:
    """The settings for files in ``cwd`` (the current directory)."""
    return settings_for(Path(cwd or Path.cwd()), config_file, isolated)


def settings_for(directory: Path, config_file: str | None = None, isolated: bool = False) -> Settings:
    """The settings that apply to the files in ``directory``: none with
    ``isolated``, else from ``config_file`` when given, else from the nearest
    settings file (``find_config``); without one, the defaults, rooted at
    ``default_root``."""
    if isolated:
        return Settings(root=default_root(directory))
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            if os.path.lexists(path):
                raise ConfigError(f"{config_file}: {_not_a_file(path)}")
            raise ConfigError(f"{config_file}: config file not found")
        return read_settings(path)
    path = find_config(directory)
    if path is None:
        return Settings(root=default_root(directory))
    return read_settings(path)


def default_root(directory: Path) -> Path:
    """The project root where no settings file says: the repository's root,
    else the current directory (one project for all such files of a run)."""
    return repository_root(directory) or _resolved(os.getcwd())


@functools.lru_cache(maxsize=8)
def _resolved(directory: str) -> Path:
    """``directory`` with its symbolic links resolved, once per directory
    (asked for every file of a run)."""
    return Path(directory).resolve()


def read_settings(path: Path) -> Settings:
    """The settings a file holds, after those of the file it ``extend``s."""
    return _read_settings(Path(path), ())


def _read_settings(path: Path, seen: tuple) -> Settings:
    """``path`` as given names it in messages; ``seen``, the files that extend it."""
    table = _read_table(path, require_tool_table=path.name == "pyproject.toml")
    settings = Settings(root=path.resolve().parent, source=path)
    extend = table.get("extend")
    if extend is not None:
        if not isinstance(extend, str) or not extend.strip():
            raise ConfigError(f"{path}: [tool.connlint] extend: expected the path of a settings file, got {extend!r}")
        base_path = Path(os.path.normpath(path.parent / extend))
        if base_path.resolve() in [p.resolve() for p in (*seen, path)]:
            raise ConfigError(f"{path}: [tool.connlint] extend: '{extend}' extends this file again (a cycle)")
        if not base_path.is_file():
            reason = _not_a_file(base_path) if os.path.lexists(base_path) else "not found"
            raise ConfigError(f"{path}: [tool.connlint] extend: '{extend}': {reason}")
        base = _read_settings(base_path, (*seen, path))
        settings = base.copy_with(root=settings.root, source=path, extended=[*base.extended, base_path])
    _apply_table(settings, {key: value for key, value in table.items() if key != "extend"}, str(path))
    return settings


def _read_toml(path: Path) -> dict:
    tomllib = toml_module()
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: invalid TOML: not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line {line})"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except ValueError:  # an integer of thousands of digits
        raise ConfigError(f"{path}: invalid TOML: {TOO_LONG_INTEGER}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read_table(path: Path, require_tool_table: bool) -> dict:
    data = _read_toml(path)
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
            import difflib

            close = difflib.get_close_matches(key.replace("_", "-"), sorted(KNOWN_KEYS), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{where}: [tool.connlint] unknown key '{key}'{hint}")
        if key in LIST_KEYS:
            values = _string_list(value, where, key)
            if key in ("select", "ignore", "extend-select"):
                values = check_codes(values, f"{where}: [tool.connlint] {key}")
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
                codes = check_codes(codes, f"{where}: [tool.connlint] per-file-ignores.\"{pattern}\"")
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
        raise ConfigError(f'{where}: [tool.connlint] {key}: expected a list of strings, got a string (write ["{value}"])')
    if not isinstance(value, list):
        raise ConfigError(f"{where}: [tool.connlint] {key}: expected a list of strings, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{where}: [tool.connlint] {key}: expected a list of strings, got {type(item).__name__} {item!r}")
    return value


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is no usable exclude / per-file-ignores glob, or None.

    Globs have gitignore semantics (``connlint.discovery``), where an
    unclosed ``[`` or a reversed range makes a pattern match nothing (git
    drops it silently) and a ``\\`` escaping nothing is invalid: all surely typos.
    As in .gitignore, ``\\`` escapes the next character, ``[!...]`` and
    ``[^...]`` negate, and a ``]`` right after ``[``, ``[!`` or ``[^`` is literal.
    """
    if not pattern:
        return "empty glob"
    if all(part in ("", ".") for part in pattern.split("/")):
        return "names no file or directory"
    for segment in pattern.split("/"):  # a bracket expression never spans a '/'
        problem = _segment_problem(segment)
        if problem:
            return problem
    return None


def _segment_problem(segment: str) -> str | None:
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        if ch == "\\":
            if i + 1 >= n:
                return "'\\' escapes nothing before a '/' or at the end (write '\\\\' to match a backslash)"
            i += 2
            continue
        if ch != "[":
            i += 1
            continue
        # as pathspec reads it: '!' or '^' negates, a ']' right after is literal
        start = i + 1
        j = start + 1 if start < n and segment[start] in "!^" else start
        first = j
        if j < n and segment[j] == "]":
            j += 1
        while j < n and segment[j] != "]":
            j += 1
        if j >= n:
            return "unclosed '[' (write '[[]' to match a literal '[')"
        body = segment[first:j]
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


def check_codes(codes, where: str) -> list[str]:
    """``codes`` as rule codes: each a code, a code prefix (``CNL1``) or a rule
    name (``unclosed-connection``); an unknown one is a ConfigError."""
    from connlint.registry import code_of_name, rule_codes

    known = [code for code, _ in rule_codes()]
    result = []
    for code in codes:
        upper = code.strip().upper()
        if CODE_PREFIX.match(upper) and any(k.startswith(upper) for k in known):
            result.append(upper)
            continue
        by_name = code_of_name(code.strip())
        if by_name is None:
            raise ConfigError(f"{where}: unknown rule code or name '{code}' (see 'connlint --list-rules')")
        result.append(by_name)
    return result


def split_codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip() for c in re.split(r"[,\s]+", text) if c.strip()]


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
        if matches(relative, [pattern]):
            codes.extend(v.upper() for v in values)
    return codes
