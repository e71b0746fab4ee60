"""Index notation as an expert writes it: no doubled parentheses around a function's argument,
an integer symbol bare (``k (X^(k - 1))[i,j]``, not ``(k) (...)``), an integer expression once
in parentheses and in the order the matrix form writes it (``(k - 1)``, not ``(-1 + (k))``).
Each text reads back to the derivative, checked against central differences of numpy here.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

rng = np.random.default_rng(31)
n, m = 3, 4
W0, x0, b0 = rng.normal(size=(m, n)), rng.uniform(0.5, 1.5, size=n), rng.normal(size=m)
X0 = rng.normal(size=(n, n)) + 2 * np.eye(n)
K = 3

CASES = [
    # expression, wrt, numpy function, args, index text
    (
        # d sum(tanh(W x + b)) / db = 1 - tanh(W x + b) .^ 2
        "sum(tanh(W x + b))",
        "b",
        lambda b: np.sum(np.tanh(W0 @ x0 + b)),
        {"b": b0},
        "-tanh(b[i] + W[i,a] x[a]).^2 + ones[i]",
    ),
    (
        # d sum(exp(x + y)) / dx = exp(x + y)'
        "sum(exp(x + y))",
        "x",
        lambda x: np.sum(np.exp(x + 2 * x0)),
        {"x": x0},
        "exp(x[i] + y[i])",
    ),
    (
        # d sum(x .^ (k - 1)) / dx = (k - 1) x' .^ (k - 2)
        "sum(x .^ (k - 1))",
        "x",
        lambda x: np.sum(x ** (K - 1)),
        {"x": x0},
        "(k - 1) x[i].^(k - 2)",
    ),
    (
        # d tr(X^k) / dX = k X^(k - 1)   (numerator layout)
        "tr(X^k)",
        "X",
        lambda X: np.trace(np.linalg.matrix_power(X, K)),
        {"X": X0},
        "k (X^(k - 1))[i,j]",
    ),
]


P = 2.5
CASES += [
    (
        # d sum(x .^ p) / dx = p x' .^ (p - 1)   (p a real scalar: (p - 1), not ((-1 + p)))
        "sum(x .^ p)",
        "x",
        lambda x: np.sum(x**P),
        {"x": x0},
        "x[i].^(p - 1) p",
    ),
    (
        # d sum(x .^ p) / dp = sum(x .^ p .* log(x))   (x[a].^p, not x[a].^(p))
        "sum(x .^ p)",
        "p",
        lambda p: np.sum(x0**p),
        {"p": P},
        "x[a].^p log(x[a])",
    ),
]


CASES += [
    (
        # d sum(x .^ (1 - k)) / dx = (1 - k) x' .^ (-k)   (was (-k + 1) in index notation)
        "sum(x .^ (1 - k))",
        "x",
        lambda x: np.sum(x ** (1 - K)),
        {"x": x0},
        "(1 - k) x[i].^(-k)",
    ),
]


@pytest.mark.parametrize("expr, wrt, fn, args, text", CASES, ids=[c[0] for c in CASES])
def test_index_text_is_written_once_and_reads_back(expr, wrt, fn, args, text):
    g = ed.diff(expr, wrt, where="k: integer; p: scalar")
    assert g.index() == text
    values = {"W": W0, "x": x0, "y": 2 * x0, "b": b0, "X": X0, "k": K, "p": P}
    back = ed.parse(text, where="k: integer; p: scalar")
    got = back(**{v: values[v] for v in back.variables})
    expected = jacobian_fd(fn, args, wrt)
    expected = expected.T if expected.ndim == 2 else expected  # numerator: X's axes reversed
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, atol=1e-6)
    assert "((" not in g.latex() and "((" not in text


def test_a_count_down_exponent_is_written_number_first():
    # d sum(X^40) / dX = sum_{r=0}^{39} (X^r)' ones ones' (X^(39 - r))', written 39 - r, not -r + 39
    g = ed.diff("sum(X^40)", "X")
    assert "(X^(39 - r))" in g.index() and "-r + 39" not in g.index()
    X = 0.9 * np.eye(n) + 0.05 * rng.normal(size=(n, n))
    jac = jacobian_fd(lambda X: np.sum(np.linalg.matrix_power(X, 40)), {"X": X}, "X")
    np.testing.assert_allclose(ed.parse(g.index())(X=X), jac.T, rtol=1e-5, atol=1e-6)
