"""What every proof shares: whether the proofs run, how a missing server or
driver is reported, and the observations printed at the end of the run."""

from __future__ import annotations

import importlib
import os

import pytest

MODE = os.environ.get("CONNLINT_PROOFS", "").strip().lower()
#: CONNLINT_PROOFS=1 (or any value but 0/no/false/off): run the proofs
REQUESTED = MODE not in ("", "0", "no", "false", "off")
#: CONNLINT_PROOFS=required: what would be skipped fails instead
REQUIRED = MODE == "required"
NOT_REQUESTED = (
    "proofs against real PostgreSQL, Redis and MariaDB servers run only when asked: "
    "CONNLINT_PROOFS=1 python -m pytest proofs (see the README)"
)

#: (rule or topic, what was observed), in the order observed; printed at the end of the run.
OBSERVED: list[tuple[str, str]] = []


def observe(topic: str, text: str) -> None:
    """Record one observation for the closing note (and print it, seen with -s)."""
    OBSERVED.append((topic, text))
    print(f"{topic}: {text}")


def unavailable(reason: str):
    """Skip the proof for ``reason``; fail it when CONNLINT_PROOFS=required."""
    if REQUIRED:
        pytest.fail(f"CONNLINT_PROOFS=required, but {reason}", pytrace=False)
    pytest.skip(reason)


def driver(name: str):
    """Import a driver the proofs use (the ``proofs`` extra installs them all)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"{name} is not installed ({exc}): pip install -e \".[test,proofs]\"")
