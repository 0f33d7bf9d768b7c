"""How much source a run parses, and why: a measure of work that, unlike a
timing, does not move with the machine's load.

    python bench/analysis_volume.py [PATH ...]

Runs ``connlint --isolated --no-cache --exit-zero --jobs 1`` in this process
(every analysis is made here, where it is counted), by
default over the benchmark's application corpus, counting each analysis of a
file (each parse) by what it was for:

- ``check``: a file analysed for its own findings (resources and their
  lifetimes), whose summary, if it gets one, comes from the same analysis;
- ``summary, resources``: a module analysed for its summary only, looking
  for resources (an import cycle member the run does not check, or one whose
  check is settled later);
- ``summary, no resources``: a passive module (it names nothing the catalog
  knows and imports nothing a project module exports), analysed only when a
  check asks what its functions do with what they are given (its parameters'
  effects);

and, among them, ``again``: analyses of a file already analysed in this run
(an import cycle solved in several passes).  It also counts the files whose
analysis found anything at all (a resource, a pool configuration, a one-shot
call, a URL built from parts, Django database settings).  The counts depend
only on the source and on connlint, so two revisions compare exactly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter
from pathlib import Path

BENCH_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "connlint-bench"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(BENCH_CACHE / "apps" / "src")])
    args = parser.parse_args(argv)
    from connlint import engine  # as installed (``pip install -e .``: this checkout), or from PYTHONPATH
    from connlint.cli import main as connlint_main

    analyses: Counter = Counter()
    sizes: Counter = Counter()
    seen: dict[str, bool] = {}  # file -> did any analysis of it find something
    analyse = engine.Checker.analyse

    def counted(self, display, data, *rest, lifetimes: bool = True, sites: bool = True, **options):
        facts, failures = analyse(self, display, data, *rest, lifetimes=lifetimes, sites=sites, **options)
        reason = "check" if lifetimes else "summary, resources" if sites else "summary, no resources"
        for key in (reason, "again") if display in seen else (reason,):
            analyses[key] += 1
            sizes[key] += len(data)
        found = facts is not None and bool(
            facts.sites or facts.pool_configs or facts.one_shot_calls or facts.url_constructor_calls
            or facts.remote_pools or facts.settings
        )
        seen[display] = seen.get(display, False) or found
        return facts, failures

    engine.Checker.analyse = counted
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # the findings
            connlint_main(["--isolated", "--no-cache", "--exit-zero", "--quiet", "--jobs", "1", *args.paths])
    except SystemExit:
        pass
    finally:
        engine.Checker.analyse = analyse
    total = sum(sizes[key] for key in ("check", "summary, resources", "summary, no resources"))
    print(f"{'analyses':<24}{'files':>8}{'bytes':>13}{'share':>8}")
    for key in ("check", "summary, resources", "summary, no resources", "again"):
        share = 100 * sizes[key] / total if total else 0.0
        print(f"{key:<24}{analyses[key]:>8}{sizes[key]:>13,}{share:>7.1f}%")
    count = sum(analyses[key] for key in ("check", "summary, resources", "summary, no resources"))
    print(f"{'all':<24}{count:>8}{total:>13,}")
    found = [path for path, any_found in seen.items() if any_found]
    print(f"files analysed: {len(seen)}; with anything found: {len(found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
