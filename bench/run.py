"""connlint's benchmark against ruff and flake8, on a pinned PyPI corpus.

    python bench/run.py [--runs 5] [--out bench/results]

Builds the corpus (12 pinned packages, Python sources only) and a separate
virtualenv with ruff, flake8 and matplotlib, then measures with alternating
runs (connlint, ruff, connlint, ruff, ...) and reports medians:

1. cold full scan: ``connlint --no-cache`` vs ``ruff check --no-cache --isolated --select SIM115``
2. warm re-run (results cache filled) vs the same ruff command
3. pre-commit shape: ten fixed files vs flake8 and ruff
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
# Ten files a commit might touch: some import database clients, most do not.
PRE_COMMIT_FILES = [
    "sqlalchemy/sqlalchemy/engine/create.py",
    "psycopg/psycopg/connection.py",
    "requests/requests/sessions.py",
    "django/django/db/backends/postgresql/base.py",
    "flask/flask/helpers.py",
    "werkzeug/werkzeug/routing/rules.py",
    "celery/celery/app/task.py",
    "django/django/views/generic/base.py",
    "httpx/httpx/_config.py",
    "aiohttp/aiohttp/web_request.py",
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
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    source = build_corpus()
    tools = build_tools()
    installed = install_connlint()
    connlint = [str(installed / "connlint"), "--isolated", "-q", "--exit-zero"]
    ruff = [str(tools / "ruff"), "check", "--no-cache", "--isolated", "--select", "SIM115", "-q", "--exit-zero"]
    flake8 = [str(tools / "flake8"), "--isolated", "--exit-zero", "--select", "E,W,F"]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' installs have their bytecode cached
    scratch = CACHE / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    cache_dir = scratch / "connlint-cache"
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}

    log("1. cold full scan ...")
    results["cold"] = alternate(
        {"connlint": ([*connlint, "--no-cache", str(source)], env), "ruff SIM115": ([*ruff, str(source)], env)},
        args.runs, scratch,
    )
    log("2. warm re-run ...")
    subprocess.run([*connlint, "--cache-dir", str(cache_dir), str(source)], cwd=scratch, env=env, stdout=subprocess.DEVNULL)
    results["warm"] = alternate(
        {"connlint": ([*connlint, "--cache-dir", str(cache_dir), str(source)], env), "ruff SIM115": ([*ruff, str(source)], env)},
        args.runs, scratch,
    )
    log("3. pre-commit shape ...")
    files = [str(source / f) for f in PRE_COMMIT_FILES]
    results["pre_commit"] = alternate(
        {
            "connlint": ([*connlint, "--no-cache", *files], env),
            "flake8": ([*flake8, *files], env),
            "ruff SIM115": ([*ruff, *files], env),
        },
        args.runs, scratch,
    )
    results["pre_commit_files"] = PRE_COMMIT_FILES
    log("4. what the prefilter saves ...")
    no_prefilter = dict(env, CONNLINT_PREFILTER="off")
    results["prefilter"] = alternate(
        {
            "connlint": ([*connlint, "--no-cache", "-j", "1", str(source)], env),
            "connlint without prefilter": ([*connlint, "--no-cache", "-j", "1", str(source)], no_prefilter),
        },
        args.runs, scratch,
    )
    log("5. scaling ...")
    scaling = []
    for fraction in (0.25, 0.5, 1.0):
        target = source if fraction == 1.0 else subset(source, fraction, scratch / f"corpus-{int(fraction * 100)}")
        size = sum(p.stat().st_size for p in target.rglob("*.py"))
        measured = alternate(
            {"connlint": ([*connlint, "--no-cache", str(target)], env), "ruff SIM115": ([*ruff, str(target)], env)},
            args.runs, scratch,
        )
        scaling.append({"fraction": fraction, "bytes": size, **{k: v["median_s"] for k, v in measured.items()}})
    results["scaling"] = scaling
    results["imports"] = imported_modules(str(installed / "python"))
    report(results, args.out, tools)
    return 0


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f} x" if b else "-"


def report(results: dict, out: Path, tools: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cold, warm, pre = results["cold"], results["warm"], results["pre_commit"]
    prefilter = results["prefilter"]
    rows = [
        ("cold full scan", cold["connlint"]["median_s"], cold["ruff SIM115"]["median_s"], "<= 6 x ruff"),
        ("warm re-run (cache)", warm["connlint"]["median_s"], warm["ruff SIM115"]["median_s"], "<= 1.5 x ruff"),
        ("pre-commit, 10 files", pre["connlint"]["median_s"], pre["ruff SIM115"]["median_s"], "<= 100 ms, < flake8"),
    ]
    lines = [
        "| measure | connlint | ruff SIM115 | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, ours, theirs, target in rows:
        lines.append(f"| {name} | {ours * 1000:.0f} ms | {theirs * 1000:.0f} ms | {ratio(ours, theirs)} | {target} |")
    lines.append(f"| pre-commit vs flake8 | {pre['connlint']['median_s'] * 1000:.0f} ms | flake8 {pre['flake8']['median_s'] * 1000:.0f} ms | {ratio(pre['connlint']['median_s'], pre['flake8']['median_s'])} | < 1 x |")
    lines.append(f"| peak RSS, full scan | {cold['connlint']['peak_rss_mb']} MB | {cold['ruff SIM115']['peak_rss_mb']} MB | | <= 200 MB |")
    saved = prefilter["connlint without prefilter"]["median_s"] - prefilter["connlint"]["median_s"]
    lines.append(f"| prefilter saves (1 process) | {prefilter['connlint']['median_s'] * 1000:.0f} ms with | {prefilter['connlint without prefilter']['median_s'] * 1000:.0f} ms without | {saved * 1000:.0f} ms saved | |")
    lines += ["", "| corpus | bytes | connlint | ruff SIM115 | ratio |", "| --- | --- | --- | --- | --- |"]
    for row in results["scaling"]:
        lines.append(
            f"| {row['fraction']:.0%} | {row['bytes']:,} | {row['connlint'] * 1000:.0f} ms | {row['ruff SIM115'] * 1000:.0f} ms | {ratio(row['connlint'], row['ruff SIM115'])} |"
        )
    imports = results["imports"]
    lines += [
        "",
        f"`import connlint.cli`: {imports['connlint_cli_import_us'] / 1000:.1f} ms; libcst imported: "
        f"{imports['libcst_imported']}; astroid imported: {imports['astroid_imported']}.",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}; medians of "
        f"{len(cold['connlint']['runs_s'])} alternating runs.",
    ]
    table = "\n".join(lines) + "\n"
    (out / "results.md").write_text(table)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    plot = [str(tools / "python"), "-c", PLOT, str(out / "results.json"), str(out / "scaling.png")]
    subprocess.run(plot, check=False)
    print(table)


PLOT = """
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = json.load(open(sys.argv[1]))["scaling"]
sizes = [r["bytes"] / 1e6 for r in rows]
plt.figure(figsize=(6, 4))
for name, style in (("connlint", "o-"), ("ruff SIM115", "s-")):
    plt.plot(sizes, [r[name] for r in rows], style, label=name)
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
