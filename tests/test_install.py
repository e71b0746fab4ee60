"""Packaging: the wheel ships the grammar, and CI tests the installed package.

The grammar lives at the top of the repository (``grammar/einderiv.lark``) and must be inside the
wheel as ``einderiv/grammar/einderiv.lark``, where the parser finds it with
``importlib.resources``. Building the wheel takes a few seconds (pip fetches hatchling into an
isolated build environment); it stays in the default run on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import resources
from pathlib import Path

import pytest

import einderiv

REPO = Path(__file__).resolve().parents[1]
GRAMMAR_IN_WHEEL = "einderiv/grammar/einderiv.lark"

# Output of pip that means "no network / no index", as opposed to a broken build.
_OFFLINE_SIGNS = (
    "No matching distribution found for hatchling",
    "Could not find a version that satisfies the requirement hatchling",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def _expect_installed() -> bool:
    return os.environ.get("EINDERIV_EXPECT_INSTALLED") == "1"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip(f"no pyproject.toml in {REPO}: not running from a source checkout")
    out = tmp_path_factory.mktemp("wheel")
    # Build from a copy so the build leaves nothing behind in the checkout.
    src = out / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "venv",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
        ),
    )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        if any(sign in log for sign in _OFFLINE_SIGNS):
            pytest.skip("cannot build a wheel: the package index is unreachable (offline?)\n" + log)
        pytest.fail(f"`pip wheel . --no-deps` failed (exit {done.returncode}):\n{log}")
    wheels = sorted(out.glob("einderiv-*.whl"))
    assert len(wheels) == 1, f"expected one einderiv wheel, found {wheels}\n{log}"
    return wheels[0]


@pytest.mark.slow
def test_wheel_contains_the_grammar(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert GRAMMAR_IN_WHEEL in names, sorted(names)
        shipped = archive.read(GRAMMAR_IN_WHEEL)
    assert shipped == (REPO / "grammar" / "einderiv.lark").read_bytes()


@pytest.mark.slow
def test_wheel_contains_the_package_and_the_command(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "einderiv/__init__.py" in names
        assert "einderiv/cli.py" in names
        assert "einderiv/__main__.py" in names
        assert not any(name.startswith(("tests/", "benchmarks/")) for name in names), names
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry_points).decode()
    assert "einderiv = einderiv.cli:main" in text


@pytest.mark.slow
def test_wheel_ships_py_typed_and_the_mit_license(wheel):
    """PEP 561: type checkers read einderiv's hints; the license text and field are in it."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "einderiv/py.typed" in names, sorted(names)
        licenses = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert licenses, sorted(n for n in names if "dist-info" in n)
        assert "MIT License" in archive.read(licenses[0]).decode()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "License-Expression: MIT" in metadata.decode()


@pytest.mark.slow
def test_wheel_contains_the_web_page_and_katex(wheel):
    """``einderiv serve`` works offline: its page, script, style and KaTeX are in the wheel."""
    static = "einderiv/web/static/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        license_text = archive.read(static + "katex/LICENSE").decode()
    for name in ("index.html", "app.js", "app.css", "katex/katex.min.js", "katex/katex.min.css"):
        assert static + name in names, sorted(n for n in names if "web" in n)
    assert sum(n.startswith(static + "katex/fonts/") and n.endswith(".woff2") for n in names) >= 20
    assert "MIT" in license_text


def test_grammar_is_a_package_resource_when_installed():
    """Where einderiv is installed (not a source checkout), the grammar is beside the package."""
    package_dir = Path(einderiv.__file__).resolve().parent
    if not _expect_installed() and package_dir == REPO / "einderiv":
        pytest.skip("running against the source tree; the parser falls back to grammar/")
    grammar = resources.files("einderiv") / "grammar" / "einderiv.lark"
    assert grammar.is_file(), f"{grammar} is missing from the installed package"
    assert grammar.read_text(encoding="utf-8").strip()


def test_tests_run_against_the_installed_package():
    """CI (``.ci/run``) sets EINDERIV_EXPECT_INSTALLED=1: einderiv must come from site-packages."""
    if not _expect_installed():
        pytest.skip(
            "set EINDERIV_EXPECT_INSTALLED=1 to require the installed (non-editable) package"
        )
    location = Path(einderiv.__file__).resolve()
    site_dirs = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    assert any(location.is_relative_to(site) for site in site_dirs), (
        f"einderiv was imported from {location}, not from site-packages {sorted(site_dirs)}"
    )
    assert not location.is_relative_to(REPO / "einderiv"), (
        f"einderiv was imported from the source tree ({location}), not the installed package"
    )
    # Not an editable install either: no .pth/finder redirecting imports to the checkout.
    for site in site_dirs:
        for pth in site.glob("*einderiv*.pth"):
            pytest.fail(f"editable install detected: {pth}")


def test_console_script_is_installed():
    if not _expect_installed():
        pytest.skip("set EINDERIV_EXPECT_INSTALLED=1 to require the installed console script")
    script = shutil.which("einderiv", path=str(Path(sys.executable).parent))
    assert script, f"no 'einderiv' command beside {sys.executable}"
    done = subprocess.run(
        [script, "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("einderiv ")
