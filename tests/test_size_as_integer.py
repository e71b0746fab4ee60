"""A size named like a declared integer is that integer (session 31): with ``x: vector(n); n:
integer`` the size n (from a sum over x's index: mean(x), len(x)) and the integer n are one
symbol, so like terms with one in a term and the other in another merge. Every printed form
(str, index, LaTeX) reads back to the value of central differences of plain numpy.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import jacobian_fd

import einderiv as ed

W = "x: vector(n); n: integer; g: vector(n); y: scalar"
RNG = np.random.default_rng(3131)
X, G = RNG.normal(size=5), RNG.normal(size=5)


def test_sum_over_n_minus_the_mean_is_constant():
    # sum(x) / n - mean(x) = 0, so d/dx is 0 (index text was -ones[i] / n + ones[i] / n)
    fd = jacobian_fd(lambda x: np.sum(x) / len(x) - np.mean(x), {"x": X}, "x")
    np.testing.assert_allclose(fd, np.zeros(5), atol=1e-8)
    g = ed.diff("sum(x) / n - mean(x)", "x", where=W)
    assert str(g) == "0" and g.index() == "0"


def test_like_terms_of_the_size_and_the_integer_merge():
    # d/dx (sum(x) / n + mean(x)) = 2 ones' / n (index text was ones[i] / n + ones[i] / n)
    g = ed.diff("sum(x) / n + mean(x)", "x", where=W)
    assert g.index() == "2 ones[i] / n"
    fd = jacobian_fd(lambda x: np.sum(x) / len(x) + np.mean(x), {"x": X}, "x")
    np.testing.assert_allclose(g(x=X, n=5), fd, rtol=1e-6)


def test_a_power_by_the_size_and_by_the_integer_cancel():
    # y^n - y^len(x) = 0 (printed -y^(n - 1) n + y^(n - 1) n: the exponents n - 1 were a sum of
    # the size and -1 in one term, an integer form in the other)
    fd = jacobian_fd(lambda y: y**5 - y ** len(X), {"y": 1.3}, "y")
    assert abs(float(fd)) < 1e-7
    assert str(ed.diff("y^n - y^len(x)", "y", where=W)) == "0"
    assert str(ed.diff("sum(x .^ n) - sum(x .^ len(x))", "x", where=W)) == "0"


def _layer_norm(x, g):
    c = x - x.mean()
    return g @ (c / np.sqrt(np.mean(c**2) + 1e-5))


LAYER_NORMS = [
    "sum(g .* (x - mean(x)) / sqrt(mean((x - mean(x)).^2) + 1e-5))",
    "g' (x - sum(x)/n) / sqrt(norm2(x - sum(x)/n)^2/n + 1e-5)",
    "g' (x - mean(x)) / sqrt(norm2(x - sum(x)/len(x))^2/n + 1e-5)",
]


@pytest.mark.parametrize("expr", LAYER_NORMS)
def test_layer_norm_forms_read_back_to_central_differences(expr):
    # layer norm g' c / r, c = x - mean(x), r = sqrt(mean(c .^ 2) + 1e-5), by x
    fd = jacobian_fd(lambda x: _layer_norm(x, G), {"x": X}, "x")
    g = ed.diff(expr, "x", where=W)
    for text in (str(g), g.index(), g.latex()):
        assert "n / n" not in text
        value = ed.parse(text, where=W)(x=X, g=G, n=5)
        np.testing.assert_allclose(value, fd, rtol=1e-5, atol=1e-7, err_msg=text)


@pytest.mark.parametrize(
    "expr, index, f, by_hand",
    [
        # d/dy (2 k)^3 y^(k + 1) = 8 k^3 (k + 1) y^k (index text was 8 (k + 1) (k)^3 y^k)
        (
            "y^(k+1) (2 k)^3",
            "8 (k + 1) k^3 y^k",
            lambda y, k, z: y ** (k + 1) * (2 * k) ** 3,
            lambda y, k, z: 8 * k**3 * (k + 1) * y**k,
        ),
        # d/dy y^2 len(z)^2 = 2 len(z)^2 y (was 2 (len(z))^2 y)
        (
            "y^2 len(z)^2",
            "2 len(z)^2 y",
            lambda y, k, z: y**2 * len(z) ** 2,
            lambda y, k, z: 2 * len(z) ** 2 * y,
        ),
        # d/dy y (k + 1)^2 = (k + 1)^2 (was ((k + 1))^2 once -1 + k was one integer form)
        ("y (k+1)^2", "(k + 1)^2", lambda y, k, z: y * (k + 1) ** 2, lambda y, k, z: (k + 1) ** 2),
    ],
)
def test_an_integer_or_a_size_to_a_power_is_written_once(expr, index, f, by_hand):
    where = "y: scalar; k: integer; z: vector(m)"
    z = np.ones(3)
    fd = jacobian_fd(lambda y: f(y, 2, z), {"y": 1.3}, "y")
    assert float(fd) == pytest.approx(by_hand(1.3, 2, z), rel=1e-6)
    g = ed.diff(expr, "y", where=where)
    assert g.index() == index
    assert ed.parse(index, where=where)(y=1.3, k=2, z=z) == pytest.approx(by_hand(1.3, 2, z))


def test_a_size_squared_in_a_divisor_is_written_once():
    # d/dx mean(x)^2 = 2 mean(x) ones' / n (index text was 2 ones[i] x[a] ones[a] / (n)^2)
    g = ed.diff("mean(x)^2", "x", where=W)
    assert g.index() == "2 ones[i] x[a] ones[a] / n^2"
    fd = jacobian_fd(lambda x: np.mean(x) ** 2, {"x": X}, "x")
    np.testing.assert_allclose(g(x=X, n=5), fd, rtol=1e-6)
