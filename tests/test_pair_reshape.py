"""Compound indices evaluated as reshapes, not as a dense (m n) x m x n selector.

delta[c,(i,j)] is 1 where c = i + m j (docs/architecture.md), so
  sum_{i,j} delta[c,(i,j)] Y[i,j] = vec(Y)[c]       (Y.reshape(-1, order="F"))
  sum_c delta[c,(i,j)] u[c]       = U[i,j]          (u.reshape((m, n), order="F"))
and the planner writes both as reshapes (``backend/plan_pairs.py``). Values are compared with
numpy.kron, column-major reshapes and finite differences of plain numpy written here; sizes
at which the dense selector would not fit in memory show that it is not built.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.plan import make_plan
from tests.fd import assert_close, jacobian_fd, to_layout

RNG = np.random.default_rng(53)


def vec(X):
    return X.reshape(-1, order="F")


def _ops(g) -> set:
    return {step.op for step in make_plan(g.term, g.axes).steps}


def _every_reader(g, args, want):
    # executor, compiled program, generic compiled program and generated code agree
    assert_close(g(**args), want, what="executor")
    assert_close(g.compile()(**args), want, what="compiled")
    assert_close(g.compile(backend="_generic_numpy")(**args), want, what="generic")
    namespace: dict = {}
    exec(ed.codegen(g, name="generated"), namespace)  # noqa: S102
    params = inspect.signature(namespace["generated"]).parameters
    assert_close(namespace["generated"](**{k: v for k, v in args.items() if k in params}), want)


def test_kron_times_vec_is_a_reshape():
    # kron(A, B) vec(X) = vec(B X A'): no dense selector in the plan
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    X = RNG.standard_normal((5, 3))
    g = ed.parse("kron(A, B) vec(X)")
    assert "pair" not in _ops(g)
    want = np.kron(A, B) @ vec(X)
    assert_close(want, vec(B @ X @ A.T))
    _every_reader(g, {"A": A, "B": B, "X": X}, want)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_kron_least_squares_gradient(layout):
    # d/dX ||kron(A, B) vec(X) - y||^2 = 2 B' R A with vec(R) = kron(A, B) vec(X) - y
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    args = {"A": A, "B": B, "X": RNG.standard_normal((5, 3)), "y": RNG.standard_normal(8)}
    g = ed.diff("norm2(kron(A, B) vec(X) - y)^2", "X", layout=layout)
    assert "pair" not in _ops(g)

    def f(A, B, X, y):
        r = np.kron(A, B) @ vec(X) - y
        return r @ r

    want = to_layout(jacobian_fd(f, args, "X"), 0, 2, layout)
    _every_reader(g, args, want)


def test_vec_gradient_at_a_size_the_selector_would_not_fit():
    # d/dX w' vec(X) = W with vec(W) = w: at 600 x 500 a dense selector would hold
    # (300000 x 600 x 500) entries; the reshape holds none
    m, n = 600, 500
    X, w = RNG.standard_normal((m, n)), RNG.standard_normal(m * n)
    g = ed.diff("w' vec(X)", "X", where="X: matrix(m, n)", layout="denominator")
    assert "pair" not in _ops(g)
    want = w.reshape((m, n), order="F")
    assert_close(g(X=X, w=w), want, what="executor")
    assert_close(g.compile()(X=X, w=w), want, what="compiled")
    assert_close(ed.parse("w' vec(X)", where="X: matrix(m, n)")(X=X, w=w), w @ vec(X))


def test_vec_of_a_product_and_its_read_back():
    # vec(A X) = kron(I, A) vec(X): a merge after a matrix product
    A, X = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    g = ed.parse("vec(A X)")
    assert "pair" not in _ops(g)
    _every_reader(g, {"A": A, "X": X}, vec(A @ X))


@pytest.mark.parametrize("cols", [1, 2])
def test_a_compound_index_inside_another_read_from_index_notation(cols):
    # kron(kron(P, p'), x')[i,j] = P[i,a] p[b] x[d] with c = (b, a) and j = (d, c): the
    # compound index c is a part of j; was a crash (an einsum output axis c that no operand
    # has), found by the fuzz of printed forms with Kronecker products (index() of
    # kron(p', kron(A, P)) and of kron(kron(P, p'), x W) did not read back)
    P = RNG.standard_normal((4, cols))
    p, x, A = RNG.standard_normal(2), RNG.standard_normal(3), RNG.standard_normal((2, 2))
    where = f"P: matrix(4, {cols}); p: vector(2); x: vector(3); A: matrix(2, 2)"
    g = ed.parse("P[i,a] p[b] delta[c,(b,a)] x[d] delta[j,(d,c)]", where=where)
    _every_reader(g, {"P": P, "p": p, "x": x}, np.kron(np.kron(P, p[None, :]), x[None, :]))
    # kron(p', kron(A, P)): its index form is two compound indices, one inside the other
    f = ed.parse("kron(p', kron(A, P))", where=where)
    back = ed.parse(f.index(), where=where)
    _every_reader(back, {"P": P, "p": p, "A": A}, np.kron(p[None, :], np.kron(A, P)))


def test_a_jacobian_that_is_the_selector_keeps_it():
    # d vec(X) / dX [c,k,l] = delta[c,(k,l)]: the value is the selector itself
    X = RNG.standard_normal((3, 4))
    g = ed.diff("vec(X)", "X", where="X: matrix(m, n)", layout="jacobian")
    want = jacobian_fd(lambda X: vec(X), {"X": X}, "X")
    _every_reader(g, {"X": X, "m": 3, "n": 4}, want)


def test_the_result_never_shares_the_callers_array():
    # vec(X) is a view of X when X is Fortran-ordered; the returned array is a copy
    X = np.asfortranarray(RNG.standard_normal((3, 4)))
    for fn in (ed.parse("vec(X)").compile(), ed.parse("vec(X)")):
        out = fn(X=X)
        assert_close(out, vec(X))
        assert not np.shares_memory(out, X)


@pytest.mark.parametrize("chunks", [1, 2])
def test_reshapes_on_dask_and_native_backends(chunks):
    # the same reshapes on lazy dask arrays (any chunking), torch tensors and jax arrays:
    # kron(A, B) vec(X) = vec(B X A'), and the least-squares gradient as numpy's executor
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    args = {"A": A, "B": B, "X": RNG.standard_normal((4, 3)), "y": RNG.standard_normal(6)}
    value = ed.parse("kron(A, B) vec(X)")
    grad = ed.diff("norm2(kron(A, B) vec(X) - y)^2", "X")
    want_value = vec(B @ args["X"] @ A.T)
    want_grad = grad(**args)
    da = pytest.importorskip("dask.array")
    lazy = {k: da.from_array(v, chunks=chunks) for k, v in args.items()}
    got = value.compile(backend="dask")(**{k: lazy[k] for k in ("A", "B", "X")})
    assert_close(np.asarray(got.compute()), want_value, what="dask value")
    assert_close(np.asarray(grad.compile(backend="dask")(**lazy).compute()), want_grad)
    torch = pytest.importorskip("torch")
    tensors = {k: torch.tensor(v) for k, v in args.items()}
    assert_close(grad.compile(backend="torch")(**tensors).numpy(), want_grad, what="torch")
