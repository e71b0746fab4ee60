"""A power of a closed sum beside that sum written out merges: the gradient of norm2(x)^3 is
3 norm2(x) x', finite at x = 0 (where it is 0), not 3 x'x x' / norm2(x) (0 / 0 there).

The truth is numpy: central finite differences of each function written here, at the point
where the old form was undefined, and at a random point.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(5)
A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0], [1.0, 0.0, 1.0]])
x0 = np.array([1.0, 2.0, 3.0])
b = A @ x0  # exactly, in floats: A x0 - b = 0
NORM = np.linalg.norm

CASES = [
    # d norm2(x)^3 / dx = 3 norm2(x) x'
    ("norm2(x)^3", "x", {}, lambda x: NORM(x) ** 3, np.zeros(3)),
    # a regulariser at the usual start w = 0: d (w'w/2 + norm2(w)^3) = w' + 3 norm2(w) w'
    ("x' x / 2 + norm2(x)^3", "x", {}, lambda x: x @ x / 2 + NORM(x) ** 3, np.zeros(3)),
    # norm2(x) x'x = norm2(x)^3
    ("norm2(x) x' x", "x", {}, lambda x: NORM(x) * (x @ x), np.zeros(3)),
    # d norm2(X)^3 / dX = 3 norm2(X) X' (Frobenius)
    ("norm2(X)^3", "X", {}, lambda X: NORM(X) ** 3, np.zeros((2, 3))),
    # at a solution A x = b: 3 norm2(A x - b) (A x - b)' A = 0
    (
        "norm2(A x - b)^3",
        "x",
        {"A": A, "b": b},
        lambda x: NORM(A @ x - b) ** 3,
        x0,
    ),
]


@pytest.mark.parametrize("text, wrt, others, fn, zero", CASES)
def test_the_gradient_is_finite_where_the_sum_is_zero(text, wrt, others, fn, zero):
    g = ed.diff(text, wrt)
    for point in (zero, rng.normal(size=zero.shape)):
        jac = jacobian_fd(lambda **a: fn(a[wrt]), {wrt: point}, wrt)
        want = to_layout(jac, 0, point.ndim, "numerator")
        with np.errstate(all="raise"):  # no 0 / 0 on the way
            got = g(**others, **{wrt: point})
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=str(g))
        back = ed.parse(str(g))
        with np.errstate(all="raise"):
            np.testing.assert_allclose(back(**others, **{wrt: point}), want, atol=1e-8)
