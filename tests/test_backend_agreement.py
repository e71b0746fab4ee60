"""Every compiled backend (numpy, torch, jax, dask) gives the same value as plain numpy or math
written here, or the same einderiv error: sizes inside functions, unusual dtypes. A backend
whose library is missing is skipped, saying which install.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import need, precise

BACKENDS = ["numpy", "torch", "jax", "dask"]
_MODULE = {"torch": "torch", "jax": "jax.numpy", "dask": "dask.array"}


@pytest.fixture(params=BACKENDS)
def backend(request):
    """A backend's name; its test is skipped, saying what to install, when its library is
    missing (before anything is compiled for it)."""
    if request.param in _MODULE:
        need(_MODULE[request.param])
    return request.param


def _run(fn, backend, **arrays):
    """``fn`` called with the arrays as the backend's own (float64), the value as numpy."""
    with precise(backend):
        if backend == "torch":
            torch = need("torch")
            arrays = {k: torch.tensor(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        elif backend == "jax":
            jnp = need("jax.numpy")
            arrays = {k: jnp.asarray(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        elif backend == "dask":
            da = need("dask.array")
            arrays = {k: da.from_array(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        out = fn(**arrays)
        out = out.compute() if backend == "dask" else out
        return np.asarray(out, dtype=float)


def test_functions_of_a_size(backend):
    # f = tanh(sum(x) / sqrt(n)), n = len(x); df/dx = (1 - f^2) / sqrt(n) in every entry
    x = np.array([1.0, 2.0])
    f = ed.parse("tanh(sum(x) / sqrt(len(x)))")
    value = math.tanh(3 / math.sqrt(2))
    assert _run(f.compile(backend=backend), backend, x=x) == pytest.approx(value, rel=1e-14)
    g = ed.diff(f, "x").compile(backend=backend)
    np.testing.assert_allclose(_run(g, backend, x=x), (1 - value**2) / math.sqrt(2), rtol=1e-14)
    # d/dx x'x sigmoid(norm2(1 + 0 y)) = 2 x' sigmoid(sqrt(m)), m = len(y) = 3
    h = ed.diff("x' x sigmoid(norm2(1 + 0 y))", "x").compile(backend=backend)
    got = _run(h, backend, x=x, y=np.array([3.0, 4.0, 5.0]))
    np.testing.assert_allclose(got, 2 * x / (1 + math.exp(-math.sqrt(3))), rtol=1e-14)
    # exp, log, sigmoid of sizes: x exp(n) + x log(n) + x sigmoid(n), n = len(x)
    k = ed.parse("x exp(len(x)) + x log(len(x)) + x sigmoid(len(x))").compile(backend=backend)
    expected = x * (math.exp(2) + math.log(2) + 1 / (1 + math.exp(-2)))
    np.testing.assert_allclose(_run(k, backend, x=x), expected, rtol=1e-14)


def test_unusual_dtypes_are_values_or_einderiv_errors(backend):
    # x'x of numpy's long double: numpy and dask keep it (2 exactly); torch and jax have no such
    # dtype: an EvaluationError saying so. A 2-D object array: an EvaluationError everywhere.
    if backend != "numpy":
        need({"torch": "torch", "jax": "jax", "dask": "dask.array"}[backend])
    f = ed.parse("x' x").compile(backend=backend)
    x = np.ones(2, dtype=np.longdouble)
    if np.dtype(np.longdouble).itemsize > 8 and backend in ("torch", "jax"):
        with pytest.raises(ed.EvaluationError, match="no dtype"):
            f(x=x)
    else:
        out = f(x=x)
        assert float(out.compute() if backend == "dask" else out) == 2.0
    with pytest.raises(ed.EvaluationError, match="numbers"):
        ed.parse("tr(X)").compile(backend=backend)(
            X=np.array([[object(), 1], [1, 2]], dtype=object)
        )


def _native(backend, value):
    """``value`` as the backend's own array (its integer dtype kept)."""
    if backend == "torch":
        return need("torch").tensor(value)
    if backend == "jax":
        return need("jax.numpy").asarray(value)
    if backend == "dask":
        return need("dask.array").from_array(np.asarray(value))
    return np.asarray(value)


def test_a_library_array_for_no_variable_or_an_integer_is_an_einderiv_error(backend):
    # tr(X^k) at X = 2 I (2-by-2), k = 3: 2 * 2^3 = 16; an array of the library for a name the
    # expression lacks, or for the integer k that holds no integer, is refused with the same
    # EvaluationError as a numpy array (torch's tensors raised a raw TypeError on their dtype);
    # a 0-d array or tensor holding 3 is the integer 3 (a lazy dask one has no value yet)
    f = ed.parse("tr(X^k)", "k: integer").compile(backend=backend)
    X = _native(backend, 2 * np.eye(2))
    out = f(X=X, k=3)
    assert float(out.compute() if backend == "dask" else out) == 16.0
    with pytest.raises(ed.EvaluationError, match="B is not a variable"):
        f(X=X, k=3, B=_native(backend, np.ones(2)))
    for k in (np.array(3), np.array(3.0)):
        if backend == "dask":
            with pytest.raises(ed.EvaluationError, match="k is an integer"):
                f(X=X, k=_native(backend, k))
        else:
            assert float(f(X=X, k=_native(backend, k))) == 16.0
    for k in (np.array(2.5), np.array([3])):
        with pytest.raises(ed.EvaluationError, match="k is an integer"):
            f(X=X, k=_native(backend, k))


@pytest.mark.parametrize("backend_name", ["numpy", "jax", "dask"])
def test_a_tensor_that_requires_grad_given_to_another_library_is_an_einderiv_error(backend_name):
    # x'x of a torch tensor: backend="torch" follows its autograd (d x'x / dx = 2 x); numpy
    # cannot read a tensor that requires grad: an EvaluationError naming x and the backend to
    # use (torch's raw RuntimeError before)
    torch = need("torch")
    if backend_name != "numpy":
        need({"jax": "jax", "dask": "dask.array"}[backend_name])
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    ed.parse("x' x").compile(backend="torch")(x=x).backward()
    assert np.allclose(x.grad.numpy(), 2 * np.array([1.0, -2.0, 0.5]))
    for fn in (ed.parse("x' x").compile(backend=backend_name), ed.parse("x' x")):
        with pytest.raises(ed.EvaluationError, match="x cannot be read as a numpy array"):
            fn(x=x)


def test_float16_matrices_through_inverses_and_determinants_stay_float16():
    # logdet(X), tr(inv(X)) and det(X) of a float16 X on numpy, whose LAPACK has no float16:
    # computed in float32 and returned as float16 (a raw TypeError before), as torch and jax
    # do; d logdet(X)/dX = X^-1 (numerator layout); the Hessian of tr(inv(X)) against central
    # differences of its gradient -(X^-2)'
    X = np.array([[2.0, 0.3, 0.1], [0.2, 1.5, -0.4], [0.0, 0.3, 1.8]])
    X16 = X.astype(np.float16)
    for text, value in [
        ("logdet(X)", np.linalg.slogdet(X)[1]),
        ("tr(inv(X))", np.trace(np.linalg.inv(X))),
        ("det(X)", np.linalg.det(X)),
        ("tr(X^-2)", np.trace(np.linalg.inv(X @ X))),
    ]:
        out = ed.parse(text).compile()(X=X16)
        assert out.dtype == np.float16
        assert abs(float(out) - value) < 2e-2 * max(1.0, abs(value))
    g = ed.diff("logdet(X)", "X").compile()(X=X16)
    assert g.dtype == np.float16
    assert np.allclose(g.astype(float), np.linalg.inv(X), atol=2e-2)
    h = ed.hessian("tr(inv(X))", "X").compile()(X=X16)
    eps, fd = 1e-4, np.zeros((3, 3, 3, 3))
    for k, l in np.ndindex(3, 3):  # d/dX[k,l] of the gradient -(X^-2)' of tr(inv(X))
        E = np.zeros((3, 3))
        E[k, l] = eps
        grad = [-np.linalg.matrix_power(np.linalg.inv(X + s * E), 2).T for s in (1, -1)]
        fd[:, :, k, l] = (grad[0] - grad[1]) / (2 * eps)
    assert h.dtype == np.float16
    assert np.allclose(h.astype(float), fd, atol=5e-2)


def test_a_symmetric_torch_variable_under_torch_func_and_in_bfloat16():
    # f(S) = x' S x + logdet(S) with S symmetric: torch.func.grad of the compiled f is
    # x x' + S^-1 and torch.func.vmap over a batch of S gives f of each; a bfloat16 S is
    # checked for symmetry too (both were raw RuntimeError / TypeError from .numpy())
    torch = need("torch")
    func = pytest.importorskip("torch.func")
    rng = np.random.default_rng(4)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    S = A + A.T + 6 * np.eye(3)
    f = ed.parse("x' S x + logdet(S)", "S: symmetric(n)").compile(backend="torch")
    tx = torch.tensor(x)
    g = func.grad(lambda S: f(S=S, x=tx))(torch.tensor(S))
    assert np.allclose(g.numpy(), np.outer(x, x) + np.linalg.inv(S))
    batch = func.vmap(lambda S: f(S=S, x=tx))(torch.tensor(np.stack([S, 2 * S])))
    expected = [x @ M @ x + np.linalg.slogdet(M)[1] for M in (S, 2 * S)]
    assert np.allclose(batch.numpy(), expected)
    h = ed.parse("x' S x", "S: symmetric(n)").compile(backend="torch")
    ones = torch.ones(3, dtype=torch.bfloat16)
    out = h(S=2 * torch.eye(3, dtype=torch.bfloat16), x=ones)
    assert out.dtype == torch.bfloat16 and float(out) == 6.0
    with pytest.raises(ed.EvaluationError, match="symmetric"):
        h(S=torch.tensor(A + 6 * np.eye(3), dtype=torch.bfloat16), x=ones)


def test_a_symmetric_torch_variable_is_checked_under_torch_func_grad():
    # under torch.func.grad, jacrev and jacfwd a tensor has no storage but has values: a
    # non-symmetric S for `S: symmetric(n)` is refused there as in eager torch (it was trusted,
    # so grad returned the unconstrained x x' + S^-T of a matrix that is not symmetric); the
    # symmetric S still gives x x' + S^-1
    torch = need("torch")
    func = pytest.importorskip("torch.func")
    rng = np.random.default_rng(5)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    S, N = A + A.T + 6 * np.eye(3), A + 6 * np.eye(3)
    assert np.abs(N - N.T).max() > 0.1  # N is not symmetric
    f = ed.parse("x' S x + logdet(S)", "S: symmetric(n)").compile(backend="torch")
    tx = torch.tensor(x)
    for transform in (func.grad, func.jacrev, func.jacfwd):
        g = transform(lambda S: f(S=S, x=tx))(torch.tensor(S))
        assert np.allclose(g.numpy(), np.outer(x, x) + np.linalg.inv(S))
        with pytest.raises(ed.EvaluationError, match="symmetric"):
            transform(lambda S: f(S=S, x=tx))(torch.tensor(N))


def test_float16_symbolic_power_sum_runs_in_float32():
    # the Hessian of tr(X^k) at k < 0 is a closed-form sum of products of powers of inv(X);
    # numpy's LAPACK has no float16, so a float16 X raised numpy's raw TypeError there: the
    # sum now runs in float32 and is float16 again, close to finite differences of the
    # gradient k (X^(k-1))' at the float16 X
    rng = np.random.default_rng(6)
    A = rng.normal(size=(3, 3))
    X16 = (A @ A.T + 3 * np.eye(3)).astype(np.float16)
    X = X16.astype(float)
    h = ed.hessian("tr(X^k)", "X", where="k: integer").compile()
    for k in (-2, -1, 3):

        def grad(M, k=k):
            base = np.linalg.inv(M) if k < 1 else M
            return k * np.linalg.matrix_power(base, abs(k - 1)).T

        fd, eps = np.zeros((3, 3, 3, 3)), 1e-6
        for i, j in np.ndindex(3, 3):
            E = np.zeros((3, 3))
            E[i, j] = eps
            fd[:, :, i, j] = (grad(X + E) - grad(X - E)) / (2 * eps)
        out = h(X=X16, k=k)
        assert out.dtype == np.float16
        assert np.abs(out.astype(float) - fd).max() <= 2e-3 * np.abs(fd).max()


def test_a_jax_tracer_given_to_the_numpy_program_names_jax():
    # jax.grad of a numpy program hands it a tracer, which numpy cannot read: the error says to
    # compile for jax (it said backend='torch'); compiled for jax, the gradient of x' x is 2 x
    jax = need("jax")
    x = np.array([1.0, -2.0, 0.5])
    f = ed.parse("x' x").compile()
    with pytest.raises(ed.EvaluationError, match="backend='jax'"):
        jax.grad(lambda x: f(x=x))(x)
    g = jax.grad(lambda x: ed.parse("x' x").compile(backend="jax")(x=x))(x)
    assert np.allclose(np.asarray(g), 2 * x)
