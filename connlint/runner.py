"""Runs the checker over many files: cache first, then the prefilter, then the
analysis, in worker processes when there is enough work to pay for them."""

from __future__ import annotations

import gc
import os
import sys

from connlint.paths import display_path

#: Below this much source to analyse, starting processes costs more than it saves.
PARALLEL_MIN_BYTES = 1_500_000
PARALLEL_MIN_FILES = 8


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def check_files(checker, files, cache=None, jobs: int = 1, progress: bool = False, project=None) -> list:
    """Findings for ``files``: from the cache where the file is unchanged,
    else read, prefiltered and analysed - in worker processes when there is
    enough source to pay for them.  ``checker`` may be a function that builds
    it, called only when a file has to be analysed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_files(checker, files, cache, jobs, progress, project)
    finally:
        if enabled:
            gc.enable()


def _check_files(checker, files, cache, jobs: int, progress: bool, project) -> list:
    findings = []
    pending = []  # (path, display, stat)
    reporter = _Progress(len(files)) if progress else None
    for path in files:
        display = display_path(path)
        try:
            stat_result = os.stat(path)
        except OSError:
            stat_result = None
        if cache is not None and stat_result is not None:
            cached = cache.lookup(display, stat_result, project.unchanged if project is not None else None)
            if cached is not None:
                findings.extend(cached)
                _tick(reporter)
                continue
        pending.append((path, display, stat_result))
    if pending and callable(checker):
        checker = checker()  # built only now: a run served from the cache never needs it
        if project is not None:
            project.checker  # noqa: B018 - the index's too, before any worker process starts
    size = sum(item[2].st_size for item in pending if item[2] is not None)
    want_digest = cache is not None
    if jobs > 1 and len(pending) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES:
        results = _parallel(checker, pending, want_digest, jobs, reporter, project)
    else:
        results = []
        for path, display, _ in pending:
            results.append(_process(checker, path, display, want_digest, cache, project))
            _tick(reporter)
    for (path, display, stat_result), (digest, file_findings, deps, summaries) in zip(pending, results):
        findings.extend(file_findings)
        if cache is not None:
            for summary_path, (summary_stat, summary, summary_deps) in summaries.items():
                cache.store_summary(summary_path, summary_stat, summary, summary_deps)
            if stat_result is not None and digest is not None:
                cache.store(display, stat_result, digest, file_findings, deps)
    if reporter is not None:
        reporter.done()
    return findings


# Syntax trees and the facts built on them hold no reference cycles (each
# file's are freed by reference counting as soon as it is done): the cyclic
# garbage collector only slows parsing down (by about 15 % on the benchmark
# corpus).  It runs between batches of files instead, on the young generation
# only, in case a cycle slips in: the catalog and the summaries live on.
COLLECT_EVERY = 200
_analysed = 0


def _process(checker, path, display, want_digest: bool, cache=None, project=None):
    """(content digest or None, findings, project modules relied on, summaries
    computed) for one file: read, prefilter, analyse."""
    global _analysed
    _analysed += 1
    if _analysed % COLLECT_EVERY == 0:
        gc.collect(0)
    display, data, failures = checker.read(path)
    if data is None:
        return None, failures, {}, {}
    digest = None
    if want_digest:
        from connlint.cache import content_hash

        digest = content_hash(data)
        if cache is not None:
            cached = cache.lookup_content(display, digest)  # touched, not changed
            if cached is not None:
                return digest, cached, {}, {}
    if project is None:
        findings = checker.check_bytes(display, data) if checker.prefilter.matches(data) else []
        return digest, findings, {}, {}
    from connlint.project import package_of

    if project.begin_check(data, path):
        findings = checker.check_bytes(display, data, project, package_of(path), force=True)
    else:
        findings = []
    computed, project.computed = project.computed, {}
    return digest, findings, dict(project.consulted), computed


# -- worker processes -----------------------------------------------------------

_worker_checker = None


_worker_project = None


def _init_worker(checker, project, parent: int | None = None) -> None:
    global _worker_checker, _worker_project
    if parent is not None:
        _end_with_parent(parent)
    _worker_checker, _worker_project = checker, project
    if project is not None:
        project.cache = None  # summaries travel back to the parent, which keeps the cache
    gc.disable()


#: prctl(2) option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def _end_with_parent(parent: int) -> None:
    """A worker ends with the run that started it, whatever ends the run: a
    worker blocked on its pipe or on the pool's lock would otherwise live on
    after a ``kill -9`` of the parent.  Ctrl-C is the parent's to handle (the
    terminal sends SIGINT to every process of the group): workers ignore it,
    and take the default SIGTERM, whatever handler they inherited."""
    import signal

    if not _kill_with_parent():
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), name="connlint-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _held_signals())  # held by the parent while it started us


def _kill_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Where prctl is missing: end once the parent is gone (adopted by another)."""
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _check_chunk(chunk):
    return [
        (index, _process(_worker_checker, path, display, want, None, _worker_project))
        for index, path, display, want in chunk
    ]


def _parallel(checker, pending, want_digest: bool, jobs: int, reporter, project=None) -> list:
    import multiprocessing  # only when there is enough work for processes
    from concurrent.futures import ProcessPoolExecutor

    # Files of one directory go to one chunk (they import each other: one
    # worker summarises their modules once); the largest groups are dealt first
    # to the lightest chunk, so the workers finish together.
    groups: dict = {}
    for index, (path, display, stat_result) in enumerate(pending):
        groups.setdefault(os.path.dirname(os.path.abspath(path)), []).append(index)
    def weight(indexes):
        return sum(pending[i][2].st_size if pending[i][2] is not None else 0 for i in indexes)
    chunk_count = min(len(groups), jobs * 8)
    chunks = [[] for _ in range(chunk_count)]
    loads = [0] * chunk_count
    for indexes in sorted(groups.values(), key=weight, reverse=True):
        lightest = loads.index(min(loads))
        loads[lightest] += weight(indexes)
        chunks[lightest].extend((i, pending[i][0], pending[i][1], want_digest) for i in indexes)
    chunks.sort(key=lambda chunk: -sum(pending[i][2].st_size if pending[i][2] else 0 for i, *_ in chunk))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    results = [None] * len(pending)
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(checker, project, os.getpid())
    )
    try:
        with _signals_held():  # the workers start with them held, and set their own handlers first
            outcomes = pool.map(_check_chunk, chunks)  # submits every chunk: the workers start here
        for done in outcomes:
            for index, result in done:
                results[index] = result
                _tick(reporter)
        pool.shutdown(wait=True)
    except BaseException:  # Ctrl-C (KeyboardInterrupt), a worker's error: no waiting for the others
        _stop_workers(pool)
        raise
    return results


def _held_signals() -> set:
    import signal

    return {signal.SIGINT, signal.SIGTERM}


class _signals_held:
    """SIGINT and SIGTERM held (blocked) in this thread: a worker forked
    meanwhile gets them only once it has set its handlers, and the pool's
    threads started meanwhile never get them (the main thread does)."""

    def __enter__(self):
        import signal

        self.previous = None
        if hasattr(signal, "pthread_sigmask"):
            self.previous = signal.pthread_sigmask(signal.SIG_BLOCK, _held_signals())
        return self

    def __exit__(self, *exc_info):
        if self.previous is not None:
            import signal

            signal.pthread_sigmask(signal.SIG_SETMASK, self.previous)  # a signal that came meanwhile acts now
        return False


def _stop_workers(pool) -> None:
    """End the pool at once: its workers are killed rather than waited for
    (each may be busy with a chunk of many files)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor lists no workers publicly
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass  # already gone
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.join(1.0)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass


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
