"""docs/tutorial.md is real: every command prints what it shows, every ``>>>`` example passes.

Console blocks: each ``$ einderiv ...`` line is run through ``einderiv.cli.main`` and its output
(stdout and stderr) compared with the lines shown under it (``...`` matches any text, blank
space is normalised). Python blocks are doctests run in order in one namespace; a block fenced
```` ```python needs=jax ```` (or ``needs=dask-backend``) runs after the plain blocks, and is
skipped with the reason when its requirement is missing.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import shlex
from pathlib import Path

import pytest

import einderiv as ed
from einderiv.cli import main

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _blocks(kind: str) -> list[tuple[str, str]]:
    """(needs, body) of each fenced block of ``kind``, in order."""
    text = TUTORIAL.read_text(encoding="utf-8")
    found = []
    for language, info, body in FENCE.findall(text):
        if language == kind:
            needs = re.search(r"needs=([\w-]+)", info)
            found.append((needs.group(1) if needs else "", body))
    return found


def _commands() -> list[tuple[str, str]]:
    out = []
    for _, body in _blocks("console"):
        lines = body.splitlines()
        starts = [k for k, line in enumerate(lines) if line.startswith("$ ")]
        for n, k in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            out.append((lines[k][2:], "\n".join(lines[k + 1 : end]).strip()))
    return out


COMMANDS = _commands()


def test_the_tutorial_has_steps():
    assert len(COMMANDS) >= 6
    assert len(_blocks("python")) >= 5


@pytest.mark.parametrize("command, shown", COMMANDS, ids=[c[:60] for c, _ in COMMANDS])
def test_command_prints_what_the_tutorial_shows(command, shown, capsys):
    args = shlex.split(command)
    assert args[0] == "einderiv"
    code = main(args[1:])
    out, err = capsys.readouterr()
    assert code in (0, 1), f"exit code {code}: {err}"  # 1: check's verdict "wrong"
    got = (out + err).strip() + "\n"
    checker = doctest.OutputChecker()
    assert checker.check_output(shown + "\n", got, FLAGS), f"shown:\n{shown}\ngot:\n{got}"


def _run(body: str, globs: dict, name: str) -> None:
    test = doctest.DocTestParser().get_doctest(body, globs, name, str(TUTORIAL), 0)
    assert test.examples, f"{name}: no >>> examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, clear_globs=False)
    globs.update(test.globs)  # DocTest works on a copy: the next block sees this one's names
    assert runner.summarize(verbose=False).failed == 0, f"{name} failed (see the output above)"


def _plain_steps() -> dict:
    globs: dict = {}
    for n, (needs, body) in enumerate(_blocks("python")):
        if not needs:
            _run(body, globs, f"tutorial block {n}")
    return globs


def test_python_steps_run_as_shown():
    _plain_steps()


def _dask_backend() -> str | None:
    """Why the dask step cannot run here, or None when it can."""
    if importlib.util.find_spec("dask") is None:
        return "dask is not installed (pip install 'dask[array]')"
    try:
        ed.parse("x").compile(backend="dask")
    except ed.EinderivError as error:
        return f"this einderiv has no dask backend (SPEC section 9): {error}"
    return None


def _missing(needs: str) -> str | None:
    if needs == "dask-backend":
        return _dask_backend()
    if importlib.util.find_spec(needs) is None:
        return f"{needs} is not installed"
    return None


@pytest.mark.parametrize("needs", ["jax", "dask-backend"])
def test_optional_steps(needs):
    blocks = [body for n, body in _blocks("python") if n == needs]
    assert blocks, f"the tutorial has no {needs} step"
    why = _missing(needs)
    if why:
        pytest.skip(why)
    globs = _plain_steps()
    for k, body in enumerate(blocks):
        _run(body, globs, f"tutorial {needs} block {k}")
