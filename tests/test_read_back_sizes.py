"""Printed results read back with the sizes and axes of the result (README "More output").

A size that only ``I``, ``ones`` or ``delta`` carries in the text (``d (A x) / dA[r,s]`` is
``x[s] delta[i,r]``: nothing in it says that i ranges over A's rows) is fixed by
``shape=g.shape``. A result in index notation whose free indices are not in alphabetical order
reads back with its axes in alphabetical order, and ``shape`` is given in that order.
The truth is numpy written here: ``np.einsum`` of the identities, central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EvaluationError, ShapeError
from tests.fd import jacobian_fd

rng = np.random.default_rng(7)
A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)


def _hessian_fd(f, x0, h=1e-4):
    """Second central differences of a scalar function of a vector or matrix."""
    want = np.zeros(x0.shape + x0.shape)
    for i in np.ndindex(x0.shape):
        for j in np.ndindex(x0.shape):
            a, c = np.zeros(x0.shape), np.zeros(x0.shape)
            a[i], c[j] = h, h
            want[i + j] = f(x0 + a + c) - f(x0 + a - c) - f(x0 - a + c) + f(x0 - a - c)
    return want / (4 * h * h)


SIZED_BY_SHAPE = [
    # d (A x)[i] / dA[r,s] = delta[i,r] x[s]
    (
        lambda: ed.diff("A x", "A[r,s]", where="A: matrix(m, n); x: vector(n)"),
        "A: matrix(m, n); x: vector(n)",
        {"A": A, "x": x},
        lambda: np.einsum("ir,s->irs", np.eye(3), x),
    ),
    # d2 var(x) / dx dx = 2 (I - ones ones' / n) / n
    (
        lambda: ed.hessian("mean((x - mean(x)).^2)", "x", where="x: vector(n)"),
        "x: vector(n)",
        {"x": x},
        lambda: _hessian_fd(lambda v: np.mean((v - v.mean()) ** 2), x),
    ),
    # d2 tr(X' X) / dX dX = 2 delta[i,k] delta[j,l]
    (
        lambda: ed.hessian("tr(X' X)", "X", where="X: matrix(m, n)"),
        "X: matrix(m, n)",
        {"X": X},
        lambda: 2 * np.einsum("ik,jl->ijkl", np.eye(5), np.eye(3)),
    ),
    # d2 sum((X W + ones b').^2) / db db = 2 len(X) I
    (
        lambda: ed.hessian(
            "sum((X W + ones b').^2)", "b", where="X: matrix(p, m); W: matrix(m, n); b: vector(n)"
        ),
        "X: matrix(p, m); W: matrix(m, n); b: vector(n)",
        {"X": X, "W": W, "b": b},
        lambda: _hessian_fd(lambda v: np.sum((X @ W + v) ** 2), b),
    ),
]


@pytest.mark.parametrize("make, where, values, truth", SIZED_BY_SHAPE)
def test_a_size_only_a_delta_or_ones_carries_is_fixed_by_the_shape(make, where, values, truth):
    g = make()
    want = truth()
    for text in (str(g), g.index()):
        back = ed.parse(text, where=where, shape=g.shape)
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=text)


def test_without_the_shape_such_a_size_is_asked_for_never_guessed():
    # x[s] delta[i,r]: the size of i and r is a new name; evaluating asks for it by keyword
    where = "A: matrix(m, n); x: vector(n)"
    g = ed.diff("A x", "A[r,s]", where=where)
    back = ed.parse(g.index(), where=where)
    with pytest.raises(EvaluationError, match="pass it as a keyword"):
        back(A=A, x=x)
    size = next(d for d in back.shape if d not in ("m", "n"))
    got = back(A=A, x=x, **{size: 3})
    np.testing.assert_allclose(got, np.einsum("ir,s->irs", np.eye(3), x))


def test_axes_out_of_alphabetical_order_read_back_in_alphabetical_order():
    # Y[z,a] = A[z,y] X[y,a]; dY[z,a] / dA[t,s] = delta[z,t] X[s,a], printed X[s,a] delta[t,z]
    where = "A: matrix(m, n); X: matrix(n, p)"
    A0, X0 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    g = ed.diff("A[z,y] X[y,a]", "A[t,s]", where=where)
    named = np.einsum("zt,sa->zats", np.eye(3), X0)  # axes z, a, t, s
    by_name = dict(zip(("z", "a", "t", "s"), range(4)))
    alphabetical = np.transpose(named, [by_name[c] for c in sorted(by_name)])
    # the shape in that order fixes the sizes too (m of t and z, which only delta carries)
    sizes = {"a": "p", "s": "n", "t": "m", "z": "m"}
    back = ed.parse(str(g), where=where, shape=tuple(sizes[c] for c in sorted(sizes)))
    np.testing.assert_allclose(back(A=A0, X=X0), alphabetical)
    # g's own shape, in another order, is refused with the order to give it in
    with pytest.raises(ShapeError, match="alphabetical order, a, s, t, z"):
        ed.parse(str(g), where=where, shape=g.shape)


def test_a_denominator_layout_tensor_reads_back_in_alphabetical_order():
    # d (T[i,j,k] z[k]) / dz, denominator layout, is T[i,j,a] with axes a, j, i; read back
    # with axes a, i, j it is T's axes moved: T[i,j,a] over (a, i, j)
    where = "T: tensor(m, n, p); z: vector(p)"
    T0, z0 = rng.normal(size=(2, 3, 4)), rng.normal(size=4)
    g = ed.diff("T[i,j,k] z[k]", "z", where=where, layout="denominator")
    np.testing.assert_allclose(g(T=T0, z=z0), np.einsum("ija->aji", T0))
    back = ed.parse(str(g), where=where)
    np.testing.assert_allclose(back(T=T0, z=z0), np.einsum("ija->aij", T0))
    with pytest.raises(ShapeError, match="alphabetical order, a, i, j"):
        ed.parse(str(g), where=where, shape=g.shape)


def test_a_size_declared_an_integer_reads_back_in_a_commutation_matrix():
    # n declared `integer` is the size n (README), so the printed Hessian of logdet(S) by a
    # symmetric S, `(... kron(S^-1, S^-1) commutation(n, n))[(i,j),(k,l)]`, reads back with the
    # same declarations (was "commutation(m, n) takes two sizes ..., and `n` is not one").
    # Truth: d2 logdet(S) along symmetric directions E_ij = (e_i e_j' + e_j e_i') / 2.
    where = "S: symmetric(n); n: integer"
    h = ed.hessian("logdet(S)", "S", where=where)
    s0 = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 4.0]])

    def sym(i, j):
        e = np.zeros((3, 3))
        e[i, j] += 0.5
        e[j, i] += 0.5
        return e

    def logdet(s):
        return np.linalg.slogdet(s)[1]

    t, want = 1e-4, np.zeros((3, 3, 3, 3))
    for i, j, k, l in np.ndindex(3, 3, 3, 3):
        a, c = t * sym(i, j), t * sym(k, l)
        d = logdet(s0 + a + c) - logdet(s0 + a - c) - logdet(s0 - a + c) + logdet(s0 - a - c)
        want[i, j, k, l] = d / (4 * t * t)
    back = ed.parse(str(h), where=where)
    assert np.allclose(back(S=s0), want, atol=1e-6)
    assert np.allclose(back(S=s0, n=3), want, atol=1e-6)
    # a name of another kind is still no size
    with pytest.raises(ShapeError, match="is not one"):
        ed.parse("commutation(n, n)", where="n: scalar")


def test_a_size_declared_as_an_integer_is_printed_as_itself():
    # d/dmu of -0.5 tr(S^-1 (Y - 1 mu')' (Y - 1 mu')) = (1' Y - m mu') S^-1 with Y m-by-n: the
    # count is m when m: integer is declared (it printed len(y) of a vector y declared beside,
    # which the expression does not use)
    where = "Y: matrix(m, n); mu: vector(n); S: symmetric(n); y: vector(m); m: integer"
    text = "-0.5 tr(inv(S) (Y - ones mu')' (Y - ones mu'))"
    g = ed.diff(text, "mu", where=where)
    assert "len(" not in str(g) and "m mu'" in str(g)
    rng = np.random.default_rng(5)
    Y, mu = rng.normal(size=(4, 3)), rng.normal(size=3)
    B = rng.normal(size=(3, 3))
    S = B @ B.T + 3 * np.eye(3)

    def plain(mu):
        R = Y - np.outer(np.ones(4), mu)
        return -0.5 * np.trace(np.linalg.inv(S) @ R.T @ R)

    truth = jacobian_fd(plain, {"mu": mu}, "mu")
    back = ed.parse(str(g), where=where)
    values = {"Y": Y, "mu": mu, "S": S, "m": 4}
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(np.ravel(got), truth, rtol=1e-6)
