"""The named form of a small gradient kept as adjoints (reverse mode) is never worse than
``str``: no double transpose (``t1''``), no longer text (issue 13, expert printing)."""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import central_gradient
from tests.named_forms import substituted

WHERE = "A: matrix(3, 4); B: matrix(3, 4); C: matrix(3, 4); X: matrix(4, 3)"
rng = np.random.default_rng(30)
VALUES = {k: rng.standard_normal((3, 4)) for k in "ABC"}
X0 = rng.standard_normal((4, 3))

CASES = [
    # d tr(A X A X A X A X) = 4 tr(A X A X A X A dX): the gradient 4 (A X A X A X A)'
    ("tr(A X A X A X A X)", lambda X, A, B, C: np.trace(np.linalg.matrix_power(A @ X, 4))),
    # d tr(X A X B X C) = tr((A X B X C + B X C X A + C X A X B) dX)
    ("tr(X A X B X C)", lambda X, A, B, C: np.trace(X @ A @ X @ B @ X @ C)),
    ("tr(A X A X A X)", lambda X, A, B, C: np.trace(A @ X @ A @ X @ A @ X)),
    ("tr(A X B X A X B X)", lambda X, A, B, C: np.trace(np.linalg.matrix_power(A @ X @ B @ X, 2))),
]


@pytest.mark.parametrize("text, f", CASES, ids=[c[0] for c in CASES])
def test_named_is_the_gradient_and_not_longer(text, f):
    g = ed.diff(text, "X", where=WHERE)
    named = g.show(cse=True)
    assert "''" not in named and "''" not in str(g)  # (t')' is t
    assert len(named) <= len(str(g))
    # read back: each definition put back for its name; the numerator layout, d f / dX[i,j]
    # at [j,i]
    expected = central_gradient(lambda X: f(X, **VALUES), X0).T
    got = ed.parse(substituted(named), where=WHERE)(X=X0, **VALUES)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_an_alias_transposed_twice_is_the_name():
    # (X' A' X' A')' = A X A X and (X' A')' (A X) = A X A X: named once, never t1''
    text = "A X (A X A X + (X' A' X' A')') A + ((X' A' X' A')' + (X' A')' A X) A X A"
    where = "A: matrix(3, 4); X: matrix(4, 3)"
    named = ed.parse(text, where=where).show(cse=True)
    assert "''" not in named
    A, X = VALUES["A"], X0
    AX = A @ X
    expected = AX @ (2 * AX @ AX) @ A + (2 * AX @ AX) @ AX @ A
    got = ed.parse(substituted(named), where=where)(A=A, X=X)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_a_long_chain_backpropagated_has_no_transposed_products():
    # d tr((A X)^16) = 16 tr((A X)^15 A dX): too long to derive forward, named as adjoints,
    # each placeholder used transposed written with its transpose pushed in (t' of C' X' B'
    # is B X C), so no definition is (X' A')' (A X) and no name is printed t1''
    text = "tr(" + " ".join(["A X"] * 16) + ")"
    where = "A: matrix(3, 4); X: matrix(4, 3)"
    named = ed.diff(text, "X", where=where).show(cse=True)
    assert "''" not in named and ")'" not in named
    A = VALUES["A"] / 2  # (entries kept small: the 16th power)
    expected = central_gradient(lambda X: np.trace(np.linalg.matrix_power(A @ X, 16)), X0).T
    got = ed.parse(substituted(named), where=where)(A=A, X=X0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)
