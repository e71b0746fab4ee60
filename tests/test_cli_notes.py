"""The command line's notes on stderr say what happened, and only that (SPEC 4, 7).

- An order-4 result with a Kronecker form is written in it by text and LaTeX alike: no note
  that it is "shown in index notation".
- A zero result prints ``0`` at any order, without a note about index notation.
- ``check`` probes points where the expression is undefined (``s = 0`` in ``x' A x / s``);
  numpy's floating-point warnings there are not notes.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import einderiv as ed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import run


def test_latex_of_an_order_four_result_is_its_kronecker_form_without_a_note(capsys):
    # d vec(A X B) / d vec(X)' = B' kron A
    code, out, err = run(capsys, "diff", "A X B", "--wrt", "X", "--format", "latex")
    assert code == 0 and r"\otimes" in out and "index notation" not in err, (out, err)
    back = ed.parse(out.strip())
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(back(A=A, B=B), np.einsum("ap,qb->abqp", A, B))


def test_a_zero_of_order_four_prints_0_without_a_note(capsys):
    code, out, err = run(capsys, "diff", "X - X", "--wrt", "X")
    assert code == 0 and out.strip() == "0" and not err.strip(), (out, err)


def test_check_does_not_pass_numpy_warnings_off_as_notes(capsys):
    # d (x' A x / s) = s^-1 x' (A + A') dx: probing s = 0 makes numpy warn
    claim = "d f = s^-1 x' (A + A') dx"
    code, out, err = run(capsys, "check", "x' A x / s", "--wrt", "x", "--claim", claim)
    assert code == 0 and out.startswith("right"), out
    assert "encountered" not in err and "RuntimeWarning" not in err, err
    code, out, err = run(capsys, "diff", "x'Ax", "--wrt", "x")  # einderiv's own notes stay
    assert code == 0 and "as the product" in err, err
