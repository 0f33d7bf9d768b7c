"""connlint installs as a wheel and as an editable checkout, with its rules
and catalog mapped to ``connlint.rules``."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAK = "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.execute('x')\n"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = list(out.glob("connlint-*.whl"))
    return built


def test_wheel_ships_rules_and_catalog(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule in (ROOT / "rules").glob("cnl*.py"):
        assert f"connlint/rules/{rule.name}" in names
    for toml in (ROOT / "rules" / "catalog").glob("*.toml"):
        assert f"connlint/rules/catalog/{toml.name}" in names
    assert not any(name.startswith(("tests/", "fixtures/", "rules/")) for name in names)


def test_installed_wheel_runs(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    (tmp_path / "leak.py").write_text(LEAK)
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = subprocess.run(
        [sys.executable, "-c", "import connlint.rules; print(connlint.rules.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )
    assert probe.stdout.strip().startswith(str(target))
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "leak.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("leak.py:3:12: CNL101 ")


def test_editable_install_maps_rules_to_the_checkout():
    import connlint.rules

    location = Path(connlint.rules.__file__).resolve()
    if ROOT not in location.parents:
        pytest.skip("connlint is not installed from this checkout in editable mode")
    assert location == ROOT / "rules" / "__init__.py"
