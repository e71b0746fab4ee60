"""Compiled evaluation (einderiv.compiled): compiled == uncompiled == central finite differences.

The finite differences are plain numpy, written here, of the ORIGINAL function (also written
here in numpy): D^k f[i1..ik] ~ sum over signs s of (prod s) f(x + eps sum_j s_j e_ij) / (2 eps)^k.
Derivatives are taken in the jacobian layout (shape S_X, S_X + S_X, ...), and the gradient is
also checked in the numerator and denominator layouts.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.compiled import compile_expr
from tests.native_util import precise

# --------------------------------------------------------------------------------------------
# plain-numpy finite differences


def fd_derivative(f, args: dict, wrt: str, order: int, eps: float | None = None) -> np.ndarray:
    """The order-``order`` derivative tensor of the scalar numpy function ``f(**args)``."""
    eps = eps or {1: 1e-6, 2: 1e-4, 3: 1e-3, 4: 1e-2}[order]
    x0 = np.array(args[wrt], dtype=float)
    entries = list(np.ndindex(x0.shape))
    out = np.zeros(x0.shape * order)
    for combo in itertools.product(range(len(entries)), repeat=order):
        key = tuple(sorted(combo))
        total = 0.0
        for signs in itertools.product((1.0, -1.0), repeat=order):
            x = x0.copy()
            for s, k in zip(signs, key):
                x[entries[k]] += s * eps
            total += np.prod(signs) * float(f(**{**args, wrt: x}))
        out[sum((entries[k] for k in combo), ())] = total / (2 * eps) ** order
    return out


def check(f, args, want, rtol=1e-5, atol=1e-6, what=""):
    got = np.asarray(f(**args), dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, err_msg=what)


# --------------------------------------------------------------------------------------------
# cases: expression, where, variable, numpy function, data


def _invertible(rng, n):
    return np.eye(n) + 0.3 * rng.standard_normal((n, n))


def _data_tr(rng):
    return {"X": rng.standard_normal((3, 2)), "A": rng.standard_normal((3, 3))}


def _data_quad(rng):
    return {"x": rng.standard_normal(4), "A": rng.standard_normal((4, 4))}


def _data_inv(rng):
    return {"X": _invertible(rng, 3), "A": rng.standard_normal((3, 3))}


def _data_logistic(rng):
    return {
        "X": rng.standard_normal((5, 3)),
        "y": np.sign(rng.standard_normal(5)),
        "w": rng.standard_normal(3),
    }


def _data_lsq(rng):
    return {
        "A": rng.standard_normal((5, 3)),
        "x": rng.standard_normal(3),
        "b": rng.standard_normal(5),
    }


def _data_mlp(rng):
    return {
        "W1": 0.5 * rng.standard_normal((3, 2)),
        "W2": 0.5 * rng.standard_normal((2, 3)),
        "x": rng.standard_normal(2),
        "y": rng.standard_normal(2),
    }


def _data_vec(rng):
    return {"x": rng.uniform(0.5, 1.5, 4), "A": rng.standard_normal((4, 4))}


def _data_diag(rng):
    return {
        "x": rng.standard_normal(4),
        "s": rng.standard_normal(4),
        "A": rng.standard_normal((4, 4)),
    }


def _sig(z):
    return 1 / (1 + np.exp(-z))


CASES = {
    "trace_quadratic": ("tr(X' A X)", None, "X", lambda X, A: np.trace(X.T @ A @ X), _data_tr),
    "quadratic_form": ("x' A x", None, "x", lambda x, A: x @ A @ x, _data_quad),
    "logdet": (
        "log(det(X))",
        None,
        "X",
        lambda X: np.log(np.linalg.det(X)),
        lambda rng: {"X": _invertible(rng, 3)},
    ),
    "det": (
        "det(X)",
        None,
        "X",
        lambda X: np.linalg.det(X),
        lambda rng: {"X": _invertible(rng, 3)},
    ),
    "trace_inverse": (
        "tr(inv(X) A)",
        None,
        "X",
        lambda X, A: np.trace(np.linalg.inv(X) @ A),
        _data_inv,
    ),
    "logistic": (
        "sum(log(1 + exp(-y .* (X w))))",
        "X: matrix(m, n)",
        "w",
        lambda X, y, w: np.sum(np.log(1 + np.exp(-y * (X @ w)))),
        _data_logistic,
    ),
    "least_squares": (
        "norm2(A x - b)^2",
        None,
        "x",
        lambda A, x, b: np.sum((A @ x - b) ** 2),
        _data_lsq,
    ),
    "two_layer": (
        "sum((W2 tanh(W1 x) - y) .^ 2)",
        None,
        "W1",
        lambda W1, W2, x, y: np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2),
        _data_mlp,
    ),
    "two_layer_W2": (
        "sum((W2 tanh(W1 x) - y) .^ 2)",
        None,
        "W2",
        lambda W1, W2, x, y: np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2),
        _data_mlp,
    ),
    "trace_power_3": (
        "tr(X^3)",
        None,
        "X",
        lambda X: np.trace(X @ X @ X),
        lambda rng: {"X": rng.standard_normal((3, 3))},
    ),
    "elementwise": (
        "sum(exp(A x) .* sin(x) + sqrt(x) + softplus(A x) .* sigmoid(x))",
        None,
        "x",
        lambda x, A: np.sum(
            np.exp(A @ x) * np.sin(x) + np.sqrt(x) + np.log1p(np.exp(A @ x)) * _sig(x)
        ),
        _data_vec,
    ),
    "log_cos_tanh": (
        "sum(log(2 + cos(A x)) .* tanh(x))",
        None,
        "x",
        lambda x, A: np.sum(np.log(2 + np.cos(A @ x)) * np.tanh(x)),
        _data_vec,
    ),
    "diag_scaling": (
        "x' diag(s) A x",
        None,
        "x",
        lambda x, s, A: x @ (s[:, None] * A) @ x,
        _data_diag,
    ),
    "norm_ratio": (
        "norm2(x)^2 / (1 + (x' A x)^2)",
        None,
        "x",
        lambda x, A: (x @ x) / (1 + (x @ A @ x) ** 2),
        _data_vec,
    ),
}


def _setup(name):
    text, where, wrt, fn, data = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    return ed.parse(text, where=where), wrt, fn, data(rng)


@pytest.mark.parametrize("name", list(CASES))
def test_value(name):
    f, _, fn, args = _setup(name)
    want = fn(**args)
    check(f, args, want, what="uncompiled")
    check(compile_expr(f), args, want, what="compiled")


@pytest.mark.parametrize("layout", ["jacobian", "numerator", "denominator"])
@pytest.mark.parametrize("name", list(CASES))
def test_gradient(name, layout):
    f, wrt, fn, args = _setup(name)
    fd = fd_derivative(fn, args, wrt, 1)
    if layout == "numerator":  # scalar f: the variable's axes reversed
        fd = np.transpose(fd)
    g = ed.diff(f, wrt, layout=layout)
    check(g, args, fd, rtol=1e-5, what="uncompiled vs FD")
    check(compile_expr(g), args, fd, rtol=1e-5, what="compiled vs FD")
    check(compile_expr(g), args, g(**args), rtol=1e-10, atol=1e-12, what="compiled vs uncompiled")


@pytest.mark.parametrize("name", list(CASES))
def test_hessian(name):
    f, wrt, fn, args = _setup(name)
    fd = fd_derivative(fn, args, wrt, 2)
    h = ed.hessian(f, wrt)
    check(h, args, fd, rtol=1e-4, atol=1e-5, what="uncompiled vs FD")
    check(compile_expr(h), args, fd, rtol=1e-4, atol=1e-5, what="compiled vs FD")
    check(compile_expr(h), args, h(**args), rtol=1e-10, atol=1e-12, what="compiled vs uncompiled")


@pytest.mark.parametrize(
    "name", ["quadratic_form", "elementwise", "log_cos_tanh", "logdet", "logistic", "norm_ratio"]
)
def test_order_four(name):
    f, wrt, fn, args = _setup(name)
    if name == "logdet":
        args = {"X": args["X"][:2, :2]}
    if name == "logistic":
        args = {k: v[:3] if v.ndim == 1 and k == "y" else v for k, v in args.items()}
        args["X"] = args["X"][:3, :2]
        args["w"] = args["w"][:2]
    d = f
    for _ in range(4):
        d = ed.diff(d, wrt, layout="jacobian")
    fd = fd_derivative(fn, args, wrt, 4)
    check(d, args, fd, rtol=2e-3, atol=2e-3, what="uncompiled vs FD")
    check(compile_expr(d), args, fd, rtol=2e-3, atol=2e-3, what="compiled vs FD")
    check(compile_expr(d), args, d(**args), rtol=1e-9, atol=1e-11, what="compiled vs uncompiled")


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_symbolic_power(k):
    """tr(X^k) with k passed at call time (the Hessian is a symbolic sum over r < k - 1)."""
    rng = np.random.default_rng(k)
    X = rng.standard_normal((3, 3)) / 2

    def fn(X):
        return np.trace(np.linalg.matrix_power(X, k))

    args = {"X": X, "k": k}
    g = ed.diff("tr(X^k)", "X", layout="jacobian")
    h = ed.hessian("tr(X^k)", "X")
    for expr, order, rtol in ((g, 1, 1e-5), (h, 2, 1e-4)):
        fd = fd_derivative(lambda X: fn(X), {"X": X}, "X", order)
        check(expr, args, fd, rtol=rtol, atol=1e-5, what="uncompiled vs FD")
        check(compile_expr(expr), args, fd, rtol=rtol, atol=1e-5, what="compiled vs FD")


def test_inverse_power():
    """MatPow with a negative literal exponent and its diagonal (tr(X^-2))."""
    rng = np.random.default_rng(3)
    X = _invertible(rng, 3)
    fn = lambda X: np.trace(np.linalg.matrix_power(np.linalg.inv(X), 2))
    g = ed.diff("tr(inv(X)^2)", "X", layout="jacobian")
    check(compile_expr(g), {"X": X}, fd_derivative(fn, {"X": X}, "X", 1), what="compiled vs FD")
    check(compile_expr(g), {"X": X}, g(X=X), rtol=1e-10, what="compiled vs uncompiled")


# --------------------------------------------------------------------------------------------
# the plan: shared subterms, BLAS, no dense deltas


def _source(expr, **sizes):
    return compile_expr(expr).source(**sizes)


def test_inverse_computed_once():
    src = _source(ed.hessian("tr(inv(X) A)", "X"), n=3)
    assert src.count("_inv(") == 1, src
    src = _source(ed.hessian("det(X)", "X"), n=3)
    assert src.count("_inv(") == 1 and src.count("_det(") == 1, src


def test_shared_products_and_functions():
    src = _source(ed.hessian("sum((W2 tanh(W1 x) - y) .^ 2)", "W1"), n=3, m=4, p=5)
    assert src.count("_tanh(") == 1, src
    src = _source(
        ed.hessian("sum(log(1 + exp(-y .* (X w))))", "w", where="X: matrix(m, n)"), m=5, n=3
    )
    assert src.count(" @ ") == 2, src  # X w once (not X w and X (-w)), X' D X once


def test_blas_and_factoring():
    src = _source(ed.diff("tr(X' A X)", "X"), n=3, m=2)
    assert "einsum" not in src and src.count(" @ ") == 1, src  # X' (A + A'), one product


def test_diagonal_scaling_without_dense_diagonal():
    src = _source(ed.hessian("x' diag(s) A x", "x"), n=4)
    assert "eye" not in src and "_expand" not in src and "[:, None]" in src, src


def test_delta_in_output_is_written_not_multiplied():
    src = _source(ed.hessian("tr(X' A X)", "X"), n=3, m=2)
    assert "eye" not in src and "einsum" not in src, src


# --------------------------------------------------------------------------------------------
# calling conventions


def test_shapes_change_between_calls():
    f = ed.hessian("sum(log(1 + exp(-y .* (X w))))", "w", where="X: matrix(m, n)")
    fn = compile_expr(f)
    rng = np.random.default_rng(0)
    for m, n in ((5, 3), (7, 2), (5, 3)):
        args = {"X": rng.standard_normal((m, n)), "y": np.ones(m), "w": rng.standard_normal(n)}
        check(fn, args, f(**args), rtol=1e-10)
    assert len(fn.cache) == 2


def test_sizes_given_as_keywords():
    f = ed.diff("sum(diag(s) A)", "A")  # ones[i] s[j]: the size of i is not in any array
    fn = compile_expr(f)
    s = np.arange(3.0)
    check(fn, {"s": s, "m": 4}, f(s=s, m=4))
    with pytest.raises(ed.EvaluationError, match="size"):
        fn(s=s)


def test_errors():
    g = ed.diff("x' A x", "x")
    fn = compile_expr(g)
    with pytest.raises(ed.EvaluationError, match="no value given for A"):
        fn(x=np.ones(3))
    with pytest.raises(ed.EvaluationError, match="shape"):
        fn(x=np.ones(3), A=np.ones(3))
    with pytest.raises(ed.EvaluationError, match="not a variable"):
        fn(x=np.ones(3), A=np.eye(3), B=1)
    with pytest.raises(ed.EvaluationError, match="singular"):
        compile_expr(ed.diff("log(det(X))", "X"))(X=np.zeros((2, 2)))
    with pytest.raises(ed.EvaluationError, match="integer k"):
        compile_expr(ed.diff("tr(X^k)", "X"))(X=np.eye(2))
    with pytest.raises(ed.EinderivError, match="backend"):
        compile_expr(g, backend="cupy")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_optional_backends(backend):
    g = ed.diff("x' A x", "x")
    try:
        __import__(backend)
    except ImportError:
        with pytest.raises(ed.EinderivError, match=backend):
            compile_expr(g, backend=backend)
        return
    fn = compile_expr(g, backend=backend)
    x, A = np.arange(3.0), np.arange(9.0).reshape(3, 3)
    with precise(backend):
        np.testing.assert_allclose(np.asarray(fn(x=x, A=A)), g(x=x, A=A))


def test_numpy_backend_does_not_import_torch_or_jax():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, einderiv as ed\n"
        "from einderiv.backend.compiled import compile_expr\n"
        "compile_expr(ed.diff(\"x' A x\", 'x'))(x=np.ones(2), A=np.eye(2))\n"
        "assert 'torch' not in sys.modules and 'jax' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", list(CASES))
def test_generic_backend_code_path(name):
    """The code path of torch and jax (no numpy-only tricks), run on numpy."""
    f, wrt, _, args = _setup(name)
    for expr in (ed.diff(f, wrt), ed.hessian(f, wrt)):
        check(
            compile_expr(expr, backend="_generic_numpy"), args, expr(**args), rtol=1e-10, atol=1e-12
        )


# --------------------------------------------------------------------------------------------
# every identity of the notes and every layout case: compiled == uncompiled


def _catalogue():
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import test_layouts_hessians as lh
    import test_notes as notes

    return [c for c in notes.ALL_CASES + lh.LAYOUT_CASES if isinstance(c, notes.Case)]


@pytest.mark.parametrize("case", _catalogue(), ids=lambda c: c.id)
def test_catalogue_compiled_equals_uncompiled(case):
    args = case.point()
    f = ed.parse(case.expr, where=case.where)
    exprs = [ed.diff(f, case.wrt, layout=layout) for layout in ed.LAYOUTS]
    if not f.axes and "[" not in case.wrt:
        exprs.append(ed.hessian(f, case.wrt))
    for expr in exprs:
        want = expr(**args)
        for backend in ("numpy", "_generic_numpy"):
            fn = compile_expr(expr, backend=backend)
            check(fn, args, want, rtol=1e-9, atol=1e-11, what=f"{backend} {expr.shape}")
