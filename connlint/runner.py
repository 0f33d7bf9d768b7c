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
    keys = [os.path.abspath(path) for path, _, _ in pending]  # each file's path as the project index knows it
    if project is not None:
        project.checking = {key: display for key, (_, display, _) in zip(keys, pending)}
        project.keep_computed = cache is not None  # the workers' summaries travel back only to be cached
    size = sum(item[2].st_size for item in pending if item[2] is not None)
    large = len(pending) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES
    # a few files (pre-commit) read only the summaries their checks ask for:
    # planning would read the whole import graph around them
    if project is not None:
        # a planned run asks for the summary of every module imported (without
        # a cache, its plan narrows this: ``_units``); a few files
        # (pre-commit) mostly for none of theirs
        project.summarised = None if large else project.imported_among(keys)
    run = _Run(checker, pending, keys, cache is not None, project, reporter)
    if jobs > 1 and large:
        _parallel(run, lambda: _units(run, project), jobs)
    else:
        from connlint.schedule import in_order

        units = _units(run, project if large else None)
        for number in in_order(units):
            outcomes, _, computed = _check_unit(checker, project, run.work(units[number]), cache)
            run.done(outcomes, computed)
    for (path, display, stat_result), (digest, file_findings, deps) in zip(pending, run.results):
        findings.extend(file_findings)
        if cache is not None and stat_result is not None and digest is not None:
            cache.store(display, stat_result, digest, file_findings, deps)
    if cache is not None:
        for summary_path, (summary_stat, summary, summary_deps) in sorted(run.summaries.items()):
            cache.store_summary(summary_path, summary_stat, summary, summary_deps)
    if reporter is not None:
        reporter.done()
    return findings


def _units(run, project) -> list:
    """The plan of the run (``connlint.schedule``); without a project index,
    one unit per file, in the order given."""
    from connlint.schedule import Unit, plan

    pending, keys = run.pending, run.keys
    if project is not None:
        sizes = {key: stat.st_size for key, (_, _, stat) in zip(keys, pending) if stat is not None}
        # without a cache, a file never checked is not even read (with one, its
        # content digest is wanted)
        units = plan(project, [path for path, _, _ in pending], sizes, leave_out=not run.want_digest)
        if not run.want_digest:
            # nothing reads the summary of a module no checked file imports
            # (its unit settles no module); a cache would keep it for later runs
            project.summarised = {member for unit in units for member in unit.members}
        planned = {index for unit in units for index in unit.items}
        run.done([(index, (None, [], {})) for index in range(len(pending)) if index not in planned], {})
        return units
    units = []
    for index, (_, _, stat_result) in enumerate(pending):
        unit = Unit(())
        unit.items.append(index)
        unit.weight = unit.priority = stat_result.st_size if stat_result is not None else 0
        units.append(unit)
    return units


class _Run:
    """What a run has to do and what it has found so far."""

    def __init__(self, checker, pending, keys: list, want_digest: bool, project, reporter):
        self.checker = checker
        self.pending = pending
        self.keys = keys  # the absolute path of each pending file
        self.want_digest = want_digest
        self.project = project
        self.reporter = reporter
        self.results: list = [None] * len(pending)  # per file: (digest, findings, summaries relied on)
        self.summaries: dict = {}  # path -> (stat, summary, what it read): computed, for the cache

    def work(self, unit) -> tuple:
        """(modules to settle, the files to check) of a unit, as a worker needs them."""
        return unit.members, [(index, *self.pending[index], self.want_digest) for index in unit.items]

    def done(self, outcomes: list, computed: dict) -> None:
        for index, result in outcomes:
            self.results[index] = result
            _tick(self.reporter)
        for path, entry in computed.items():
            # a summary with its functions' parameters worked out is what a
            # result that read them relies on: another worker's from before
            # they were worked out does not replace it
            kept = self.summaries.get(path)
            if kept is None or not entry[1].unread or kept[1].unread:
                self.summaries[path] = entry


def _check_unit(checker, project, work: tuple, cache=None) -> tuple:
    """Check a unit's files, then settle the summaries of its modules that
    their checks did not: ([(file index, result)], summaries settled (for
    other workers), summaries computed (for the cache))."""
    members, items = work
    if project is not None and len(members) > 1:
        project.solve_cycle(members)  # solved first: its members' checks come with it
    outcomes = [
        (index, _process(checker, path, display, stat_result, want, cache, project))
        for index, path, display, stat_result, want in items
    ]
    if project is None:
        return outcomes, {}, {}
    for member in members:  # those their checks did not settle
        project.path_digest(member)
    settled, project.fresh = project.fresh, {}
    computed, project.computed = project.computed, {}
    return outcomes, settled, computed


# Syntax trees and the facts built on them hold no reference cycles (each
# file's are freed by reference counting as soon as it is done): the cyclic
# garbage collector only slows parsing down (by about 15 % on the benchmark
# corpus).  It runs between batches of files instead, on the young generation
# only, in case a cycle slips in: the catalog and the summaries live on.
COLLECT_EVERY = 200
_analysed = 0


def _process(checker, path, display, stat_result, want_digest: bool, cache=None, project=None):
    """(content digest or None, findings, project modules relied on) for one
    file: read, prefilter, analyse."""
    global _analysed
    _analysed += 1
    if _analysed % COLLECT_EVERY == 0:
        gc.collect(0)
    display, data, failures = checker.read(path)
    if data is None:
        return None, failures, {}
    digest = None
    if want_digest:
        from connlint.cache import content_hash

        digest = content_hash(data)
        if cache is not None:
            cached = cache.lookup_content(display, digest)  # touched, not changed
            if cached is not None:
                return digest, cached, {}
    if project is None:
        findings = checker.check_bytes(display, data) if checker.prefilter.names_catalog(data) else []
        return digest, findings, {}
    from connlint.project import package_of

    if project.begin_check(data, path):
        early = project.early_findings(path)
        if early is not None:
            findings, relied_on = early
            project.consulted.update(relied_on)
        else:
            findings = checker.check_bytes(
                display, data, project, package_of(path), force=True,
                on_facts=lambda facts: project.summarise_checked(path, facts, stat_result),
            )
    else:
        findings = []
    return digest, findings, dict(project.consulted)


# -- worker processes -----------------------------------------------------------

def _serve(connection, checker, project, parent: int | None = None) -> None:
    """A worker process: checks the units it is sent, with the summaries
    other workers settled meanwhile, until it is sent None."""
    if parent is not None:
        _end_with_parent(parent)
    if project is not None:
        project.cache = None  # summaries travel back to the parent, which keeps the cache
    gc.disable()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        try:
            if task[0] == "scan":  # the run's plan reads every file's imports: a share of them read here
                answer = project.scan(task[1])
            else:
                _, batch, settled, planned = task
                if project is not None:
                    project.adopt(settled)
                    if planned is not None:  # with the first batch: what the parent's plan knows
                        scans, project.summarised = planned
                        project.adopt_scans(scans)
                answer = [(number, *_check_unit(checker, project, work)) for number, work in batch]
        except BaseException as exc:  # noqa: BLE001 - the parent raises it
            answer = exc
        connection.send(answer)
    connection.close()


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


#: A worker is sent a few units at a time (up to this much source, or one
#: larger unit), and its next batch before it has finished the current one.
BATCH_BYTES = 200_000
BATCH_UNITS = 64
IN_FLIGHT = 2


class _Worker:
    def __init__(self, process, connection):
        self.process = process
        self.connection = connection
        self.batches = 0  # sent, not yet answered
        self.weight = 0  # bytes of the units sent, not yet answered
        self.sizes: list[int] = []  # the same, per batch, oldest first
        self.known = 0  # how much of the run's settled summaries it has been sent
        self.early = 0  # batches sent before the plan was made, not yet answered

    def send(self, batch: list, size: int, news: dict, owed) -> None:
        """A batch of work (``size`` bytes of source) with the summaries
        others settled since its last, and what it is owed of the plan."""
        self.connection.send(("check", batch, news, owed))
        self.batches += 1
        self.weight += size
        self.sizes.append(size)


def _parallel(run, make_units, jobs: int) -> None:
    """Check the units of the plan ``make_units`` makes in worker processes,
    each unit once the units it waits for are done; the summaries a worker
    settles go to the others with their next batch.  The workers start
    first and read the files' imports for the plan, each a share of them,
    then check files that wait for nothing while the plan is made."""
    import heapq
    import multiprocessing  # only when there is enough work for processes
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    settled: list = []  # (path, (summary, digest)), in the order they arrived
    workers: list[_Worker] = []
    try:
        with _signals_held():  # the workers start with them held, and set their own handlers first
            for _ in range(min(jobs, len(run.pending))):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_serve, args=(theirs, run.checker, run.project, os.getpid()), daemon=True
                )
                process.start()
                theirs.close()
                workers.append(_Worker(process, ours))
        scans = _scan_in(workers, run)
        early = _send_alone(workers, run)  # checks under way while the plan is made
        units = make_units()
        unit_of_file = {index: number for number, unit in enumerate(units) for index in unit.items}
        started = {unit_of_file[index] for index in early}
        # each worker's first batch of the plan brings the imports the others
        # read, and which checked modules give their summaries
        owed = {worker: (scans.get(worker, {}), run.project.summarised) for worker in workers} if run.project else {}
        waiting = [len(unit.waits_for) for unit in units]
        ready = [
            (-unit.priority, number) for number, unit in enumerate(units) if not waiting[number] and number not in started
        ]
        heapq.heapify(ready)
        remaining = len(units)
        by_connection = {worker.connection: worker for worker in workers}
        while remaining:
            for worker in workers:
                # a next batch waits behind a small one only: a large unit (an
                # import cycle) queued behind another would leave a worker idle
                while ready and (not worker.batches or worker.batches < IN_FLIGHT and worker.weight < BATCH_BYTES):
                    batch, size = [], 0
                    while ready and size < BATCH_BYTES and len(batch) < BATCH_UNITS:
                        number = heapq.heappop(ready)[1]
                        batch.append((number, run.work(units[number])))
                        size += units[number].weight
                    news = dict(settled[worker.known:])
                    worker.known = len(settled)
                    worker.send(batch, size, news, owed.pop(worker, None))
            busy = [worker.connection for worker in workers if worker.batches]
            if not busy:  # cannot happen: every unit waits only for units of the plan
                raise RuntimeError("connlint: the check plan has a unit that can never be ready")
            for connection in wait(busy):
                worker = by_connection[connection]
                answer = _answer(worker)
                worker.batches -= 1
                worker.weight -= worker.sizes.pop(0)
                if worker.early:  # a batch sent before the plan: its units are numbered by file
                    worker.early -= 1
                    answer = [(unit_of_file[index], *rest) for index, *rest in answer]
                for number, outcomes, fresh, computed in answer:
                    run.done(outcomes, computed)
                    settled.extend(fresh.items())
                    remaining -= 1
                    for other in units[number].unblocks:
                        waiting[other] -= 1
                        if not waiting[other]:
                            heapq.heappush(ready, (-units[other].priority, other))
        for worker in workers:
            worker.connection.send(None)
        for worker in workers:
            worker.process.join()
    except BaseException:  # Ctrl-C (KeyboardInterrupt), a worker's error: no waiting for the others
        _stop_workers(workers)
        raise


def _answer(worker):
    """The worker's answer to what it was last sent; its error, raised here."""
    try:
        answer = worker.connection.recv()
    except EOFError:
        raise RuntimeError(
            f"connlint: a worker process ended unexpectedly (exit code {worker.process.exitcode})"
        ) from None
    if isinstance(answer, BaseException):
        raise answer
    return answer


def _scan_in(workers: list, run) -> dict:
    """Have the workers read the imports of the run's files, a share each,
    for the parent's plan; each worker is then owed the others' share."""
    if run.project is None:
        return {}
    for number, worker in enumerate(workers):
        worker.connection.send(("scan", [run.keys[index] for index in _share(run, number, workers)]))
    shares = [_answer(worker) for worker in workers]
    owed = {}
    for number, worker in enumerate(workers):
        run.project.adopt_scans(shares[number])
        owed[worker] = {key: scan for other, share in enumerate(shares) if other != number for key, scan in share.items()}
    return owed


#: While the parent makes the plan, each worker checks about this much
#: source per file of the run: beside the busy workers the plan takes about
#: 50 µs a file, and a worker checks 3 to 4 MB of source a second.
ALONE_BYTES_PER_FILE = 200


def _send_alone(workers: list, run) -> list:
    """Send the workers, to check while the parent makes the plan, files
    whose checks wait for no summary (``ProjectIndex.stands_alone``), in the
    order of the run's files: each to the worker with the least source so
    far, up to ``ALONE_BYTES_PER_FILE`` per file of the run each, in at most
    ``IN_FLIGHT`` batches.  The parent reads no answer until the plan is
    made: more batches could fill both ways of the pipe, the worker blocked
    on an answer, the parent on a batch.  Their answers name each unit by
    its file's index.  The indexes of the files sent; the other files wait
    for the plan."""
    from connlint.schedule import Unit

    keys = run.keys
    if run.project is None or len(set(keys)) != len(keys):  # a file twice: its unit would hold both
        return []
    budget = ALONE_BYTES_PER_FILE * len(keys)
    per_batch = max(BATCH_BYTES, budget // IN_FLIGHT)
    batches = {worker: ([], 0) for worker in workers}
    given = {worker: 0 for worker in workers}
    sent: list = []
    for index, key in enumerate(keys):
        open_ones = [worker for worker in workers if worker.batches < IN_FLIGHT and given[worker] < budget]
        if not open_ones:
            break
        stat_result = run.pending[index][2]
        if stat_result is None or not run.project.stands_alone(key):
            continue
        worker = min(open_ones, key=lambda one: given[one])  # the first of equals: the order depends on the files only
        # its summary, should the plan find a module importing it, comes
        # from its check: the worker has no narrowed ``summarised`` yet
        unit = Unit(())
        unit.items.append(index)
        batch, size = batches[worker]
        batch.append((index, run.work(unit)))
        size += stat_result.st_size
        given[worker] += stat_result.st_size
        batches[worker] = (batch, size)
        if size >= per_batch or len(batch) >= BATCH_UNITS:
            _send_early(worker, batch, size, sent)
            batches[worker] = ([], 0)
    for worker, (batch, size) in batches.items():
        if batch:
            _send_early(worker, batch, size, sent)
    return sent


def _send_early(worker, batch: list, size: int, sent: list) -> None:
    worker.send(batch, size, {}, None)
    worker.early += 1
    sent.extend(index for index, _ in batch)


def _share(run, number: int, workers: list) -> range:
    """The indexes of the run's files whose imports worker ``number`` reads."""
    return range(number, len(run.keys), len(workers))


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


def _stop_workers(workers: list) -> None:
    """End the workers at once: killed rather than waited for."""
    for worker in workers:
        try:
            worker.process.kill()
        except (OSError, ValueError, AttributeError):
            pass  # already gone
    for worker in workers:
        try:
            worker.process.join(1.0)
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
