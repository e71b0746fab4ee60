"""The operator registry, walked entry by entry through every stage and backend (issue 11).

Each elementwise function has an oracle here, written in plain numpy and math: its value and
where to sample it. Every registry entry is checked: its value on scalars, vectors and
matrices; its derivative in every layout against central finite differences of the oracle;
the second derivative of the smooth ones; the printed result read back; ``compile()`` on every
available backend; ``ed.codegen``; and that its name is written in the package only where
needed.
"""

from __future__ import annotations

import importlib.util
import math
import pathlib
import re

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir.ops import ELEMENTWISE

RNG = np.random.default_rng(11)


def _erfless(f):
    return np.vectorize(f, otypes=[float])


def _erf_series(v):
    # erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)): independent of math.erf
    v = np.asarray(v, dtype=float)
    total, term = np.zeros_like(v), v.copy()
    for n in range(60):
        total = total + term / (2 * n + 1)
        term = -term * v * v / (n + 1)
    return 2.0 / math.sqrt(math.pi) * total


# name -> (oracle, low, high): an independent implementation and a sampling interval inside
# its domain, away from kinks (the derivative at a kink follows SPEC 6.1, tested below)
ORACLES = {
    "exp": (lambda v: np.exp(v), -2.0, 2.0),
    "log": (lambda v: np.log(v), 0.3, 3.0),
    "log1p": (_erfless(math.log1p), -0.5, 2.0),
    "sqrt": (_erfless(math.sqrt), 0.3, 3.0),
    "sin": (_erfless(math.sin), -3.0, 3.0),
    "cos": (_erfless(math.cos), -3.0, 3.0),
    "tan": (_erfless(math.tan), -1.2, 1.2),
    "arcsin": (_erfless(math.asin), -0.9, 0.9),
    "arccos": (_erfless(math.acos), -0.9, 0.9),
    "arctan": (_erfless(math.atan), -3.0, 3.0),
    "erf": (_erf_series, -2.0, 2.0),
    "sinh": (_erfless(math.sinh), -2.0, 2.0),
    "cosh": (_erfless(math.cosh), -2.0, 2.0),
    "tanh": (_erfless(math.tanh), -2.0, 2.0),
    "sigmoid": (lambda v: 1.0 / (1.0 + np.exp(-v)), -4.0, 4.0),
    "softplus": (lambda v: np.log(1.0 + np.exp(v)), -4.0, 4.0),
    "relu": (lambda v: np.where(v > 0, v, 0.0), -2.0, 2.0),
    "step": (lambda v: (v > 0).astype(float), -2.0, 2.0),
    "abs": (lambda v: np.where(v < 0, -v, v), -2.0, 2.0),
    "sign": (lambda v: (v > 0).astype(float) - (v < 0).astype(float), -2.0, 2.0),
}
NAMES = sorted(ELEMENTWISE)
SMOOTH = [n for n in NAMES if ELEMENTWISE[n].smooth]
BACKENDS = ["numpy"] + [b for b in ("torch", "jax") if importlib.util.find_spec(b)]


def _sample(name, shape):
    _, low, high = ORACLES[name]
    x = RNG.uniform(low, high, size=shape)
    if not ELEMENTWISE[name].smooth:  # keep away from the kink at 0
        x = np.where(np.abs(x) < 0.2, 0.5, x)
    return x


def _fd(fun, x, h=1e-6):
    """Central differences of a scalar function of an array: an array shaped like ``x``."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (fun(x + e) - fun(x - e)) / (2 * h)
    return grad


def test_every_registry_entry_has_an_oracle():
    assert set(ORACLES) == set(ELEMENTWISE)


@pytest.mark.parametrize("name", NAMES)
def test_value_on_scalars_vectors_and_matrices(name):
    oracle = ORACLES[name][0]
    a, x, X = _sample(name, ()), _sample(name, 4), _sample(name, (3, 2))
    np.testing.assert_allclose(ed.parse(f"{name}(a)", where="a: scalar")(a=a), oracle(a))
    np.testing.assert_allclose(ed.parse(f"{name}(x)")(x=x), oracle(x), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f"{name}(X)")(X=X), oracle(X), rtol=1e-12)


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
@pytest.mark.parametrize("name", NAMES)
def test_derivative_in_every_layout(name, layout):
    # d sum(f(x)) / dx = f'(x): a row (numerator) or a column; as arrays, the same 1-D values
    oracle = ORACLES[name][0]
    x = _sample(name, 5)
    g = ed.diff(f"sum({name}(x))", "x", layout=layout)
    expected = _fd(lambda v: np.sum(oracle(v)), x)
    np.testing.assert_allclose(g(x=x), expected, rtol=1e-6, atol=1e-8)
    # d f(X)[a,b] / dX[c,d] = f'(X[a,b]) delta[a,c] delta[b,d], arranged by the layout
    X = _sample(name, (2, 3))
    J = ed.diff(f"{name}(X)", "X", layout=layout)(X=X)
    slope = _fd(lambda v: np.sum(oracle(v)), X)  # elementwise: f'(X) entry by entry
    full = np.einsum("ab,ac,bd->abcd", slope, np.eye(2), np.eye(3))  # (2,3,2,3): jacobian
    if layout == "numerator":
        full = full.transpose(0, 1, 3, 2)
    elif layout == "denominator":
        full = full.transpose(0, 1, 3, 2).transpose(3, 2, 1, 0)
    np.testing.assert_allclose(J, full, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", SMOOTH)
def test_second_derivative_of_smooth_functions(name):
    # d^2 sum(f(x)) / dx dx = diag(f''(x)), against finite differences of the gradient
    oracle = ORACLES[name][0]
    x = _sample(name, 3)
    H = ed.hessian(f"sum({name}(x))", "x")(x=x)
    h = 1e-4

    def grad(v):
        return _fd(lambda w: np.sum(oracle(w)), v, h=1e-6)

    expected = np.stack([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(H, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["abs", "sign", "relu", "step"])
def test_kinks_follow_the_one_sided_convention(name):
    # SPEC 6.1: abs'(0) = sign(0) = 0, relu'(0) = 0
    x = np.array([-1.5, 0.0, 2.0])
    slopes = {
        "abs": [-1.0, 0.0, 1.0],
        "sign": [0.0, 0.0, 0.0],
        "relu": [0.0, 0.0, 1.0],
        "step": [0.0, 0.0, 0.0],
    }
    g = ed.diff(f"sum({name}(x))", "x", layout="denominator")
    np.testing.assert_array_equal(g(x=x), slopes[name])


@pytest.mark.parametrize("name", NAMES)
def test_printed_derivative_reads_back(name):
    x = _sample(name, 4)
    g = ed.diff(f"sum({name}(x) .* x)", "x", layout="denominator")
    again = ed.parse(str(g), where="x: vector(n)")
    np.testing.assert_allclose(again(x=x), g(x=x), rtol=1e-12)
    index = ed.parse(g.index(), where="x: vector(n)")
    np.testing.assert_allclose(index(x=x), g(x=x), rtol=1e-12)


def test_erf_constant_prints_as_a_decimal_in_latex():
    # erf'(u) = 2 pi^(-1/2) exp(-u^2), pi the number 3.141592653589793; its LaTeX reads back
    g = ed.diff("sum(erf(x))", "x")
    constant = ed.parse("3.141592653589793^(-1/2) x")
    x = RNG.uniform(-1, 1, 3)
    np.testing.assert_allclose(ed.parse(constant.latex())(x=x), x / math.sqrt(math.pi))
    np.testing.assert_allclose(g(x=x), 2 / math.sqrt(math.pi) * np.exp(-(x**2)), rtol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
def test_compiled_and_generated_code(name, backend):
    oracle = ORACLES[name][0]
    x = _sample(name, 4)
    A = RNG.standard_normal((3, 4))
    f = ed.parse(f"A {name}(x)")
    expected = A @ oracle(x)
    got = np.asarray(f.compile(backend=backend)(A=A, x=x))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    if backend == "numpy":
        namespace: dict = {}
        exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
        np.testing.assert_allclose(namespace["f"](A=A, x=x), expected, rtol=1e-10)


_PACKAGE = pathlib.Path(ed.__file__).resolve().parent
# exp and log are also parts of other operators (log-determinant, the power rule, the
# sigmoid rewrite), so other stages name them too
_STRUCTURAL = {"exp", "log"}


@pytest.mark.parametrize("name", sorted(set(NAMES) - _STRUCTURAL))
def test_a_function_is_named_in_at_most_two_modules(name):
    """Its registry entry and at most one place that needs it by name (issue 11)."""
    quoted = re.compile(rf"[\"']{re.escape(name)}[\"'(]")
    modules = sorted(
        str(p.relative_to(_PACKAGE))
        for p in _PACKAGE.rglob("*.py")
        if quoted.search(p.read_text(encoding="utf-8"))
    )
    assert "ir/ops.py" in modules
    assert len(modules) <= 2, modules
