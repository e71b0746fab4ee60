"""Running the CLI from tests, shared by tests/test_cli.py and tests/test_cli_json.py.

Input: command-line arguments (and, for ``run_process``, optional stdin text and environment).
Output: ``run``: (exit code, stdout, stderr) of ``einderiv.cli.main`` in this process;
``run_process``: the ``CompletedProcess`` of ``python -m einderiv`` in its own process.
Invariants: the subprocess runs the einderiv these tests import (PYTHONPATH set to it), without
EINDERIV_DEBUG, from the tests' folder, with a 120 s timeout and no terminal on stdin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import einderiv as ed
from einderiv.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(
    *argv: str, stdin: str | None = None, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    """``python -m einderiv`` in its own process, on the einderiv these tests import."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(ed.__file__).resolve().parents[1])
    env.pop("EINDERIV_DEBUG", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "einderiv", *argv],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=120,
    )
