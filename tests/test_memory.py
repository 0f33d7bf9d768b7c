"""A file's syntax tree and facts are freed as soon as it is done: the runner
keeps the cyclic garbage collector off while it analyses (it slows parsing
down), so a reference cycle would keep every tree alive until a collection."""

from __future__ import annotations

import gc
import textwrap

from connlint.config import Selection, Settings
from connlint.engine import Checker

SOURCE = textwrap.dedent(
    """
    import sqlite3
    from flask import Flask
    from sqlalchemy import create_engine

    app = Flask(__name__)
    _engine = None

    def engine():
        global _engine
        if _engine is None:
            _engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=0, pool_timeout=5)
        return _engine

    class Repository:
        def __init__(self):
            self.conn = sqlite3.connect("app.db")

        def close(self):
            self.conn.close()

    @app.route("/items")
    def items():
        conn = sqlite3.connect("app.db")
        rows = conn.execute("select 1").fetchall()
        conn.close()
        return [lambda: row for row in rows]
    """
).encode()


def test_analysing_a_file_leaves_no_reference_cycle(tmp_path):
    checker = Checker(Settings(root=tmp_path), Selection(["CNL"], []))
    findings = checker.check_bytes("app.py", SOURCE)
    assert [(f.line, f.code) for f in findings] == [(24, "CNL102")]
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        checker.check_bytes("app.py", SOURCE)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
