"""Compiled functions pickle (einderiv/backend/compiled.py, joint.py): as data -- the expression,
the backend's name and the plan, whose steps are records -- and are made callable again when
unpickled, in this process or another (a multiprocessing pool). Values against plain numpy.
"""

from __future__ import annotations

import multiprocessing
import pickle

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.compiled import CompiledExpr
from tests.fd import gen, rng_for

RNG = rng_for("compiled-pickle")
X0, A0, S0 = gen(RNG, 3, 2), gen(RNG, 3, 3), gen(RNG, 3, 3)
S0 = S0 + S0.T
x0 = gen(RNG, 4)

CASES = [
    # d tr(X' A X)/dX = X' (A + A') (numerator layout)
    (ed.diff("tr(X' A X)", "X"), {"X": X0, "A": A0}, lambda X, A: X.T @ (A + A.T)),
    # d(x' S x)/dx = 2 x' S, S symmetric
    (
        ed.diff("x' S x", "x", where="S: symmetric(n)"),
        {"x": x0[:3], "S": S0},
        lambda x, S: 2 * x @ S,
    ),
    # sum(x) / n with n an integer symbol: the careful path (no inline entry)
    (ed.parse("sum(x) / n", where="n: integer"), {"x": x0, "n": 3}, lambda x, n: x.sum() / n),
    # inv(A) x: a matrix function in the plan
    (ed.parse("inv(A) x"), {"A": A0 + 4 * np.eye(3), "x": x0[:3]}, np.linalg.solve),
]


@pytest.mark.parametrize(
    "expr, arrays, numpy_value", CASES, ids=["trace", "symmetric", "integer", "inverse"]
)
def test_a_compiled_function_pickles_and_gives_the_same_values(expr, arrays, numpy_value):
    # was "Can't pickle local object" / "Can't get attribute 'fn'": a closure made by exec
    fn = expr.compile()
    data = pickle.dumps(fn)
    assert b"def fn" not in data and b"_run" not in data  # data, never code
    again = pickle.loads(data)
    np.testing.assert_allclose(again(**arrays), numpy_value(*arrays.values()), rtol=1e-12)
    np.testing.assert_allclose(again(**arrays), fn(**arrays), rtol=0, atol=0)
    assert again.entry_source == fn.entry_source and again.__doc__ == fn.__doc__
    sizes = _sizes(fn, arrays)
    assert len(again.cache) == 1 and again.source(**sizes) == fn.source(**sizes)
    with pytest.raises(ed.EvaluationError, match="by keyword"):
        again(*arrays.values())


def _sizes(fn, arrays) -> dict:
    dims = {}
    for name, info in fn.compiled.expr.variables.items():
        for d, n in zip(info.dims, np.shape(arrays[name])):
            dims[d] = n
    return {d: dims[d] for d in fn.compiled.dim_names}


def test_value_and_grad_pickles():
    # value tr(X' A X), gradients A X + A' X (by X) and X X' (by A): numpy
    vg = pickle.loads(pickle.dumps(ed.value_and_grad("tr(X' A X)", ["X", "A"])))
    value, grads = vg(X=X0, A=A0)
    np.testing.assert_allclose(value, np.trace(X0.T @ A0 @ X0), rtol=1e-12)
    np.testing.assert_allclose(grads["X"], (A0 + A0.T) @ X0, rtol=1e-12)
    np.testing.assert_allclose(grads["A"], X0 @ X0.T, rtol=1e-12)
    single = pickle.loads(pickle.dumps(ed.value_and_grad("x' x", "x")))
    value, grad = single(x=x0)
    np.testing.assert_allclose((value, *grad), (x0 @ x0, *(2 * x0)), rtol=1e-12)


def test_unpickled_in_other_processes():
    # a pool of 2 fresh (spawned) processes: each unpickles the function and evaluates it
    fn = ed.diff("tr(X' A X)", "X").compile()
    inputs = [{"X": X0 * k, "A": A0} for k in (1.0, 2.0, -3.0)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pending = [pool.apply_async(fn, (), arrays) for arrays in inputs]
        values = [p.get(timeout=120) for p in pending]
    for arrays, value in zip(inputs, values):
        X, A = arrays["X"], arrays["A"]
        np.testing.assert_allclose(value, X.T @ (A + A.T), rtol=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax", "dask"])
def test_other_backends_pickle(backend):
    # the same round trip with an optional backend; values as numpy's
    library = pytest.importorskip(backend)
    if backend == "jax":
        library.config.update("jax_enable_x64", True)
    fn = pickle.loads(pickle.dumps(ed.diff("tr(X' A X)", "X").compile(backend=backend)))
    value = fn(X=X0, A=A0)
    value = value.compute() if hasattr(value, "compute") else value
    np.testing.assert_allclose(np.asarray(value), X0.T @ (A0 + A0.T), rtol=1e-12)


def test_a_backend_missing_where_unpickled_is_an_einderiv_error():
    # a function pickled with torch, unpickled where torch is not installed: said so
    try:
        import torch  # noqa: F401

        pytest.skip("torch is installed here")
    except ImportError:
        pass
    state = ed.parse("A x").compile().__self__.__getstate__()
    with pytest.raises(ed.EinderivError, match="(?i)torch"):
        CompiledExpr.__new__(CompiledExpr).__setstate__({**state, "backend": "torch"})
