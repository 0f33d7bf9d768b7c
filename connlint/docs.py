"""Generates the rule documentation from the rules themselves.

``python -m connlint.docs docs/rules.md`` rewrites ``docs/rules.md``;
``python -m connlint.docs --readme README.md`` rewrites the rule table of the
README, between its two marker comments, and nothing else.  Tests fail when
either differs from what the rules say.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connlint.registry import all_rules

HEADER = """# connlint rules

Generated from the rules' own documentation by `python -m connlint.docs docs/rules.md`;
do not edit by hand. `connlint --explain CODE` prints one section.

"""

#: The README's rule table stands between these two lines.
README_START = "<!-- rule table: generated from the rules by `python -m connlint.docs --readme README.md`; do not edit -->"
README_END = "<!-- end of the rule table -->"


def rule_table(anchor_prefix: str, summary_title: str) -> str:
    """A Markdown table of every rule: its code (a link to its section of
    ``docs/rules.md``, ``anchor_prefix`` + ``#cnl101``), name and summary."""
    rows = "".join(
        f"| [{r.code}]({anchor_prefix}#{r.code.lower()}) | {r.name} | {_cell(r.summary)} |\n" for r in all_rules()
    )
    return f"| code | name | {summary_title} |\n| --- | --- | --- |\n{rows}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_rules_markdown() -> str:
    rules = all_rules()
    sections = []
    for rule in rules:
        text = rule.explain()
        # one heading level down, and an anchor per code
        body = "\n".join(("#" + line) if line.startswith("#") else line for line in text.splitlines())
        sections.append(f'<a id="{rule.code.lower()}"></a>\n\n{body}\n')
    return HEADER + rule_table("", "summary") + "\n" + "\n".join(sections)


def render_readme_table() -> str:
    """The README's rule table, markers included."""
    return f"{README_START}\n\n{rule_table('docs/rules.md', 'what it reports')}\n{README_END}"


def with_readme_table(readme: str) -> str:
    """``readme`` with the text from its start marker to its end marker
    replaced by the generated table; every other byte stays as it is."""
    start = readme.find(README_START)
    end = readme.find(README_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0 or readme.count(README_START) != 1 or readme.count(README_END) != 1:
        raise ValueError(f"the README needs the rule table markers once each, in order: {README_START!r}, {README_END!r}")
    return readme[:start] + render_readme_table() + readme[end + len(README_END) :]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--readme"]:
        if len(argv) != 2:
            sys.stderr.write("usage: python -m connlint.docs --readme README.md\n")
            return 2
        path = Path(argv[1])
        text = path.read_bytes().decode("utf-8")  # no newline translation: other bytes stay
        try:
            updated = with_readme_table(text)
        except ValueError as exc:
            sys.stderr.write(f"{path}: {exc}\n")
            return 1
        if updated != text:
            path.write_bytes(updated.encode("utf-8"))
        return 0
    text = render_rules_markdown()
    if argv:
        Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
