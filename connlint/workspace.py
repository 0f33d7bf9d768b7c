"""The one check path every door uses: the command line, standard input, the
flake8 plugin, fixes, ``connlint inventory`` and the language server.

A ``Workspace`` finds, for each file, the settings that apply to it (the
nearest settings file, see ``connlint.config.find_config``) and the
``Project`` those settings make: the project root, the rule selection, the
checker, the index of the project's modules (for cross-module findings), the
results cache and the baseline.  Checking a file on disk and checking text
that stands for it (an editor's buffer, standard input) go through the same
``Project.check_source``, so every door gives the same findings.
"""

from __future__ import annotations

import os
from pathlib import Path

from connlint.config import Selection, default_root, find_config, is_repository_root, settings_for
from connlint.record import Record, field


class Overrides(Record, frozen=True):
    """What the command line (or an editor's settings) says over the files."""

    select: list | None = None  # replaces the configured selection
    ignore: list | None = None
    extend_select: list = field(factory=list)
    config_file: str | None = None  # --config: these settings for every file
    isolated: bool = False  # --isolated: no settings file at all
    cache: bool = True
    cache_dir: str | None = None
    explicit: list = field(factory=list)  # codes selected in full elsewhere (flake8's --select)


class Project:
    """The files one set of settings applies to, and what checking them needs."""

    def __init__(self, settings, overrides: Overrides):
        self.settings = settings
        self.root = settings.root
        self.selection = Selection(
            overrides.select if overrides.select is not None else settings.select,
            overrides.ignore if overrides.ignore is not None else settings.ignore,
            [*settings.extend_select, *overrides.extend_select, *overrides.explicit],
        )
        self._checker = None
        self.cache = self._open_cache(overrides) if overrides.cache else None
        self.refresh_index()

    def refresh_index(self) -> None:
        """Forget what was read of the project's modules (files changed on
        disk, or an editor's buffer imports something else): the next check
        reads them again, the results cache answering for those unchanged."""
        from connlint.project import ProjectIndex

        self.index = ProjectIndex(lambda: self.checker, (self.root, self.root / "src"), self.cache)

    @property
    def checker(self):
        """The catalog, the prefilter and the selected rules, built when a
        file is analysed: a run served from the cache never needs them."""
        if self._checker is None:
            from connlint.engine import Checker

            self._checker = Checker(self.settings, self.selection)
        return self._checker

    def _open_cache(self, overrides: Overrides):
        from connlint.cache import ResultCache, configuration_key
        from connlint.catalog import catalog_dir
        from connlint.frameworks import frameworks_dir

        if overrides.cache_dir:
            directory = Path(overrides.cache_dir)
        elif self.settings.source is not None or is_repository_root(self.root):
            directory = self.root / ".connlint_cache"
        else:
            return None  # no project root to keep it in: never litter an unrelated directory
        from connlint.registry import rule_codes

        selection = self.selection
        rules = [(code, selection.explicit(code)) for code, _ in rule_codes() if selection.enabled(code)]
        key = configuration_key(self.settings, rules, (catalog_dir(), frameworks_dir()))
        return ResultCache(directory, key)

    def relative(self, path) -> str:
        """``path`` relative to the project root, as baselines and SARIF record it."""
        absolute = os.path.abspath(path)
        try:
            return Path(absolute).relative_to(self.root).as_posix()
        except ValueError:
            return Path(absolute).as_posix()

    @property
    def baseline_path(self) -> Path | None:
        return self.root / self.settings.baseline if self.settings.baseline else None

    def check_files(self, files, jobs: int = 1, progress: bool = False) -> list:
        from connlint import runner

        return runner.check_files(lambda: self.checker, files, self.cache, jobs, progress=progress, project=self.index)

    def check_source(self, path, data: bytes, noqa: bool = True, display: str | None = None) -> list:
        """The findings for ``data`` standing for the file at ``path``, with
        the rest of the project in view: what checking that file on disk
        gives.  ``noqa`` False keeps what ``# noqa`` comments suppress
        (flake8 applies its own); ``display`` is the path to report."""
        from connlint.paths import display_path
        from connlint.project import package_of

        display = display or display_path(Path(path))
        if not self.index.begin_check(data, path):
            return []
        return self.checker.check_bytes(display, data, self.index, package_of(path), force=True, noqa=noqa)

    def facts(self, path):
        """The facts of the file at ``path`` (``connlint inventory``), or None
        when it cannot create a catalog resource or cannot be read."""
        from connlint.project import package_of

        display, data, _ = self.checker.read(path)
        if data is None:
            return None
        if not self.index.begin_check(data, path):
            return None
        facts, _ = self.checker.analyse(display, data, self.index, package_of(path), force=True)
        return facts

    def analyser(self, path):
        """``data -> findings`` for new text of the file at ``path`` (fixes re-check their output)."""
        display = "-" if str(path) == "-" else None
        return lambda data: self.check_source(path, data, display=display)

    def save(self) -> None:
        if self.cache is not None:
            self.cache.save()


class Workspace:
    """The projects of one run, found from the files it checks."""

    def __init__(self, overrides: Overrides | None = None):
        self.overrides = overrides or Overrides()
        self._projects: dict = {}  # settings file (or root) -> Project
        self._by_folder: dict = {}  # folder -> its Project: a run asks for every file of a folder

    def project_for(self, path) -> Project:
        """The project of a file or directory (raises ConfigError, CatalogError)."""
        path = os.path.abspath(path)
        return self._project_in(path if os.path.isdir(path) else os.path.dirname(path))

    def _project_in(self, folder: str) -> Project:
        """The project of the files of ``folder`` (absolute)."""
        project = self._by_folder.get(folder)
        if project is None:
            project = self._by_folder[folder] = self._project_of_folder(Path(folder))
        return project

    def _project_of_folder(self, directory: Path) -> Project:
        overrides = self.overrides
        # which settings apply, as settings_for decides, without reading them again
        if overrides.isolated:
            source = None
        else:
            source = overrides.config_file or find_config(directory)
        key = ("settings", str(source)) if source is not None else ("defaults", str(default_root(directory)))
        project = self._projects.get(key)
        if project is None:
            settings = settings_for(directory, overrides.config_file, overrides.isolated)
            project = self._projects[key] = Project(settings, overrides)
        return project

    @property
    def projects(self) -> list:
        return list(self._projects.values())

    def group(self, files) -> list:
        """(project, its files) in the order the projects first appear."""
        groups: dict = {}
        for path in files:
            project = self._project_in(os.path.dirname(os.path.abspath(path)))  # files, as discovery found them
            groups.setdefault(id(project), (project, []))[1].append(path)
        return list(groups.values())

    def check_files(self, files, jobs: int = 1, progress: bool = False) -> list:
        findings = []
        for project, paths in self.group(files):
            findings.extend(project.check_files(paths, jobs, progress))
            project.save()
        return findings

    def check_source(self, path, data: bytes, noqa: bool = True, display: str | None = None) -> list:
        return self.project_for(path).check_source(path, data, noqa, display)

    def relative(self, path) -> str:
        """A finding's path relative to its project root (baselines, SARIF)."""
        return self.project_for(path).relative(path)

