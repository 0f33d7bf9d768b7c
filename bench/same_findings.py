"""Do two revisions of connlint give byte-identical findings?

    python bench/same_findings.py REV [--corpus NAME=PATH ...] [--jobs N]

Runs ``connlint --isolated --no-cache --exit-zero --format json`` from
revision REV (a git worktree) and from this checkout over each corpus — by
default ``fixtures/``, the benchmark's libraries and applications, and the
ecosystem check's held-out applications, those that exist on this machine —
and prints, per corpus, the number of findings of each and every finding that
differs (whole JSON records, so messages and fixes count too).  Exits 1 when
anything differs.  A refactor must print ``0 differ`` for every corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "ecosystem"))
from check import connlint_command, worktree  # noqa: E402

BENCH_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "connlint-bench"
DEFAULT_CORPORA = {
    "fixtures": ROOT / "fixtures",
    "libraries": BENCH_CACHE / "corpus" / "src",
    "applications": BENCH_CACHE / "apps" / "src",
    "held-out": BENCH_CACHE / "heldout" / "src",
}


def findings(source: Path | None, corpus: Path, jobs: str | None) -> list[str]:
    command, env = connlint_command(source)
    extra = ["--jobs", jobs] if jobs else []
    proc = subprocess.run(
        [*command, "--isolated", "--no-cache", "--exit-zero", "--format", "json", *extra, "."],
        cwd=corpus, env=env, capture_output=True, text=True, timeout=1200,
    )
    if proc.returncode != 0:
        sys.exit(f"connlint failed in {corpus}: {proc.stderr.strip().splitlines()[-1:]}")
    return sorted(json.dumps(record, sort_keys=True) for record in json.loads(proc.stdout or "[]"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the revision to compare this checkout with")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH",
                        help="a folder to check (default: the corpora found on this machine)")
    parser.add_argument("--jobs", help="passed on to connlint")
    args = parser.parse_args()
    corpora = dict(item.split("=", 1) for item in args.corpus) if args.corpus else {
        name: path for name, path in DEFAULT_CORPORA.items() if Path(path).is_dir()
    }
    old_tree = worktree(args.rev)
    differ = 0
    for name, path in corpora.items():
        old, new = findings(old_tree, Path(path), args.jobs), findings(None, Path(path), args.jobs)
        gone, came = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        print(f"{name}: {len(old)} findings at {args.rev}, {len(new)} here, {len(gone) + len(came)} differ")
        for sign, records in (("-", gone), ("+", came)):
            for record in records:
                print(f"  {sign} {record}")
        differ += len(gone) + len(came)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
