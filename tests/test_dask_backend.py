"""backend="dask" (SPEC 9): lazy dask arrays in, a lazy dask array out, run by a
dask.distributed cluster (a LocalCluster of two worker processes on this machine).

Values are compared with plain numpy written here, gradients with its finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import fd_gradient, need

da = need("dask.array")
RNG = np.random.default_rng(9)
N = 60
X0 = RNG.standard_normal((N, N)) / np.sqrt(N) + np.eye(N)
A0 = RNG.standard_normal((N, N))


@pytest.fixture(scope="module")
def client():
    distributed = need("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _lazy(a, chunks=25):
    return da.from_array(a, chunks=chunks)  # 3 x 3 blocks of an n = 60 matrix (uneven)


CASES = {
    # d/dX tr(X' A X) = (A + A') X
    "tr(X' A X)": lambda X: np.trace(X.T @ A0 @ X),
    # d/dX log|X| = inv(X)' (slogdet and inv: the matrix rechunked to one block)
    "log|X|": lambda X: np.linalg.slogdet(X)[1],
    # d/dX tr(inv(X) A) = -(inv(X) A inv(X))'
    "tr(inv(X) A)": lambda X: np.trace(np.linalg.inv(X) @ A0),
    # an elementwise function and a row function: blockwise
    "sum(tanh(X A)) + sum(logsumexp(A X))": lambda X: (
        np.sum(np.tanh(X @ A0)) + np.sum(np.log(np.sum(np.exp(A0 @ X), axis=1)))
    ),
}


@pytest.mark.parametrize("text", list(CASES))
def test_gradient_on_a_cluster_is_lazy_and_right(client, text):
    g = ed.diff(text, "X", layout="denominator")
    fn = g.compile(backend="dask")
    args = {"X": _lazy(X0)}
    if "A" in g.variables:
        args["A"] = _lazy(A0)
    out = fn(**args)
    assert isinstance(out, da.Array)  # lazy: nothing computed yet
    got = out.compute()  # by the cluster's two workers
    assert type(got) is np.ndarray and got.shape == (N, N)
    expected = g.compile()(X=X0, **({"A": A0} if "A" in args else {}))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    small = fd_gradient(CASES[text], X0)  # the derivative itself, by finite differences
    np.testing.assert_allclose(got, small, rtol=1e-5, atol=1e-6)


def test_value_on_a_cluster(client):
    # f = sum(log(1 + exp(-y .* (X w)))): a logistic loss over rows chunked across workers
    m = 400
    X, y, w = RNG.standard_normal((m, 8)), np.sign(RNG.standard_normal(m)), RNG.standard_normal(8)
    f = ed.parse("sum(log(1 + exp(-y .* (X w))))")
    fn = f.compile(backend="dask")
    out = fn(X=da.from_array(X, chunks=(100, 8)), y=da.from_array(y, chunks=100), w=w)
    assert isinstance(out, da.Array) and out.shape == ()
    np.testing.assert_allclose(out.compute(), np.sum(np.log1p(np.exp(-y * (X @ w)))), rtol=1e-12)


def _boom(block):
    raise RuntimeError("computed")


def test_nothing_is_computed_before_compute():
    # an input whose blocks fail when computed: compiling and calling never compute it
    bad = da.map_blocks(_boom, da.zeros((N, N), chunks=30), dtype=float)
    out = ed.diff("tr(X' A X) + log|X|", "X").compile(backend="dask")(X=bad, A=_lazy(A0))
    assert isinstance(out, da.Array)
    with pytest.raises(RuntimeError, match="computed"):
        out.compute(scheduler="sync")


def test_float32_and_errors():
    fn = ed.diff("tr(inv(X) A)", "X").compile(backend="dask")
    out = fn(X=_lazy(X0.astype(np.float32)), A=_lazy(A0.astype(np.float32)))
    assert out.dtype == np.float32 and out.compute(scheduler="sync").dtype == np.float32
    with pytest.raises(ed.EvaluationError, match="singular"):
        fn(X=_lazy(np.zeros((N, N))), A=_lazy(A0)).compute(scheduler="sync")
    with pytest.raises(ed.EvaluationError, match="disagree"):
        fn(X=_lazy(X0), A=_lazy(np.ones((3, 3))))


@pytest.mark.parametrize("k", [0, 1, 3])
def test_powers_of_a_chunked_matrix(client, k):
    # X^0 = I (chunked as X: da.eye refused X's uneven chunks), tr(X^k), and
    # d tr(X^k)/dX = k (X^(k-1))' in denominator layout, against numpy's matrix_power
    X = RNG.standard_normal((5, 5)) / 3
    lazy = da.from_array(X, chunks=2)
    power = ed.parse("X^k", "k: integer").compile(backend="dask")(X=lazy, k=k)
    np.testing.assert_allclose(power.compute(), np.linalg.matrix_power(X, k), rtol=1e-12)
    g = ed.diff("tr(X^k)", "X", where="k: integer", layout="denominator").compile(backend="dask")
    expected = k * np.linalg.matrix_power(X, max(k - 1, 0)).T if k else np.zeros((5, 5))
    np.testing.assert_allclose(g(X=lazy, k=k).compute(), expected, rtol=1e-12, atol=1e-15)


# float32 in, float32 out with every backend (SPEC 9): numpy float32 arrays given to the dask
# backend make a float32 lazy result; d(x' A x)/dx = x' (A + A') (numpy here)
def test_numpy_float32_inputs_give_a_float32_lazy_result(client):
    x, A = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal((4, 4)).astype(np.float32)
    value, grads = ed.value_and_grad("x' A x", ["x"], backend="dask")(x=x, A=A)
    assert isinstance(value, da.Array) and value.dtype == np.float32
    assert grads["x"].dtype == np.float32
    np.testing.assert_allclose(value.compute(), x @ A @ x, rtol=1e-5)
    np.testing.assert_allclose(grads["x"].compute(), (A + A.T) @ x, rtol=1e-5)


def _softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("chunks", [1, 2, (2, 3)])
def test_trace_and_diagonal_of_any_chunking(client, chunks):
    # tr(A) = sum_i A[i,i] and tr(softmax(A)) = sum_i softmax(A)[i,i]: the diagonal of a matrix
    # whose row and column chunks differ (or of softmax, which rechunks its rows), taken lazily
    A = np.arange(9.0).reshape(3, 3) / 10
    lazy = da.from_array(A, chunks=chunks)
    value = ed.parse("tr(A)").compile(backend="dask")(A=lazy).compute()
    np.testing.assert_allclose(value, np.trace(A), rtol=1e-14)
    value = ed.parse("tr(softmax(A))").compile(backend="dask")(A=lazy).compute()
    np.testing.assert_allclose(value, np.trace(_softmax_rows(A)), rtol=1e-14)
    diagonal = ed.parse("diag(softmax(A'))").compile(backend="dask")(A=lazy).compute()
    np.testing.assert_allclose(diagonal, np.diagonal(_softmax_rows(A.T)), rtol=1e-14)
    # d tr(softmax(A))/dA (it holds diag(softmax(A))), against finite differences
    g = ed.diff("tr(softmax(A))", "A", layout="denominator").compile(backend="dask")
    expected = fd_gradient(lambda Z: np.trace(_softmax_rows(Z)), A)
    np.testing.assert_allclose(g(A=lazy).compute(), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("text, wrt, value", [("a", "a", 1.0), ("3 a + x' x", "a", 3.0)])
def test_a_constant_scalar_result_is_lazy_too(text, wrt, value):
    # d a / da = 1 and d(3 a + x' x) / da = 3: numbers, yet a lazy dask array as every result
    # (was a numpy 0-d array, which has no .compute())
    f = ed.parse(text, where="a: scalar")
    arrays = {"a": np.array(2.0, dtype=np.float32), "x": np.ones(3, dtype=np.float32)}
    fn = ed.diff(f, wrt).compile(backend="dask")
    out = fn(**{name: _lazy(arrays[name]) for name in f.variables})
    assert isinstance(out, da.Array) and out.dtype == np.float32
    assert out.compute() == value
