"""Issue 10 item 7: symbolic sums of matrix powers in closed form, and a bound on the others.

``d X^k / dX = sum_{r<k} X^r (x) X^(k-1-r)`` is computed by doubling in every evaluator (the
interpreter ``g(...)``, ``g.compile()``, ``ed.codegen``), so ``k = 10**6`` is immediate; a sum
that has no closed form runs as a loop of at most ``MAX_SUM_TERMS`` terms, past which it is an
``EvaluationError``. Values are judged by plain numpy: central finite differences of
``np.linalg.matrix_power`` for small k, the complex step of the same function for k = 10**6
(``X^k`` is a polynomial in X, so Im f(X + i h E) / h is its exact derivative along E).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend import powersum
from tests.fd import jacobian_fd

RNG = np.random.default_rng(7)


def mpow(m, k):
    return np.linalg.matrix_power(np.linalg.inv(m) if k < 0 else m, abs(k))


def evaluators(g):
    """g evaluated by the interpreter, the compiled program and generated code."""
    ns: dict = {}
    exec(ed.codegen(g), ns)  # noqa: S102
    return {"interpreter": g, "compiled": g.compile(), "codegen": ns["f"]}


def complex_step_jacobian(f, X, h=1e-30):
    """dF[I]/dX[J] of an analytic numpy function, exact to rounding."""
    out = np.zeros(f(X).shape + X.shape)
    for idx in np.ndindex(X.shape):
        E = np.zeros(X.shape, dtype=complex)
        E[idx] = 1j * h
        out[(Ellipsis,) + idx] = np.imag(f(X + E)) / h
    return out


@pytest.mark.parametrize("k", [0, 1, 2, 3, 7, -1, -2, -5])
def test_derivative_of_a_power_with_an_integer_symbol(k):
    # d X^k / dX [a,b,c,d] = sum_{r<k} (X^r)[a,c] (X^(k-1-r))[d,b]; for k < 0 the same of inv(X)
    X = RNG.standard_normal((3, 3)) * 0.3 + np.eye(3)
    g = ed.diff("X^k", "X", where="k: integer", layout="jacobian")
    truth = jacobian_fd(lambda X: mpow(X, k), {"X": X}, "X")
    for name, fn in evaluators(g).items():
        assert np.allclose(fn(X=X, k=k), truth, rtol=1e-5, atol=1e-7), name


@pytest.mark.parametrize("k", [0, 1, 4, -3])
def test_power_sum_between_vectors(k):
    # d(x' X^k x)/dX = sum_r (X^r)' x x' (X^(k-1-r))': the product x[a] (X^r)[a,b] x[b] is one
    x = RNG.standard_normal(4)
    X = RNG.standard_normal((4, 4)) * 0.3 + np.eye(4)
    g = ed.diff("x' X^k x", "X", where="k: integer", layout="jacobian")
    truth = jacobian_fd(lambda X: x @ mpow(X, k) @ x, {"X": X}, "X")
    for name, fn in evaluators(g).items():
        assert np.allclose(fn(X=X, k=k, x=x), truth, rtol=1e-5, atol=1e-7), name


def test_power_with_exponent_one_million():
    # X a rotation: its powers stay bounded, so the derivative at k = 10**6 is of moderate size
    X = np.linalg.qr(RNG.standard_normal((3, 3)))[0]
    k = 10**6
    truth = complex_step_jacobian(lambda M: np.linalg.matrix_power(M, k), X)
    g = ed.diff("X^k", "X", where="k: integer", layout="jacobian")
    for name, fn in evaluators(g).items():
        value = fn(X=X, k=k)
        assert np.allclose(value, truth, rtol=1e-6, atol=1e-6 * np.abs(truth).max()), name


def test_backward_sums_with_powers_of_both_signs():
    # sum_{r=0}^{k} x' A^r x for k < 0 is minus the sum over k < r < 0 (the SumOver convention):
    # every exponent negative, so only powers of inv(A) appear
    x = RNG.standard_normal(3)
    A = RNG.standard_normal((3, 3)) * 0.2 + 2 * np.eye(3)
    f = ed.parse("sum_{r=0}^{k}(x' A^r x + x' A^(r - 2) A^(1 - r) x)", where="k: integer")
    for k in (5, 0, -1, -4):

        def term(r):
            return x @ mpow(A, r) @ x + x @ mpow(A, r - 2) @ mpow(A, 1 - r) @ x

        want = sum(map(term, range(k + 1))) if k >= 0 else -sum(map(term, range(k + 1, 0)))
        for name, fn in evaluators(f).items():
            assert np.isclose(fn(x=x, A=A, k=k), want, rtol=1e-9), (name, k)


def test_geometric_sum_with_k_a_trillion():
    # sum_{r=0}^{k} x' A^r x = x' (I - A)^-1 (I - A^(k+1)) x for a contraction A
    x = RNG.standard_normal(3)
    A = 0.5 * np.linalg.qr(RNG.standard_normal((3, 3)))[0]
    k = 10**12
    want = x @ np.linalg.solve(np.eye(3) - A, (np.eye(3) - mpow(A, k + 1)) @ x)
    f = ed.parse("sum_{r=0}^{k}(x' A^r x)", where="k: integer")
    for name, fn in evaluators(f).items():
        assert np.isclose(fn(x=x, A=A, k=k), want, rtol=1e-9), name


def test_sum_without_closed_form_past_the_bound_is_a_clear_error():
    # r x' A^r x has the counter outside an exponent: a loop, refused past MAX_SUM_TERMS terms
    x = RNG.standard_normal(3)
    A = 0.5 * np.eye(3)
    f = ed.parse("sum_{r=0}^{k}(r x' A^r x)", where="k: integer")
    small = f(x=x, A=A, k=6)
    assert np.isclose(small, sum(r * 0.5**r for r in range(7)) * (x @ x))
    with pytest.raises(ed.EvaluationError, match="100,000 terms"):
        f(x=x, A=A, k=10**12)
    with pytest.raises(ed.EvaluationError, match="100,000 terms"):
        f.compile()(x=x, A=A, k=10**12)
    ns: dict = {}
    exec(ed.codegen(f), ns)  # noqa: S102
    with pytest.raises(ValueError, match="symbolic sum"):
        ns["f"](x=x, A=A, k=10**12)


def test_nested_sums_are_bounded_in_total():
    # the inner count depends on the outer counter: terms add up over the whole evaluation
    x = RNG.standard_normal(2)
    f = ed.parse("sum_{r=0}^{k}(sum_{s=0}^{r}(s x' x))", where="k: integer")
    assert np.isclose(f(x=x, k=4), sum(s for r in range(5) for s in range(r + 1)) * (x @ x))
    with pytest.raises(ed.EvaluationError, match="at most 100,000 terms"):
        f(x=x, k=2000)


def test_large_state_falls_back_to_the_loop(monkeypatch):
    # with no room for the doubling state the loop gives the same value
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    X = RNG.standard_normal((3, 3)) * 0.3 + np.eye(3)
    g = ed.diff("X^k", "X", where="k: integer", layout="jacobian")
    truth = jacobian_fd(lambda X: mpow(X, 4), {"X": X}, "X")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.allclose(g(X=X, k=4), truth, rtol=1e-5, atol=1e-7)


def test_singular_base_in_an_empty_sum_is_not_inverted():
    # k = 0: the sum is empty, so d X^0/dX = 0 even at a singular X
    X = np.zeros((2, 2))
    g = ed.diff("X^k", "X", where="k: integer")
    for name, fn in evaluators(g).items():
        assert np.array_equal(fn(X=X, k=0), np.zeros((2, 2, 2, 2))), name


EMPTY = {"X": np.zeros((0, 0)), "A": np.ones((2, 0)), "B": np.ones((0, 4)), "k": 3}


@pytest.mark.parametrize(
    "expr, value, shape",
    [
        ("X^k", lambda X, A, B: mpow(X, 3), (0, 0, 0, 0)),
        ("A X^k B", lambda X, A, B: A @ B, (2, 4, 0, 0)),
    ],
)
def test_a_0_by_0_base_has_an_empty_derivative(expr, value, shape):
    # X is 0 by 0: d X^k/dX has no entries, and A X^k B is numpy's A @ B over an empty inner
    # dimension (the zero matrix)
    args = {name: EMPTY[name] for name in ("X", "A", "B", "k") if name in expr}
    f = ed.parse(expr, where="k: integer")
    assert np.array_equal(f(**args), value(EMPTY["X"], EMPTY["A"], EMPTY["B"]))
    g = ed.diff(expr, "X", where="k: integer")
    for name, fn in evaluators(g).items():
        assert np.shape(fn(**args)) == shape, name


def test_the_hessian_of_a_trace_of_powers_of_an_empty_matrix_is_empty():
    # tr(X^k) of a 0-by-0 X is tr of the empty matrix, 0; its Hessian has no entries
    h = ed.hessian("tr(X^k)", "X", where="k: integer")
    assert ed.parse("tr(X^k)", where="k: integer")(X=np.zeros((0, 0)), k=5) == 0
    for name, fn in evaluators(h).items():
        assert np.shape(fn(X=np.zeros((0, 0)), k=5)) == (0, 0, 0, 0), name


def test_a_sum_whose_inner_sum_reads_the_outer_counter_evaluates():
    # sum_{r=0}^{k} sum_{s=0}^{k} B^(r + s) = (sum_r B^r)^2: the inner loop reads r through
    # its power's exponent only, and was hoisted out of the outer loop ("no value for the
    # integer _0"); so was d tr((sum_r B^r)^2 A)/dB, the derivative printed for it
    rng = np.random.default_rng(8)
    B, A = 0.5 * rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    mp = np.linalg.matrix_power
    where = "B: matrix(n,n); A: matrix(n,n); k: integer"
    f = ed.parse("sum_{r=0}^{k}(sum_{s=0}^{k}(B^(r + s)))", where=where)
    truth = sum(mp(B, r + s) for r in range(3) for s in range(3))
    np.testing.assert_allclose(f(B=B, k=2), truth, rtol=1e-10)
    np.testing.assert_allclose(f.compile()(B=B, k=2), truth, rtol=1e-10)

    def plain(B, A):
        S = sum(mp(B, r) for r in range(3))
        return np.trace(S @ S @ A)

    g = ed.diff("tr((sum_{r=0}^{k}(B^r))^2 A)", "B", where=where)
    expected = jacobian_fd(plain, {"B": B, "A": A}, "B").T  # numerator layout
    for h in (g, ed.parse(str(g), where=where)):
        np.testing.assert_allclose(h(B=B, A=A, k=2), expected, atol=1e-6)
    namespace: dict = {}
    exec(ed.codegen(g, name="grad"), namespace)  # noqa: S102 - the package's own output
    np.testing.assert_allclose(namespace["grad"](B=B, A=A, k=2), expected, atol=1e-6)
