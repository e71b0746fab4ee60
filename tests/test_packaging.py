"""Packaging and API hygiene (issue 15 item 6): the license, PEP 561 typing, mypy on the API.

(The wheel's contents -- py.typed, the license file and field -- are checked in
tests/test_install.py, which builds one.)
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import einderiv as ed

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(ed.__file__).resolve().parent


def test_license_is_mit_in_the_file_and_the_project_metadata():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "einderiv developers" in text
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.MULTILINE)
    assert re.search(r'^license-files = \["LICENSE"\]$', pyproject, re.MULTILINE)


def test_the_package_is_marked_typed():
    assert (PACKAGE / "py.typed").is_file()


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (it is in the `test` extra: pip install -e '.[test]')",
)
def test_the_public_api_type_checks():
    """``mypy einderiv/api.py`` is clean, with every function there annotated
    (``disallow_untyped_defs`` for einderiv.api in pyproject.toml)."""
    done = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null",
            "--config-file", str(REPO / "pyproject.toml"), "einderiv/api.py",
        ],  # the checkout's source (CI's installed copy is the same file, in site-packages)
        check=False, capture_output=True, text=True, timeout=600, cwd=REPO,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the `test` extra)"
)
def test_a_users_code_gets_the_apis_types(tmp_path):
    """A user's type checker sees ``ed.diff`` return an ``Expr`` (not Any) and flags misuse."""
    user = tmp_path / "user.py"
    user.write_text(
        "import einderiv as ed\n"
        "g = ed.diff(\"x' A x\", 'x')\n"
        "reveal_type(g)\n"
        "n: int = ed.parse('A') + 1\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null", str(user)],
        check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out = done.stdout
    assert 'Revealed type is "einderiv.api.Expr"' in out, out
    assert 'Incompatible types in assignment (expression has type "Expr"' in out, out
