"""Generates ``docs/rules.md`` from the rules themselves.

``python -m connlint.docs docs/rules.md`` rewrites the file; a test fails when
the committed file differs from what the rules say.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connlint.registry import all_rules

HEADER = """# connlint rules

Generated from the rules' own documentation by `python -m connlint.docs docs/rules.md`;
do not edit by hand. `connlint --explain CODE` prints one section.

| code | name | summary |
| --- | --- | --- |
"""


def render_rules_markdown() -> str:
    rules = all_rules()
    table = "".join(f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.summary} |\n" for r in rules)
    sections = []
    for rule in rules:
        text = rule.explain()
        # one heading level down, and an anchor per code
        body = "\n".join(("#" + line) if line.startswith("#") else line for line in text.splitlines())
        sections.append(f'<a id="{rule.code.lower()}"></a>\n\n{body}\n')
    return HEADER + table + "\n" + "\n".join(sections)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render_rules_markdown()
    if argv:
        Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
