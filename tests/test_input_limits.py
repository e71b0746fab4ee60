"""Input too large for the front ends: one limit, a clear error, never minutes or gigabytes.

Each text the command line reads (an argument, standard input), each identity ``einderiv
audit`` checks and each field of the web page is at most ``MAX_CHARS`` characters; beyond it
the input is refused at once with its length (the Python API reads any length). A text at the
limit is read as any other: its derivative is checked here against finite differences of plain
numpy.
"""

from __future__ import annotations

import io
import os
import sys
import tracemalloc

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import run, run_process
from fd import jacobian_fd

import einderiv as ed
from einderiv.cli_io import STDIN_BYTES
from einderiv.errors import MAX_CHARS
from einderiv.web import server

X0 = np.array([0.3, -1.2, 2.0])
TWO_X = jacobian_fd(lambda x: x @ x, {"x": X0}, "x")  # d(x' x)/dx = 2 x', by differences


def padded(text: str, length: int) -> str:
    return text + " " * (length - len(text))


def test_the_web_page_and_the_command_line_share_one_limit():
    # the web's 413 (SPEC 10) and the command line's refusal are the same number
    assert server.MAX_CHARS == MAX_CHARS == 10_000
    assert STDIN_BYTES >= 4 * MAX_CHARS  # a text of 4-byte characters at the limit is read


def test_an_argument_at_the_limit_is_read(capsys):
    code, out, err = run(capsys, "diff", padded("x' x", MAX_CHARS), "--wrt", "x")
    assert code == 0, err
    np.testing.assert_allclose(ed.parse(out.strip())(x=X0), TWO_X, rtol=1e-6)


def test_an_argument_past_the_limit_is_refused_with_its_length(capsys):
    for argv in (
        ["diff", padded("x' x", MAX_CHARS + 1), "--wrt", "x"],
        ["check", "x' x", "--wrt", "x", "--claim", padded("2 x'", MAX_CHARS + 1)],
        ["diff", "x' x", "--wrt", "x", "--where", padded("x: vector(3)", MAX_CHARS + 1)],
        ["check", "--identity", padded("d(x' x)/dx = 2 x'", MAX_CHARS + 1)],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert f"{MAX_CHARS + 1:,} characters long; the limit is {MAX_CHARS:,}" in err


def test_standard_input_past_the_limit_is_refused_unread(capsys, monkeypatch):
    # a text just past the limit names its length; ten megabytes (was: 41 s and 2.7 GB for a
    # name of 10^7 letters) are refused after reading the limit's worth of bytes
    monkeypatch.setattr(sys, "stdin", io.StringIO(padded("x' x", MAX_CHARS + 1) + "x"))
    code, _, err = run(capsys, "diff", "-", "--wrt", "x")
    assert code == 2 and f"{MAX_CHARS + 2:,} characters long" in err
    stdin = io.TextIOWrapper(io.BytesIO(b"x" * 10**7))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, _, err = run(capsys, "diff", "-", "--wrt", "x")
    assert code == 2 and f"longer than {MAX_CHARS:,} characters" in err
    assert stdin.buffer.tell() <= STDIN_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


def test_standard_input_at_the_limit_is_read():
    done = run_process("diff", "-", "--wrt", "x", stdin=padded("x' x", MAX_CHARS) + "\n")
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(ed.parse(done.stdout.strip())(x=X0), TWO_X, rtol=1e-6)


def test_an_identity_past_the_limit_is_unreadable_and_the_others_are_checked():
    # d(x' x)/dx = 2 x' holds (numerator layout); a sum of 2,000 terms x' a is an identity of
    # 14,000 characters: unreadable with its length, not checked for minutes
    long = " + ".join(["x^\\top a"] * 2000)
    text = (
        "$$\\frac{\\partial\\, x^\\top x}{\\partial x} = 2 x^\\top$$\n\n"
        f"$$\\frac{{\\partial\\, ({long})}}{{\\partial x}} = a^\\top$$\n"
    )
    first, second = ed.audit(text)
    assert first.verdict == "right" and second.verdict == "unreadable"
    assert "characters long; the limit is 10,000 characters" in second.reason
    np.testing.assert_allclose(2 * X0, TWO_X, rtol=1e-6)  # the right one, by differences


# --- audit in linear time: a document of the file limit (2 MB) is read in seconds ---------------
# Each unclosed \[ or \begin{equation} searched the rest of the document for its closer, each
# display counted its line from the start, and split_top copied the rest of the text at every
# command: 1.9 MB of $, \[ or \begin{equation} took minutes (> 60 s each). Now each closer is
# looked for once, lines are counted as the displays go, and a display with no d, \partial or
# \nabla (no derivative) is not split.
RIGHT = "$$\\frac{\\partial\\, x^\\top x}{\\partial x} = 2 x^\\top$$"  # d(x' x)/dx = 2 x'


def test_unclosed_displays_are_scanned_once():
    for junk in ("\\[" * 200_000, "$" * 400_000, "\\begin{equation}" * 25_000, "$$d$$" * 2_000):
        (line,) = ed.audit(junk + "\n\n" + RIGHT + "\n")
        assert (line.line, line.verdict) == (3, "right")  # its line, counted as the scan goes
    np.testing.assert_allclose(2 * X0, TWO_X, rtol=1e-6)


def test_a_long_display_of_many_rows_keeps_its_identity():
    # 3,000 rows a = b before the identity (was quadratic in the rows), then many commands
    rows = "a &= b \\\\\n" * 3000 + "\\alpha " * 3000
    text = f"\\begin{{align}}\n{rows}\\\\\n" + RIGHT.strip("$") + "\n\\end{align}\n"
    (line,) = ed.audit(text)
    assert line.verdict == "right" and line.line == 3003  # the identity's own line


# --- evaluation: a value larger than the machine's memory is refused before any work ------------
def test_a_value_larger_than_memory_is_refused_before_allocating():
    # kron(X, kron(X, X)) of a 60 x 60 X has 60^6 entries (373 GB): it computed the 104 MB
    # kron(X, X) first (and on a machine with 20 GB free, the 8 GB step of a kron of 30 2 x 2
    # factors before failing on a 32 GB one); now refused at once, nothing allocated
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if 60**6 * 8 <= memory:
        pytest.skip("this machine holds the value")
    tracemalloc.start()
    try:
        with pytest.raises(ed.EvaluationError, match="more than this machine's memory"):
            ed.parse("kron(X, kron(X, X))")(X=np.ones((60, 60)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20
    X = np.arange(4.0).reshape(2, 2) - 1.5  # below the limit: numpy's value
    np.testing.assert_allclose(ed.parse("kron(X, kron(X, X))")(X=X), np.kron(X, np.kron(X, X)))
