"""connlint's ecosystem check: its findings on 22 pinned applications, scored
against labels written by reading the code before looking at the output.

    python bench/ecosystem/check.py                 # score this checkout
    python bench/ecosystem/check.py --rev REV       # score another revision
    python bench/ecosystem/check.py --compare REV   # only what changed since REV
    python bench/ecosystem/check.py --fix-check     # --fix --unsafe-fixes on a copy

The corpus is ``bench/apps.sh``'s (downloaded once from PyPI, Python sources
only). Each application is checked as its own project: its folder is the
current directory, with ``--isolated --no-cache``. The labels are
``labels/<app>.csv`` (``path,line,codes,confidence,note``; ``codes`` is
space-separated or ``none``; ``#`` lines are comments).

Scoring counts labels of confidence high or medium, and codes of the CNL1xx,
CNL2xx and CNL3xx families. A finding on a labelled line whose codes include
it is a hit; on a labelled line whose codes do not include it (``none``
included), a false alarm; a labelled code without its finding, a miss.
Findings on lines nobody labelled are listed for review and counted apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LABELS = HERE / "labels"
FAMILIES = ("CNL1", "CNL2", "CNL3")
COUNTED = {"high", "medium"}


def corpus_root(given: str | None) -> Path:
    if given:
        return Path(given)
    out = subprocess.run(["bash", str(ROOT / "bench" / "apps.sh")], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def scored(code: str) -> bool:
    return code.startswith(FAMILIES)


def read_labels(app: str) -> dict[tuple[str, int], dict]:
    """(path, line) -> {"codes": set, "confidence": str, "note": str}."""
    rows = {}
    path = LABELS / f"{app}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#") and line.strip())
        for row in csv.DictReader(lines):
            codes = set(row["codes"].split()) - {"none"}
            key = (row["path"].strip(), int(row["line"]))
            rows[key] = {"codes": codes, "confidence": row["confidence"].strip().lower(), "note": row.get("note", "")}
    return rows


def connlint_command(source: Path | None) -> tuple[list[str], dict]:
    """How to run connlint: this checkout, or another revision's source tree."""
    env = dict(os.environ)
    tree = source or ROOT
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    return [sys.executable, "-m", "connlint"], env


def run_app(app_dir: Path, command: list[str], env: dict, extra=()) -> tuple[list[dict], str, int]:
    proc = subprocess.run(
        [*command, "--isolated", "--no-cache", "--exit-zero", "--format", "json", *extra, "."],
        cwd=app_dir, env=env, capture_output=True, text=True, timeout=600,
    )
    try:
        findings = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        findings = []
    return findings, proc.stderr, proc.returncode


def score_app(findings: list[dict], labels: dict) -> dict:
    hits, misses, alarms, unlabelled = [], [], [], []
    found = defaultdict(set)
    for f in findings:
        if scored(f["code"]):
            found[(f["path"], f["line"])].add(f["code"])
    for key, codes in sorted(found.items()):
        label = labels.get(key)
        for code in sorted(codes):
            if label is None:
                unlabelled.append((*key, code, ""))
            elif label["confidence"] not in COUNTED:
                continue
            elif code in label["codes"]:
                hits.append((*key, code, label["note"]))
            else:
                alarms.append((*key, code, label["note"]))
    for key, label in sorted(labels.items()):
        if label["confidence"] not in COUNTED:
            continue
        for code in sorted(c for c in label["codes"] if scored(c)):
            if code not in found.get(key, ()):
                misses.append((*key, code, label["note"]))
    return {"hits": hits, "misses": misses, "alarms": alarms, "unlabelled": unlabelled}


def ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "  -  "


def family(code: str) -> str:
    return code[:4] + "xx"


def print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'':16} {'hits':>5} {'miss':>5} {'false':>5} {'unlab':>5} {'precision':>9} {'recall':>7}")
    total = Counter()
    for name, s in rows.items():
        h, m, a, u = (len(s[k]) for k in ("hits", "misses", "alarms", "unlabelled"))
        total.update(hits=h, misses=m, alarms=a, unlabelled=u)
        print(f"{name:16} {h:5} {m:5} {a:5} {u:5} {ratio(h, h + a):>9} {ratio(h, h + m):>7}")
    h, m, a, u = total["hits"], total["misses"], total["alarms"], total["unlabelled"]
    print(f"{'all':16} {h:5} {m:5} {a:5} {u:5} {ratio(h, h + a):>9} {ratio(h, h + m):>7}")


def by_family(per_app: dict[str, dict]) -> dict[str, dict]:
    fams: dict[str, dict] = {}
    for s in per_app.values():
        for kind, items in s.items():
            for item in items:
                fams.setdefault(family(item[2]), {k: [] for k in s})[kind].append(item)
    return dict(sorted(fams.items()))


def listing(title: str, per_app: dict[str, dict], kind: str) -> None:
    items = [(app, *item) for app, s in per_app.items() for item in s[kind]]
    print(f"\n{title} ({len(items)})")
    for app, path, line, code, note in items:
        print(f"  {app}/{path}:{line}: {code}" + (f"  -- {note}" if note else ""))


def apps_with_labels(wanted: str | None) -> list[str]:
    apps = sorted(p.stem for p in LABELS.glob("*.csv"))
    if wanted:
        chosen = wanted.split(",")
        unknown = sorted(set(chosen) - set(apps))
        if unknown:
            sys.exit(f"ecosystem: no labels for {', '.join(unknown)} (have: {', '.join(apps)})")
        apps = chosen
    return apps


def check_problems(app: str, stderr: str, returncode: int) -> list[str]:
    """Crashes and tracebacks: what the check must never see."""
    problems = []
    if returncode not in (0, 1):
        problems.append(f"{app}: exit {returncode}: {stderr.strip().splitlines()[-1:] or ''}")
    if "Traceback" in stderr:
        problems.append(f"{app}: traceback on stderr")
    return problems


def score(apps: list[str], corpus: Path, rev: str | None = None) -> int:
    command, env = connlint_command(worktree(rev) if rev else None)
    per_app, problems = {}, []
    for app in apps:
        findings, stderr, rc = run_app(corpus / app, command, env)
        problems += check_problems(app, stderr, rc)
        per_app[app] = score_app(findings, read_labels(app))
    print_table("per application (labels high+medium; CNL1xx-CNL3xx)", per_app)
    print_table("per rule family", by_family(per_app))
    listing("misses", per_app, "misses")
    listing("false alarms", per_app, "alarms")
    listing("findings on unlabelled lines", per_app, "unlabelled")
    print(f"\ncrashes and tracebacks: {len(problems)}")
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


def worktree(rev: str) -> Path:
    sha = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"connlint-rev-{sha[:12]}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), sha], cwd=ROOT, check=True)
    # installed, the rules/ folder is the package connlint.rules: the same from a source tree
    link = path / "connlint" / "rules"
    if not link.exists():
        link.symlink_to(Path("..") / "rules")
    return path


def compare(apps: list[str], corpus: Path, rev: str) -> int:
    """Print only the findings that differ between REV and this checkout, with
    the label each one meets."""
    old_command, old_env = connlint_command(worktree(rev))
    new_command, new_env = connlint_command(None)
    changed = 0
    for app in apps:
        labels = read_labels(app)
        old, _, _ = run_app(corpus / app, old_command, old_env)
        new, _, _ = run_app(corpus / app, new_command, new_env)
        keys = lambda fs: {(f["path"], f["line"], f["code"]) for f in fs}  # noqa: E731
        gone, came = sorted(keys(old) - keys(new)), sorted(keys(new) - keys(old))
        for sign, items in (("-", gone), ("+", came)):
            for path, line, code in items:
                label = labels.get((path, line))
                verdict = "unlabelled" if label is None else ("labelled " + (" ".join(sorted(label["codes"])) or "none"))
                print(f"{sign} {app}/{path}:{line}: {code}  ({verdict})")
                changed += 1
    print(f"\n{changed} finding(s) changed against {rev}")
    return 0


def fix_check(apps: list[str], corpus: Path) -> int:
    """--fix --unsafe-fixes on a copy of each application: every changed file
    compiles, a second run changes nothing, no file without a finding changes,
    and ruff (E, W, F, I) finds nothing new in a changed file."""
    command, env = connlint_command(None)
    ruff = shutil.which("ruff") or str(Path.home() / ".cache" / "connlint-bench" / "tools" / "bin" / "ruff")
    totals = Counter()
    fixed_codes = Counter()
    work = Path(tempfile.mkdtemp(prefix="connlint-fixcheck-"))
    try:
        for app in apps:
            copy = work / app
            shutil.copytree(corpus / app, copy)
            before_files = {p: p.read_bytes() for p in copy.rglob("*.py")}
            before, _, _ = run_app(copy, command, env)
            flagged = {copy / f["path"] for f in before}
            ruff_before = ruff_findings(ruff, copy, ["."])
            subprocess.run([*command, "--isolated", "--no-cache", "--exit-zero", "-q", "--fix", "--unsafe-fixes", "."],
                           cwd=copy, env=env, capture_output=True, text=True, timeout=600)
            changed = [p for p, data in before_files.items() if p.read_bytes() != data]
            after, _, _ = run_app(copy, command, env)
            fixed_codes.update(Counter(f["code"] for f in before) - Counter(f["code"] for f in after))
            snapshot = {p: p.read_bytes() for p in changed}
            subprocess.run([*command, "--isolated", "--no-cache", "--exit-zero", "-q", "--fix", "--unsafe-fixes", "."],
                           cwd=copy, env=env, capture_output=True, text=True, timeout=600)
            second = [p for p in before_files if p.read_bytes() != (snapshot.get(p) or before_files[p])]
            broken = [p for p in changed if not compiles(p)]
            unflagged = [p for p in changed if p not in flagged]
            ruff_after = ruff_findings(ruff, copy, [str(p.relative_to(copy)) for p in changed])
            new_ruff = sorted((Counter(ruff_after) - Counter(ruff_before)).elements())
            longer = [item for item in new_ruff if item[1] == "E501"]
            new_ruff = [item for item in new_ruff if item[1] != "E501"]
            totals.update(changed=len(changed), broken=len(broken), second=len(second),
                          unflagged=len(unflagged), new_ruff=len(new_ruff), longer=len(longer))
            for label, paths in (("does not compile", broken), ("changed again", second), ("changed without a finding", unflagged)):
                for p in paths:
                    print(f"  {app}/{p.relative_to(copy)}: {label}")
            for path, code in new_ruff:
                print(f"  {app}/{path}: new ruff {code}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"changed files: {totals['changed']}; not compiling: {totals['broken']}; changed by a second run: "
          f"{totals['second']}; changed without a finding: {totals['unflagged']}; new ruff findings: {totals['new_ruff']}")
    print(f"lines a fix's indentation took past ruff's default length (E501 at 88, not the projects' own): "
          f"{totals['longer']}")
    print("findings removed by the fixes, by code: " + (", ".join(f"{c} {n}" for c, n in sorted(fixed_codes.items())) or "none"))
    bad = totals["broken"] + totals["second"] + totals["unflagged"] + totals["new_ruff"]
    return 1 if bad else 0


def compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def ruff_findings(ruff: str, root: Path, paths: list[str]) -> list[tuple[str, str]]:
    """ruff's E, W, F, I findings in PATHS as (path, code), with multiplicity:
    a fix moves lines and re-indents them, so neither lines nor messages
    ("Line too long (97 > 88)") identify a finding across it."""
    if not paths:
        return []
    proc = subprocess.run([ruff, "check", "--isolated", "--no-cache", "--select", "E,W,F,I", "--output-format", "json",
                           "--exit-zero", *paths], cwd=root, capture_output=True, text=True)
    items = json.loads(proc.stdout or "[]")
    result = []
    for item in items:
        path = os.path.relpath(item["filename"], root)
        result.append((path, item["code"]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", help="comma-separated application folders (default: all labelled)")
    parser.add_argument("--corpus", help="the corpus's src folder (default: what bench/apps.sh builds)")
    parser.add_argument("--labels", help="the folder of labels (default: bench/ecosystem/labels)")
    parser.add_argument("--rev", help="score revision REV of connlint instead of this checkout")
    parser.add_argument("--compare", metavar="REV", help="print only the findings that changed since REV")
    parser.add_argument("--fix-check", action="store_true", help="check --fix --unsafe-fixes on a copy of the corpus")
    args = parser.parse_args()
    global LABELS
    LABELS = Path(args.labels) if args.labels else LABELS
    corpus = corpus_root(args.corpus)
    if args.fix_check:  # needs no labels: every application of the corpus
        apps = args.apps.split(",") if args.apps else sorted(p.name for p in corpus.iterdir() if p.is_dir())
        return fix_check(apps, corpus)
    apps = apps_with_labels(args.apps)
    if args.compare:
        return compare(apps, corpus, args.compare)
    return score(apps, corpus, args.rev)


if __name__ == "__main__":
    sys.exit(main())
