"""A scalar never sits between a row vector and what it multiplies (issue 13, item 4).

Juxtaposition groups to the left: ``r' 2 x' x v`` reads ``((r' 2) x') ...``, a row times a
row. Where a derivative holds an inner product ``r' (2 x' x v)`` whose right side starts with
a number, every printed form (str, LaTeX, index, named) must keep that side whole. Each form is
read back with ``ed.parse`` and compared with central differences of plain numpy written here.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import central_gradient
from tests.named_forms import substituted

n = 3
rng = np.random.default_rng(30)
x0, y0 = rng.normal(size=n) * 0.5, rng.normal(size=n) * 0.5
U0 = rng.normal(size=(n, n)) * 0.5
c0 = 0.7
WHERE = "U: matrix(n, n); x: vector(n); y: vector(n); c: scalar"


def _first(c, x, y, U):
    # f(c) = sum((c (y' v) (1 + v.^2).^-1).^2), v = c (x' x) x
    v = c * (x @ x) * x
    return np.sum((c * (y @ v) / (1 + v**2)) ** 2)


def _second(c, x, y, U):
    # f(c) = y' arctan(U' (c (x' z) z)) + sum(tanh(c arctan(U' (c (x' z) z)))), z = x .* exp(x)
    z = x * np.exp(x)
    a = np.arctan(U.T @ (c * (x @ z) * z))
    return y @ a + np.sum(np.tanh(c * a))


FIRST = "sum((c ((y' (c ((x' x) x))) ((1 + (c ((x' x) x)) .^ 2) .^ -1))) .^ 2)"
SECOND = (
    "y' (arctan(U' (c ((x' ((x) .* (exp(x)))) ((x) .* (exp(x))))))) + "
    "sum(tanh(c  (arctan(U' (c ((x' ((x) .* (exp(x)))) ((x) .* (exp(x)))))))))"
)


def _forms(g) -> dict:
    return {
        "str": str(g),
        "latex": g.latex(),
        "index": g.index(),
        "cse": substituted(g.show(cse=True)),
        "cse latex": substituted(g.show(cse=True, format="latex"), r"\left(", r"\right)"),
    }


@pytest.mark.parametrize("form", ["str", "latex", "index", "cse", "cse latex"])
def test_inner_product_with_a_leading_number_reads_back(form):
    # df/dc, printed `w' (2 x' x x' y (...))`: not `w' 2 x' x ...` (a row times a row)
    g = ed.diff(FIRST, "c", where=WHERE)
    back = ed.parse(_forms(g)[form], where=WHERE)
    env = {"x": x0, "y": y0, "U": U0}
    want = central_gradient(lambda c: _first(c[0], **env), np.array([c0]))[0]
    used = {k: v for k, v in env.items() if k in back.variables}
    np.testing.assert_allclose(back(c=c0, **used), want, rtol=1e-6)


@pytest.mark.parametrize("form", ["str", "latex", "index", "cse", "cse latex"])
def test_second_derivative_by_a_scalar_reads_back(form):
    # d2f/dc2: the row (1 - tanh(..) .^ 2)' meets (2 x' z (...)), z = x .* exp(x)
    g = ed.diff(ed.diff(SECOND, "c", where=WHERE), "c")
    back = ed.parse(_forms(g)[form], where=WHERE)
    env = {"x": x0, "y": y0, "U": U0}
    h = 1e-4  # f'' = (f(c + h) - 2 f(c) + f(c - h)) / h^2
    want = (_second(c0 + h, **env) - 2 * _second(c0, **env) + _second(c0 - h, **env)) / h**2
    used = {k: v for k, v in env.items() if k in back.variables}
    np.testing.assert_allclose(back(c=c0, **used), want, rtol=1e-5)


# (text, order of the derivative by c, the function in numpy): more of the class, each of whose
# str and LaTeX did not read back ("shapes do not fit": `w' 2 x' ...`)
MORE = [
    (
        "sum((c (y' (c x)) ((1 + (c x) .^ 2) .^ -1)) .^ 2)",
        1,
        lambda c, x, y, U: np.sum((c * (y @ (c * x)) / (1 + (c * x) ** 2)) ** 2),
    ),
    (
        "sum(tanh(c (tanh(c (x' x) x))))",
        2,
        lambda c, x, y, U: np.sum(np.tanh(c * np.tanh(c * (x @ x) * x))),
    ),
    (
        "sum(tanh(c (tanh(c U' (y' x) x))))",
        2,
        lambda c, x, y, U: np.sum(np.tanh(c * np.tanh(c * (y @ x) * (U.T @ x)))),
    ),
]


@pytest.mark.parametrize("form", ["str", "latex"])
@pytest.mark.parametrize("text, order, f", MORE, ids=[m[0] for m in MORE])
def test_more_of_the_class_read_back(text, order, f, form):
    # d^k f / dc^k by central differences (k = 1, 2)
    g = ed.diff(text, "c", where=WHERE)
    g = ed.diff(g, "c") if order == 2 else g
    back = ed.parse(_forms(g)[form], where=WHERE)
    env = {"x": x0, "y": y0, "U": U0}
    h = 1e-5 if order == 1 else 1e-4
    up, mid, down = (f(c0 + t, **env) for t in (h, 0, -h))
    want = (up - down) / (2 * h) if order == 1 else (up - 2 * mid + down) / h**2
    used = {k: v for k, v in env.items() if k in back.variables}
    np.testing.assert_allclose(back(c=c0, **used), want, rtol=1e-5)
