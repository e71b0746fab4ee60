"""Issue 10 item 1: derivatives of derivatives when two dimensions coincide.

Each case differentiates a derivative object again (``hessian``, or ``diff`` of ``diff``) where
every dimension is the same ``n``; the reference is a finite difference of a gradient written
here in plain numpy. Before the fix the second differentiation spliced an inner product that
summed the canonical name ``%1.0`` next to a factor that bound ``%1.0`` itself, and the
canonical renaming captured it (``A[%0.1,%1.0] x[%1.0]`` became the diagonal ``A[%1.0,%1.0]``).
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, rng_for

N = 3


def fd_jacobian(g, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """J[I, J] = d g(x)[I] / d x[J] by central differences (shape S_g + S_x)."""
    out = np.zeros(np.shape(g(x)) + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        out[(Ellipsis,) + idx] = (g(x + e) - g(x - e)) / (2 * eps)
    return out


def test_hessian_of_log_sum_exp_of_a_square_map():
    # f = log(sum(exp(A x))), p = softmax(A x):  H = A' (diag(p) - p p') A
    rng = rng_for("lse")
    a, x = rng.standard_normal((N, N)), rng.standard_normal(N)

    def grad(x):
        p = np.exp(a @ x) / np.exp(a @ x).sum()
        return a.T @ p

    h = ed.hessian("log(sum(exp(A x)))", "x", where="A: matrix(n,n)")
    assert_close(h(A=a, x=x), fd_jacobian(grad, x))
    assert_close(ed.parse(str(h), where="x: vector(n)")(A=a, x=x), fd_jacobian(grad, x))


def test_hessian_of_a_norm_of_a_square_residual():
    # f = |A x - b|, r = A x - b:  grad = A' r / |r|
    rng = rng_for("norm2")
    a, x, b = rng.standard_normal((N, N)), rng.standard_normal(N), rng.standard_normal(N)

    def grad(x):
        r = a @ x - b
        return a.T @ r / np.linalg.norm(r)

    h = ed.hessian("norm2(A x - b)", "x", where="A: matrix(n, n); x, b: vector(n)")
    assert_close(h(A=a, x=x, b=b), fd_jacobian(grad, x))


def test_mixed_second_derivative_of_a_diff_object():
    # g = d|z + C y| / dz = (z + C y) / |z + C y|;  d g[i] / d y[j]
    rng = rng_for("mixed")
    c, y, z = rng.standard_normal((N, N)), rng.standard_normal(N), rng.standard_normal(N)

    def g(y):
        r = z + c @ y
        return r / np.linalg.norm(r)

    where = "C: matrix(n,n); y, z: vector(n)"
    first = ed.diff("norm2(z + C y)", "z", where=where, layout="jacobian")
    mixed = ed.diff(first, "y")
    assert_close(mixed(C=c, y=y, z=z), fd_jacobian(g, y))


def test_hessian_through_nested_inverses():
    # f = tr(inv(M M')), M = inv(I + B B');  H by finite differences of a numpy gradient
    rng = rng_for("inv-inv")
    b = 0.5 * rng.standard_normal((N, N))

    def f(b):
        m = np.linalg.inv(np.eye(N) + b @ b.T)
        return np.trace(np.linalg.inv(m @ m.T))

    def grad(b):
        return fd_jacobian(f, b, 1e-5)

    h = ed.hessian("tr(inv(inv(I + B B') inv(I + B B')'))", "B")
    assert_close(h(B=b), fd_jacobian(grad, b, 1e-4), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("form", ["interpreted", "compiled"])
def test_hessian_of_a_cube_of_a_log_sum(form: str):
    # f = s^3, s = sum(log(1 + w.^2)), w = P u:  grad = 3 s^2 P' (2 w ./ (1 + w.^2))
    rng = rng_for("cube")
    p, u = rng.standard_normal((N, N)), 0.5 * rng.standard_normal(N)

    def grad(u):
        w = p @ u
        s = np.log(1 + w**2).sum()
        return 3 * s**2 * (p.T @ (2 * w / (1 + w**2)))

    h = ed.hessian("sum(log(1 + (P u) .^ 2))^3", "u", where="P: matrix(n,n)")
    run = h.compile() if form == "compiled" else h
    assert_close(run(P=p, u=u), fd_jacobian(grad, u))


def test_differentiating_a_derivative_equals_differentiating_its_text():
    # d/dx of the gradient object == d/dx of the gradient's printed text, numerically
    rng = rng_for("text")
    a, x = rng.standard_normal((N, N)), rng.standard_normal(N)
    where = "A: matrix(n,n); x: vector(n)"
    g = ed.diff("log(sum(exp(A x)))", "x", where=where, layout="jacobian")
    again = ed.diff(ed.parse(str(g), where=where), "x", layout="jacobian")
    assert_close(ed.diff(g, "x", layout="jacobian")(A=a, x=x), again(A=a, x=x))
