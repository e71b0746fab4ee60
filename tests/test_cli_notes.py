"""The command line's notes on stderr say what happened, and only that (SPEC 4, 7).

- An order-4 result with a Kronecker form is written in it by text and LaTeX alike: no note
  that it is "shown in index notation".
- A zero result prints ``0`` at any order, without a note about index notation.
- ``check`` probes points where the expression is undefined (``s = 0`` in ``x' A x / s``);
  numpy's floating-point warnings there are not notes.
"""

from __future__ import annotations

import json
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


def test_a_second_derivative_identity_names_check_order_2_and_hessian(capsys):
    # the Hessian of x' A x is A + A' (numpy central second differences of f below); an
    # identity d^2 f / dx dx' is read as that Hessian (right); one by two variables is not
    # read, and the message says both ways to check a Hessian, which then say "right"
    rng = np.random.default_rng(7)
    A, x, h, E = rng.normal(size=(3, 3)), rng.normal(size=3), 1e-3, np.eye(3)
    f = lambda x: x @ A @ x
    fd = [
        [(f(x + h * a + h * b) - f(x + h * a - h * b) - f(x - h * a + h * b)
          + f(x - h * a - h * b)) / (4 * h * h) for b in E]
        for a in E
    ]  # fmt: skip
    assert np.allclose(fd, A + A.T, atol=1e-6) and not np.allclose(fd, A, atol=1e-2)
    text = r"\frac{\partial^2 x^T A x}{\partial x \partial x^T} = A + A^T"
    code, out, err = run(capsys, "check", "--identity", text)
    assert code == 0 and out.startswith("right"), (out, err)
    text = r"\frac{\partial^2 x^T A y}{\partial x \partial y^T} = A"
    code, out, err = run(capsys, "check", "--identity", text)
    assert code == 2 and "order=2" in err and "--hessian" in err, err
    code, out, err = run(capsys, "check", "x' A x", "--wrt", "x", "--claim", "A + A'", "--hessian")
    assert code == 0 and out.startswith("right"), (out, err)
    assert ed.check("x' A x", "x", claim="A + A'", order=2).verdict == "right"


def test_check_json_identity_carries_its_reading_note(capsys):
    # d tr(A X) / dX_ij = A_ji: A_{ji} is read as an entry, and said in the JSON object's
    # "note" as check --json (no --identity) says its notes; the sides carry no LaTeX spacing
    text = r"\frac{\partial tr(A X)}{\partial X_{ij}} = A_{ji}"
    code, out, err = run(capsys, "check", "--json", "--identity", text)
    obj = json.loads(out)
    assert code == 0 and obj["verdict"] == "right", out
    assert "entry A_{j,i}" in obj["note"] and "entry A_{j,i}" in err, (obj, err)
    assert (obj["expr"], obj["claim"]) == ("tr(A X)", "A_{ji}"), obj
    # and the verdict is the numbers': d tr(A X) / dX[i,j] = A[j,i] by central differences
    rng = np.random.default_rng(0)
    A, X = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    E = np.zeros((3, 3))
    E[0, 2] = 1e-6
    slope = (np.trace(A @ (X + E)) - np.trace(A @ (X - E))) / 2e-6
    assert np.isclose(slope, A[2, 0])
    text = r"\frac{\partial tr(A X)}{\partial X_{ij}} = A_{ij}"
    code, out, err = run(capsys, "check", "--json", "--identity", text)
    assert code == 1 and json.loads(out)["verdict"] == "wrong", out
