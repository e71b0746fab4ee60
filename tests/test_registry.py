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
from einderiv.ir.ops import ELEMENTWISE, ROW
from tests.native_util import as_native, precise

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


# a kink's function of nan is nan, as numpy's relu (np.maximum) and sign are, on every route
# (torch's sign(nan) is 0, and where(x > 0, x, 0) took nan to 0); of +-inf the one-sided value
NAN_ORACLES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "step": lambda x: np.where(np.isnan(x), x, np.where(x > 0, 1.0, 0.0)),
    "sign": np.sign,
    "abs": np.abs,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(NAN_ORACLES))
def test_kinks_keep_nan_and_infinities(name, backend):
    x = np.array([np.nan, 1.0, -1.0, 0.0, np.inf, -np.inf])
    f = ed.parse(f"{name}(x)")
    namespace: dict = {}
    exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
    with precise(backend):
        compiled = np.asarray(f.compile(backend=backend)(x=as_native(backend, x)))
    for got in (f(x=x), compiled, namespace["f"](x=x)):
        np.testing.assert_array_equal(got, NAN_ORACLES[name](x))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
def test_compiled_and_generated_code(name, backend):
    oracle = ORACLES[name][0]
    x = _sample(name, 4)
    A = RNG.standard_normal((3, 4))
    f = ed.parse(f"A {name}(x)")
    expected = A @ oracle(x)
    with precise(backend):  # float64 on jax needs the user's x64 setting (SPEC 9)
        got = np.asarray(f.compile(backend=backend)(A=A, x=x))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    if backend == "numpy":  # the standalone code, and the einsum form (each product einsum)
        for source in (ed.codegen(f, name="f"), f.einsum("f")):
            namespace: dict = {}
            exec(source, namespace)  # noqa: S102 - the package's own output
            np.testing.assert_allclose(namespace["f"](A=A, x=x), expected, rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# Vector functions (SPEC 6.1): of a vector, or of each row of a matrix. Oracles: the textbook
# formulas, unshifted (fine on the moderate inputs drawn here), along the last axis.


def _plain_softmax(v):
    e = np.exp(v)
    return e / np.sum(e, axis=-1, keepdims=True)


ROW_ORACLES = {
    "logsumexp": lambda v: np.log(np.sum(np.exp(v), axis=-1)),
    "softmax": _plain_softmax,
    "log_softmax": lambda v: np.log(_plain_softmax(v)),
}
ROW_NAMES = sorted(ROW)


def test_every_row_function_has_an_oracle():
    assert set(ROW_ORACLES) == set(ROW)


@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_function_values_on_vectors_rows_and_matrices(name):
    oracle = ROW_ORACLES[name]
    x, X = RNG.normal(size=4), RNG.normal(size=(3, 5))
    np.testing.assert_allclose(ed.parse(f"{name}(x)")(x=x), oracle(x), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f"{name}(x')")(x=x), oracle(x), rtol=1e-12)
    # of a matrix: row by row (SPEC 6.1, as in softmax(Q K' / sqrt(d)) V)
    np.testing.assert_allclose(ed.parse(f"{name}(X)")(X=X), oracle(X), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f"{name}(X')")(X=X), oracle(X.T), rtol=1e-12)
    expected_shape = ("m",) if ROW[name].reduces else ("m", "n")
    assert ed.parse(f"{name}(X)", where="X: matrix(m, n)").shape == expected_shape


# the stable values: logsumexp([1000, 1000]) = 1000 + log 2, softmax([1000, 0]) = [1, 0]
_HUGE = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, 0.0]])
_STABLE = {
    "logsumexp": np.array([1000.0 + math.log(2.0), math.log(1.0 + 2.0 * math.exp(-1000.0))]),
    "softmax": np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]),
    "log_softmax": np.array(
        [[-math.log(2.0), -math.log(2.0), -2000.0 - math.log(2.0)], [-1000.0, -1000.0, 0.0]]
    ),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_functions_are_computed_stably_everywhere(name, backend):
    f = ed.parse(f"{name}(X)")
    expected = _STABLE[name]
    np.testing.assert_allclose(f(X=_HUGE), expected, rtol=1e-12, atol=1e-300)
    with precise(backend):
        got = np.asarray(f.compile(backend=backend)(X=_HUGE))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    namespace: dict = {}
    exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
    np.testing.assert_allclose(namespace["f"](X=_HUGE), expected, rtol=1e-12, atol=1e-300)
    v = np.array([1000.0, 1000.0])
    np.testing.assert_allclose(
        ed.parse(f"{name}(v)")(v=v),
        _STABLE[name][0][..., :2] if not ROW[name].reduces else 1000 + math.log(2),
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_functions_of_empty_rows(name, backend):
    # a row of no entries: softmax and log_softmax are empty, logsumexp is log(sum of nothing)
    # = log 0 = -inf (as torch and scipy); the derivative has no entries
    X = np.zeros((3, 0))
    with np.errstate(divide="ignore"):
        expected = ROW_ORACLES[name](X)
    f = ed.parse(f"{name}(X)")
    namespace: dict = {}
    exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
    with precise(backend):
        compiled = np.asarray(f.compile(backend=backend)(X=X))
    for got in (f(X=X), compiled, namespace["f"](X=X)):
        np.testing.assert_array_equal(got, expected)
    g = ed.diff(f"{name}(x)", "x")
    assert g(x=np.zeros(0)).shape == ((0,) if ROW[name].reduces else (0, 0))


def _arranged(jac, ndim_y, layout):
    """The jacobian-layout array D[I, J] arranged as ``layout`` (SPEC 2)."""
    y_axes, x_axes = list(range(ndim_y)), list(range(ndim_y, jac.ndim))
    if layout == "jacobian":
        return jac
    numerator = jac.transpose(y_axes + x_axes[::-1])
    return numerator if layout == "numerator" else numerator.transpose(range(jac.ndim)[::-1])


def _jacobian_fd(fun, x, h=1e-6):
    y = np.asarray(fun(x))
    jac = np.zeros(y.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        jac[(Ellipsis, *idx)] = (fun(x + e) - fun(x - e)) / (2 * h)
    return jac


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_function_derivatives_in_every_layout(name, layout):
    oracle = ROW_ORACLES[name]
    # d f(A x)/dx: the chain rule through a vector argument
    A, x = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    g = ed.diff(f"{name}(A x)", "x", layout=layout)(A=A, x=x)
    jac = _jacobian_fd(lambda v: oracle(A @ v), x)
    np.testing.assert_allclose(g, _arranged(jac, jac.ndim - 1, layout), rtol=1e-6, atol=1e-8)
    # d f(X)/dX of a matrix, row by row: an order-3 (logsumexp) or order-4 result
    X = RNG.normal(size=(2, 3))
    G = ed.diff(f"{name}(X)", "X", layout=layout)(X=X)
    jac = _jacobian_fd(oracle, X)
    np.testing.assert_allclose(G, _arranged(jac, jac.ndim - 2, layout), rtol=1e-6, atol=1e-8)
    # a scalar of a transposed argument: d sum(f(X')) / dX, a gradient
    G = ed.diff(f"sum({name}(X'))", "X", layout=layout)(X=X)
    jac = _jacobian_fd(lambda M: np.sum(oracle(M.T)), X)
    np.testing.assert_allclose(G, _arranged(jac, 0, layout), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ROW_NAMES)
def test_second_derivatives_of_row_functions(name):
    # d^2 c' f(A x) / dx dx (sum(logsumexp(A X)) for the scalar one), by second differences
    oracle = ROW_ORACLES[name]
    A, x, c = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=4)
    text = f"{name}(A x)" if ROW[name].reduces else f"c' {name}(A x)"
    H = ed.hessian(text, "x")(A=A, x=x, **({} if ROW[name].reduces else {"c": c}))

    def value(v):
        out = oracle(A @ v)
        return out if ROW[name].reduces else c @ out

    h = 1e-4
    grad = lambda v: _jacobian_fd(value, v, h=1e-5)
    expected = np.stack([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(H, expected, rtol=1e-4, atol=1e-6)
    # of a matrix, row by row: the Hessian of sum(logsumexp(X)) or of sum(C .* f(X)) by X
    X, C = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    text = f"sum({name}(X))" if ROW[name].reduces else f"sum(C .* {name}(X))"
    H = ed.hessian(text, "X")(X=X, **({} if ROW[name].reduces else {"C": C}))
    scalar = (
        (lambda M: np.sum(oracle(M))) if ROW[name].reduces else (lambda M: np.sum(C * oracle(M)))
    )
    expected = _jacobian_fd(lambda M: _jacobian_fd(scalar, M, h=1e-5), X, h=1e-4)
    np.testing.assert_allclose(H, expected, rtol=1e-4, atol=1e-6)


# the derivatives print with the functions' names (SPEC 6.1); each text reads back
_PRINTED = {
    "logsumexp": "softmax(x)'",  # d logsumexp(x) = softmax(x)' dx
    "softmax": "diag(softmax(x)) - softmax(x) softmax(x)'",  # (diag(s) - s s') dx
    "log_softmax": "I - ones softmax(x)'",  # (I - ones s') dx
}


@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_derivatives_print_with_names_and_read_back(name):
    x = RNG.normal(size=4)
    g = ed.diff(f"{name}(x)", "x")
    assert str(g) == _PRINTED[name]
    expected = _jacobian_fd(ROW_ORACLES[name], x)
    for text in (str(g), g.index(), g.latex()):
        np.testing.assert_allclose(
            ed.parse(text, where="x: vector(n)")(x=x), expected, rtol=1e-6, atol=1e-8
        )
    # of a matrix argument (an order-4 result): index notation reads back
    X = RNG.normal(size=(2, 3))
    G = ed.diff(f"{name}(W X)", "X")
    again = ed.parse(G.index(), where="W: matrix(m, p); X: matrix(p, q)")
    W = RNG.normal(size=(2, 2))
    np.testing.assert_allclose(again(W=W, X=X), G(W=W, X=X), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_functions_compiled_and_generated(name, backend):
    oracle = ROW_ORACLES[name]
    A, X = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 5))
    f = ed.parse(f"{name}(A X)")
    expected = oracle(A @ X)
    with precise(backend):
        got = np.asarray(f.compile(backend=backend)(A=A, X=X))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # weighted by C: sum(softmax(A X)) alone is constant (each row sums to 1), its derivative 0
    C = RNG.normal(size=np.shape(expected))  # logsumexp: a column, one entry per row
    where = "C: vector(3)" if C.ndim == 1 else None
    g = ed.diff(f"sum({name}(A X) .* C)", "X", layout="denominator", where=where)
    expected = _jacobian_fd(lambda M: np.sum(oracle(A @ M) * C), X)
    with precise(backend):
        got = np.asarray(g.compile(backend=backend)(A=A, X=X, C=C))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    if backend == "numpy":
        namespace: dict = {}
        exec(ed.codegen(g, name="g"), namespace)  # noqa: S102 - the package's own output
        got = namespace["g"](A=A, X=X, C=C)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ROW_NAMES)
def test_row_function_of_a_scalar_is_a_shape_error_naming_it(name):
    with pytest.raises(ed.ShapeError, match=rf"{name}\(a\).*scalar"):
        ed.parse(f"{name}(a)", where="a: scalar")
    with pytest.raises(ed.ParseError, match="one argument"):
        ed.parse(f"{name}(x, y)")


_PACKAGE = pathlib.Path(ed.__file__).resolve().parent
# exp and log are also parts of other operators (log-determinant, the power rule, the
# sigmoid rewrite), so other stages name them too
_STRUCTURAL = {"exp", "log"}


def modules_naming(name: str, after: str = "[\"'(]") -> list[str]:
    """The package's modules that write ``name`` quoted (followed by one of ``after``)."""
    quoted = re.compile(rf"[\"']{re.escape(name)}{after}")
    return sorted(
        str(p.relative_to(_PACKAGE))
        for p in _PACKAGE.rglob("*.py")
        if quoted.search(p.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("name", sorted(set(NAMES) - _STRUCTURAL))
def test_a_function_is_named_in_at_most_two_modules(name):
    """Its registry entry and at most one place that needs it by name (issue 11)."""
    modules = modules_naming(name)
    assert "ir/ops.py" in modules
    assert len(modules) <= 2, modules


DEFINED = [n for n in NAMES if ELEMENTWISE[n].definition is not None]
ROW_DEFINED = [n for n in sorted(ROW) if ROW[n].definition is not None]


@pytest.mark.parametrize("name", DEFINED)
def test_a_definition_by_exp_is_the_function(name):
    # sinh u = (e^u - e^-u)/2, cosh u = (e^u + e^-u)/2, tanh u = (e^2u - 1)/(e^2u + 1),
    # sigmoid u = 1/(1 + e^-u), softplus u = log(1 + e^u): the record's definition, evaluated,
    # against the independent oracle, on both signs
    from einderiv.backend.execute import evaluate
    from einderiv.ir import index_ir as T

    i = T.Index("i", 5)
    term = ELEMENTWISE[name].definition(T.Var("x", (i,)))
    x = np.array([-2.5, -0.7, 0.0, 0.4, 3.0])
    np.testing.assert_allclose(evaluate(term, (i,), {"x": x}, {}, {}), ORACLES[name][0](x))


@pytest.mark.parametrize("name", ROW_DEFINED)
def test_a_row_definition_by_exp_is_the_function(name):
    # softmax(x) = e^x / sum e^x, logsumexp(x) = log sum e^x, log_softmax(x) = x - logsumexp(x)
    from einderiv.backend.execute import evaluate
    from einderiv.ir import index_ir as T

    n, j = T.row_bound(4), T.Index("j", 4)
    x = np.array([-1.5, 0.2, 2.0, -0.3])
    lse = np.log(np.sum(np.exp(x)))
    oracle = {"logsumexp": lse, "softmax": np.exp(x) / np.exp(x).sum(), "log_softmax": x - lse}
    indices = () if ROW[name].reduces else (j,)
    term = ROW[name].definition(T.RowFunc(name, T.Var("x", (n,)), n, indices))
    np.testing.assert_allclose(evaluate(term, indices, {"x": x}, {}, {}), oracle[name])


@pytest.mark.parametrize("name", [n for n in NAMES if ELEMENTWISE[n].entire])
def test_an_entire_function_is_a_matrix_function_at_every_matrix(name):
    # f entire (exp, sin, cos, sinh, cosh): f(M) = V f(D) V^-1 is defined for every square M,
    # its eigenvalues complex or not; check.constant_terms relies on it. Here: f is finite at
    # complex points where tanh, sec and log are not (i pi/2, 0), and f(M) of a rotation-like M
    # (complex eigenvalues) by eigendecomposition agrees with its power series
    f = ELEMENTWISE[name].numpy
    z = np.array([0, 1j * np.pi / 2, -1j * np.pi / 2, 3 + 4j, -5 - 2j])
    assert np.all(np.isfinite(f(z)))
    M = np.array([[0.3, -1.2], [1.1, 0.2]])  # eigenvalues 0.25 +- 1.15i
    w, V = np.linalg.eig(M)
    by_eig = (V @ np.diag(f(w)) @ np.linalg.inv(V)).real
    series, term = np.zeros((2, 2)), np.eye(2)
    taylor = {"exp": lambda k: 1, "sin": lambda k: (0, 1, 0, -1)[k % 4],
              "cos": lambda k: (1, 0, -1, 0)[k % 4], "sinh": lambda k: k % 2,
              "cosh": lambda k: 1 - k % 2}[name]  # fmt: skip
    for k in range(30):  # sum_k f^(k)(0) M^k / k!
        series += taylor(k) * term
        term = term @ M / (k + 1)
    np.testing.assert_allclose(by_eig, series, atol=1e-10)
