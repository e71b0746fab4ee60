"""Backends as their libraries expect (SPEC 9): dtype and device kept, no global setting
changed, compiled functions traced by jax (jit, vmap, grad) and torch autograd.

Every derivative is compared with central differences of plain numpy code written here.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import fd_gradient, need, precise

RNG = np.random.default_rng(15)
N = 4
X0 = np.eye(N) + 0.3 * RNG.standard_normal((N, N))
A0 = RNG.standard_normal((N, N))
W0 = RNG.standard_normal(N)

# f(X) = tr(X' A X) + sum(tanh(X w)) + log|X|
TEXT = "tr(X' A X) + sum(tanh(X w)) + log|X|"


def f_numpy(X, A=A0, w=W0):
    return np.trace(X.T @ A @ X) + np.sum(np.tanh(X @ w)) + np.log(abs(np.linalg.det(X)))


GRAD_FD = fd_gradient(f_numpy, X0)


def _skip_without(backend):
    """Skip, saying which library is missing, before anything asks the backend for it."""
    if backend != "numpy":
        need(backend)


def _native(backend, array, dtype):
    if backend == "torch":
        torch = need("torch")
        return torch.tensor(np.asarray(array, dtype=dtype))
    if backend == "jax":
        jnp = need("jax.numpy")
        return jnp.asarray(np.asarray(array, dtype=dtype))
    return np.asarray(array, dtype=dtype)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_float32_in_float32_out(backend):
    # d/dX f = (A + A') X + (1 - tanh(X w).^2) w' + inv(X)' as a gradient, in float32
    _skip_without(backend)
    g = ed.diff(TEXT, "X", layout="denominator")
    fn = g.compile(backend=backend)
    args = {n: _native(backend, v, np.float32) for n, v in (("X", X0), ("A", A0), ("w", W0))}
    out = fn(**args)
    assert str(out.dtype).endswith("float32")
    assert type(out) is type(args["X"]) or backend == "jax"
    np.testing.assert_allclose(np.asarray(out), GRAD_FD, rtol=2e-4, atol=2e-4)
    value = ed.parse(TEXT).compile(backend=backend)(**args)
    assert str(value.dtype).endswith("float32")
    np.testing.assert_allclose(float(value), f_numpy(X0), rtol=1e-5)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_float64_stays_float64(backend):
    _skip_without(backend)
    g = ed.diff(TEXT, "X", layout="denominator")
    with precise(backend):  # jax: float64 only with the user's jax_enable_x64
        args = {n: _native(backend, v, np.float64) for n, v in (("X", X0), ("A", A0), ("w", W0))}
        out = g.compile(backend=backend)(**args)
        assert str(out.dtype).endswith("float64")
        np.testing.assert_allclose(np.asarray(out), GRAD_FD, rtol=1e-6, atol=1e-7)


def test_jax_global_configuration_untouched():
    jax = need("jax")
    before = jax.config.jax_enable_x64
    fn = ed.diff(TEXT, "X").compile(backend="jax")
    out = fn(X=X0, A=A0, w=W0)  # numpy float64 in, jax's default float out
    assert jax.config.jax_enable_x64 == before
    assert out.dtype == jax.numpy.zeros(()).dtype  # float32 unless the user enabled x64


def test_torch_global_configuration_untouched():
    torch = need("torch")
    before = torch.get_default_dtype()
    ed.diff(TEXT, "X").compile(backend="torch")(X=X0, A=A0, w=W0)
    assert torch.get_default_dtype() == before


def test_jax_jit_vmap_grad():
    jax = need("jax")
    jnp = need("jax.numpy")
    f = ed.parse(TEXT).compile(backend="jax")
    g = ed.diff(TEXT, "X", layout="denominator").compile(backend="jax")
    with precise("jax"):
        A, w, X = jnp.asarray(A0), jnp.asarray(W0), jnp.asarray(X0)
        # jit: the same value as plain numpy
        jitted = jax.jit(lambda X: f(X=X, A=A, w=w))
        np.testing.assert_allclose(float(jitted(X)), f_numpy(X0), rtol=1e-12)
        # grad of the compiled value: the gradient by finite differences
        np.testing.assert_allclose(
            np.asarray(jax.grad(lambda X: f(X=X, A=A, w=w))(X)), GRAD_FD, rtol=1e-6, atol=1e-7
        )
        # the compiled gradient under jit agrees too
        np.testing.assert_allclose(
            np.asarray(jax.jit(lambda X: g(X=X, A=A, w=w))(X)), GRAD_FD, rtol=1e-6, atol=1e-7
        )
        # vmap over a batch of X: one value per X, as a loop of plain numpy
        batch = np.stack([X0, X0 + 0.1 * np.eye(N), 2 * X0])
        got = jax.vmap(lambda X: f(X=X, A=A, w=w))(jnp.asarray(batch))
        np.testing.assert_allclose(np.asarray(got), [f_numpy(b) for b in batch], rtol=1e-10)


def test_torch_autograd():
    torch = need("torch")
    f = ed.parse(TEXT).compile(backend="torch")
    g = ed.diff(TEXT, "X", layout="denominator")
    X = torch.tensor(X0, requires_grad=True)
    value = f(X=X, A=torch.tensor(A0), w=torch.tensor(W0))
    assert value.requires_grad
    value.backward()
    # torch's gradient of the compiled value = finite differences = the engine's derivative
    np.testing.assert_allclose(X.grad.numpy(), GRAD_FD, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(X.grad.numpy(), g(X=X0, A=A0, w=W0), rtol=1e-10, atol=1e-12)
    # through a compiled gradient too: d/dX sum(G) with G the compiled gradient is a tensor
    # with a grad_fn (second-order through autograd)
    X2 = torch.tensor(X0, requires_grad=True)
    grad = g.compile(backend="torch")(X=X2, A=torch.tensor(A0), w=torch.tensor(W0))
    assert grad.grad_fn is not None
    np.testing.assert_allclose(grad.detach().numpy(), GRAD_FD, rtol=1e-6, atol=1e-7)


def test_torch_float32_keeps_device_and_grad():
    torch = need("torch")
    X = torch.tensor(X0, dtype=torch.float32, requires_grad=True)
    out = ed.parse("x' X x").compile(backend="torch")(X=X, x=torch.ones(N))
    assert out.dtype == torch.float32 and out.device == X.device
    out.backward()
    # d/dX x' X x = x x' (a gradient); x = ones
    np.testing.assert_allclose(X.grad.numpy(), np.ones((N, N)), rtol=1e-6)


def test_mixed_and_bad_inputs_are_clear_errors():
    torch = need("torch")
    fn = ed.parse("x' X x").compile(backend="torch")
    with pytest.raises(ed.EvaluationError, match="shape"):
        fn(X=torch.ones(3), x=torch.ones(3))
    with pytest.raises(ed.EvaluationError, match="disagree"):
        fn(X=torch.ones((3, 3)), x=torch.ones(2))
    with pytest.raises(ed.EvaluationError, match="complex"):
        fn(X=np.ones((2, 2)) * 1j, x=torch.ones(2))


def test_symbolic_sum_under_autograd():
    # d/dX tr(X^k B) at k = 3, a sum over r = 0..k-1 run as a loop of torch operations: torch's
    # gradient of the compiled value is the finite-difference gradient of plain numpy
    torch = need("torch")
    f = ed.parse("tr(X^k B)", where="k: integer").compile(backend="torch")
    X = torch.tensor(X0, requires_grad=True)
    f(X=X, B=torch.tensor(A0), k=3).backward()
    want = fd_gradient(lambda M: np.trace(np.linalg.matrix_power(M, 3) @ A0), X0)
    np.testing.assert_allclose(X.grad.numpy(), want, rtol=1e-6, atol=1e-7)
    g = ed.diff("tr(X^k B)", "X", where="k: integer", layout="denominator")
    got = g.compile(backend="torch")(X=torch.tensor(X0), B=torch.tensor(A0), k=3)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "dask"])
def test_python_float_scalar_keeps_float32(backend):
    # d/dX a tr(X' A X) = a (A + A') X, with a = 0.5 a Python float: weak in numpy, torch and
    # jax alike (0.5 * float32 is float32), so float32 X and A give float32 on every backend
    # (numpy's fast entry turned a into a float64 array, and the result into float64)
    _skip_without(backend)
    fn = ed.diff("a tr(X' A X)", "X", where="a: scalar", layout="denominator").compile(backend)
    if backend == "dask":
        da = need("dask.array")
        X, A = (da.from_array(np.asarray(v, np.float32), chunks=2) for v in (X0, A0))
    else:
        X, A = (_native(backend, v, np.float32) for v in (X0, A0))
    out = fn(X=X, A=A, a=0.5)
    assert str(out.dtype).endswith("float32")
    out = np.asarray(out.compute() if backend == "dask" else out, dtype=float)
    np.testing.assert_allclose(out, 0.5 * (A0 + A0.T) @ X0, rtol=1e-5, atol=1e-5)
    same = ed.diff("a tr(X' A X)", "X", where="a: scalar", layout="denominator").compile()
    assert same(X=X0, A=A0, a=0.5).dtype == np.float64  # float64 arrays stay float64


@pytest.mark.parametrize("backend", ["numpy", "dask"])
@pytest.mark.parametrize("text", ["inv(X)", "det(X)", "logdet(X)", "X^-2", "X^k"])
def test_long_double_matrix_functions_are_clear_errors(backend, text):
    # numpy's LAPACK has no long double: inv, det, logdet and negative powers of a float128
    # matrix are an EvaluationError naming the dtype (was numpy's raw TypeError); a positive
    # power needs no LAPACK and stays long double: X^3 = X X X
    _skip_without(backend)
    X = np.asarray(X0, dtype=np.longdouble)
    if backend == "dask":
        X = need("dask.array").from_array(X, chunks=2)
    fn = ed.parse(text, where="k: integer").compile(backend)
    with pytest.raises(ed.EvaluationError, match="long double"):
        out = fn(X=X, k=-2) if "k" in text else fn(X=X)
        out.compute() if backend == "dask" else out
    cube = ed.parse("X^3").compile(backend)(X=X)
    cube = cube.compute() if backend == "dask" else cube
    assert cube.dtype == np.longdouble
    np.testing.assert_allclose(np.asarray(cube, dtype=float), X0 @ X0 @ X0, rtol=1e-12)
    # the gradient of tr(X^k) is k (X^(k-1))', a sum of powers that inverts nothing for k = 3
    grad = ed.diff("tr(X^k)", "X", where="k: integer", layout="denominator").compile()
    got = grad(X=np.asarray(X0, dtype=np.longdouble), k=3)
    assert got.dtype == np.longdouble
    want = fd_gradient(lambda M: np.trace(np.linalg.matrix_power(M, 3)), X0)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-6, atol=1e-7)


def test_integer_traced_by_jit_says_to_make_it_static():
    # tr(X^k) under jax.jit: a traced k has no value yet, so the refusal says to make k static
    # (was only "k is an integer, not JitTracer(...)"); static, it is tr(X^3) of plain numpy
    jax = need("jax")
    f = ed.parse("tr(X^k)", where="k: integer").compile(backend="jax")
    with precise("jax"):
        X = jax.numpy.asarray(X0)
        with pytest.raises(ed.EvaluationError, match="static_argnums"):
            jax.jit(lambda X, k: f(X=X, k=k))(X, 3)
        out = jax.jit(lambda X, k: f(X=X, k=k), static_argnums=1)(X, 3)
        np.testing.assert_allclose(float(out), np.trace(np.linalg.matrix_power(X0, 3)), rtol=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_an_integer_as_a_zero_dimensional_tensor_of_the_backend(backend):
    # tr(X^k) at k = torch.tensor(3) or jnp.asarray(3): the integer 3 it holds (was refused);
    # a 0-d tensor holding 2.5 is refused by name
    lib = need(backend)
    asarray = lib.tensor if backend == "torch" else lib.numpy.asarray
    f = ed.parse("tr(X^k)", where="k: integer").compile(backend=backend)
    with precise(backend):
        X = asarray(X0)
        want = np.trace(np.linalg.matrix_power(X0, 3))
        for _ in range(2):
            np.testing.assert_allclose(float(f(X=X, k=asarray(3))), want, rtol=1e-12)
        with pytest.raises(ed.EvaluationError, match="k is an integer, not .*whole number"):
            f(X=X, k=asarray(2.5))


@pytest.mark.parametrize("backend", ["torch", "dask"])
def test_float64_numpy_array_beside_float32_native_is_not_cut(backend):
    # tr(X' A X) with X a float32 array of the backend and A a float64 numpy array: promoted to
    # float64 as a float64 array of the backend is (and as numpy, torch and dask promote), so
    # A = 1 + 1e-12 keeps its digits (it was cast to float32, silently, giving 2 tr(X' X))
    _skip_without(backend)
    X = np.eye(2)
    A = np.full((2, 2), 1 + 1e-12)
    fn = ed.parse("tr(X' A X)").compile(backend)
    if backend == "torch":
        native = need("torch").tensor(X, dtype=need("torch").float32)
    else:
        native = need("dask.array").from_array(X.astype(np.float32))
    out = fn(X=native, A=A)
    assert str(out.dtype).endswith("float64")
    out = float(out.compute() if backend == "dask" else out)
    assert out - 2.0 == pytest.approx(2e-12, rel=1e-3)  # np.trace(X.T @ A @ X) - 2
