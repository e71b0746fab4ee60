"""``check`` decides the engine's own derivatives that were "undecided" (session 31): layer norm
with its size declared ``n: integer`` (a degree bound of 205 in n, and ``n / n`` printed
uncancelled), and arcsin, arccos of ``W x`` at their domain's edge |W x| = 1. Each engine form
(str, LaTeX, differential) is right, a form written here is right and matches central
differences of plain numpy, and perturbed forms (a sign, a factor 2, a transpose) are wrong with
a counterexample. Where "right" would not be sound it stays undecided, with the numpy point
that shows why (sqrt(W x) at a zero row of W, arcsin(W x + b) with b = 1 there).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_check_own_output as own_output
from fd import jacobian_fd, to_layout

import einderiv as ed
from einderiv.check import verdict as V

RNG = np.random.default_rng(31)


def engine_forms(g) -> list[str]:
    return [str(g), g.latex(), g.differential()]


def assert_decided(expr, wrt, where, hand, wrong):
    own_output.assert_decided(expr, wrt, where, hand, wrong, forms=engine_forms)


# ---------------------------------------------------------------------------------------------
# n / n of a size n declared an integer is 1: sum(x - sum(x) / n) = sum(x) - n sum(x) / n = 0,
# so its gradient is 0 (printed `(1 - n / n) ones'` before)

N = "x: vector(n); n: integer"


def test_a_sum_of_deviations_by_x_is_zero():
    x = RNG.normal(size=5)
    fd = jacobian_fd(lambda x: np.sum(x - np.sum(x) / len(x)), {"x": x}, "x")
    np.testing.assert_allclose(fd, np.zeros(5), atol=1e-8)
    g = ed.diff("sum(x - sum(x)/n)", "x", where=N)
    assert str(g) == "0"


def test_a_size_over_the_integer_of_its_name_cancels():
    # len(z) / n = n / n = 1 and n / len(z) = 1 (n: integer names z's size); m is another
    where = "z: vector(n); y: scalar; n: integer; m: integer"
    assert str(ed.diff("y len(z) / n", "y", where=where)) == "1"
    assert str(ed.diff("y n / len(z)", "y", where=where)) == "1"
    g = ed.diff("y len(z) / m", "y", where=where)
    assert str(g) == "n / m"
    assert g(z=np.ones(4), m=2) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# layer norm L = g' c / r, c = x - sum(x)/n, r = sqrt(c' c / n + e) with n: integer:
# dL/dx = (g - mean(g))' / r - (g' c) c' / (n r^3), dL/dg = c' / r, dL/de = -(g' c) / (2 r^3)

LN = "x: vector(n); g: vector(n); e: scalar; n: integer"
LAYER_NORM = "g' (x - sum(x)/n) / sqrt(norm2(x - sum(x)/n)^2/n + e)"
C = "(x - sum(x) / n)"
R = f"sqrt(norm2({C})^2 / n + e)"


def _layer_norm(x, g, e):
    c = x - x.mean()
    return g @ c / np.sqrt(c @ c / len(x) + e)


def test_layer_norm_with_an_integer_size_prints_without_n_over_n():
    g = ed.diff(LAYER_NORM, "x", where=LN)
    assert "n / n" not in str(g) and "n / n" not in g.differential()
    args = {"x": RNG.normal(size=4), "g": RNG.normal(size=4), "e": 0.3}
    fd = jacobian_fd(_layer_norm, args, "x")
    np.testing.assert_allclose(g(**args), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("wrt", ["x", "g", "e"])
def test_layer_norm_with_an_integer_size_is_decided(wrt):
    args = {"x": RNG.normal(size=4), "g": RNG.normal(size=4), "e": 0.3}
    c = args["x"] - args["x"].mean()
    r = np.sqrt(c @ c / 4 + 0.3)
    hand, by_hand = {
        "x": (
            f"(g - sum(g) / n)' / {R} - (g' {C}) {C}' / (n {R}^3)",
            (args["g"] - args["g"].mean()) / r - (args["g"] @ c) * c / (4 * r**3),
        ),
        "g": (f"{C}' / {R}", c / r),
        "e": (f"-(g' {C}) / (2 {R}^3)", -(args["g"] @ c) / (2 * r**3)),
    }[wrt]
    fd = np.reshape(jacobian_fd(_layer_norm, args, wrt), np.shape(by_hand))
    np.testing.assert_allclose(by_hand, fd, rtol=1e-6, atol=1e-8)
    value = ed.parse(hand, where=LN)(**args)
    np.testing.assert_allclose(np.reshape(value, np.shape(fd)), fd, rtol=1e-6, atol=1e-8)
    # a sign, a factor 2, and one n as n + 1 (right at no size)
    wrong = [f"-({hand})", f"2 ({hand})", hand.replace("/ n + e", "/ (n + 1) + e", 1)]
    assert_decided(LAYER_NORM, wrt, LN, hand, wrong)


# ---------------------------------------------------------------------------------------------
# arcsin(u)' = (1 - u^2)^-1/2, arccos(u)' = -(1 - u^2)^-1/2, defined for |u| <= 1; u = W x:
# d sum(arcsin(W x)) / dx = ((1 - (W x).^2).^-1/2)' W, by W: x ((1 - (W x).^2).^-1/2)'.
# Where an entry of W x is +-1, W x scaled by 1 + s leaves [-1, 1]: no derivative there, so the
# claim's 1 - (W x).^2 > 0 is the derivative's own (was "needs conditions ...": undecided)

UNIT = "W: matrix(c, d); x: vector(d)"
FUNCTIONS = {"arcsin": (np.arcsin, 1), "arccos": (np.arccos, -1)}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("wrt", ["x", "W"])
def test_arcsin_and_arccos_of_w_x_are_decided(name, wrt):
    f, sign = FUNCTIONS[name]
    W, x = RNG.normal(size=(3, 2)) / 4, RNG.normal(size=2)
    u = W @ x
    by_u = sign / np.sqrt(1 - u**2)
    p = "" if sign > 0 else "-"
    if wrt == "x":
        hand, by_hand = f"{p}((1 - (W x) .^ 2) .^ -0.5)' W", by_u @ W
        wrong = [f"-({hand})", f"2 ({hand})", f"{p}((1 - (W x) .^ 2) .^ 0.5)' W"]
        fd = jacobian_fd(lambda W, x: np.sum(f(W @ x)), {"W": W, "x": x}, "x")
    else:
        hand, by_hand = f"{p}x ((1 - (W x) .^ 2) .^ -0.5)'", np.outer(x, by_u)
        wrong = [f"-({hand})", f"2 ({hand})", f"{p}x ((1 + (W x) .^ 2) .^ -0.5)'"]
        jac = jacobian_fd(lambda W, x: np.sum(f(W @ x)), {"W": W, "x": x}, "W")
        fd = to_layout(jac, 0, 2, "numerator")
    np.testing.assert_allclose(by_hand, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(hand, where=UNIT)(W=W, x=x), fd, rtol=1e-6, atol=1e-8)
    assert_decided(f"sum({name}(W x))", wrt, UNIT, hand, wrong)


def test_arcsin_of_a_homogeneous_argument_is_decided():
    # d arcsin(x' x) / dx = 2 x' / sqrt(1 - (x' x)^2); x' x = 1 only at x != 0, where scaling x
    # leaves the domain
    x = RNG.normal(size=3) / 3
    fd = jacobian_fd(lambda x: np.arcsin(x @ x), {"x": x}, "x")
    np.testing.assert_allclose(2 * x / np.sqrt(1 - (x @ x) ** 2), fd, rtol=1e-6)
    where = "x: vector(n)"
    claim = "2 x' / sqrt(1 - (x' x)^2)"
    assert ed.check("arcsin(x' x)", "x", claim=claim, where=where).verdict == "right"
    result = ed.check("arcsin(x' x)", "x", claim="x' / sqrt(1 - (x' x)^2)", where=where)
    assert result.verdict == "wrong" and result.counterexample is not None


# ---------------------------------------------------------------------------------------------
# where "right" would not be sound: the claim is undefined at a point where the derivative
# exists (central differences of numpy there are finite)


def test_sqrt_of_w_x_at_a_zero_row_stays_undecided():
    # sum(sqrt(W x)) with W's first row 0: sqrt(0) for every x, flat; the derivative by x is
    # that of the other rows, while the engine's 0.5 sqrt(W x)' .^ -1 W is 0/0 there
    W, x = np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([0.5, 0.25])
    fd = jacobian_fd(lambda W, x: np.sum(np.sqrt(W @ x)), {"W": W, "x": x}, "x")
    np.testing.assert_allclose(fd, W[1] / (2 * np.sqrt(W[1] @ x)), rtol=1e-6)
    g = ed.diff("sum(sqrt(W x))", "x", where=UNIT)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.all(np.isfinite(ed.parse(str(g), where=UNIT)(W=W, x=x)))
    assert ed.check("sum(sqrt(W x))", "x", claim=str(g), where=UNIT).verdict == "undecided"


def test_arcsin_of_w_x_plus_b_stays_undecided():
    # sum(arcsin(W x + b)) with W's first row 0 and b[0] = 1: arcsin(1) for every x, flat
    where = UNIT + "; b: vector(c)"
    W, x, b = np.array([[0.0, 0.0], [0.1, 0.2]]), np.array([0.5, 0.25]), np.array([1.0, 0.0])

    def f(W, x, b):
        return np.sum(np.arcsin(W @ x + b))

    fd = jacobian_fd(f, {"W": W, "x": x, "b": b}, "x")
    np.testing.assert_allclose(fd, W[1] / np.sqrt(1 - (W[1] @ x) ** 2), rtol=1e-6)
    g = ed.diff("sum(arcsin(W x + b))", "x", where=where)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.all(np.isfinite(ed.parse(str(g), where=where)(W=W, x=x, b=b)))
    result = ed.check("sum(arcsin(W x + b))", "x", claim=str(g), where=where)
    assert result.verdict == "undecided"


# ---------------------------------------------------------------------------------------------
# exact arithmetic's degree in an integer k with square roots: sqrt(s) counts half of s's
# degree, and the values of k where two roots' bases are one (their signs tied) are counted too.
# s sqrt(x^2 + y^2 + z^2 P(k)) by s, P(k) = k (k^2 - 1) (k^2 - 4) (k^2 - 9): the claim
# sqrt(x^2 + y^2) equals it at k = 0, +-1, +-2, +-3 only


def test_roots_equal_at_a_few_integers_are_not_proved_equal(monkeypatch):
    P = "k (k - 1) (k + 1) (k - 2) (k + 2) (k - 3) (k + 3)"
    expr, claim = f"s sqrt(x^2 + y^2 + z^2 {P})", "sqrt(x^2 + y^2)"
    where = "s: scalar; x: scalar; y: scalar; z: scalar; k: integer"
    x, y, z = 0.3, 0.4, 0.2

    def by_s(k):  # central differences in s of numpy's s sqrt(...)
        value = z**2 * np.prod([k + d for d in (0, 1, -1, 2, -2, 3, -3)])
        f = lambda s: s * np.sqrt(x**2 + y**2 + value)
        return (f(1 + 1e-6) - f(1 - 1e-6)) / 2e-6

    assert by_s(3) == pytest.approx(0.5) and by_s(4) != pytest.approx(0.5)
    assert ed.check(expr, "s", claim=claim, where=where).verdict == "wrong"
    # exact arithmetic alone (every float probe said to agree): still not "right"
    agreeing = V._Judge.numerically_equal
    monkeypatch.setattr(V._Judge, "numerically_equal", lambda self: (True, agreeing(self)[1]))
    assert ed.check(expr, "s", claim=claim, where=where).verdict != "right"
