"""connlint's benchmark against ruff and flake8, on two pinned PyPI corpora.

    python bench/run.py [--runs 5] [--out bench/results] [--corpus libraries|applications|both]

Builds the corpora (12 pinned libraries; 21 pinned applications, built by
``bench/apps.sh``; Python sources only) and a separate virtualenv with ruff,
flake8 and matplotlib, then measures each corpus with alternating runs
(connlint, ruff, connlint, ruff, ...) and reports medians:

1. cold full scan: ``connlint --no-cache`` vs ``ruff check --no-cache --isolated --select SIM115``
   (and flake8 on the applications)
2. warm re-run (results cache filled) vs the same ruff command
3. pre-commit shape: ten fixed files that import large libraries (or, in the
   applications, their own modules), with no cache and with the cache warm,
   vs flake8 and ruff
4. peak memory (RSS) of each
5. scaling: a quarter, half and all of the corpus
6. what the prefilter saves, and what ``import connlint.cli`` imports

Writes ``results.md``, ``results.json`` and ``scaling.png`` to the output
folder and prints the table.  Timings are wall-clock medians on this
machine; ratios compare runs taken side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "connlint-bench"

# The reference corpus: pinned wheels, Python files only (about 1,850 files, 24 MB).
CORPUS = [
    "django==5.2.19", "sqlalchemy==2.0.58", "celery==5.7.0", "flask==3.1.3", "werkzeug==3.1.9",
    "requests==2.34.2", "redis==8.1.0", "pymongo==4.20.1", "httpx==0.28.1", "aiohttp==3.14.5",
    "psycopg==3.3.9", "sqlmodel==0.0.50",
]
# Ten files a commit might touch, each importing a large library (or, in the
# libraries, being part of one): the project model reads what they import.
PRE_COMMIT_FILES = [
    "django/django/db/backends/postgresql/base.py",
    "django/django/db/backends/mysql/base.py",
    "sqlalchemy/sqlalchemy/engine/create.py",
    "requests/requests/sessions.py",
    "pymongo/pymongo/synchronous/database.py",
    "redis/redis/utils.py",
    "celery/celery/backends/database/session.py",
    "psycopg/psycopg/connection.py",
    "httpx/httpx/_client.py",
    "aiohttp/aiohttp/web_request.py",
]
# The application corpus (bench/apps.sh): ten modules of the applications that
# use a database or network client and import their own project's modules.
APP_PRE_COMMIT_FILES = [
    "isso/isso/db/__init__.py",
    "privacyidea/privacyidea/lib/config.py",
    "flexget/flexget/manager.py",
    "buku/buku.py",
    "limnoria/src/utils/web.py",
    "arq/arq/connections.py",
    "saq/saq/queue/redis.py",
    "sqladmin/sqladmin/application.py",
    "rq_dashboard/rq_dashboard/web.py",
    "matrix_sydent/sydent/db/sqlitedb.py",
]
TOOLS = ["ruff", "flake8", "matplotlib"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_corpus() -> Path:
    corpus = CACHE / "corpus"
    source = corpus / "src"
    if (corpus / ".complete").exists():
        return source
    wheels = corpus / "whl"
    wheels.mkdir(parents=True, exist_ok=True)
    log("building the corpus (pip download) ...")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(wheels), *CORPUS],
        check=True,
    )
    shutil.rmtree(source, ignore_errors=True)
    for wheel in sorted(wheels.glob("*.whl")):
        name = wheel.name.split("-", 1)[0].lower()
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.endswith(".py"):
                    archive.extract(member, source / name)
    (corpus / ".complete").touch()
    return source


def build_apps() -> Path:
    """The application corpus, built by bench/apps.sh (idempotent)."""
    done = subprocess.run(["bash", str(HERE / "apps.sh"), str(CACHE / "apps")], check=True,
                          capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1])


def install_connlint() -> Path:
    """A regular (not editable) install of this checkout, as users have it."""
    venv = CACHE / "connlint-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log("installing this checkout of connlint (pip install .) ...")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(ROOT)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    return venv / "bin"


def build_tools() -> Path:
    venv = CACHE / "tools"
    python = venv / "bin" / "python"
    if not python.exists():
        log("installing ruff, flake8 and matplotlib in a separate virtualenv ...")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *TOOLS], check=True)
    return venv / "bin"


def measure(command, cwd, env=None) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024


def tree_peak_rss(command, cwd, env=None) -> int | None:
    """Peak memory in MB of a run summed over its processes (the parent and
    its workers), sampled every 10 ms from /proc: the most they held at once.
    Each process counts its proportional set size (PSS: a page the workers
    share with the parent they were forked from counts once in all), or its
    RSS where the kernel gives no PSS.  None where /proc is missing."""
    if not os.path.isdir("/proc/self/task"):
        return None
    field = "Pss:" if os.path.exists("/proc/self/smaps_rollup") else "VmRSS:"
    source = "smaps_rollup" if field == "Pss:" else "status"
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        total = 0
        for pid in _tree(process.pid):
            try:
                with open(f"/proc/{pid}/{source}", encoding="ascii", errors="replace") as handle:
                    total += next((int(line.split()[1]) for line in handle if line.startswith(field)), 0)
            except (OSError, ValueError):
                pass  # ended meanwhile
        peak = max(peak, total)
        time.sleep(0.01)
    return peak // 1024


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, work = [], [pid]
    while work:
        current = work.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as handle:
                work.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            pass
    return found


def alternate(commands: dict, runs: int, cwd, before=None) -> dict:
    """Run the commands in turn, ``runs`` rounds; medians per command."""
    times = {name: [] for name in commands}
    memory = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():
            if before is not None:
                before(name)
            elapsed, rss = measure(command, cwd, env)
            times[name].append(elapsed)
            memory[name].append(rss)
    return {
        name: {"median_s": statistics.median(times[name]), "runs_s": times[name], "peak_rss_mb": max(memory[name])}
        for name in commands
    }


def subset(source: Path, fraction: float, target: Path) -> Path:
    """Every n-th corpus file (a sample with the whole corpus's mix of
    packages), ``fraction`` of them, linked into ``target``."""
    files = sorted(p for p in source.rglob("*.py"))
    step = round(1 / fraction)
    # every package's __init__.py stays, so that module names are what they are in the corpus
    keep = sorted(set(files[::step]) | {p for p in files if p.name == "__init__.py"})
    if target.exists():
        shutil.rmtree(target)
    for path in keep:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, destination)
    return target


def imported_modules(python: str) -> dict:
    probe = "import sys, connlint.cli; print(','.join(sorted(sys.modules)))"
    modules = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    names = modules.split(",")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    timing = subprocess.run([python, "-X", "importtime", "-c", "import connlint.cli"], capture_output=True,
                            text=True, env=env).stderr
    total = 0
    for line in timing.splitlines():
        if line.rstrip().endswith("connlint.cli"):
            total = int(line.split("|")[1])
    return {
        "libcst_imported": any(n == "libcst" or n.startswith("libcst.") for n in names),
        "astroid_imported": any(n == "astroid" or n.startswith("astroid.") for n in names),
        "connlint_cli_import_us": total,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--corpus", choices=("libraries", "applications", "both"), default="both")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    tools = build_tools()
    installed = install_connlint()
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    if args.corpus in ("libraries", "both"):
        results["libraries"] = measure_corpus("libraries", build_corpus(), PRE_COMMIT_FILES, installed, tools, args.runs)
    if args.corpus in ("applications", "both"):
        results["applications"] = measure_corpus(
            "applications", build_apps(), APP_PRE_COMMIT_FILES, installed, tools, args.runs
        )
    results["imports"] = imported_modules(str(installed / "python"))
    report(results, args.out, tools)
    return 0


def measure_corpus(name: str, source: Path, pre_commit_files: list, installed: Path, tools: Path, runs: int) -> dict:
    connlint = [str(installed / "connlint"), "--isolated", "-q", "--exit-zero"]
    ruff = [str(tools / "ruff"), "check", "--no-cache", "--isolated", "--select", "SIM115", "-q", "--exit-zero"]
    flake8 = [str(tools / "flake8"), "--isolated", "--exit-zero", "--select", "E,W,F"]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' installs have their bytecode cached
    scratch = CACHE / "scratch" / name
    scratch.mkdir(parents=True, exist_ok=True)
    cache_dir = scratch / "connlint-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    results: dict = {"files": sum(1 for _ in source.rglob("*.py"))}

    log(f"[{name}] 1. cold full scan ...")
    cold = {"connlint": ([*connlint, "--no-cache", str(source)], env), "ruff SIM115": ([*ruff, str(source)], env)}
    if name == "applications":
        cold["flake8"] = ([*flake8, str(source)], env)
    results["cold"] = alternate(cold, runs, scratch)
    command, command_env = cold["connlint"]
    results["cold"]["connlint"]["peak_rss_sum_mb"] = tree_peak_rss(command, scratch, command_env)
    log(f"[{name}] 2. warm re-run ...")
    subprocess.run([*connlint, "--cache-dir", str(cache_dir), str(source)], cwd=scratch, env=env, stdout=subprocess.DEVNULL)
    results["warm"] = alternate(
        {"connlint": ([*connlint, "--cache-dir", str(cache_dir), str(source)], env), "ruff SIM115": ([*ruff, str(source)], env)},
        runs, scratch,
    )
    log(f"[{name}] 3. pre-commit shape ...")
    files = [str(source / f) for f in pre_commit_files]
    precommit_cache = scratch / "pre-commit-cache"
    shutil.rmtree(precommit_cache, ignore_errors=True)
    subprocess.run([*connlint, "--cache-dir", str(precommit_cache), *files], cwd=scratch, env=env,
                   stdout=subprocess.DEVNULL)
    results["pre_commit"] = alternate(
        {
            "connlint": ([*connlint, "--no-cache", *files], env),
            "connlint, cache warm": ([*connlint, "--cache-dir", str(precommit_cache), *files], env),
            "flake8": ([*flake8, *files], env),
            "ruff SIM115": ([*ruff, *files], env),
        },
        runs, scratch,
    )
    results["pre_commit_files"] = pre_commit_files
    log(f"[{name}] 4. what the prefilter saves ...")
    no_prefilter = dict(env, CONNLINT_PREFILTER="off")
    results["prefilter"] = alternate(
        {
            "connlint": ([*connlint, "--no-cache", "-j", "1", str(source)], env),
            "connlint without prefilter": ([*connlint, "--no-cache", "-j", "1", str(source)], no_prefilter),
        },
        runs, scratch,
    )
    log(f"[{name}] 5. scaling ...")
    scaling = []
    for fraction in (0.25, 0.5, 1.0):
        target = source if fraction == 1.0 else subset(source, fraction, scratch / f"corpus-{int(fraction * 100)}")
        size = sum(p.stat().st_size for p in target.rglob("*.py"))
        measured = alternate(
            {"connlint": ([*connlint, "--no-cache", str(target)], env), "ruff SIM115": ([*ruff, str(target)], env)},
            runs, scratch,
        )
        scaling.append({"fraction": fraction, "bytes": size, **{k: v["median_s"] for k, v in measured.items()}})
    results["scaling"] = scaling
    return results


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f} x" if b else "-"


def report(results: dict, out: Path, tools: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name in ("libraries", "applications"):
        if name in results:
            lines += corpus_table(name, results[name]) + [""]
    imports = results["imports"]
    some = next(results[name] for name in ("libraries", "applications") if name in results)
    lines += [
        f"`import connlint.cli`: {imports['connlint_cli_import_us'] / 1000:.1f} ms; libcst imported: "
        f"{imports['libcst_imported']}; astroid imported: {imports['astroid_imported']}.",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}; medians of "
        f"{len(some['cold']['connlint']['runs_s'])} alternating runs.",
    ]
    table = "\n".join(lines) + "\n"
    (out / "results.md").write_text(table)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    plot = [str(tools / "python"), "-c", PLOT, str(out / "results.json"), str(out / "scaling.png")]
    subprocess.run(plot, check=False)
    print(table)


def corpus_table(name: str, results: dict) -> list:
    cold, warm, pre = results["cold"], results["warm"], results["pre_commit"]
    prefilter = results["prefilter"]
    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    rows = [
        ("cold full scan", cold["connlint"]["median_s"], cold["ruff SIM115"]["median_s"], "<= 6 x ruff"),
        ("warm re-run (cache)", warm["connlint"]["median_s"], warm["ruff SIM115"]["median_s"], "<= 1.5 x ruff"),
        ("pre-commit, 10 files, no cache", pre["connlint"]["median_s"], pre["ruff SIM115"]["median_s"],
         "<= 100 ms, < flake8"),
        ("pre-commit, 10 files, cache warm", pre["connlint, cache warm"]["median_s"], pre["ruff SIM115"]["median_s"],
         "<= 50 ms"),
    ]
    lines = [
        f"### {name} ({results['files']:,} files)",
        "",
        "| measure | connlint | ruff SIM115 | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, ours, theirs, target in rows:
        lines.append(f"| {label} | {ms(ours)} | {ms(theirs)} | {ratio(ours, theirs)} | {target} |")
    lines.append(f"| pre-commit vs flake8 | {ms(pre['connlint']['median_s'])} | flake8 {ms(pre['flake8']['median_s'])} | {ratio(pre['connlint']['median_s'], pre['flake8']['median_s'])} | < 1 x |")
    if "flake8" in cold:
        lines.append(f"| cold full scan vs flake8 | {ms(cold['connlint']['median_s'])} | flake8 {ms(cold['flake8']['median_s'])} | {ratio(cold['connlint']['median_s'], cold['flake8']['median_s'])} | |")
    lines.append(f"| peak RSS, full scan (largest process) | {cold['connlint']['peak_rss_mb']} MB | {cold['ruff SIM115']['peak_rss_mb']} MB | | |")
    summed = cold["connlint"].get("peak_rss_sum_mb")
    if summed is not None:
        lines.append(f"| peak memory (PSS), full scan, all processes at once | {summed} MB | | | <= 200 MB |")
    saved = prefilter["connlint without prefilter"]["median_s"] - prefilter["connlint"]["median_s"]
    lines.append(f"| prefilter saves (1 process) | {ms(prefilter['connlint']['median_s'])} with | {ms(prefilter['connlint without prefilter']['median_s'])} without | {ms(saved)} saved | |")
    lines += ["", "| corpus | bytes | connlint | ruff SIM115 | ratio |", "| --- | --- | --- | --- | --- |"]
    for row in results["scaling"]:
        lines.append(
            f"| {row['fraction']:.0%} | {row['bytes']:,} | {ms(row['connlint'])} | {ms(row['ruff SIM115'])} | {ratio(row['connlint'], row['ruff SIM115'])} |"
        )
    return lines


PLOT = """
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
results = json.load(open(sys.argv[1]))
plt.figure(figsize=(6, 4))
for corpus in ("libraries", "applications"):
    if corpus not in results:
        continue
    rows = results[corpus]["scaling"]
    sizes = [r["bytes"] / 1e6 for r in rows]
    for name, style in (("connlint", "o-"), ("ruff SIM115", "s--")):
        plt.plot(sizes, [r[name] for r in rows], style, label=f"{name}, {corpus}")
plt.xlabel("corpus size (MB of Python source)")
plt.ylabel("wall time (s), median")
plt.title("Cold scan time vs corpus size")
plt.grid(True, alpha=0.3)
plt.legend()
plt.tight_layout()
plt.savefig(sys.argv[2], dpi=120)
"""

if __name__ == "__main__":
    sys.exit(main())
