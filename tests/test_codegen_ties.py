"""Standalone code (``ed.codegen``, ``Expr.einsum``) reads its inputs as the evaluator does: an
integer named as a size is that size, complex arrays and non-integer sizes are refused.

The truth is plain numpy written here: the mean's gradient is ones / len(x).
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed


def _run(source: str, name: str):
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - the code einderiv generated, run as a user would
    return namespace[name]


def _sources(g):
    return [
        ("codegen", _run(ed.codegen(g, name="fn"), "fn")),
        ("einsum", _run(g.einsum("fn"), "fn")),
    ]


@pytest.mark.parametrize("text", ["ones' x / n", "sum(x) / n"])
def test_an_integer_named_as_a_size_is_that_size(text):
    # d(sum(x) / n)/dx = ones' / n, with n = len(x)
    g = ed.diff(text, "x", where="x: vector(n); n: integer")
    x = np.array([1.0, 2.0, 4.0])
    truth = np.ones(3) / len(x)
    for how, fn in _sources(g):
        assert np.allclose(fn(x), truth), how  # n taken from x
        assert np.allclose(fn(x, n=3), truth), how
        with pytest.raises(ValueError, match="n = 5, but the arrays give n = 3"):
            fn(x, n=5)  # once: [0.2 0.2 0.2], as if the mean of x were over 5 entries


def test_a_complex_array_is_refused_not_cut_to_its_real_part():
    # d tr(X' A X)/dX = (A + A') X in denominator layout; a complex X once lost its imaginary part
    g = ed.diff("tr(X' A X)", "X", layout="denominator")
    rng = np.random.default_rng(0)
    X, Y, A = (rng.normal(size=(3, 3)) for _ in range(3))
    for how, fn in _sources(g):
        assert np.allclose(fn(A=A, X=X), (A + A.T) @ X), how
        with pytest.raises(ValueError, match="complex arrays are not evaluated"):
            fn(A=A, X=X + 1j * Y)


def test_a_size_parameter_must_be_an_integer():
    # I of a size no array gives: n is a parameter; 2.5 was once cut to 2
    fn = _run(ed.codegen("I", name="fn"), "fn")
    assert np.array_equal(fn(n=2), np.eye(2))
    for bad in (2.5, True):
        with pytest.raises(ValueError, match="must be a positive integer"):
            fn(n=bad)


def test_an_integer_exponent_must_be_an_integer_not_a_bool():
    # tr(X^k) at k = 1 is tr(X); True is not the integer 1 here, as in the evaluator
    fn = _run(ed.codegen("tr(X^k)", name="fn", where="k: integer"), "fn")
    X = np.arange(4.0).reshape(2, 2)
    assert np.isclose(fn(X=X, k=1), np.trace(X))
    with pytest.raises(ValueError, match="must be an integer"):
        fn(X=X, k=True)


def test_a_tied_integer_is_an_integer_too():
    # x' A^n x with n = len(x): n=True was once taken as 1
    g = ed.diff("x' A^n x", "x", where="x: vector(n); A: matrix(n, n); n: integer")
    x, A = np.array([2.0]), np.array([[3.0]])
    for how, fn in _sources(g):
        assert np.allclose(fn(A=A, x=x), 2 * 3.0 * x), how  # (A + A') x for n = 1, a row
        with pytest.raises(ValueError, match="n = True"):
            fn(A=A, x=x, n=True)


@pytest.mark.parametrize("how", ["codegen", "einsum"])
def test_a_size_parameter_must_be_positive_as_the_evaluator_reads_it(how):
    # d(tr(I) t)/dt = tr(I_n) = n, the trace of np.eye(n); n = 0 and n = -1 once gave 0.0 and
    # -1.0, which the evaluator refuses (no matrix has size 0 or -1)
    g = ed.diff("tr(I) t", "t", where="t: scalar")
    fn = _run(ed.codegen(g, name="fn") if how == "codegen" else g.einsum("fn"), "fn")
    for n in (1, 3, np.int64(4), np.array(2)):
        assert fn(n=n) == np.trace(np.eye(int(n))) == g(n=n)
    for bad in (0, -1, np.int64(0), 3.0, True):
        with pytest.raises(ed.EinderivError):
            g(n=bad)  # the evaluator refuses it ...
        with pytest.raises(ValueError, match="the size n must be a positive integer"):
            fn(n=bad)  # ... and so does the generated code
