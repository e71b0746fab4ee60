"""Layouts (SPEC section 2), elementwise derivatives, Hessians, higher derivatives, symmetric
variables and the rest of the operator set, each checked against central finite differences of
the original function written in plain numpy.

Layouts, for Y of shape S_Y and X of shape S_X, D[I, J] = dY[I]/dX[J]:
  jacobian    S_Y + S_X                    (what a finite-difference Jacobian gives)
  numerator   S_Y + reversed(S_X)
  denominator the numerator with every axis reversed
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import (
    LAYOUTS,
    Case,
    assert_close,
    gen,
    hessian_fd,
    invertible,
    jacobian_fd,
    param,
    positive,
    rng_for,
    scalar,
    spd,
    symmetric,
    to_layout,
)

ed = pytest.importorskip("einderiv")

inv = np.linalg.inv
det = np.linalg.det
mpow = np.linalg.matrix_power
m, n, p = 3, 2, 4
N = 3


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.logaddexp(0.0, z)


def check(case: Case, layout: str = "numerator") -> None:
    args = case.point()
    jac, ny, nx = case.reference(args)
    expected = to_layout(jac, ny, nx, layout)
    got = ed.diff(case.expr, case.wrt, where=case.where, layout=layout)(**args)
    assert_close(got, expected, rtol=case.rtol, what=f"{case.id}: {case.expr} ({layout})")
    if case.notes is not None:  # an analytic form, given in the requested layout's jacobian
        assert_close(
            to_layout(case.notes(**args), ny, nx, layout), expected, what=f"analytic {case.id}"
        )


# ============================================================================================
# layouts: one case per kind of derivative, in all three layouts
# ============================================================================================

LAYOUT_CASES = [
    # scalar by scalar
    Case("ss t^3 sin(t)", "t^3 sin(t)", "t", "t: scalar",
         fn=lambda t: t**3 * np.sin(t), sample=lambda r: {"t": scalar(r)}),
    # scalar by vector
    Case("sv a'x", "a' x", "x", "a: vector(n); x: vector(n)",
         fn=lambda a, x: a @ x, sample=lambda r: {"a": gen(r, m), "x": gen(r, m)},
         notes=lambda a, x: a),
    # scalar by matrix: (DT5) jacobian = (A + A') X, numerator X'(A + A'), denominator (A + A')X
    Case("sm tr(X'AX)", "tr(X' A X)", "X", "X: matrix(m, n); A: matrix(m, m)",
         fn=lambda X, A: np.trace(X.T @ A @ X),
         sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, m)},
         notes=lambda X, A: (A + A.T) @ X),
    Case("sm log|X|", "log|X|", "X", "X: matrix(n, n)",
         fn=lambda X: np.log(det(X)), sample=lambda r: {"X": invertible(r, N)},
         notes=lambda X: inv(X).T),
    Case("sm sum(exp(X))", "sum(exp(X))", "X", "X: matrix(m, n)",
         fn=lambda X: np.sum(np.exp(X)), sample=lambda r: {"X": gen(r, m, n)},
         notes=lambda X: np.exp(X)),
    # vector by scalar
    Case("vs t a + sin(t) b", "t a + sin(t) b", "t", "t: scalar; a: vector(m); b: vector(m)",
         fn=lambda t, a, b: t * a + np.sin(t) * b,
         sample=lambda r: {"t": scalar(r), "a": gen(r, m), "b": gen(r, m)}),
    # vector by vector: (C9)
    Case("vv A x", "A x", "x", "A: matrix(m, n); x: vector(n)",
         fn=lambda A, x: A @ x, sample=lambda r: {"A": gen(r, m, p), "x": gen(r, p)},
         notes=lambda A, x: A),
    Case("vv tanh(A x)", "tanh(A x)", "x", "A: matrix(m, n); x: vector(n)",
         fn=lambda A, x: np.tanh(A @ x), sample=lambda r: {"A": gen(r, m, p), "x": gen(r, p)}),
    # matrix by scalar: numerator has shape S_Y, denominator S_Y reversed
    Case("ms t A + t^2 B", "t A + t^2 B", "t", "t: scalar; A: matrix(m, n); B: matrix(m, n)",
         fn=lambda t, A, B: t * A + t**2 * B,
         sample=lambda r: {"t": scalar(r), "A": gen(r, m, n), "B": gen(r, m, n)},
         notes=lambda t, A, B: A + 2 * t * B),
    Case("ms exp(t A)", "exp(t A)", "t", "t: scalar; A: matrix(m, n)",
         fn=lambda t, A: np.exp(t * A), sample=lambda r: {"t": scalar(r), "A": gen(r, m, n)}),
    Case("ms inv(I + t A)", "inv(I + t A)", "t", "t: scalar; A: matrix(n, n)",
         fn=lambda t, A: inv(np.eye(N) + t * A),
         sample=lambda r: {"t": scalar(r), "A": gen(r, N, N, scale=0.3)}),
    # matrix by matrix (order 4)
    Case("mm A X B", "A X B", "X", "A: matrix(p, m); X: matrix(m, n); B: matrix(n, q)",
         fn=lambda A, X, B: A @ X @ B,
         sample=lambda r: {"A": gen(r, 2, m), "X": gen(r, m, n), "B": gen(r, n, p)},
         notes=lambda A, X, B: np.einsum("ai,jb->abij", A, B)),
    Case("mm inv(X)", "inv(X)", "X", "X: matrix(n, n)",
         fn=lambda X: inv(X), sample=lambda r: {"X": invertible(r, N)},
         notes=lambda X: -np.einsum("ai,jb->abij", inv(X), inv(X))),
    Case("mm X^-1", "X^-1", "X", "X: matrix(n, n)",
         fn=lambda X: inv(X), sample=lambda r: {"X": invertible(r, N)}),
    Case("mm X^{-T}", "X^{-T}", "X", "X: matrix(n, n)",
         fn=lambda X: inv(X).T, sample=lambda r: {"X": invertible(r, N)}),
    Case("mm X'X", "X' X", "X", "X: matrix(m, n)",
         fn=lambda X: X.T @ X, sample=lambda r: {"X": gen(r, m, n)}),
    Case("mm X'", "X'", "X", "X: matrix(m, n)",
         fn=lambda X: X.T, sample=lambda r: {"X": gen(r, m, n)}),
    Case("mm X", "X", "X", "X: matrix(m, n)",
         fn=lambda X: X, sample=lambda r: {"X": gen(r, m, n)}),
    Case("mm X .* X", "X .* X", "X", "X: matrix(m, n)",
         fn=lambda X: X * X, sample=lambda r: {"X": gen(r, m, n)}),
    Case("mm X^2", "X^2", "X", "X: matrix(n, n)",
         fn=lambda X: X @ X, sample=lambda r: {"X": gen(r, N, N)}),
    Case("mm X^k", "X^k", "X", "X: matrix(n, n); k: integer",
         fn=lambda X, k: mpow(X, k), sample=lambda r: {"X": gen(r, N, N, scale=0.5), "k": 3}),
    Case("mm X^(k-1)", "X^(k-1)", "X", "X: matrix(n, n); k: integer",
         fn=lambda X, k: mpow(X, k - 1), sample=lambda r: {"X": gen(r, N, N, scale=0.5), "k": 4}),
    # negative symbolic powers: d X^k / dX for k = -1, -2 (X invertible); X^k evaluates to
    # inv(X)^-k, so its derivative must not be the empty sum over r = 0..k-1
    Case("mm X^k k=-1", "X^k", "X", "X: matrix(n, n); k: integer",
         fn=lambda X, k: mpow(X, k), sample=lambda r: {"X": invertible(r, N), "k": -1},
         notes=lambda X, k: -np.einsum("ai,jb->abij", inv(X), inv(X))),
    Case("mm X^k k=-2", "X^k", "X", "X: matrix(n, n); k: integer",
         fn=lambda X, k: mpow(X, k), sample=lambda r: {"X": invertible(r, N), "k": -2}),
    Case("sm tr(A X^k) k=-1", "tr(A X^k)", "X", "X: matrix(n, n); A: matrix(n, n); k: integer",
         fn=lambda X, A, k: np.trace(A @ mpow(X, k)),
         sample=lambda r: {"X": invertible(r, N), "A": gen(r, N, N), "k": -1}),
    Case("mm X^-2", "X^-2", "X", "X: matrix(n, n)",
         fn=lambda X: mpow(X, -2), sample=lambda r: {"X": invertible(r, N)}),
    # vector by matrix (order 3) and matrix by vector
    Case("vm X a", "X a", "X", "X: matrix(m, n); a: vector(n)",
         fn=lambda X, a: X @ a, sample=lambda r: {"X": gen(r, m, n), "a": gen(r, n)}),
    Case("vm diag(X)", "diag(X)", "X", "X: matrix(n, n)",
         fn=lambda X: np.diag(X).copy(), sample=lambda r: {"X": gen(r, N, N)}),
    Case("mv diag(x)", "diag(x)", "x", "x: vector(n)",
         fn=lambda x: np.diag(x), sample=lambda r: {"x": gen(r, N)}),
    Case("mv x x'", "x x'", "x", "x: vector(n)",
         fn=lambda x: np.outer(x, x), sample=lambda r: {"x": gen(r, N)}),
    Case("mv x a'", "x a'", "x", "x: vector(m); a: vector(n)",
         fn=lambda x, a: np.outer(x, a), sample=lambda r: {"x": gen(r, m), "a": gen(r, n)}),
]  # fmt: skip


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", param(LAYOUT_CASES))
def test_layouts(case: Case, layout: str):
    check(case, layout)


def test_layout_shapes_of_a_matrix_by_matrix_derivative():
    # d(AXB)/dX, A 2x3, X 3x2, B 2x4: Y is 2x4, X is 3x2
    where = "A: matrix(p, m); X: matrix(m, n); B: matrix(n, q)"
    r = rng_for("shapes")
    args = {"A": gen(r, 2, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 4)}
    shapes = {"jacobian": (2, 4, 3, 2), "numerator": (2, 4, 2, 3), "denominator": (3, 2, 4, 2)}
    for layout, shape in shapes.items():
        assert ed.diff("A X B", "X", where=where, layout=layout)(**args).shape == shape, layout


def test_layouts_agree_for_scalar_by_vector():
    # vectors are 1-D: for y scalar and x vector, numerator and denominator give the same array
    r = rng_for("sv")
    a, x = gen(r, 4), gen(r, 4)
    num = ed.diff("a' x", "x", layout="numerator")(a=a, x=x)
    den = ed.diff("a' x", "x", layout="denominator")(a=a, x=x)
    assert num.shape == den.shape == (4,)
    assert_close(num, a)
    assert_close(den, a)


def test_layouts_differ_for_matrices():
    # (DT3) numerator: A; denominator: A'
    r = rng_for("dt3")
    A, X = gen(r, 2, 3), gen(r, 3, 2)
    where = "A: matrix(n, m); X: matrix(m, n)"
    assert_close(ed.diff("tr(A X)", "X", where=where)(A=A, X=X), A)
    assert_close(ed.diff("tr(A X)", "X", where=where, layout="denominator")(A=A, X=X), A.T)
    assert_close(ed.diff("tr(A X)", "X", where=where, layout="jacobian")(A=A, X=X), A.T)


# ============================================================================================
# elementwise derivatives diff(Y, "X[i,j]"): shape S_Y + S_X (the jacobian)
# ============================================================================================

ELEMENTWISE_CASES = [
    Case("tr(X'AX) by X[i,j]", "tr(X' A X)", "X[i,j]", "X: matrix(m, n); A: matrix(m, m)",
         fn=lambda X, A: np.trace(X.T @ A @ X),
         sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, m)},
         notes=lambda X, A: (A + A.T) @ X),
    Case("A x by x[i]", "A x", "x[i]", "A: matrix(m, n); x: vector(n)",
         fn=lambda A, x: A @ x, sample=lambda r: {"A": gen(r, m, p), "x": gen(r, p)},
         notes=lambda A, x: A),
    Case("x'Ax by x[k]", "x' A x", "x[k]", "A: matrix(n, n); x: vector(n)",
         fn=lambda A, x: x @ A @ x, sample=lambda r: {"A": gen(r, N, N), "x": gen(r, N)},
         notes=lambda A, x: (A + A.T) @ x),
    Case("X'X by X[i,j]", "X' X", "X[i,j]", "X: matrix(m, n)",
         fn=lambda X: X.T @ X, sample=lambda r: {"X": gen(r, m, n)}),
    Case("inv(X) by X[a,b]", "inv(X)", "X[a,b]", "X: matrix(n, n)",
         fn=lambda X: inv(X), sample=lambda r: {"X": invertible(r, N)},
         notes=lambda X: -np.einsum("ia,bj->ijab", inv(X), inv(X))),
    Case("log|X| by X[i,j]", "log|X|", "X[i,j]", "X: matrix(n, n)",
         fn=lambda X: np.log(det(X)), sample=lambda r: {"X": invertible(r, N)},
         notes=lambda X: inv(X).T),
]  # fmt: skip


@pytest.mark.parametrize("case", param(ELEMENTWISE_CASES))
def test_elementwise_derivative(case: Case):
    # the elementwise derivative is exactly the jacobian, shape S_Y + S_X
    args = case.point()
    jac, _, _ = case.reference(args)
    if case.notes is not None:
        assert_close(case.notes(**args), jac, what=f"analytic {case.id}")
    got = ed.diff(case.expr, case.wrt, where=case.where)(**args)
    assert_close(got, jac, what=case.id)


# ============================================================================================
# index notation input and delta
# ============================================================================================

INDEX_CASES = [
    # s_i = A_ik x_k: ds_i/dx_j = A_ij
    Case("A[i,k] x[k] by x[j]", "A[i,k] x[k]", "x[j]", "A: matrix(m, n); x: vector(n)",
         fn=lambda A, x: np.einsum("ik,k->i", A, x),
         sample=lambda r: {"A": gen(r, m, p), "x": gen(r, p)}, notes=lambda A, x: A),
    Case("x[i] x[i] by x[j]", "x[i] x[i]", "x[j]", "x: vector(n)",
         fn=lambda x: np.einsum("i,i->", x, x), sample=lambda r: {"x": gen(r, p)},
         notes=lambda x: 2 * x),
    Case("A[i,j] x[i] x[j] by x[k]", "A[i,j] x[i] x[j]", "x[k]", "A: matrix(n, n); x: vector(n)",
         fn=lambda A, x: np.einsum("ij,i,j->", A, x, x),
         sample=lambda r: {"A": gen(r, N, N), "x": gen(r, N)}, notes=lambda A, x: (A + A.T) @ x),
    Case("delta[i,j] x[j] by x[k]", "delta[i,j] x[j]", "x[k]", "x: vector(n)",
         fn=lambda x: x.copy(), sample=lambda r: {"x": gen(r, p)}, notes=lambda x: np.eye(p)),
    Case("A[i,j] delta[j,k] x[k] by x[l]", "A[i,j] delta[j,k] x[k]", "x[l]",
         "A: matrix(m, n); x: vector(n)",
         fn=lambda A, x: A @ x, sample=lambda r: {"A": gen(r, m, p), "x": gen(r, p)},
         notes=lambda A, x: A),
    Case("X[i,k] X[j,k] by X[a,b]", "X[i,k] X[j,k]", "X[a,b]", "X: matrix(m, n)",
         fn=lambda X: np.einsum("ik,jk->ij", X, X), sample=lambda r: {"X": gen(r, m, n)}),
]  # fmt: skip


@pytest.mark.parametrize("case", param(INDEX_CASES))
def test_index_notation_input(case: Case):
    args = case.point()
    assert_close(ed.parse(case.expr, where=case.where)(**args), case.fn(**args), what="value")
    jac, _, _ = case.reference(args)
    if case.notes is not None:
        assert_close(case.notes(**args), jac, what=f"analytic {case.id}")
    assert_close(ed.diff(case.expr, case.wrt, where=case.where)(**args), jac, what=case.id)


# ============================================================================================
# symmetric variables: dS[a,b]/dS[i,j] = (delta_ai delta_bj + delta_aj delta_bi)/2,
# the derivative of a scalar is (G + G')/2 of the unconstrained G
# ============================================================================================

SYM = "S: symmetric(n); A: matrix(n, n); x: vector(n)"


def sym_sample(r):
    return {"S": symmetric(r, N), "A": gen(r, N, N), "x": gen(r, N)}


def spd_sample(r):
    return {"S": spd(r, N), "A": gen(r, N, N), "x": gen(r, N)}


SYM_CASES = [
    # d tr(A S)/dS = (A + A')/2 in both layouts (G = A')
    Case("sym tr(A S)", "tr(A S)", "S", SYM, fn=lambda S, A, **_: np.trace(A @ S),
         sample=sym_sample, sym=True, notes=lambda S, A, **_: (A + A.T) / 2),
    # d log|S|/dS = S^-1 for SPD S
    Case("sym log|S|", "log|S|", "S", SYM, fn=lambda S, **_: np.log(det(S)),
         sample=spd_sample, sym=True, notes=lambda S, **_: inv(S)),
    # d x'Sx/dS = x x'
    Case("sym x'Sx", "x' S x", "S", SYM, fn=lambda S, x, **_: x @ S @ x,
         sample=sym_sample, sym=True, notes=lambda S, x, **_: np.outer(x, x)),
    # d tr(S S)/dS = 2 S
    Case("sym tr(S S)", "tr(S S)", "S", SYM, fn=lambda S, **_: np.trace(S @ S),
         sample=sym_sample, sym=True, notes=lambda S, **_: 2 * S),
    # d tr(S A S)/dS: FD only
    Case("sym tr(S A S)", "tr(S A S)", "S", SYM, fn=lambda S, A, **_: np.trace(S @ A @ S),
         sample=sym_sample, sym=True),
    # dS/dS = (delta delta + delta delta)/2
    Case("sym S", "S", "S", SYM, fn=lambda S, **_: S, sample=sym_sample, sym=True,
         notes=lambda S, **_: (np.einsum("ai,bj->abij", np.eye(N), np.eye(N))
                               + np.einsum("aj,bi->abij", np.eye(N), np.eye(N))) / 2),
    Case("sym inv(S)", "inv(S)", "S", SYM, fn=lambda S, **_: inv(S), sample=spd_sample, sym=True),
    Case("sym A S x", "A S x", "S", SYM, fn=lambda S, A, x: A @ S @ x, sample=sym_sample,
         sym=True),
]  # fmt: skip


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", param(SYM_CASES))
def test_symmetric_variable(case: Case, layout: str):
    check(case, layout)


def test_symmetric_formula_not_the_wrong_one():
    # SPEC section 2: G + G' - G .* I is not the gradient; (G + G')/2 is
    r = rng_for("sym-wrong")
    S, A = symmetric(r, N), gen(r, N, N)
    got = ed.diff("tr(A S)", "S", where="S: symmetric(n); A: matrix(n, n)")(S=S, A=A)
    G = A.T
    assert_close(got, (G + G.T) / 2)
    assert not np.allclose(got, G + G.T - G * np.eye(N))


# ============================================================================================
# elementwise functions and the remaining operators
# ============================================================================================

ELEMENTWISE_FUNS = [
    ("exp", np.exp, gen),
    ("log", np.log, positive),
    ("sin", np.sin, gen),
    ("cos", np.cos, gen),
    ("tanh", np.tanh, gen),
    ("sqrt", np.sqrt, positive),
    ("sigmoid", sigmoid, gen),
    ("softplus", softplus, gen),
]

FUN_CASES = []
for _name, _f, _dom in ELEMENTWISE_FUNS:
    FUN_CASES += [
        Case(f"{_name}(t)", f"{_name}(t)", "t", "t: scalar",
             fn=lambda t, _f=_f: _f(t),
             sample=lambda r, _dom=_dom: {"t": float(_dom(r, 1)[0])}),
        Case(f"{_name}(x)", f"{_name}(x)", "x", "x: vector(n)",
             fn=lambda x, _f=_f: _f(x), sample=lambda r, _dom=_dom: {"x": _dom(r, p)}),
        Case(f"{_name}(X)", f"{_name}(X)", "X", "X: matrix(m, n)",
             fn=lambda X, _f=_f: _f(X), sample=lambda r, _dom=_dom: {"X": _dom(r, m, n)}),
        Case(f"sum({_name}(A x))", f"sum({_name}(A x))", "x", "A: matrix(m, n); x: vector(n)",
             fn=lambda A, x, _f=_f: np.sum(_f(A @ x)),
             sample=lambda r: {"A": positive(r, m, n) / 3, "x": positive(r, n)}),
    ]  # fmt: skip

VEC = "x: vector(n); y: vector(n); a: vector(n); b: vector(m); s: scalar; t: scalar"
VEC += "; A: matrix(m, n); X: matrix(m, n); Y: matrix(m, n); z: vector(n)"


def vec_sample(r):
    return {
        "x": positive(r, N), "y": positive(r, N), "a": gen(r, N), "b": gen(r, m),
        "s": scalar(r, 0.5, 2.5), "t": scalar(r, 0.5, 2), "A": gen(r, m, N),
        "X": positive(r, m, N), "Y": positive(r, m, N), "z": gen(r, N),
    }  # fmt: skip


def V(id_, expr, wrt, fn, notes=None):
    return Case(id_, expr, wrt, VEC, fn=fn, sample=vec_sample, notes=notes)


OP_CASES = [
    # .^ elementwise power
    V("x .^ 3", "x .^ 3", "x", lambda x, **_: x**3, lambda x, **_: np.diag(3 * x**2)),
    V("X .^ 2", "X .^ 2", "X", lambda X, **_: X**2),
    V("x .^ s by x", "x .^ s", "x", lambda x, s, **_: x**s),
    V("x .^ s by s", "x .^ s", "s", lambda x, s, **_: x**s, lambda x, s, **_: x**s * np.log(x)),
    V("x .^ 0.5", "x .^ 0.5", "x", lambda x, **_: x**0.5),
    # a scalar base with a vector exponent: "a scalar operand applies to every entry"
    V("2 .^ x", "2 .^ x", "x", lambda x, **_: 2.0**x, lambda x, **_: np.diag(2.0**x * np.log(2))),
    V("x .^ y by y", "x .^ y", "y", lambda x, y, **_: x**y),
    V("x .^ (s + 1) by s", "x .^ (s + 1)", "s", lambda x, s, **_: x ** (s + 1)),
    # ./ elementwise quotient
    V("x ./ y by x", "x ./ y", "x", lambda x, y, **_: x / y, lambda x, y, **_: np.diag(1 / y)),
    V("x ./ y by y", "x ./ y", "y", lambda x, y, **_: x / y),
    V("1 ./ (1 + exp(-z))", "1 ./ (1 + exp(-z))", "z", lambda z, **_: 1 / (1 + np.exp(-z))),
    V("X ./ Y by Y", "X ./ Y", "Y", lambda X, Y, **_: X / Y),
    # / by a scalar expression
    V("(A x) / t by t", "(A x) / t", "t", lambda A, x, t, **_: A @ x / t),
    V("(A x) / t by x", "(A x) / t", "x", lambda A, x, t, **_: A @ x / t),
    V("x / norm2(x)", "x / norm2(x)", "x", lambda x, **_: x / np.linalg.norm(x)),
    V("A / t by t", "A / t", "t", lambda A, t, **_: A / t),
    V("(a' x) / (x' x)", "(a' x) / (x' x)", "x", lambda a, x, **_: (a @ x) / (x @ x)),
    # scalar powers with real exponents
    V("(x' x)^1.5", "(x' x)^1.5", "x", lambda x, **_: (x @ x) ** 1.5),
    V("t^s by t", "t^s", "t", lambda t, s, **_: t**s),
    V("t^s by s", "t^s", "s", lambda t, s, **_: t**s),
    V("t^2.5", "t^2.5", "t", lambda t, **_: t**2.5),
    # diag
    V(
        "a' diag(x) z",
        "a' diag(x) z",
        "x",
        lambda a, x, z, **_: a @ np.diag(x) @ z,
        lambda a, x, z, **_: a * z,
    ),
    V(
        "tr(diag(x) A' A)",
        "tr(diag(x) A' A)",
        "x",
        lambda x, A, **_: np.trace(np.diag(x) @ A.T @ A),
    ),
    V("diag(A' A)", "diag(A' A)", "A", lambda A, **_: np.diag(A.T @ A).copy()),
    V("diag(x) z", "diag(x) z", "x", lambda x, z, **_: np.diag(x) @ z),
    # sum
    V("sum(X)", "sum(X)", "X", lambda X, **_: np.sum(X), lambda X, **_: np.ones((m, N))),
    V("sum(x .* x)", "sum(x .* x)", "x", lambda x, **_: np.sum(x * x)),
    V("sum(A x)", "sum(A x)", "x", lambda A, x, **_: np.sum(A @ x)),
    V("sum(X' X)", "sum(X' X)", "X", lambda X, **_: np.sum(X.T @ X)),
    # norm2: vector and Frobenius
    V(
        "norm2(x)",
        "norm2(x)",
        "x",
        lambda x, **_: np.linalg.norm(x),
        lambda x, **_: x / np.linalg.norm(x),
    ),
    V(
        "norm2(X)",
        "norm2(X)",
        "X",
        lambda X, **_: np.linalg.norm(X),
        lambda X, **_: X / np.linalg.norm(X),
    ),
    # least squares: d ||Ax - b||^2 / dx = 2 (Ax - b)'A
    V(
        "norm2(A x - b)^2 by x",
        "norm2(A x - b)^2",
        "x",
        lambda A, x, b, **_: np.linalg.norm(A @ x - b) ** 2,
        lambda A, x, b, **_: 2 * A.T @ (A @ x - b),
    ),
    V(
        "norm2(A x - b)^2 by A",
        "norm2(A x - b)^2",
        "A",
        lambda A, x, b, **_: np.linalg.norm(A @ x - b) ** 2,
        lambda A, x, b, **_: 2 * np.outer(A @ x - b, x),
    ),
    # ones and I (sizes inferred from context)
    V("ones' x", "ones' x", "x", lambda x, **_: np.sum(x), lambda x, **_: np.ones(N)),
    V("(ones' x)^2", "(ones' x)^2", "x", lambda x, **_: np.sum(x) ** 2),
    V("X ones", "X ones", "X", lambda X, **_: X @ np.ones(N)),
    V("ones' A x", "ones' A x", "x", lambda A, x, **_: np.ones(m) @ A @ x),
    V("(I + A' A) x", "(I + A' A) x", "x", lambda A, x, **_: (np.eye(N) + A.T @ A) @ x),
    V("x' (A' A + I) x", "x' (A' A + I) x", "x", lambda A, x, **_: x @ (A.T @ A + np.eye(N)) @ x),
    V("inv(I + x x')", "inv(I + x x')", "x", lambda x, **_: inv(np.eye(N) + np.outer(x, x))),
    # scalar broadcast
    V(
        "1 + exp(z)",
        "1 + exp(z)",
        "z",
        lambda z, **_: 1 + np.exp(z),
        lambda z, **_: np.diag(np.exp(z)),
    ),
    V(
        "log(1 + exp(z))",
        "log(1 + exp(z))",
        "z",
        lambda z, **_: np.log(1 + np.exp(z)),
        lambda z, **_: np.diag(sigmoid(z)),
    ),
    V("2 - X", "2 - X", "X", lambda X, **_: 2 - X),
    V("X + t by t", "X + t", "t", lambda X, t, **_: X + t, lambda X, t, **_: np.ones((m, N))),
    V("exp(z) - 1", "exp(z) - 1", "z", lambda z, **_: np.exp(z) - 1),
    V("t + a", "t + a", "t", lambda t, a, **_: t + a),
    # unary minus and mixed
    V("-A x", "-A x", "x", lambda A, x, **_: -A @ x),
    V("x' x - a' x", "x' x - a' x", "x", lambda x, a, **_: x @ x - a @ x),
    V("s * x .* z", "s * x .* z", "x", lambda s, x, z, **_: s * x * z),
    V("A @ x by x", "A @ x", "x", lambda A, x, **_: A @ x),
    V("A * x by x", "A * x", "x", lambda A, x, **_: A @ x),
]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("case", param(FUN_CASES + OP_CASES))
def test_functions_and_operators(case: Case, layout: str):
    check(case, layout)


# ============================================================================================
# Hessians: H[I, J] = d2 f / dX[I] dX[J], shape S_X + S_X; symmetric
# ============================================================================================

LOGISTIC = "sum(log(1 + exp(-y .* (X w))))"


def logistic(X, y, w):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def logistic_hessian(X, y, w):
    s = sigmoid(y * (X @ w))
    return X.T @ np.diag(s * (1 - s)) @ X


def logistic_sample(r):
    return {"X": gen(r, 5, n + 1), "y": np.sign(gen(r, 5)), "w": gen(r, n + 1, scale=0.5)}


HESSIAN_CASES = [
    Case("x'Ax (no where)", "x' A x", "x", None, fn=lambda A, x: x @ A @ x,
         sample=lambda r: {"A": gen(r, N, N), "x": gen(r, N)}, notes=lambda A, x: A + A.T),
    Case("x'Ax", "x' A x", "x", "A: matrix(n, n); x: vector(n)", fn=lambda A, x: x @ A @ x,
         sample=lambda r: {"A": gen(r, N, N), "x": gen(r, N)}, notes=lambda A, x: A + A.T),
    Case("logistic loss", LOGISTIC, "w", "X: matrix(m, n); y: vector(m); w: vector(n)",
         fn=logistic, sample=logistic_sample, notes=logistic_hessian),
    # log|X|: H[a,b,c,d] = -X^-1[b,c] X^-1[d,a]
    Case("log|X|", "log|X|", "X", "X: matrix(n, n)", fn=lambda X: np.log(det(X)),
         sample=lambda r: {"X": invertible(r, N)},
         notes=lambda X: -np.einsum("bc,da->abcd", inv(X), inv(X))),
    # tr(X'AX): H[a,b,c,d] = (A + A')[a,c] delta[b,d]
    Case("tr(X'AX)", "tr(X' A X)", "X", "X: matrix(m, n); A: matrix(m, m)",
         fn=lambda X, A: np.trace(X.T @ A @ X),
         sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, m)},
         notes=lambda X, A: np.einsum("ac,bd->abcd", A + A.T, np.eye(n))),
    Case("least squares", "norm2(A x - b)^2", "x", "A: matrix(m, n); x: vector(n); b: vector(m)",
         fn=lambda A, x, b: np.linalg.norm(A @ x - b) ** 2,
         sample=lambda r: {"A": gen(r, p, m), "x": gen(r, m), "b": gen(r, p)},
         notes=lambda A, x, b: 2 * A.T @ A),
    Case("exp(a'x)", "exp(a' x)", "x", "a: vector(n); x: vector(n)",
         fn=lambda a, x: np.exp(a @ x),
         sample=lambda r: {"a": gen(r, N), "x": gen(r, N, scale=0.3)},
         notes=lambda a, x: np.exp(a @ x) * np.outer(a, a)),
    Case("t^3 sin(t)", "t^3 sin(t)", "t", "t: scalar", fn=lambda t: t**3 * np.sin(t),
         sample=lambda r: {"t": scalar(r)}),
    Case("tr(X^3)", "tr(X^3)", "X", "X: matrix(n, n)", fn=lambda X: np.trace(mpow(X, 3)),
         sample=lambda r: {"X": gen(r, N, N)}),
    Case("sym log|S|", "log|S|", "S", "S: symmetric(n)", fn=lambda S: np.log(det(S)),
         sample=lambda r: {"S": spd(r, N)}, sym=True),
]  # fmt: skip


@pytest.mark.parametrize("case", param(HESSIAN_CASES))
def test_hessian(case: Case):
    args = case.point()
    expected = hessian_fd(case.fn, args, case.var, sym=case.sym)
    if case.notes is not None:
        assert_close(case.notes(**args), expected, rtol=1e-4, atol=1e-6, what="analytic")
    h = (
        ed.hessian(case.expr, case.wrt)
        if case.where is None
        else ed.hessian(case.expr, case.wrt, where=case.where)
    )
    got = h(**args)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=f"hessian {case.id}")
    k = np.ndim(args[case.var])
    swapped = np.transpose(got, list(range(k, 2 * k)) + list(range(k)))
    assert_close(got, swapped, what="the Hessian is symmetric")


def test_hessian_equals_diff_of_diff_for_vectors():
    r = rng_for("hess-dd")
    A, x = gen(r, N, N), gen(r, N)
    h = ed.hessian("x' A x", "x")(A=A, x=x)
    dd = ed.diff(ed.diff("x' A x", "x"), "x")(A=A, x=x)
    assert_close(h, A + A.T)
    assert_close(dd, A + A.T)


# ============================================================================================
# derivatives of order 3 and 4: f = (x'Ax)(x'x)
# ============================================================================================

F4 = "x' A x * x' x"
W4 = "x: vector(n); A: matrix(n, n)"


def f4(A, x):
    return (x @ A @ x) * (x @ x)


def f4_hessian(A, x):  # B = A + A': H = 2 Bx x' + 2 x x'B + (x'x) B + 2 (x'Ax) I
    B = A + A.T
    return (
        2 * np.outer(B @ x, x)
        + 2 * np.outer(x, B @ x)
        + (x @ x) * B
        + 2 * (x @ A @ x) * np.eye(len(x))
    )


def f4_third(A, x):
    B, e = A + A.T, np.eye(len(x))
    Bx = B @ x
    return 2 * (
        np.einsum("ik,j->ijk", B, x)
        + np.einsum("i,jk->ijk", Bx, e)
        + np.einsum("ik,j->ijk", e, Bx)
        + np.einsum("i,jk->ijk", x, B)
        + np.einsum("k,ij->ijk", x, B)
        + np.einsum("k,ij->ijk", Bx, e)
    )


def f4_fourth(A, x):
    B, e = A + A.T, np.eye(len(x))
    t = lambda s: np.einsum(s, B, e)
    return 2 * (
        t("ik,jl->ijkl") + t("il,jk->ijkl") + t("jl,ik->ijkl")
        + t("jk,il->ijkl") + t("ij,kl->ijkl") + t("kl,ij->ijkl")
    )  # fmt: skip


def f4_point():
    r = rng_for("order-3-4")
    return {"A": gen(r, N, N), "x": gen(r, N)}


def test_order_2_analytic_matches_fd():
    args = f4_point()
    assert_close(f4_hessian(**args), hessian_fd(f4, args, "x"), rtol=1e-4, atol=1e-6)


def test_order_3():
    args = f4_point()
    d3 = ed.diff(ed.diff(ed.diff(F4, "x", where=W4), "x"), "x")
    got = d3(**args)
    # FD of the analytic Hessian (itself checked against FD of f above and here)
    assert_close(f4_hessian(**args), hessian_fd(f4, args, "x"), rtol=1e-4, atol=1e-6)
    ref = jacobian_fd(lambda A, x: f4_hessian(A, x), args, "x")
    assert_close(f4_third(**args), ref, what="analytic third derivative")
    assert_close(got, ref, what="engine third derivative")
    # nested FD of the original function
    nested = jacobian_fd(lambda A, x: hessian_fd(f4, {"A": A, "x": x}, "x", eps=1e-3), args, "x",
                         eps=1e-3)  # fmt: skip
    assert_close(got, nested, rtol=1e-3, atol=1e-4, what="nested FD")


def test_order_4():
    args = f4_point()
    d3 = ed.diff(ed.diff(ed.diff(F4, "x", where=W4), "x"), "x")
    d4 = ed.diff(d3, "x")
    got = d4(**args)
    ref = jacobian_fd(lambda A, x: f4_third(A, x), args, "x")
    assert_close(f4_fourth(**args), ref, what="analytic fourth derivative")
    assert_close(got, ref, what="engine fourth derivative")
    assert got.shape == (N, N, N, N)


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
def test_diff_of_diff_for_a_matrix(layout):
    # the second derivative of log|X| as diff of diff, in each layout, against the FD Hessian
    r = rng_for("dd-logdet")
    X = invertible(r, N)
    H = hessian_fd(lambda X: np.log(det(X)), {"X": X}, "X")  # H[p,q,r,s] = d2f/dX[p,q]dX[r,s]
    g1 = ed.diff("log|X|", "X", where="X: matrix(n, n)", layout=layout)
    g2 = ed.diff(g1, "X", layout=layout)
    # jacobian of g1 with respect to X: g1 = G' (numerator), G (denominator, jacobian)
    jac2 = H.transpose(1, 0, 2, 3) if layout == "numerator" else H
    assert_close(g2(X=X), to_layout(jac2, 2, 2, layout), rtol=1e-4, atol=1e-6)
