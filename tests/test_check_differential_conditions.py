"""``check`` gives each printed form of a derivative one verdict (session 31). The differential
``dy = dx / norm2(x) - dx' x x / norm2(x)^3`` of ``x / norm2(x)`` was "undecided: needs x[a]
x[a] > 0" while its str form was "right": read back, it writes ``(x' x)^(-3/2)``, which needs
x' x > 0, and the expression imposes ``norm2(x) != 0``, x' x != 0; x' x is a sum of squares,
never negative, so that is x' x > 0. Likewise ``log(norm2(x))`` imposes ``(x' x)^(1/2) > 0``,
which is x' x > 0, covering its derivative's ``x' / (x' x)``. Where a form is undefined at a
point where the derivative exists, it stays undecided, with the numpy point that shows why.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import jacobian_fd

import einderiv as ed

RNG = np.random.default_rng(3132)
X = RNG.normal(size=4)


def forms(expr, wrt="x", where=None):
    g = ed.diff(expr, wrt, where=where)
    return [str(g), g.latex(), g.differential()]


def test_x_over_its_norm_every_form_right():
    # d(x / |x|) = dx / |x| - x x' dx / |x|^3
    n = np.linalg.norm(X)
    fd = jacobian_fd(lambda x: x / np.linalg.norm(x), {"x": X}, "x")
    np.testing.assert_allclose(np.eye(4) / n - np.outer(X, X) / n**3, fd, rtol=1e-6, atol=1e-8)
    for form in forms("x / norm2(x)"):
        assert ed.check("x / norm2(x)", "x", claim=form).verdict == "right", form
    wrong = "dy = dx / norm2(x) + dx' x x / norm2(x)^3"
    result = ed.check("x / norm2(x)", "x", claim=wrong)
    assert result.verdict == "wrong" and result.counterexample is not None


@pytest.mark.parametrize("f", ["exp", "tanh", "sin", "log1p"])
def test_a_function_over_the_norm_every_form_right(f):
    # d(f(x) / |x|) = diag(f'(x)) / |x| - f(x) x' / |x|^3: each form one verdict, "right"
    verdicts = {
        ed.check(f"{f}(x) / norm2(x)", "x", claim=c).verdict for c in forms(f"{f}(x) / norm2(x)")
    }
    assert verdicts == {"right"}


def test_log_of_the_norm_is_decided():
    # d log|x| = x' dx / (x' x)
    fd = jacobian_fd(lambda x: np.log(np.linalg.norm(x)), {"x": X}, "x")
    np.testing.assert_allclose(X / (X @ X), fd, rtol=1e-6)
    for form in [*forms("log(norm2(x))"), "x' / norm2(x)^2"]:
        assert ed.check("log(norm2(x))", "x", claim=form).verdict == "right", form
    assert ed.check("log(norm2(x))", "x", claim="-x' / (x' x)").verdict == "wrong"


def test_a_form_undefined_where_the_derivative_exists_stays_undecided():
    # |x| x has derivative 0 at x = 0 (|h| h / |h| -> 0), where |x| I + x x' / |x| is 0/0
    fd = jacobian_fd(lambda x: np.linalg.norm(x) * x, {"x": np.zeros(4)}, "x", eps=1e-7)
    np.testing.assert_allclose(fd, np.zeros((4, 4)), atol=1e-6)
    for form in forms("norm2(x) x"):
        assert ed.check("norm2(x) x", "x", claim=form).verdict == "undecided", form
    # x / (1 + |x|) has derivative I at x = 0, where its printed form divides by |x|
    fd = jacobian_fd(lambda x: x / (1 + np.linalg.norm(x)), {"x": np.zeros(4)}, "x", eps=1e-7)
    np.testing.assert_allclose(fd, np.eye(4), atol=1e-6)
    for form in forms("x / (1 + norm2(x))"):
        assert ed.check("x / (1 + norm2(x))", "x", claim=form).verdict == "undecided", form


@pytest.mark.parametrize("wrt", ["a", "p"])
def test_an_index_form_with_ones_in_a_condition_is_decided(wrt):
    # d sum(p)^(-a) / da = -sum(p)^(-a) log(sum(p)), d/dp = -a sum(p)^(-a - 1) ones': the index
    # form writes sum(p) as p[b] ones[b], its condition ones[a] p[a] > 0 once sum(p) > 0
    where = "a: scalar; p: vector(2)"
    p0, a0 = np.array([0.7, 1.1]), 0.6
    f = {"a": lambda a: np.sum(p0) ** -a, "p": lambda p: np.sum(p) ** -a0}[wrt]
    fd = jacobian_fd(f, {wrt: {"a": a0, "p": p0}[wrt]}, wrt)
    s = np.sum(p0)
    by_hand = {"a": -(s**-a0) * np.log(s), "p": -a0 * s ** (-a0 - 1) * np.ones(2)}[wrt]
    np.testing.assert_allclose(fd, by_hand, rtol=1e-6)
    g = ed.diff("sum(p) .^ (-a)", wrt, where=where)
    index = g.index()
    assert "ones[" in index
    assert ed.check("sum(p) .^ (-a)", wrt, claim=index, where=where).verdict == "right"
    negated = f"-({index})"
    assert ed.check("sum(p) .^ (-a)", wrt, claim=negated, where=where).verdict == "wrong"
