"""A scalar written inside a product stays grouped in every printed form.

``I (v' A' A v)`` is the identity scaled by a number; ``I v' A' A v`` reads ``(I v') ...``, which
is no product. Named forms (``show(cse=True)``) regroup chains to name a pair, and transposes and
differentials splice chains together: each must keep such a scalar whole. Every printed text is
read back and compared with finite differences of plain numpy written here.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import hessian_fd, to_layout
from tests.named_forms import substituted

n = 4
rng = np.random.default_rng(29)
x0, c0 = rng.normal(size=n), rng.normal(size=n)
A0, B0 = rng.normal(size=(n, n)) * 0.6, rng.normal(size=(n, n)) * 0.6


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


VECTOR = "x: vector(n); A: matrix(n, n)"
CSE_CASES = [
    # f(x) = ||A (softmax(x) + x)||^2; its Hessian holds I (s' A' A s), s = softmax(x)
    ("norm2(A (softmax(x) + x))^2", lambda x, A: np.sum((A @ (softmax(x) + x)) ** 2)),
    # f(x) = sqrt(1 + ||A (softmax(x) + A x)||^2)
    (
        "sqrt(1 + norm2(A (softmax(x) + A x))^2)",
        lambda x, A: np.sqrt(1 + np.sum((A @ (softmax(x) + A @ x)) ** 2)),
    ),
]


@pytest.mark.parametrize("layout", ["jacobian", "numerator", "denominator"])
@pytest.mark.parametrize("text, f", CSE_CASES, ids=[c[0] for c in CSE_CASES])
def test_named_hessian_keeps_a_scalar_grouped(text, f, layout):
    # H = d2 f / dx dx' (symmetric: every layout alike), against four-point differences
    h = ed.hessian(text, "x", where=VECTOR, layout=layout)
    named = h.show(cse=True)
    assert "\n" in named  # names were made
    back = ed.parse(substituted(named), where=VECTOR, shape=h.shape)
    expected = hessian_fd(f, {"x": x0, "A": A0}, "x")
    np.testing.assert_allclose(back(x=x0, A=A0), expected, rtol=1e-4, atol=1e-5)


MATRIX = "x: vector(n); A: matrix(n, n); B: matrix(n, n); c: vector(n)"


def _first(x, A, B, c):
    # f = c' softmax((x' A x) sin(B' x)) / (1 + ||softmax((x' A x) sin(B' x))||^2)
    s = softmax((x @ A @ x) * np.sin(B.T @ x))
    return c @ s / (1 + s @ s)


def _second(x, A, B, c):
    # f = q' B q / (1 + q' q), q = softmax(B' x) .^ 2
    q = softmax(B.T @ x) ** 2
    return q @ B @ q / (1 + q @ q)


DIFFERENTIAL_CASES = [
    # the differential of the gradient by B writes dB x (x' A x) ...: not dB x' A x
    (
        "c' softmax((x' A x) sin(B' x)) / (1 + norm2(softmax((x' A x) sin(B' x)))^2)",
        "B",
        _first,
    ),
    # ... B' (q' B' q) ...: a transposed chain keeps the scalar q' B' q whole
    (
        (
            "(softmax(B' x) .^ 2)' B (softmax(B' x) .^ 2) / "
            "(1 + (softmax(B' x) .^ 2)' (softmax(B' x) .^ 2))"
        ),
        "x",
        _second,
    ),
]


@pytest.mark.parametrize("layout", ["jacobian", "numerator", "denominator"])
@pytest.mark.parametrize("text, wrt, f", DIFFERENTIAL_CASES, ids=["by B", "by x"])
def test_differential_of_a_gradient_keeps_a_scalar_grouped(text, wrt, f, layout):
    # dG = H dX: read back, the numerator-layout derivative of the gradient G (in ``layout``)
    h = ed.hessian(text, wrt, where=MATRIX, layout=layout)
    g = ed.read_differential(h.differential(), wrt, MATRIX)
    values = {"x": x0, "A": A0, "B": B0, "c": c0}
    k = np.ndim(values[wrt])
    hessian = hessian_fd(f, values, wrt)  # d2 f / dX[I] dX[J], shape S_X + S_X
    if layout == "numerator":  # the numerator gradient has X's axes reversed (G = df/dX')
        hessian = np.transpose(hessian, list(reversed(range(k))) + list(range(k, 2 * k)))
    expected = to_layout(hessian, k, k, "numerator")
    got = g(**{name: v for name, v in values.items() if name in g.variables})
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


# (p v' B w C)' with p a scalar: C' (w' B' v) p, never C' w' B' v p (that reads C' w' first)
def test_transpose_of_a_chain_with_a_scalar_inside():
    text = "(x' x) c' B c A"
    f = ed.parse(text + "'", where=MATRIX)
    expected = ((x0 @ x0) * (c0 @ B0 @ c0) * A0).T
    np.testing.assert_allclose(f(x=x0, c=c0, B=B0, A=A0), expected, rtol=1e-12)
    g = ed.diff(f"sum(({text})' .* ({text})')", "A", where=MATRIX)
    back = ed.parse(str(g), where=MATRIX, shape=g.shape)
    scale = (x0 @ x0) * (c0 @ B0 @ c0)
    # d sum((s A)' .* (s A)') / dA = 2 s^2 A, numerator layout: (2 s^2 A)'
    np.testing.assert_allclose(back(x=x0, c=c0, B=B0, A=A0), 2 * scale**2 * A0.T, rtol=1e-9)


# dy = dx' (sum(y) c' x (...)): a scalar product that starts with a scalar call stays grouped
# after dx' (review AI: it printed dx' sum(y) c' x ..., which reads dx' sum(y) c' first)
def test_a_differential_with_a_scalar_call_first_reads_back():
    where = "x: vector(n); y: vector(n); c: vector(n); X: matrix(n, n)"
    g = ed.diff("sum(y) (c' x) (c' x) (x' y) x' X", "x", where=where)
    back = ed.read_differential(g.differential(), "x", where)
    y, X = rng.normal(size=n), B0

    def f(x):  # y = sum(y) (c' x)^2 (x' y) X' x, a vector
        return np.sum(y) * (c0 @ x) ** 2 * (x @ y) * (x @ X)

    jacobian = np.zeros((n, n))
    for j in range(n):
        step = np.zeros(n)
        step[j] = 1e-6
        jacobian[:, j] = (f(x0 + step) - f(x0 - step)) / 2e-6
    values = {"x": x0, "y": y, "c": c0, "X": X}
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, jacobian, rtol=1e-6, atol=1e-8)
