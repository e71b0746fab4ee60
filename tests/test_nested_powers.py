"""Nested literal powers (review AH): a short power is written out as a chain (X^3 is
X[a,b] X[b,c] X[c,d]), but a power of such a power is not, so ((X^3)^3)^3... lowers to a term
linear in its depth (it was 3^depth factors: 14 levels took 83 s to parse)."""

import numpy as np

import einderiv as ed
from tests.fd import jacobian_fd
from tests.test_derive_speed_invariants import _graph_size  # the term's distinct nodes

rng = np.random.default_rng(53)
X0 = rng.normal(size=(3, 3)) * 0.3
A0 = rng.normal(size=(3, 3))


def test_nested_powers_lower_linearly():
    # tr(((X)^3)^3 ... ) with 14 levels is tr(X^(3^14))
    text = "tr(" + "(" * 14 + "X" + ")^3" * 14 + ")"
    f = ed.parse(text)
    assert _graph_size(f.term) < 200
    X = np.eye(3) * 1.0000001
    expected = np.trace(np.linalg.matrix_power(X, 3**14))
    np.testing.assert_allclose(f(X=X), expected, rtol=1e-9)
    g = ed.diff("tr(" + "(" * 12 + "X" + ")^2" * 12 + ")", "X")
    assert _graph_size(g.term) < 200


def test_a_power_of_a_power_of_a_product():
    # d tr(((X A)^3)^3) / dX = 9 (A (X A)^8)' in denominator layout; numerator: 9 A (X A)^8
    def f(X):
        return np.trace(np.linalg.matrix_power(np.linalg.matrix_power(X @ A0, 3), 3))

    g = ed.diff("tr(((X A)^3)^3)", "X")
    expected = jacobian_fd(f, {"X": X0}, "X").T  # numerator layout: X's axes reversed
    np.testing.assert_allclose(g(X=X0, A=A0), expected, rtol=1e-6, atol=1e-9)
    deep = ed.diff("tr(" + "(" * 6 + "X A" + ")^2" * 6 + ")", "X")  # (X A)^64: a power

    def f64(X):
        return np.trace(np.linalg.matrix_power(X @ A0, 64))

    scale = 0.9 / max(abs(np.linalg.eigvals(X0 @ A0)))
    X = X0 * scale
    expected = jacobian_fd(f64, {"X": X}, "X").T
    np.testing.assert_allclose(deep(X=X, A=A0), expected, rtol=1e-5, atol=1e-9)
