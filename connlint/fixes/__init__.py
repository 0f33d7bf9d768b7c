"""Automatic fixes.

Rules attach a small *fix intent* to a finding (``connlint.fixes.intent``):
what to do and the positions and names it needs, plain data that travels
through worker processes.  The intents are planned on the ``ast`` facts
(``plan_lifetime``, ``plan_lifecycle``, ``plan_limits``), without libcst.

``rewrite`` turns one intent into new source on the concrete syntax tree
(libcst, imported only there), and ``apply`` runs the intents of a file to a
fixed point, re-checking every step: the result parses, its AST differs only
inside the rewritten statements, a second run finds nothing more to fix, and
the file is written atomically only if it did not change meanwhile.
"""
