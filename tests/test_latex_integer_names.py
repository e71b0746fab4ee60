"""Integer expressions printed in LaTeX write their names as LaTeX does (session 33).

A sum's bound and an integer factor were written as plain text inside LaTeX: the derivative of
x' Sigma^mu x by Sigma printed ``\\sum_{r=0}^{mu - 1}``, which reads back as the letters m u
(refused), and a bound ``TW_1 - 1`` read back as the product T W_1. Each LaTeX form must read
back to the same values, checked against central differences of numpy code.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import fd_gradient

RNG = np.random.default_rng(3803)
N = 3


def power(s: np.ndarray, k: int) -> np.ndarray:
    return np.linalg.matrix_power(s, k)


# (text, variable, the integer's name, its value, numpy function of the variable given the rest)
CASES = [
    # d (x' Sigma^mu x) / dSigma[i,j] = sum_{r<mu} (Sigma^r x)[i] (x' Sigma^(mu-1-r))[j]
    ("x' Sigma^(mu) x", "Sigma", "mu", 3, lambda s, x: x @ power(s, 3) @ x),
    # d tr(X^(2 mu)) / dX = 2 mu (X^(2 mu - 1))'
    ("tr(X^(2 mu))", "X", "mu", 2, lambda s, x: np.trace(power(s, 4))),
    # d sum(x .^ mu) / dx = mu x .^ (mu - 1)
    ("sum(x .^ mu)", "x", "mu", 3, lambda s, x: np.sum(x**3)),
    # the bound TW_1 - 1 of the same sum, a name with a subscript
    ("x' Sigma^(TW_1) x", "Sigma", "TW_1", 3, lambda s, x: x @ power(s, 3) @ x),
    # d sum(x .^ (mu - 1)) / dx = (mu - 1) x .^ (mu - 2), an integer factor
    ("sum(x .^ (mu - 1))", "x", "mu", 4, lambda s, x: np.sum(x**3)),
    # d tr(X^TW_1) / dX, the exponent a name with a subscript (TeX reads X^T W_1 otherwise)
    ("tr(X^(TW_1))", "X", "TW_1", 3, lambda s, x: np.trace(power(s, 3))),
]


@pytest.mark.parametrize("text, wrt, name, k, fn", CASES, ids=[c[0] for c in CASES])
def test_latex_of_a_derivative_with_an_integer_name_reads_back(text, wrt, name, k, fn):
    g = ed.diff(text, wrt, layout="denominator")  # shaped like the variable
    x = RNG.normal(size=N)
    s = RNG.normal(size=(N, N)) * 0.5
    start = x if wrt == "x" else s
    truth = fd_gradient(lambda v: fn(s, v) if wrt == "x" else fn(v, x), start)
    for printed in (g.latex(), g.index(), str(g)):
        back = ed.parse(printed)
        given = {"x": x, "Sigma": s, "X": s, name: k}
        got = np.asarray(back(**{v: given[v] for v in back.variables}), dtype=float)
        np.testing.assert_allclose(got, truth, rtol=1e-6, atol=1e-6, err_msg=printed)


def test_an_integer_sum_as_a_factor_is_written_in_latex_names():
    # (x - mu)' (Sigma^-1)^(x - mu), x and mu integers (exponents): the derivative by Sigma
    # holds the factor -(x - mu) and a sum up to x - mu - 1; in LaTeX both write \mu
    g = ed.diff("(x - μ)ᵀ Σ⁻¹ ^(x - μ)", "Sigma", layout="jacobian")
    s = np.eye(N) + RNG.normal(size=(N, N)) * 0.2
    x, mu = 5, 2

    def f(v):
        return (x - mu) * power(np.linalg.inv(v), x - mu)

    truth = np.zeros((N, N, N, N))  # d Y[a,b] / d Sigma[c,d]
    for c, d in np.ndindex(N, N):
        up, down = s.copy(), s.copy()
        up[c, d] += 1e-6
        down[c, d] -= 1e-6
        truth[:, :, c, d] = (f(up) - f(down)) / 2e-6
    printed = g.latex()
    assert r"\mu" in printed
    back = ed.parse(printed)
    got = np.asarray(back(Sigma=s, x=x, mu=mu), dtype=float)
    axes = itertools.permutations(range(4))
    assert any(np.allclose(got.transpose(p), truth, rtol=1e-5, atol=1e-6) for p in axes), printed
