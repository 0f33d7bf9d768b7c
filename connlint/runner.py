"""Runs the checker over many files: cache first, then the prefilter, then the
analysis, in worker processes when there is enough work to pay for them."""

from __future__ import annotations

import os
import sys

from connlint.engine import display_path
from connlint.prefilter import could_matter

#: Below this much source to analyse, starting processes costs more than it saves.
PARALLEL_MIN_BYTES = 1_500_000
PARALLEL_MIN_FILES = 8


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def check_files(checker, files, cache=None, jobs: int = 1, progress: bool = False) -> list:
    if cache is not None:
        from connlint.cache import content_hash
    findings = []
    pending = []  # (path, display, stat, digest, data)
    reporter = _Progress(len(files)) if progress else None
    for path in files:
        display = display_path(path)
        try:
            stat_result = os.stat(path)
        except OSError:
            stat_result = None
        if cache is not None and stat_result is not None:
            cached = cache.lookup(display, stat_result)
            if cached is not None:
                findings.extend(cached)
                _tick(reporter)
                continue
        display, data, failures = checker.read(path)
        if data is None:
            findings.extend(failures)
            _tick(reporter)
            continue
        digest = content_hash(data) if cache is not None else None
        if cache is not None:
            cached = cache.lookup_content(display, digest)
            if cached is not None:
                cache.store(display, stat_result, digest, cached)  # remember the new mtime
                findings.extend(cached)
                _tick(reporter)
                continue
        if not could_matter(checker.prefilter, data):
            if cache is not None:
                cache.store(display, stat_result, digest, [])
            _tick(reporter)
            continue
        pending.append((path, display, stat_result, digest, data))
    size = sum(len(item[4]) for item in pending)
    if jobs > 1 and len(pending) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES:
        results = _parallel(checker, pending, jobs, reporter)
    else:
        results = []
        for _, display, _, _, data in pending:
            results.append(checker.check_bytes(display, data))
            _tick(reporter)
    for (path, display, stat_result, digest, _), file_findings in zip(pending, results):
        findings.extend(file_findings)
        if cache is not None and stat_result is not None:
            cache.store(display, stat_result, digest, file_findings)
    if reporter is not None:
        reporter.done()
    return findings


# -- worker processes -----------------------------------------------------------

_worker_checker = None


def _init_worker(checker) -> None:
    global _worker_checker
    _worker_checker = checker


def _check_chunk(chunk):
    return [(index, _worker_checker.check_bytes(display, data)) for index, display, data in chunk]


def _parallel(checker, pending, jobs: int, reporter) -> list:
    import multiprocessing  # only when there is enough work for processes
    from concurrent.futures import ProcessPoolExecutor

    # Largest files first, dealt round-robin, so the workers finish together.
    order = sorted(range(len(pending)), key=lambda i: len(pending[i][4]), reverse=True)
    chunk_count = min(len(pending), jobs * 4)
    chunks = [[] for _ in range(chunk_count)]
    for position, index in enumerate(order):
        _, display, _, _, data = pending[index]
        chunks[position % chunk_count].append((index, display, data))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    results = [None] * len(pending)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(checker,)) as pool:
        for done in pool.map(_check_chunk, chunks):
            for index, file_findings in done:
                results[index] = file_findings
                _tick(reporter)
    return results


# -- progress -----------------------------------------------------------------------


class _Progress:
    """``connlint: 120/1848 files`` on a terminal's stderr, rewritten in place."""

    def __init__(self, total: int):
        self.total = total
        self.count = 0
        self.shown = -1

    def tick(self) -> None:
        self.count += 1
        percent = self.count * 100 // max(self.total, 1)
        if percent != self.shown:
            self.shown = percent
            sys.stderr.write(f"\rconnlint: {self.count}/{self.total} files")
            sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _tick(reporter) -> None:
    if reporter is not None:
        reporter.tick()


def show_progress(file_count: int) -> bool:
    """Only on an interactive terminal, never in CI or pre-commit logs."""
    return file_count > 200 and sys.stderr.isatty() and not os.environ.get("CI") and not os.environ.get("PRE_COMMIT")
