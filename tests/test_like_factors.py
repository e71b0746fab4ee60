"""Products of many copies of a variable (session 30; ``calculus/like_factors``).

The product rule made one term per factor, each with every other factor: ``x .* ... .* x`` of
N factors was N terms of N factors before like terms merged (quadratic: 316 ms at N = 500,
``tr(X ... X)`` 5.9 s). Factors whose terms are equal (copies of one part, or a part turned into
itself) are now differentiated once, times their count. Values against central differences of
plain numpy; the raw derivative's size counted (no timings).
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.calculus.differentiate import Wrt, derivative
from einderiv.ir import index_ir as T
from tests.fd import hessian_fd, jacobian_fd, to_layout

rng = np.random.default_rng(30)
x0 = rng.normal(size=3) * 0.7
y0 = rng.normal(size=3) * 0.7
X0 = rng.normal(size=(3, 3)) * 0.5
A0 = rng.normal(size=(3, 3)) * 0.5


def power(M, k):
    return np.linalg.matrix_power(M, k)


CASES = [
    # sum(x .* ... .* x), 12 factors: d/dx = 12 x' .^ 11
    ("sum(" + " .* ".join(["x"] * 12) + ")", "x", lambda x, y, X, A: np.sum(x**12)),
    # (x' x)^6 as a chain: d/dx = 12 (x' x)^5 x'
    (" ".join(["x' x"] * 6), "x", lambda x, y, X, A: (x @ x) ** 6),
    # x .* y .* x ... : some copies of x, some of y
    (
        "sum(x .* y .* x .* x .* y .* x .* x .* x .* y .* x)",
        "x",
        lambda x, y, X, A: np.sum(x**7 * y**3),
    ),
    (
        "sum(x .* y .* x .* x .* y .* x .* x .* x .* y .* x)",
        "y",
        lambda x, y, X, A: np.sum(x**7 * y**3),
    ),
    # (x' A x)^4 as a chain: four copies of a part of three factors
    (" ".join(["x' A x"] * 4), "x", lambda x, y, X, A: (x @ A @ x) ** 4),
    # tr(X^10) as a chain: one part turned into itself by one factor; d/dX = 10 (X^9)'
    ("tr(" + " ".join(["X"] * 10) + ")", "X", lambda x, y, X, A: np.trace(power(X, 10))),
    # tr((A X)^5): turned into itself by two factors
    ("tr(" + " ".join(["A X"] * 5) + ")", "X", lambda x, y, X, A: np.trace(power(A @ X, 5))),
    # tr((X A X')^3): X and X' in one turn
    (
        "tr(" + " ".join(["X A X'"] * 3) + ")",
        "X",
        lambda x, y, X, A: np.trace(power(X @ A @ X.T, 3)),
    ),
    # X^9 as a chain (free ends: no turn)
    (" ".join(["X"] * 9), "X", lambda x, y, X, A: power(X, 9)),
    # X .* X .* ... .* X, 9 copies with free indices: d/dX[k,l] = 9 X .^ 8 at [k,l] only
    (" .* ".join(["X"] * 9), "X", lambda x, y, X, A: X**9),
    # (a' x) ... : copies beside a part that does not depend on x
    (
        "sum(tanh(y)) " + " ".join(["x' y"] * 8),
        "x",
        lambda x, y, X, A: np.sum(np.tanh(y)) * (x @ y) ** 8,
    ),
]


@pytest.mark.parametrize("text, wrt, f", CASES, ids=[c[0][:40] for c in CASES])
def test_products_of_copies_against_numpy(text, wrt, f):
    values = {"x": x0, "y": y0, "X": X0, "A": A0}
    e = ed.parse(text, where="x: vector(3); y: vector(3); X: matrix(3, 3); A: matrix(3, 3)")
    g = ed.diff(e, wrt)
    ndim_y = len(e.shape) if e.slots is None else sum(s is not None for s in e.slots)
    expected = to_layout(jacobian_fd(f, values, wrt), ndim_y, values[wrt].ndim, "numerator")
    used = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**used), expected.reshape(g(**used).shape), rtol=1e-6, atol=1e-6)
    back = ed.parse(str(g), where="; ".join(f"{k}: {v.kind}" for k, v in g.variables.items()))
    np.testing.assert_allclose(back(**used), g(**used), rtol=1e-9, atol=1e-12)


def test_the_hessian_of_a_chain_of_copies():
    # (x' x)^5 as a chain: H = 10 (x'x)^4 I + 80 (x'x)^3 x x'
    h = ed.hessian(" ".join(["x' x"] * 5), "x", where="x: vector(3)")
    expected = hessian_fd(lambda x: (x @ x) ** 5, {"x": x0}, "x")
    np.testing.assert_allclose(h(x=x0), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "text, wrt",
    [
        ("sum(" + " .* ".join(["x"] * 40) + ")", "x"),
        (" ".join(["x' x"] * 20), "x"),
        ("tr(" + " ".join(["X"] * 40) + ")", "X"),
    ],
)
def test_the_raw_derivative_of_40_copies_is_one_term(text, wrt):
    # the product rule's terms of the 40 copies are one term, times 40 (was 40 terms)
    e = ed.parse(text)
    indices = tuple(T.Index(f"w{k}", "n") for k in range(len(e.variables[wrt].dims)))
    raw = derivative(e.term, Wrt(wrt, indices))
    assert type(raw) is T.Prod, type(raw).__name__
    assert T.Num(40) in raw.factors  # (x' x: 20 copies of x[a] x[a], a part turned by one)


def test_a_turned_chain_is_renamed_in_its_length(monkeypatch):
    # tr((A X)^n) turns into itself by two factors: comparing the turned shape renames each of
    # the 2n factors by its own summed indices, not by the whole map of the chain's 2n (the
    # entries given to rename were quadratic: 4n^2); d/dX = n (A X)^(n-1) A either way
    given = [0]
    original = T.rename

    def counting(t, mapping):
        given[0] += len(mapping)
        return original(t, mapping)

    monkeypatch.setattr(T, "rename", counting)
    counts = []
    for n in (40, 80):
        given[0] = 0
        g = ed.diff("tr(" + " ".join(["A X"] * n) + ")", "X")
        assert str(g) == f"{n} (A X)^{n - 1} A"  # (values: tests/test_chain_powers.py)
        counts.append(given[0])
    assert counts[1] < 2.5 * counts[0], counts
