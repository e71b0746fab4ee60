"""Named forms (``show(cse=True)``) read back line by line, as the README says: each definition
with the earlier names declared by their shapes, a row vector named as its column.

Once, rows were named as rows (``t1 = x' A' A``), so declared as columns they read back as
another function (``t6' t6``, an outer product, read as an inner one). The truth here is numpy:
central finite differences of each function written here.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import read_lines

rng = np.random.default_rng(0)
A, D, X = rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
x, z, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)


def _softmax(u):
    e = np.exp(u - u.max())
    return e / e.sum()


CASES = [
    # d sqrt(x' A' A x + 1)/dx = x' A' A / sqrt(1 + x' A' A x): the row x' A' A named as its
    # column A' (A x) (norm2(A x) names nothing now: x' A' A / norm2(A x)). A is written
    # Weights: with a one-letter name the named text is longer than str, which is printed
    (
        "sqrt(x' Weights' Weights x + 1)",
        "x",
        "Weights: matrix(4, 3); x: vector(3)",
        lambda x: np.sqrt(np.sum((A @ x) ** 2) + 1),
        {"Weights": A},
    ),
    # d exp(x)' D exp(x) / dx = (exp(x) .* ((D + D') exp(x)))'
    (
        "exp(x)' D exp(x)",
        "x",
        "D: matrix(3, 3); x: vector(3)",
        lambda x: np.exp(x) @ D @ np.exp(x),
        {"D": D},
    ),
    # d norm2(x' X)/dX: the row x' X inside (named longer names: else str is shorter)
    (
        "norm2(inputs' Weights)",
        "Weights",
        "inputs: vector(3); Weights: matrix(3, 2)",
        lambda X: np.linalg.norm(x @ X),
        {"inputs": x},
    ),
]


def _read(text: str, values: dict, where: str):
    def evaluate(expr, known, last):
        return expr(**{k: w for k, w in known.items() if k in expr.variables})

    return read_lines(ed, text, values, where, evaluate)


@pytest.mark.parametrize("text, wrt, where, fn, others", CASES)
def test_named_forms_read_line_by_line(text, wrt, where, fn, others):
    point = {"x": x, "X": X, "Weights": X}[wrt]
    jac = jacobian_fd(lambda **a: fn(a[wrt]), {wrt: point}, wrt)
    want = to_layout(jac, jac.ndim - point.ndim, point.ndim, "numerator")
    g = ed.diff(text, wrt, where=where)
    named = g.show(cse=True)
    assert "\n" in named, named  # something is named
    got = _read(named, {**others, wrt: point}, where)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=named)


def test_a_row_with_a_scalar_in_front_is_named_as_its_column():
    # d ||(y .* x)' (g x) sin(c y)||^2 / dy: once `t2 = c y'` (a row, since scalars are written
    # in front of a transposed product), which read back as a column fails to fit
    x0, y0 = rng.normal(size=3), rng.normal(size=3)
    where = "x: vector(3); y: vector(3); c: scalar; gamma: scalar"

    def f(y):
        return np.sum(((y * x0) @ (0.4 * x0) * np.sin(0.7 * y)) ** 2)

    want = jacobian_fd(lambda y: f(y), {"y": y0}, "y")
    g = ed.diff("||((y .* x)' (gamma x)) sin(c y)||^2", "y", where=where)
    named = g.show(cse=True)
    got = _read(named, {"x": x0, "y": y0, "c": 0.7, "gamma": 0.4}, where)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=named)


def test_the_hessian_of_a_norm_of_a_softmax_reads_back_line_by_line():
    # H = d2 norm2(softmax(z - mean(z))) / dz dz: once `... - t6' t6 / t5^3` with t6 a row
    def f(z):
        return np.linalg.norm(_softmax(z - z.mean()))

    want, eps, eye = np.zeros((3, 3)), 1e-4, np.eye(3) * 1e-4
    for i in range(3):  # second differences of f
        for j in range(3):
            a, b = eye[i], eye[j]
            want[i, j] = f(z + a + b) - f(z + a - b) - f(z - a + b) + f(z - a - b)
    want /= 4 * eps * eps
    h = ed.hessian("norm2(softmax(z - mean(z)))", "z", where="z: vector(3)")
    named = h.show(cse=True)
    got = _read(named, {"z": z}, "z: vector(3)")
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6, err_msg=named)


def test_a_definition_with_ones_sized_only_by_its_use_is_written_out():
    # H = d2 sum(w .* (x - mean(x)) / sqrt(var(x) + eps)) / dx dx, the layer norm's Hessian:
    # once `t5 = ones t2'`, whose ones has no length of its own; each line must read back alone
    n, eps = 4, 1e-5
    w0, x0 = rng.normal(size=n), rng.normal(size=n)

    def f(x):
        d = x - x.mean()
        return np.sum(w0 * d / np.sqrt(np.mean(d**2) + eps))

    want, h, eye = np.zeros((n, n)), 1e-3, np.eye(n) * 1e-3
    for i in range(n):  # second differences of f
        for j in range(n):
            a, b = eye[i], eye[j]
            want[i, j] = f(x0 + a + b) - f(x0 + a - b) - f(x0 - a + b) + f(x0 - a - b)
    want /= 4 * h * h
    text = "sum(w .* ((x - mean(x)) / sqrt(mean((x - mean(x)).^2) + 0.00001)))"
    where = "x: vector(n); w: vector(n)"
    for format in ("text", "index"):
        named = ed.hessian(text, "x", where=where).show(cse=True, format=format)
        assert "\n" in named, named  # something is named
        got = _read(named, {"x": x0, "w": w0}, where)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=named)


_W = rng.normal(size=(3, 3))
_ROWS = [
    # d/dx ((tr(A) y' B x)^3 + exp(tr(A) y' B x)): `tr(A) y'` is a row with a scalar in front
    (
        "(tr(D) y' B x)^3 + exp(tr(D) y' B x)",
        lambda x: (np.trace(D) * z @ _W @ x) ** 3 + np.exp(np.trace(D) * z @ _W @ x),
    ),
    # d/dx ((exp(c) y' B x)^3 + exp(exp(c) y' B x)): `exp(c) y'` (c written gamma: named,
    # exp(gamma) shortens the text; exp(c) does not, and str is printed)
    (
        "(exp(gamma) y' B x)^3 + exp(exp(gamma) y' B x)",
        lambda x: (np.exp(0.3) * z @ _W @ x) ** 3 + np.exp(np.exp(0.3) * z @ _W @ x),
    ),
    # d/dx (((y ./ x)' B x)^3 + exp((y ./ x)' B x)): `(y ./ x)' B`, the transpose of a column
    # that an elementwise quotient makes, was not known as a row
    (
        "((y ./ x)' B x)^3 + exp((y ./ x)' B x)",
        lambda x: (z / x @ _W @ x) ** 3 + np.exp(z / x @ _W @ x),
    ),
    # d/dx sin(s) s, s = x' D x y' B D x: `sin(s) x'`, a row after a named scalar
    (
        "sin(x' D x y' B D x) (x' D x y' B D x)",
        lambda x: np.sin(x @ D @ x * (z @ _W @ D @ x)) * (x @ D @ x * (z @ _W @ D @ x)),
    ),
]


@pytest.mark.parametrize("text, fn", _ROWS)
def test_a_row_with_any_scalar_in_front_is_named_as_its_column(text, fn):
    # a row s y' with s tr(D), exp(c) or an earlier name of a scalar was named as a row
    # (`t1 = tr(D) y'`), so `t1 B` read back as a column times a matrix and did not fit
    where = "x: vector(3); y: vector(3); c: scalar; gamma: scalar; D: matrix(3, 3); B: matrix(3, 3)"
    values = {"x": x, "y": z, "c": 0.3, "gamma": 0.3, "D": D, "B": _W}
    want = jacobian_fd(lambda x: fn(x), {"x": x}, "x")
    named = ed.diff(text, "x", where=where).show(cse=True)
    assert "\n" in named, named  # something is named
    got = _read(named, values, where)
    np.testing.assert_allclose(np.ravel(got), np.ravel(want), rtol=1e-5, atol=1e-7, err_msg=named)


def test_a_column_after_an_inner_product_is_not_named_as_a_scalar():
    # (x' y) z is the scalar x' y times the column z, a column: once taken for a scalar (an
    # inner product `u' v` followed by a column), so `t2 = exp(t1 z)` was learnt as a scalar
    # and the outer product `t2 y'` was named `t5 = y t2`, which reads back as nothing.
    # f(x) = norm2(x) (c (x' y) x)' ((x' y) exp(z)) sum(exp((x' y) z)) ... written as a product
    y0, z0 = rng.normal(size=3), rng.normal(size=3)
    where = "x: vector(3); y: vector(3); z: vector(3); c: scalar"
    text = "norm2(x) ((c x' y) x)' ((x' y) exp(z)) (exp((x' y) z))"

    def f(x):
        s = x @ y0
        return np.linalg.norm(x) * (0.7 * s * x) @ (s * np.exp(z0)) * np.exp(s * z0)

    want = jacobian_fd(lambda x: f(x), {"x": x}, "x")
    for format in ("text", "latex"):
        named = ed.diff(text, "x", where=where).show(cse=True, format=format)
        assert "\n" in named, named  # something is named
        got = _read(named, {"x": x, "y": y0, "z": z0, "c": 0.7}, where)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=named)


def test_a_row_of_columns_divided_by_a_scalar_is_named_as_its_column():
    # d2/dc2 logsumexp(exp(c) / (1 + c) B' y): `(y / (1 + c) - y / (1 + c)^2)' B exp(c)` is a
    # row (a column divided by a scalar, transposed); it was named as a row (`t5 = (t2 - t1)'
    # t4`), so with t5 declared a column `t5' .* t6` was a row times a column and did not read
    where = "y: vector(3); c: scalar; B: matrix(3, 3)"

    def f(c):
        u = np.exp(c) / (1 + c) * (_W.T @ z)
        return np.log(np.sum(np.exp(u)))

    c0, h = 0.3, 1e-4
    want = (f(c0 + h) - 2 * f(c0) + f(c0 - h)) / h**2
    named = ed.hessian("logsumexp((exp(c) / (1 + c)) B' y)", "c", where=where).show(cse=True)
    assert "\n" in named, named  # something is named
    got = _read(named, {"y": z, "c": c0, "B": _W}, where)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=named)


_U = "(x' w) sum(x)"  # u(x) = (x' w) sum(x); du/dx = sum(x) w' + (x' w) ones', a row


@pytest.mark.parametrize(
    "text, fn",
    [
        # d/dx (exp(u) A x + sin(u) A x) = exp(u) A (I + x du) + A (sin(u) I + cos(u) x du)
        (
            f"exp({_U}) A x + sin({_U}) A x",
            lambda x, w: (np.exp(x @ w * x.sum()) + np.sin(x @ w * x.sum())) * (D @ x),
        ),
        # d/dx V' (exp(u) x + sin(u) z) = V' (exp(u) (I + x du) + cos(u) z du)
        (
            f"V' (exp({_U}) x + sin({_U}) z)",
            lambda x, w: _W.T @ (np.exp(x @ w * x.sum()) * x + np.sin(x @ w * x.sum()) * z),
        ),
    ],
)
def test_a_row_plus_an_inner_product_is_named_as_its_column(text, fn):
    # du/dx was named as a row, `t3 = w' t1 + t2` (t2 = x' w): the inner product x' w ends in
    # a column, so the sum was taken for a column and `x t3` read back as a column times a
    # column; now `t3 = t2 + w' x` (t2 = sum(x) w), written t3'
    w0 = rng.normal(size=3)
    where = "x: vector(3); w: vector(3); z: vector(3); A: matrix(3, 3); V: matrix(3, 3)"
    named = ed.diff(text, "x", where=where).show(cse=True)
    assert "\n" in named, named  # something is named
    want = jacobian_fd(lambda x: fn(x, w0), {"x": x}, "x")
    got = _read(named, {"x": x, "w": w0, "z": z, "A": D, "V": _W}, where)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=named)
