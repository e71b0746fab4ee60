"""``check`` is sound (SPEC section 8, last point): "right" only when the claim equals the
derivative everywhere on the expression's domain.

Each regression case is a claim that an earlier ``check`` called right. Its verdict is known from
mathematics, and each test shows it independently with plain numpy: central finite differences of
the original function, written here, at a point of the expression's domain where the claim
differs (another sign, size, integer, a tiny relative change), or the identity that makes a right
claim right.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import jacobian_fd, to_layout


def numerator_fd(fn, args: dict, wrt: str) -> np.ndarray:
    jac = jacobian_fd(fn, args, wrt)
    nx = np.ndim(args[wrt])
    return to_layout(jac, jac.ndim - nx, nx, "numerator")


def differs(claimed, fn, args, wrt) -> bool:
    """The claim's value (numpy, written here) is not the finite-difference derivative."""
    truth = numerator_fd(fn, args, wrt)
    with np.errstate(all="ignore"):
        value = np.asarray(claimed(**args), dtype=float)
    if not np.all(np.isfinite(value)):
        return True
    return not np.allclose(value, truth, rtol=1e-6, atol=1e-9 * np.max(np.abs(truth)))


def assert_not_right(expr, wrt, claim, where=None):
    r = ed.check(expr, wrt, claim=claim, where=where)
    assert r.verdict == "wrong", str(r)
    assert r.ok is False and not r
    return r


# -- the claims an earlier check called right ------------------------------------------------


def test_sqrt_of_square_is_not_the_identity():
    # d(x'x)/dx = 2x'; 2 sqrt(x.^2)' = 2|x|' differs wherever an entry is negative
    x = np.array([1.0, -2.0, 0.5])
    assert differs(lambda x: 2 * np.sqrt(x**2), lambda x: x @ x, {"x": x}, "x")
    r = assert_not_right("x' x", "x", "2 sqrt(x .^ 2)'")
    assert np.any(np.asarray(r.counterexample["x"]) < 0)


def test_exp_of_log_is_undefined_at_negative_entries():
    # exp(log(x)) = x only for x > 0; x'x is defined (and differentiable) for every x
    x = np.array([1.0, -2.0, 0.5])
    assert differs(lambda x: 2 * np.exp(np.log(x)), lambda x: x @ x, {"x": x}, "x")
    r = assert_not_right("x' x", "x", "2 exp(log(x))'")
    assert np.any(np.asarray(r.counterexample["x"]) < 0)


def test_cayley_hamilton_adjugate_holds_for_3_by_3_only():
    # d det(X) = adj(X)' ... the claim is the 3-by-3 adjugate by Cayley-Hamilton, transposed
    # back: right at n = 3, wrong at n = 2 (and 4)
    def claim(X):
        n = len(X)
        t = np.trace(X)
        return 0.5 * (t**2 - np.trace(X @ X)) * np.eye(n) - t * X + X @ X

    rng = np.random.default_rng(1)
    X3, X2 = rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
    det = lambda X: np.linalg.det(X)
    assert not differs(claim, det, {"X": X3}, "X")  # at n = 3 it holds
    assert differs(claim, det, {"X": X2}, "X")
    assert_not_right("det(X)", "X", "0.5 (tr(X)^2 - tr(X^2)) I - tr(X) X + X^2")


def test_a_size_dependent_factor_is_wrong():
    # (sum(x.^0) - 1) x' = (n - 1) x' is 2x' only for n = 3
    x4 = np.array([1.0, -2.0, 0.5, 3.0])
    assert differs(lambda x: (len(x) - 1) * x, lambda x: x @ x, {"x": x4}, "x")
    assert_not_right("x' x", "x", "(sum(x .^ 0) - 1) x'")


def test_an_integer_symbol_dependent_term_is_wrong():
    # d(k x'x) = 2k x'; 2 (k + (k-2)(k-3)(k-4)) x' agrees for k = 2, 3, 4 only
    x = np.array([1.0, -2.0, 0.5])
    for k, wrong in [(2, False), (3, False), (4, False), (0, True), (5, True), (-1, True)]:
        claim = lambda x, k=k: 2 * (k + (k - 2) * (k - 3) * (k - 4)) * x
        assert differs(claim, lambda x, k=k: k * (x @ x), {"x": x}, "x") == wrong
    assert_not_right("k x' x", "x", "2 (k + (k-2)(k-3)(k-4)) x'", where="k: integer")


def test_tiny_values_are_compared_relatively():
    # d(1e-13 tr(X)) = 1e-13 I; 2e-13 I is twice that (an absolute tolerance hid it)
    X = np.eye(3) + 0.1
    assert differs(lambda X: 2e-13 * np.eye(3), lambda X: 1e-13 * np.trace(X), {"X": X}, "X")
    r = assert_not_right("1e-13 tr(X)", "X", "2e-13 I")
    assert r.diagnosis is not None and "factor of 2" in r.diagnosis


def test_abs_det_needs_determinants_of_both_signs():
    # d sqrt(det(X)^2) = d |det X| = sign(det X) det(X) X^-1 = |det X| X^-1: det(X) X^-1 only
    # where det X > 0
    X = np.array([[0.0, 1.0], [1.0, 0.5]])  # det = -1
    claim = lambda X: np.linalg.det(X) * np.linalg.inv(X)
    assert differs(claim, lambda X: np.sqrt(np.linalg.det(X) ** 2), {"X": X}, "X")
    r = assert_not_right("sqrt(det(X)^2)", "X", "det(X) inv(X)")
    assert np.linalg.det(np.asarray(r.counterexample["X"])) < 0


def test_a_tiny_relative_change_is_wrong():
    # 2.0000001 x' is not 2 x' (a relative difference of 5e-8, proved by exact arithmetic)
    x = np.array([1.0, -2.0, 0.5])
    truth = numerator_fd(lambda x: x @ x, {"x": x}, "x")
    assert np.allclose(truth, 2 * x)
    assert 2.0000001 * x[1] != 2 * x[1]
    r = assert_not_right("x' x", "x", "2.0000001 x'")
    assert "exact" in r.method


def test_the_derivative_that_is_identically_zero_is_proved_zero():
    # det(X' A X) / det(X)^2 = det(A) for square invertible X: the derivative is 0
    rng = np.random.default_rng(3)
    X, A = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))

    def fn(X, A):
        return np.linalg.det(X.T @ A @ X) / np.linalg.det(X) ** 2

    assert np.allclose(numerator_fd(fn, {"X": X, "A": A}, "X"), 0, atol=1e-6)
    r = ed.check("det(X' A X) / det(X)^2", "X", claim="0", where="X: matrix(n, n)")
    assert r.verdict == "right" and r.ok is True and bool(r), str(r)
    r = ed.check("det(X' A X) / det(X)^2", "X", claim="0")
    assert r.verdict == "right", str(r)


@pytest.mark.parametrize("claim", ["2 0", "3 0 - 2 0", "0.1 + 0.2 - 0.3", "0 p' p"])
def test_a_scalar_that_is_zero_is_the_zero_claim(claim):
    # log(p ./ p)' is the constant 0 row, so d/dp is the zero matrix; a claim that is 0 as a
    # number is the claim 0 (of any shape), as the literal is; any other number is wrong
    p = np.array([1.3, 0.4, 2.2])
    truth = jacobian_fd(lambda p: np.log(p / p), {"p": p}, "p")
    assert np.allclose(truth, 0)
    where = "p: vector(d1)"
    assert ed.check("log((p ./ p)')", "p", claim, where=where).verdict == "right"
    assert ed.check("log((p ./ p)')", "p", f"{claim} + 1e-12", where=where).verdict == "wrong"
    assert ed.check("p' p", "p", claim, where=where).verdict == "wrong"


def test_no_layout_diagnosis_that_the_values_do_not_show(capsys):
    # d tr(X'AX)/dX = X'(A + A') (n-by-m); the claim X (m-by-n) has the transposed shape but
    # is not the transpose of the derivative: ((A + A') X is)
    rng = np.random.default_rng(4)
    X, A = rng.normal(size=(3, 2)), rng.normal(size=(3, 3))
    truth = numerator_fd(lambda X, A: np.trace(X.T @ A @ X), {"X": X, "A": A}, "X")
    assert truth.shape == (2, 3) and not np.allclose(truth.T, X)
    r = ed.check("tr(X' A X)", "X", claim="X")
    assert r.verdict == "wrong" and r.diagnosis is None, str(r)
    assert main(["check", "tr(X' A X)", "--wrt", "X", "--claim", "X"]) == 1
    assert "denominator-layout" not in capsys.readouterr().out
    # the real transpose still gets the diagnosis
    r = ed.check("tr(X' A X)", "X", claim="(A + A') X")
    assert np.allclose(truth.T, (A + A.T) @ X)
    assert r.verdict == "wrong" and "denominator-layout" in r.diagnosis, str(r)


# -- undefined claims and undecided verdicts --------------------------------------------------


def test_a_claim_undefined_where_the_derivative_exists_is_wrong():
    # d tr(X) = I everywhere; X X^-1 is I where X is invertible and undefined where it is not
    X = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular
    assert np.allclose(numerator_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(2))
    r = assert_not_right("tr(X)", "X", "X inv(X)")
    assert "undefined" in r.reason
    assert abs(np.linalg.det(np.asarray(r.counterexample["X"]))) < 1e-9
    # x.^3 ./ x.^2 = x except at 0, where d sum(x.^2) = 2x' exists
    assert_not_right("sum(x .^ 2)", "x", "2 (x .^ 3 ./ (x .^ 2))'")


@pytest.mark.parametrize(
    "expr, claim, right",
    [
        ("sum(relu(x))", "(sign(x) + 1)' / 2", False),  # 1/2 at 0: relu'(0) = 0 (SPEC 6.1)
        ("sum(relu(x))", "step(x)'", True),
        ("relu(a' x)", "(sign(a' x) + 1) / 2 a'", False),  # a' x = 0 at x = 0
        ("sum(abs(x))", "(2 step(x) - 1)'", False),  # -1 at 0: abs'(0) = sign(0) = 0
    ],
)
def test_a_claim_that_differs_only_at_a_kink_is_wrong(expr, claim, right):
    # the one-sided convention of SPEC 6.1, written in numpy: relu'(0) = 0, abs'(0) = 0
    def relu_grad(u):
        return np.where(u > 0, 1.0, 0.0)

    def abs_grad(u):
        return np.sign(u)

    def claim_value(u):  # the claim's value at u (u = x, or u = a' x), by plain numpy
        if claim.startswith("(sign"):
            return (np.sign(u) + 1) / 2
        if claim.startswith("step"):
            return relu_grad(u)
        return 2 * relu_grad(u) - 1

    u = np.array([0.0, -1.5, 2.0])
    truth = abs_grad(u) if "abs" in expr else relu_grad(u)
    assert np.array_equal(claim_value(u), truth) == right  # they differ only at u = 0
    r = ed.check(expr, "x", claim=claim)
    if right:
        assert r.verdict != "wrong", str(r)
    else:
        assert r.verdict == "wrong", str(r)
        example = np.asarray(r.counterexample["x"], dtype=float)
        a = np.asarray(r.counterexample.get("a", np.ones_like(example)), dtype=float)
        at = example if "a'" not in expr else np.array([a @ example])
        assert np.any(at == 0)  # the counterexample is at the kink


def test_an_unproved_true_claim_is_undecided_never_right():
    # d sum(exp(x/2)) / dx = exp(x/2)' / 2 = sqrt(exp(x))' / 2: true, but not provable by
    # canonical forms or exact arithmetic (exp(x/2) and the root of exp(x) are two unknowns)
    x = np.array([-3.0, 0.2, 4.0])
    truth = numerator_fd(lambda x: np.sum(np.exp(x / 2)), {"x": x}, "x")
    assert np.allclose(truth, np.sqrt(np.exp(x)) / 2)
    r = ed.check("sum(exp(x / 2))", "x", claim="0.5 sqrt(exp(x))'")
    assert r.verdict == "undecided" and r.ok is None and not r, str(r)
    assert str(r).startswith("undecided")
    assert main(["check", "sum(exp(x / 2))", "--wrt", "x", "--claim", r.claim_text]) == 4


def test_square_only_determinant_identity_is_not_right():
    # d|X'AX| = 2|X'AX| X^-1 for invertible square X; at singular X the derivative exists (it
    # is 0: |X'AX| = |X|^2 |A| has a double zero) but X^-1 does not
    X = np.array([[1.0, 2.0], [2.0, 4.0]])
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    grad = numerator_fd(lambda X, A: np.linalg.det(X.T @ A @ X), {"X": X, "A": A}, "X")
    assert np.allclose(grad, 0, atol=1e-6)
    r = ed.check("|X' A X|", "X", claim="2 * |X' A X| X^-1", where="X: matrix(n, n)")
    assert r.verdict in ("undecided", "wrong"), str(r)


@pytest.mark.parametrize(
    "expr, wrt, where, claim",
    [
        # log(exp(u)) = u for every real u: a rule the canonical forms may use
        ("sum(log(exp(x)))", "x", None, "(x .^ 0)'"),
        # rational, not equal as text: proved by exact arithmetic
        ("tr(X' A X)", "X", None, "X' A + (A X)'"),
        ("x' A x", "x", None, "x' (A + A') (x' x) / (x' x)"),
        # the domain of log|X| is det X > 0: the claim's X^-1 needs less
        ("log|X|", "X", None, "inv(X)"),
        # a symbolic power, all integers k, X invertible (log|X|)
        ("tr(X^k) + log|X|", "X", "k: integer", "k X^(k-1) + inv(X)"),
    ],
)
def test_right_claims_are_proved(expr, wrt, where, claim):
    r = ed.check(expr, wrt, claim=claim, where=where)
    if "(x' x) / (x' x)" in claim:  # undefined at x = 0 where x'Ax is differentiable
        assert r.verdict == "wrong", str(r)
        return
    assert r.verdict == "right", str(r)
    assert r.method, str(r)


# -- found by the random fuzz of check (tests/check_fuzz.py) ----------------------------------


@pytest.mark.parametrize("factor", ["1.0000001", "(1 + 1e-9 * norm2(a)^2)"])
def test_scalar_powers_in_exact_arithmetic(factor):
    # f(a) = a^2 / (1 + a^2)^2, f'(a) = 2a / (1 + a^2)^2 - 4 a^3 / (1 + a^2)^3; the claim is f'
    # times a factor that is not 1 (exact arithmetic on scalars raised AttributeError)
    text, where = "a .* a / (1 + a .^ 2) / (1 + sum(a) .^ 2)", "a: scalar"
    a = np.float64(0.7)
    exact = 2 * a / (1 + a * a) ** 2 - 4 * a**3 / (1 + a * a) ** 3
    assert np.isclose(numerator_fd(lambda a: a * a / (1 + a * a) ** 2, {"a": a}, "a"), exact)
    g = str(ed.diff(text, "a", where=where))
    claim = f"{factor} * ({g})"
    assert ed.parse(claim, where=where)(a=a) != exact  # wrong by a relative 1e-7 or 5e-10
    r = ed.check(text, "a", claim=claim, where=where)
    assert r.verdict != "right", str(r)
    assert ed.check(text, "a", claim=g, where=where).verdict == "right"


_TANH_WHERE = "x: vector(2); S: symmetric(2); p: vector(2); s: scalar; A: matrix(1, 2)"
_TANH = "tanh(A S / (s .* 2)) * (p .^ 1.5 + x / 3 + ones)"


def _tanh_case(A, S, s, p, x):
    return np.tanh(A @ S / (2 * s)) @ (p**1.5 + x / 3 + 1)


@pytest.mark.parametrize("wrt", ["s", "A", "x", "p"])
def test_functions_of_a_product_inside_a_canonical_term(wrt):
    # a sub-term of a canonical term, tanh(A[i,b] S[b,%0.0]) with %0.0 bound further out, is an
    # unknown of exact arithmetic keyed by its canonical form: the canonical names of its own
    # sum captured the free %0.0 (a crash in check, and a wrong key); and tanh(A S) is one
    # unknown whichever way round the claim writes the symmetric S
    rng = np.random.default_rng(3)
    S = rng.normal(size=(2, 2))
    args = {
        "A": rng.normal(size=(1, 2)),
        "S": S + S.T,
        "s": 0.8,
        "p": rng.uniform(0.5, 1.5, 2),
        "x": rng.normal(size=2),
    }
    g = str(ed.diff(_TANH, wrt, where=_TANH_WHERE))
    truth = numerator_fd(_tanh_case, args, wrt)
    back = ed.parse(g, where=_TANH_WHERE)
    value = back(**{k: args[k] for k in back.variables})
    np.testing.assert_allclose(np.reshape(value, truth.shape), truth, rtol=1e-6, atol=1e-8)
    assert ed.check(_TANH, wrt, claim=g, where=_TANH_WHERE).verdict == "right"
    for wrong in (f"1.0000001 * ({g})", f"(1 + 1e-9 * norm2({wrt})^2) * ({g})"):
        assert ed.check(_TANH, wrt, claim=wrong, where=_TANH_WHERE).verdict != "right"


@pytest.mark.parametrize(
    "expr", ["tanh(A S) x", "tanh(x' S) x", "sum(exp(S x))", "log(det(S)) + tanh(x' S x)"]
)
def test_a_symmetric_variable_inside_a_function_is_proved(expr):
    # the printed derivative writes S[i,a] where the claim, read back, has S[a,i]: equal for a
    # symmetric S, so the engine's own answer is right (it was undecided), and a wrong one not
    where = "x: vector(n); S: symmetric(n); A: matrix(m, n)"
    for wrt in ("x", "S"):
        g = str(ed.diff(expr, wrt, where=where))
        assert ed.check(expr, wrt, claim=g, where=where).verdict == "right", (expr, wrt, g)
        assert ed.check(expr, wrt, claim=f"2 * ({g})", where=where).verdict == "wrong"


@pytest.mark.parametrize(
    "claim, right",
    [
        ("2 x' (A' A)^-1", True),  # the engine's answer: (A' A)^-1 is symmetric
        ("x' ((A' A)^-1 + (A' A)^-T)", True),  # the rule d x'Bx/dx = x'(B + B') read literally
        ("x' (A' A)^-1", False),  # half of it
    ],
)
def test_a_compound_inverse_is_probed_only_where_it_is_well_conditioned(claim, right):
    # d/dx x' inv(A' A) x = x' ((A' A)^-1 + (A' A)^-T) = 2 x' (A' A)^-1. A wide A makes A' A
    # singular: probes there compared two values of noise and called right claims wrong
    r = ed.check("x' inv(A' A) x", "x", claim=claim)
    rng = np.random.default_rng(5)
    A, x = rng.normal(size=(5, 3)), rng.normal(size=3)  # tall: A' A invertible
    G = np.linalg.inv(A.T @ A)
    claimed = {True: lambda x: 2 * x @ G, False: lambda x: x @ G}[right]
    assert differs(claimed, lambda x: x @ G @ x, {"x": x}, "x") is not right
    assert r.verdict == ("right" if right else "wrong"), str(r)


def test_a_compound_matrix_is_invertible_where_its_transpose_is():
    # d/dX tr(inv(X' S X)) = -(X' S X)^-2 X' S - (X' S' X)^-2 X' S': the second inverse's base
    # is the transpose of the first, invertible exactly where the expression is defined, so the
    # engine's own answer is right (it was undecided: "needs conditions the expression does not
    # impose"); twice it stays wrong
    g = ed.diff("tr(inv(X' S X))", "X")
    rng = np.random.default_rng(6)
    X, S = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    truth = numerator_fd(lambda X: np.trace(np.linalg.inv(X.T @ S @ X)), {"X": X}, "X")
    np.testing.assert_allclose(ed.parse(str(g))(X=X, S=S), truth, rtol=1e-6, atol=1e-8)
    assert ed.check("tr(inv(X' S X))", "X", claim=str(g)).verdict == "right"
    assert ed.check("tr(inv(X' S X))", "X", claim=f"2 * ({g})").verdict == "wrong"


@pytest.mark.parametrize(
    "expr, wrt, where, numpy_f",
    [
        # d vec(X)[i] / dX[l,k] = delta[i,(k,l)]: I[i,(k,j)] in index notation
        ("vec(X)", "X", "X: matrix(m, n)", lambda X, A, B: X.reshape(-1, order="F")),
        # d vec(A X) / d X: kron(I, A), an axis of compound size n*p
        ("vec(A X)", "X", None, lambda X, A, B: (A @ X).reshape(-1, order="F")),
        # d kron(A, B) / dA[l,k] = B[a,b] delta[i,(a,l)] delta[j,(b,k)]
        ("kron(A, B)", "A", None, lambda X, A, B: np.kron(A, B)),
    ],
)
def test_a_result_with_a_compound_axis_is_right_in_every_printed_form(expr, wrt, where, numpy_f):
    # an index-notation claim is read with the derivative's sizes: its compound sizes (p*n)
    # were unified with names (p, r), so the engine's own right answers were judged "wrong shape"
    g = ed.diff(expr, wrt, where=where, layout="jacobian")
    rng = np.random.default_rng(8)
    values = {
        "X": rng.normal(size=(2, 3)),
        "A": rng.normal(size=(3, 2)),
        "B": rng.normal(size=(2, 4)),
    }
    if expr == "vec(A X)":
        values["A"] = rng.normal(size=(4, 2))
    args = {k: values[k] for k in g.variables}
    truth = jacobian_fd(lambda **v: numpy_f(**{**values, **v}), args, wrt)
    sizes = {}  # the named sizes, for a form that holds no array of that size (kron(I, A))
    for name, info in g.variables.items():
        sizes.update(zip(info.dims, np.shape(values[name])))
    for form in (str(g), g.index(), g.latex()):
        back = ed.parse(form, where=where, shape=g.shape)
        named = {d for dim in back.shape for d in str(dim).split("*") if d in sizes}
        got = back(**{k: values[k] for k in back.variables}, **{d: sizes[d] for d in named})
        np.testing.assert_allclose(np.reshape(got, truth.shape), truth, atol=1e-6)
        assert ed.check(expr, wrt, claim=form, where=where, layout="jacobian").verdict == "right"
    assert (
        ed.check(expr, wrt, claim=f"2 {g.index()}", where=where, layout="jacobian").verdict
        == "wrong"
    )


@pytest.mark.parametrize(
    "expr, wrt, where, numpy_f",
    [
        (
            "u' sigmoid(A - A) x",
            "u",
            "A: matrix(m, n)",
            lambda u, A, B, x, y, w: u @ (0.5 + 0 * A) @ x,
        ),
        ("u' exp(A - A) x", "u", None, lambda u, A, B, x, y, w: u @ np.exp(A - A) @ x),
        ("y' tanh(A B - A B) w", "y", None, lambda u, A, B, x, y, w: y @ np.tanh(0 * (A @ B)) @ w),
    ],
)
def test_functions_of_zeros_of_two_shapes_are_two_unknowns(expr, wrt, where, numpy_f):
    # exp(0 A) and exp(0 A') are unknowns of different shapes in exact arithmetic: they shared
    # one array (the key ignored sizes) and check raised a numpy ValueError on the engine's
    # own answer; now it is right or undecided, and the answer is the derivative
    g = ed.diff(expr, wrt, where=where)
    rng = np.random.default_rng(9)
    values = {"A": rng.normal(size=(4, 3)), "B": rng.normal(size=(3, 5)), "x": rng.normal(size=3)}
    values.update(u=rng.normal(size=4), y=rng.normal(size=4), w=rng.normal(size=5))
    truth = jacobian_fd(lambda **v: numpy_f(**{**values, **v}), values, wrt)
    back = ed.parse(str(g), where=where)
    got = back(**{k: values[k] for k in back.variables})
    np.testing.assert_allclose(np.ravel(got), np.ravel(truth), atol=1e-6)
    assert ed.check(expr, wrt, claim=str(g), where=where).verdict in ("right", "undecided")


def test_a_size_no_variable_fixes_is_named_not_could_not_draw():
    # sum(x ones') = m sum(x) for a size m that nothing fixes: no verdict can rest on it, and
    # the error says why (it said "could not draw inputs where the expression is defined")
    with pytest.raises(ed.EinderivError, match="the size m of the expression is fixed by no"):
        ed.check("sum(x ones')", "x", claim="0")


def test_a_claim_random_draws_cannot_see_is_tried_at_small_integers():
    # d X^N / dX for N = 10^11 - 1: random matrices under- or overflow X^N, and the finite sum
    # of N terms is too long for exact arithmetic; at the 1-by-1 X = [[1]] the derivative is N
    N = 99999999999
    h = 1e-14
    fd = ((1 + h) ** N - (1 - h) ** N) / (2 * h)  # d x^N / dx at x = 1, by central differences
    assert abs(fd - N) < 0.01 * N
    r = ed.check(f"X^{N}", "X", claim="0")
    assert r.verdict == "wrong", str(r)
    assert np.asarray(r.counterexample["X"]).size == 1


@pytest.mark.parametrize(
    "expr, claim",
    [
        ("sum(sigmoid(x))", "(exp(-x) ./ (1 + exp(-x)) .^ 2)'"),  # sigmoid' = e^-u / (1 + e^-u)^2
        ("sum(sigmoid(x))", "(exp(x) ./ (1 + exp(x)) .^ 2)'"),  # the same, times e^2u / e^2u
        ("sum(tanh(x))", "(cosh(x) .^ -2)'"),  # tanh' = sech^2
        ("sum(tanh(x))", "(4 ./ (exp(x) + exp(-x)) .^ 2)'"),
        ("sum(softplus(x))", "(1 ./ (1 + exp(-x)))'"),
        ("sum(exp(2 x))", "2 (exp(x) .^ 2)'"),
    ],
)
def test_functions_written_with_exp_are_proved(expr, claim):
    # each claim equals the derivative for every real x (checked here by finite differences on
    # both signs); the proof: the registry's definitions by exp, exp(a + b) = exp(a) exp(b)
    funcs = {
        "sum(sigmoid(x))": lambda x: np.sum(1 / (1 + np.exp(-x))),
        "sum(tanh(x))": lambda x: np.sum(np.tanh(x)),
        "sum(softplus(x))": lambda x: np.sum(np.log1p(np.exp(x))),
        "sum(exp(2 x))": lambda x: np.sum(np.exp(2 * x)),
    }
    x = np.array([-2.0, -0.3, 0.5, 1.7])
    value = ed.parse(claim)(x=x)
    assert np.allclose(numerator_fd(funcs[expr], {"x": x}, "x"), value, rtol=1e-6)
    r = ed.check(expr, "x", claim=claim)
    assert r.verdict == "right" and "exact arithmetic" in r.method, str(r)
    wrong = ed.check(expr, "x", claim=f"1.5 {claim}")
    assert wrong.verdict == "wrong", str(wrong)


# d ||x||^3 / dx = 3 ||x|| x', which is 0 at x = 0; einderiv's own form 3 x'x x' / ||x|| (and a
# claim written so) is undefined there, so the claim is not right everywhere: not "right"
@pytest.mark.parametrize(
    "expr, claim, numpy_f",
    [
        ("norm2(x)^3", "3 x' x x' / norm2(x)", lambda x: np.linalg.norm(x) ** 3),
        ("norm2(x) norm2(x)", "2 x' norm2(x) / norm2(x)", lambda x: np.linalg.norm(x) ** 2),
        ("norm2(x) (a' x)^2", None, lambda x, a: np.linalg.norm(x) * (a @ x) ** 2),
    ],
)
def test_a_claim_undefined_where_the_expression_is_smooth_is_not_right(expr, claim, numpy_f):
    claim = claim or str(ed.diff(expr, "x"))  # the engine's own form, undefined at x = 0
    args = {"x": np.zeros(3), "a": np.array([0.5, -1.0, 2.0])}
    args = {k: v for k, v in args.items() if k in numpy_f.__code__.co_varnames}
    truth = numerator_fd(numpy_f, args, "x")
    assert np.allclose(truth, 0.0, atol=1e-6)  # differentiable at 0, with derivative 0
    with np.errstate(all="ignore"):
        claimed = ed.parse(claim)(**{k: v for k, v in args.items()})
    assert not np.all(np.isfinite(claimed))  # the claim is undefined there
    assert ed.check(expr, "x", claim=claim).verdict != "right"


# d ||x - y|| / dx = (x - y)' / ||x - y||: ||x - y|| has a kink wherever x = y (no derivative
# there), so the claim's condition x != y is the derivative's own, and the claim is right
def test_a_claim_undefined_only_at_a_kink_is_right():
    rng = np.random.default_rng(0)
    y, v, t = rng.normal(size=3), rng.normal(size=3), 1e-6
    one_sided = np.linalg.norm(t * v) / t, np.linalg.norm(-t * v) / -t  # at x = y
    assert not np.isclose(*one_sided)  # the slopes from either side differ: a kink
    x = rng.normal(size=3)
    truth = numerator_fd(lambda x: np.linalg.norm(x - y), {"x": x}, "x")
    assert np.allclose(truth, (x - y) / np.linalg.norm(x - y), rtol=1e-6)
    assert ed.check("norm2(x)", "x", claim="x' / norm2(x)").verdict == "right"
    assert ed.check("norm2(x - y)", "x", claim="(x - y)' / norm2(x - y)").verdict == "right"
    assert ed.check("norm2(X)", "X", claim="X' / sqrt(tr(X' X))").verdict == "right"


# d ||A x - b|| / dx = (A x - b)' A / ||A x - b|| except where A x = b; at A = 0, b = 0 the
# function is 0 for every x (its derivative is 0) while the claim is undefined: not "right"
def test_a_claim_undefined_where_the_function_is_flat_is_not_right():
    A, b, x = np.zeros((2, 3)), np.zeros(2), np.array([0.5, -1.0, 2.0])
    truth = numerator_fd(lambda x: np.linalg.norm(A @ x - b), {"x": x}, "x")
    assert np.allclose(truth, 0.0)
    with np.errstate(all="ignore"):
        claimed = (A @ x - b) @ A / np.linalg.norm(A @ x - b)
    assert not np.all(np.isfinite(claimed))
    claim = "(A x - b)' A / norm2(A x - b)"
    assert ed.check("norm2(A x - b)", "x", claim=claim).verdict != "right"
    assert ed.check("norm2(x) + a norm2(x)^3", "x", claim="(1 + 3 a x' x) x' / norm2(x)",
                    where="a: scalar").verdict == "right"  # fmt: skip


# d a' exp(S) b / dS for a symmetric S = (G + G')/2 with G = diag(a) exp(S) diag(b); exp of a
# symmetric matrix is symmetric, so 0.5 (diag(b) exp(S) diag(a) + diag(a) exp(S) diag(b)), as
# einderiv prints it, is right: proved with exp an unknown function of its argument's values
def test_a_function_of_a_symmetric_matrix_is_symmetric_in_exact_arithmetic():
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=3), rng.normal(size=3)
    S = rng.normal(size=(3, 3))
    S = (S + S.T) / 2
    claim = "0.5 (diag(b) exp(S) diag(a) + diag(a) exp(S) diag(b))"
    value = 0.5 * (np.diag(b) @ np.exp(S) @ np.diag(a) + np.diag(a) @ np.exp(S) @ np.diag(b))
    h, truth = 1e-6, np.zeros((3, 3))
    for i in range(3):
        for j in range(3):  # the derivative along the symmetric direction E_ij + E_ji, halved
            E = np.zeros((3, 3))
            E[i, j] += 0.5
            E[j, i] += 0.5
            truth[i, j] = (a @ np.exp(S + h * E) @ b - a @ np.exp(S - h * E) @ b) / (2 * h)
    np.testing.assert_allclose(value, truth, rtol=1e-6)
    where = "S: symmetric(n)"
    assert ed.check("a' exp(S) b", "S", claim=claim, where=where).verdict == "right"
    wrong = claim.replace("diag(a) exp(S) diag(b)", "diag(a) exp(S) diag(a)")
    assert ed.check("a' exp(S) b", "S", claim=wrong, where=where).verdict == "wrong"


# d(x'x)/dx = 2x' (finite differences here); 2x'(1 + 1e-12) is off by that factor, and the
# diagnosis says so rather than "a factor of 1"
@pytest.mark.parametrize("factor, said", [("1 + 1e-12", "1 + 1e-12"), ("1 - 1e-12", "1 - 1e-12")])
def test_a_tiny_factor_is_named_not_rounded_to_one(factor, said):
    x = np.array([0.5, -1.5, 2.0])
    assert np.allclose(numerator_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    r = ed.check("x' x", "x", claim=f"2 x' ({factor})")
    assert r.verdict == "wrong" and said in r.diagnosis


# d tr(A X)/dX = A; a factor 1 + (n-1)(n-2)(n-4)(n-5) is 1 at n = 1, 2, 4, 5 but 5 at n = 3:
# a claim that is a polynomial in a size is tried at more sizes than its degree
def test_a_size_polynomial_is_tried_at_more_sizes_than_its_degree():
    rng = np.random.default_rng(2)
    A, X = rng.normal(size=(3, 2)), rng.normal(size=(2, 3))  # X: 2 x 3, len(X') = 3
    truth = numerator_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert np.allclose(truth, A, rtol=1e-6)
    n = X.shape[1]
    assert 1 + (n - 1) * (n - 2) * (n - 4) * (n - 5) == 5  # the claim is 5 A here
    claim = "A (1 + (len(X')-1)(len(X')-2)(len(X')-4)(len(X')-5))"
    where = "X: matrix(m, n); A: matrix(n, m)"
    assert ed.check("tr(A X)", "X", claim=claim, where=where).verdict == "wrong"


# d tr(X^k)/dX = k X^(k-1); a polynomial P(k) with 15 integer roots is not 0 at k = 8
def test_an_integer_polynomial_is_tried_at_more_values_than_its_degree():
    roots = (0, 1, -1, 2, -2, 3, -3, 5, -6, 7, 12, 25, 40, 4, 6)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3, 3)) / 2
    mp = np.linalg.matrix_power
    truth = numerator_fd(lambda X: np.trace(mp(X, 8)), {"X": X}, "X")
    assert np.allclose(truth, 8 * mp(X, 7), rtol=1e-5)
    assert np.prod([8 - r for r in roots]) != 0  # so the claim differs at k = 8
    P = " ".join(f"(k - {r})" if r >= 0 else f"(k + {-r})" for r in roots)
    claim = f"k X^(k-1) + {P} X"
    assert ed.check("tr(X^k)", "X", claim=claim, where="k: integer").verdict == "wrong"


_NORM = np.linalg.norm


# each expression is differentiable at the point (finite differences here), where the claim,
# the engine's own form (None) or the one written, is undefined: never "right"
@pytest.mark.parametrize(
    "expr, wrt, where, numpy_f, point, claim",
    [
        (
            "norm2(x - ones)^3",
            "x",
            None,
            lambda x: _NORM(x - 1) ** 3,
            {"x": np.ones(3)},
            "3 (x - ones)' (x - ones) (x - ones)' / norm2(x - ones)",
        ),
        (  # the kink of norm2(x) is at x = 0, not where x = y
            "norm2(x - y)^3 + norm2(x)",
            "x",
            None,
            lambda x, y: _NORM(x - y) ** 3 + _NORM(x),
            {"x": np.array([1.0, 2.0, 3.0]), "y": np.array([1.0, 2.0, 3.0])},
            "3 (x - y)' (x - y) (x - y)' / norm2(x - y) + x' / norm2(x)",
        ),
        (  # at a = 0 the kink of a norm2(x) is gone
            "norm2(x)^3 + a norm2(x)",
            "x",
            "a: scalar",
            lambda x, a: _NORM(x) ** 3 + a * _NORM(x),
            {"x": np.zeros(3), "a": 0.0},
            None,
        ),
    ],
)
def test_a_kink_elsewhere_does_not_make_a_claim_right(expr, wrt, where, numpy_f, point, claim):
    truth = numerator_fd(numpy_f, point, wrt)
    assert np.all(np.isfinite(truth))  # differentiable there
    claim = claim or str(ed.diff(expr, wrt, where=where))
    with np.errstate(all="ignore"):
        value = np.asarray(ed.parse(claim, where=where)(**point), dtype=float)
    assert not np.all(np.isfinite(value))  # the claim is undefined there
    assert ed.check(expr, wrt, claim=claim, where=where).verdict != "right"


# (DT2) d tr(X^k)/dX = k X^(k-1) for k != 0; at k = 0, tr(X^0) = tr(I) = n is flat, with
# derivative 0 at every X, singular ones too, where k X^(k-1) = 0 X^-1 is undefined: the
# claim is not right for every integer k and every X, so it is undecided
def test_the_power_rule_at_k_zero_and_a_singular_matrix_is_not_right():
    X = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular
    truth = numerator_fd(lambda X: np.trace(np.linalg.matrix_power(X, 0)), {"X": X}, "X")
    assert np.allclose(truth, 0.0)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.inv(X)  # the claim's X^(k-1) at k = 0
    r = ed.check("tr(X^k)", "X", claim="k X^(k-1)", where="k: integer")
    assert r.verdict == "undecided" and "k - 1 < 0" in r.reason
    assert ed.check("tr(X^3)", "X", claim="3 X^2").verdict == "right"  # a number k: right


# sqrt(x'x)^3 = ||x||^3 has gradient 0 at x = 0 (finite differences); 3 x'x x' / sqrt(x'x)
# is undefined there: never right (sqrt(s) needs s >= 0, not s > 0)
def test_a_root_in_a_denominator_is_not_right_where_the_root_is_zero():
    truth = numerator_fd(lambda x: np.sqrt(x @ x) ** 3, {"x": np.zeros(3)}, "x")
    assert np.allclose(truth, 0.0, atol=1e-6)
    r = ed.check("sqrt(x'x)^3", "x", claim="3 x'x x' / sqrt(x'x)")
    assert r.verdict != "right"


# d ((-1)^k a'x)/dx = (-1)^k a'; a claim adding ((-1)^k - 1) P(k) a', P with 20 odd roots,
# is 0 at every even k and at those odd ones, but not at k = 27
def test_an_alternating_factor_is_tried_at_as_many_odd_values_as_even_ones():
    roots = [13, 11, 9, 7, 5, 3, 1, -1, -3, -5, -7, -9, -11, -13, -15, -17, -19, -21, -23, -25]
    a, x, k = np.array([0.5, -1.0]), np.array([2.0, 1.0]), 27
    truth = numerator_fd(lambda x: (-1) ** k * (a @ x), {"x": x}, "x")
    claimed = (-1) ** k * a + ((-1) ** k - 1) * np.prod([k + r for r in roots]) * a
    assert not np.allclose(claimed, truth)
    P = " ".join(f"(k + {r})" if r > 0 else f"(k - {-r})" for r in roots)
    r = ed.check(
        "(-1)^k a' x", "x", claim=f"(-1)^k a' + ((-1)^k - 1) {P} a'",
        where="x: vector(n); a: vector(n); k: integer",
    )  # fmt: skip
    assert r.verdict != "right"


# exp(x)' exp(-x) = sum of ones = n: a factor (m-1)...(m-5) with m = n is 0 at n = 1..5 only
def test_a_size_written_as_a_sum_of_a_function_counts_in_the_degree():
    x = np.linspace(-1, 1, 6)
    m = np.exp(x) @ np.exp(-x)
    assert np.isclose(m, 6) and np.isclose(np.prod([m - j for j in range(1, 6)]), 120)
    s = "(exp(x)' exp(-x))"
    claim = f"a' + ({s} - 1) ({s} - 2) ({s} - 3) ({s} - 4) ({s} - 5) a'"
    r = ed.check("a' x", "x", claim=claim, where="x: vector(n); a: vector(n)")
    assert r.verdict != "right"


# d s^(k+1)/ds = (k+1) s^k for k != -1; at k = -1, s^0 = 1 is flat (derivative 0 at s = 0
# too) while (k+1) s^k = 0 * 0^-1 is undefined: an integer exponent with an offset needs
# s != 0 only where it is negative, like s^k, and the claim is not right
@pytest.mark.parametrize(
    "expr, claim, order, k, claim_np",
    [
        ("s^(k+1)", "(k+1) s^k", 1, -1, lambda s, k: (k + 1) * s**k),
        ("s^(2k)", "2 k s^(2k-1)", 1, 0, lambda s, k: 2 * k * s ** (2 * k - 1)),
        ("s^(k+2)", "(k+2)(k+1) s^k", 2, -2, lambda s, k: (k + 2) * (k + 1) * s**k),
    ],
)
def test_an_integer_exponent_with_an_offset_is_not_right_at_zero(expr, claim, order, k, claim_np):
    h, zero = 1e-4, np.float64(0.0)
    assert (h**0 - (-h) ** 0) / (2 * h) == 0.0  # at this k the expression is s^0 = 1: flat
    with np.errstate(all="ignore"):
        assert not np.isfinite(claim_np(zero, k))  # 0 * 0^(negative): undefined at s = 0
    r = ed.check(expr, "s", claim=claim, where="s: scalar; k: integer", order=order)
    assert r.verdict != "right"


# s - s is 0 for every s, its derivative 0 everywhere; 0 / s is undefined at s = 0: not right
@pytest.mark.parametrize(
    "expr, wrt, claim, where",
    [("s - s", "s", "0/s", "s: scalar"), ("x - x", "x", "0 / (x' x)", None),
     ("sum(x - x)", "x", "1/sum(x) - 1/sum(x)", None)],
)  # fmt: skip
def test_a_zero_claim_with_a_denominator_is_not_right(expr, wrt, claim, where):
    with np.errstate(all="ignore"):
        assert not np.isfinite(np.float64(0.0) / np.float64(0.0))  # the claim at 0
    assert ed.check(expr, wrt, claim=claim, where=where).verdict != "right"
    assert ed.check(expr, wrt, claim="0", where=where).verdict == "right"


# an integer exponent written otherwise than k + c (k^2, (k+1)/1, len(x) - 1) is 0 at some
# integer, where s^0 = 1 is flat at s = 0 while the claim's s^(e - 1) is undefined: not right
@pytest.mark.parametrize(
    "expr, claim, where",
    [
        ("s^((k+1)/1)", "(k+1) s^k", "s: scalar; k: integer"),
        ("s^(k^2)", "k^2 s^(k^2-1)", "s: scalar; k: integer"),
        ("s^(len(x)-1)", "(len(x)-1) s^(len(x)-2)", "s: scalar; x: vector(n)"),
    ],
)
def test_an_integer_exponent_in_any_spelling_is_not_right_at_zero(expr, claim, where):
    with np.errstate(all="ignore"):
        assert not np.isfinite(0 * np.float64(0.0) ** -1)  # the claim where the exponent is 0
    assert ed.check(expr, "s", claim=claim, where=where).verdict != "right"


# (s^2 + 1)^(k-1) and 2^(k+1) never vanish: d 2^(k+1) s / ds = 2 2^k is right for every k
def test_a_base_that_never_vanishes_needs_no_condition():
    k, s, h = -3, 0.7, 1e-6
    assert np.isclose((2 ** (k + 1) * (s + h) - 2 ** (k + 1) * (s - h)) / (2 * h), 2 * 2.0**k)
    where = "s: scalar; k: integer"
    assert ed.check("2^(k+1) s", "s", claim="2 2^k", where=where).verdict == "right"
    assert ed.check("2^(k+1) s", "s", claim="3 2^k", where=where).verdict == "wrong"


# a claim that overflows a float where it is finite as a formula is not wrong: exp(1000) -
# exp(1000) is 0 and 0 exp(1000) is 0, though in floats they are nan; exact arithmetic decides.
# d(x' A x)/dx = x' (A + A') (finite differences here)
@pytest.mark.parametrize(
    "extra, verdict",
    [
        ("(exp(1000) - exp(1000)) x'", "right"),
        ("0 exp(1000) x'", "right"),
        ("(exp(400 x' x) - exp(400 x' x)) x'", "right"),
        ("x' (exp(A)^1000 - exp(A)^1000)", "right"),
        ("exp(400 x' x) x'", "wrong"),  # not 0, though it overflows too (small integers show it)
        ("(exp(400 x' x) - exp(400 x' x) + 1) x'", "wrong"),
        # 0 as formulas too, but exact arithmetic cannot decide: undecided, never wrong
        ("(log(exp(1000)^2) - 2000) x'", "undecided"),
        ("(sqrt(exp(1000)^2) - exp(1000)) x'", "undecided"),
        ("(log(exp(1000) + exp(1000)) - 1000 - log(2)) x'", "undecided"),
        # undefined where the derivative is defined: a condition fails at the probe (a divisor
        # zero as written, 1 / (x' x - x' x), is refused when read: tests/test_zero_divisors.py)
        ("1 / ((x' x)^2 - x' x x' x) x'", "wrong"),
    ],
)
def test_a_float_overflow_in_a_claim_is_not_a_counterexample(extra, verdict):
    rng = np.random.default_rng(5)
    A, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    fd = jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    assert np.allclose(fd, x @ (A + A.T), atol=1e-6)
    with np.errstate(all="ignore"):
        assert np.isnan(np.exp(1000.0) - np.exp(1000.0))  # what floats make of the zero
    assert ed.check("x' A x", "x", claim=f"x' (A + A') + {extra}").verdict == verdict


# u^2 > 0 exactly where u != 0: log(a^2) needs a != 0, as its derivative 2/a does, so the claim
# is right (d log(a^2)/da = 2/a, d log(det(X)^2)/dX = 2 X^-1 in numerator layout: numpy here)
@pytest.mark.parametrize(
    "expr, claim, where",
    [
        ("log(a^2)", "2/a", "a: scalar"),
        ("log(a^4)", "4/a", "a: scalar"),
        ("sum(log(x .^ 2))", "2 ./ x'", None),
        ("log(det(X)^2)", "2 inv(X)", None),
    ],
)
def test_an_even_power_is_positive_where_its_base_is_not_zero(expr, claim, where):
    rng = np.random.default_rng(8)
    a, x, X = -0.7, rng.standard_normal(3), rng.standard_normal((3, 3))
    h = 1e-6
    assert np.isclose((np.log((a + h) ** 2) - np.log((a - h) ** 2)) / (2 * h), 2 / a)
    fd = jacobian_fd(lambda X: np.log(np.linalg.det(X) ** 2), {"X": X}, "X")
    assert np.allclose(to_layout(fd, 0, 2, "numerator"), 2 * np.linalg.inv(X), atol=1e-5)
    fd = jacobian_fd(lambda x: np.sum(np.log(x**2)), {"x": x}, "x")
    assert np.allclose(fd, 2 / x, atol=1e-5)
    assert ed.check(expr, expr_wrt(expr), claim=claim, where=where).verdict == "right"
    assert (
        ed.check(expr, expr_wrt(expr), claim=f"{claim} + {claim}", where=where).verdict == "wrong"
    )


def expr_wrt(expr: str) -> str:
    return "X" if "X" in expr else "x" if "x" in expr else "a"


# tan(u) is undefined where cos(u) = 0 (tan(pi/2) has no value): 0 tan(a) is not 0 there, so a
# claim with it is not right for d(a^2)/da = 2a, which is defined at pi/2
def test_tan_is_undefined_where_cos_vanishes():
    assert abs(np.cos(np.pi / 2)) < 1e-15 and abs(np.tan(np.pi / 2)) > 1e15
    for claim in ("2 a + 0 tan(a)", "2 a + tan(a) - tan(a)"):
        assert ed.check("a^2", "a", claim=claim, where="a: scalar").verdict != "right"
    assert ed.check("tan(a)", "a", claim="1 + tan(a)^2", where="a: scalar").verdict == "right"


# a float that underflows or rounds to 0 is no witness: exp(-1000) X is 0 in floats but
# invertible wherever X is; 1 + 1e-17 - cos(a) is 0 in floats at a = 0 but never 0. A determinant
# that is exactly negative or 0 is one: logdet(X) at X = [[-1]]
@pytest.mark.parametrize(
    "expr, wrt, claim, where, verdict",
    [
        ("tr(inv(X))", "X", "-exp(-1000) inv(exp(-1000) X) inv(X)", None, "not wrong"),
        ("a^2", "a", "2 a + 0 / (1 + 1e-17 - cos(a))", "a: scalar", "not wrong"),
        ("a^2 + tr(X)", "a", "2 a + logdet(X) - logdet(X)", "a: scalar", "wrong"),
        ("a^2 + tr(X)", "a", "2 a + 0 log(det(X)^2)", "a: scalar", "wrong"),
        ("tr(X)", "X", "X inv(X)", None, "wrong"),
    ],
)
def test_a_witness_of_an_undefined_claim_is_beyond_doubt(expr, wrt, claim, where, verdict):
    assert np.exp(-1000.0) == 0.0 and 1 + 1e-17 - np.cos(0.0) == 0.0  # what floats make of them
    got = ed.check(expr, wrt, claim=claim, where=where).verdict
    assert got != "wrong" if verdict == "not wrong" else got == verdict


# rounding is no witness: a polynomial term is evaluated exactly ((a + 2147483646)^2 -
# (a + 2147483645)(a + 2147483647) = 1, 0 in floats), any other only beyond its rounding
# (norm2(x)^2 - x'x is -1e-16 in floats, 0 exactly, so its sqrt is defined)
@pytest.mark.parametrize(
    "expr, wrt, claim, where",
    [
        (
            "a^2",
            "a",
            "2 a + 0 / ((a + 2147483646)^2 - (a + 2147483645) (a + 2147483647))",
            "a: scalar",
        ),
        (
            "a^2",
            "a",
            "2 a + 0 log((a + 2147483647)^2 - (2147483647 + 2 a) 2147483647 + 1)",
            "a: scalar",
        ),
        ("x' x", "x", "(2 + sqrt(norm2(x)^2 - x' x)) x'", None),
        ("a^2", "a", "2 a + sqrt(cos(a)^2 + sin(a)^2 - 1)", "a: scalar"),
    ],
)
def test_rounding_is_no_witness(expr, wrt, claim, where):
    from fractions import Fraction

    a = Fraction(14495, 10000)
    assert (a + 2147483646) ** 2 - (a + 2147483645) * (a + 2147483647) == 1
    assert ed.check(expr, wrt, claim=claim, where=where).verdict != "wrong"


# an integer symbol takes more values than the degree of the terms in it, counted right: a
# finite sum over r up to k + 9 of a degree-6 polynomial in r is of degree 7 in k, and a sum of
# fractions over one denominator has the degrees of all its terms. Each claim below equals
# 2 k x' at many integers k but not at k = 4 (d(k x'x)/dx = 2 k x'; the values by Fractions)
TELESCOPING = (
    "(2 k + 0.00000001*sum_{r=0}^{k+9}(((r-9)+10)*((r-9)+6)*((r-9)+3)*((r-9)-1)*((r-9)-2)"
    "*((r-9)-3)*((r-9)-7) - ((r-10)+10)*((r-10)+6)*((r-10)+3)*((r-10)-1)*((r-10)-2)"
    "*((r-10)-3)*((r-10)-7))) x'"
)
FRACTIONS = (
    "(2 k + (-24255/2)/(k^2+6) + (21294/5)/(k^2+3) + (-110240/9)/(k^2+4) + (-31977/50)/(k^2+2)"
    " + (925/36)/(k^2+1) + (69741/4)/(k^2+5) + (741664/225)/(k^2+7)) x'"
)


@pytest.mark.parametrize("claim", [TELESCOPING, FRACTIONS])
def test_an_integer_symbol_takes_enough_values(claim):
    from fractions import Fraction as F

    k = 4
    q = (k + 10) * (k + 6) * (k + 3) * (k - 1) * (k - 2) * (k - 3) * (k - 7)
    assert q != 0 and F(1, 10**8) * q != 0  # the telescoped sum, Q(k) - Q(-10): not 0 at 4
    parts = [(F(-24255, 2), 6), (F(21294, 5), 3), (F(-110240, 9), 4), (F(-31977, 50), 2),
             (F(925, 36), 1), (F(69741, 4), 5), (F(741664, 225), 7)]  # fmt: skip
    assert sum(c / (k * k + b) for c, b in parts) != 0  # the fractions: not 0 at 4
    where = "x: vector(n); k: integer"
    assert ed.check("k x' x", "x", claim=claim, where=where).verdict == "wrong"


# claims built to equal the derivative at every value exact arithmetic used to try, but not
# elsewhere (a review's attacks; each claim minus the derivative is a polynomial or rational
# function with roots at those values, nonzero at k = 8 or n = 7, by sympy): a matrix power
# (k I)^j, (len(x) I)^j, a sum whose count has a parity, fractions in n, inverses of (k - b) I.
# Their degrees are now counted (or unbounded: no decision): never right
DEGREE_ATTACKS = json.loads((Path(__file__).parent / "data" / "degree_attacks.json").read_text())


@pytest.mark.parametrize("case", DEGREE_ATTACKS, ids=[c["name"] for c in DEGREE_ATTACKS])
def test_degree_attacks_are_never_right(case):
    # (and products (len(x) - 3) Q(k), each factor zero at its own values tried: joint points)
    verdict = ed.check(case["expr"], "x", claim=case["claim"], where=case["where"]).verdict
    assert verdict != "right"


# claims built to vanish modulo fixed primes (review AH): E = 1 modulo lcm(p1 - 1, p2 - 1)
# makes a^E = a modulo both Mersenne primes 2^61 - 1 and 2^89 - 1 (Fermat), and a constant
# c = p1 p2 built from small numbers is 0 modulo both. The primes are now drawn at random in each
# process: never right. (Truth by Python integers: E > 1, and p1 p2 != 0.)
P1, P2 = 2**61 - 1, 2**89 - 1
FERMAT = 1 + math.lcm(P1 - 1, P2 - 1) * 123456789
BIG_P1, BIG_P2 = "(2305843009213693950 + exp(0))", "(618970019642690137449562110 + exp(0))"
SMALL_P1 = "((1099511627775 + exp(0)) 2097152 - exp(0))"  # (2^40 - 1 + 1) 2^21 - 1 = p1
SMALL_P2 = "((1099511627775 + exp(0)) (1099511627775 + exp(0)) 512 - exp(0))"  # 2^89 - 1 = p2
PRIME_ATTACKS = [
    ("a^2", "a", f"2 a^{FERMAT}", "a: scalar"),  # 2 a^E, not 2 a: at a = 2, 2^(E+1) != 4
    ("x' x", "x", f"2 exp({FERMAT - 1}) x'", None),  # exp(E - 1) = e^(E-1) != 1
    ("x' x", "x", f"2 x' + exp(-1000) {BIG_P1} {BIG_P2} x'", None),
    ("x' x", "x", f"2 x' + exp(-1000) {SMALL_P1} {SMALL_P2} x'", None),
]


@pytest.mark.parametrize("expr, wrt, claim, where", PRIME_ATTACKS)
def test_claims_aimed_at_fixed_primes_are_never_right(expr, wrt, claim, where):
    assert FERMAT > 1 and (2**40 * 2**21 - 1) == P1 and (2**40 * 2**40 * 2**9 - 1) == P2
    assert P1 * P2 != 0  # so exp(-1000) p1 p2 x' is not 0
    assert ed.check(expr, wrt, claim=claim, where=where).verdict != "right"


# relu(x) - relu(-x), abs(x) .* sign(x) and sign(x) .^ 2 .* x are all x: smooth, with slope 1
# at 0, where the kink conventions of their parts (relu'(0) = sign(0) = 0) give 0. A point
# with a 0 entry is no witness where the slopes from both sides agree (review AH): the right
# claim ones' is not "wrong" (numpy: the one-sided slopes at 0 are both 1); relu itself still
# has its kink, so (sign(x) + 1) / 2 for relu' stays wrong, and 2 ones' is wrong anywhere.
@pytest.mark.parametrize(
    "expr", ["sum(relu(x) - relu(-x))", "sum(abs(x) .* sign(x))", "sum(sign(x) .^ 2 .* x)"]
)
def test_a_smooth_sum_of_kinks_is_not_wrong_at_zero(expr):
    def f(x):
        return np.sum(np.maximum(x, 0) - np.maximum(-x, 0))

    h = 1e-6
    for value in (0.0, -1.0, 2.0):
        x = np.array([value, -1.0])
        step = np.array([h, 0.0])
        assert (f(x + step) - f(x)) / h == pytest.approx(1) == (f(x) - f(x - step)) / h
    assert ed.check(expr, "x", claim="ones'").verdict != "wrong"
    assert ed.check(expr, "x", claim="2 ones'").verdict == "wrong"
    assert ed.check("sum(relu(x))", "x", claim="((sign(x) + 1) / 2)'").verdict == "wrong"


# d(S/2)/dS is of order 4 (S 3-by-3): the claim S 2 is a matrix, so wrong; read as a Kronecker
# claim for the hint, S was indexed by pairs (9-by-9), which exact arithmetic took as S's
# 3-by-3 values (a ValueError from einsum, found by the long fuzz): no value there now
def test_a_claim_read_with_other_sizes_is_no_crash():
    result = ed.check("S/ 2", "S", claim="S 2", where="S: symmetric(3)")
    assert result.verdict == "wrong" and "shape" in result.reason
    assert np.zeros((3, 3)).shape != np.zeros((3, 3, 3, 3)).shape  # the two shapes


def test_log_softmax_inside_exp_is_checked_not_a_raw_error():
    # exp(log_softmax(x)) = softmax(x), so logsumexp(log_softmax(x)) = 0 and
    # sum(exp(log_softmax(x)) .* c) = c' softmax(x), with Hessian
    # diag(c .* s) - s (c .* s)' - (c .* s) s' - (c' s) diag(s) + 2 (c' s) s s', s = softmax(x);
    # the exact proof
    # writes log_softmax(x)[i] as x[i] - logsumexp(x), the last term over every i (a raw
    # ValueError before)
    from tests.fd import hessian_fd

    x, c = np.array([0.3, -1.2, 0.8]), np.array([1.0, -2.0, 0.5])

    def fn(x, c):
        return c @ (np.exp(x) / np.exp(x).sum())

    s = np.exp(x) / np.exp(x).sum()
    truth = hessian_fd(fn, {"x": x, "c": c}, "x")
    cs = c * s
    hand = np.diag(cs) - np.outer(s, cs) - np.outer(cs, s) - (c @ s) * np.diag(s)
    hand += 2 * (c @ s) * np.outer(s, s)
    assert np.allclose(truth, hand, atol=1e-6)
    f = "sum(exp(log_softmax(x)) .* c)"
    claim = "diag(c .* softmax(x)) - softmax(x) (c .* softmax(x))' - (c .* softmax(x)) softmax(x)'"
    claim += " - (c' softmax(x)) diag(softmax(x)) + 2 (c' softmax(x)) softmax(x) softmax(x)'"
    assert ed.check(f, "x", claim=claim, order=2).verdict in ("right", "undecided")
    assert ed.check(f, "x", claim=claim + " + 0.001 I", order=2).verdict == "wrong"
    assert np.allclose(
        jacobian_fd(lambda x: np.log(np.exp(x - np.log(np.exp(x).sum())).sum()), {"x": x}, "x"),
        0,
        atol=1e-6,
    )
    for order in (1, 2):
        assert ed.check("logsumexp(log_softmax(x))", "x", "0", order=order).verdict != "wrong"
    assert ed.check("logsumexp(log_softmax(x))", "x", "softmax(x)'").verdict == "wrong"
    assert ed.check("sum(logsumexp(log_softmax(X)))", "X", "softmax(X)'").verdict == "wrong"


_COS = "x' y / (norm2(x) norm2(y))"  # cosine similarity, defined where x != 0 and y != 0


def _cosine(x, y):
    return x @ y / (np.linalg.norm(x) * np.linalg.norm(y))


@pytest.mark.parametrize(
    "claim, fn, verdict",
    [
        # d cos/dx = y' / (|x| |y|) - (x' y) x' / (|x|^3 |y|): needs x != 0, y != 0, as cos does
        (
            "y' / (norm2(x) norm2(y)) - x' y x' / (norm2(x)^3 norm2(y))",
            lambda x, y: (
                y / (np.linalg.norm(x) * np.linalg.norm(y))
                - (x @ y) * x / (np.linalg.norm(x) ** 3 * np.linalg.norm(y))
            ),
            "right",
        ),
        # the same with the square of a product of norms (|x| |y|)^2 and |y| in the numerator
        (
            "y' / (norm2(x) norm2(y)) - norm2(y) x' y x' / ((norm2(x) norm2(y))^2 norm2(x))",
            lambda x, y: (
                y / (np.linalg.norm(x) * np.linalg.norm(y))
                - np.linalg.norm(y)
                * (x @ y)
                * x
                / (np.linalg.norm(x) ** 3 * np.linalg.norm(y) ** 2)
            ),
            "right",
        ),
        # |x|^2 for |x|^3: wrong
        (
            "y' / (norm2(x) norm2(y)) - x' y x' / (norm2(x)^2 norm2(y))",
            lambda x, y: (
                y / (np.linalg.norm(x) * np.linalg.norm(y))
                - (x @ y) * x / (np.linalg.norm(x) ** 2 * np.linalg.norm(y))
            ),
            "wrong",
        ),
    ],
)
def test_a_claim_that_needs_only_the_cosines_own_conditions(claim, fn, verdict):
    # "undecided: ... needs conditions the expression does not impose ((x' x)^0.5)^3 (y' y)^0.5
    # != 0)": the expression divides by norm2(x) norm2(y), so it needs x' x != 0 and y' y != 0
    # already (a product is non-zero where each factor is); and the square of a product of
    # roots, (|x| |y|)^2, was not |x|^2 |y|^2 to the exact test
    rng = np.random.default_rng(22)
    x0, y0 = rng.normal(size=3), rng.normal(size=3)
    truth = numerator_fd(lambda x: _cosine(x, y0), {"x": x0}, "x")
    assert np.allclose(fn(x0, y0), truth, rtol=1e-6, atol=1e-9) == (verdict == "right")
    result = ed.check(_COS, "x", claim=claim, where="x: vector(3); y: vector(3)")
    assert result.verdict == verdict, result.reason
    printed = ed.diff(_COS, "x")  # the engine's own form (with (|x| |y|)^2) is right too
    assert ed.check(_COS, "x", claim=str(printed)).verdict == "right"


# the function's own domain covers the claim's divisor: log1p(u) needs 1 + u > 0, so the
# claim 1 / (1 + u) is defined wherever the derivative is; tan(u) needs cos(u) != 0; an
# elementwise condition holds on every entry, so it is the same for (1 + X)' and 1 + X
# (these were "undecided: it needs conditions the expression does not impose")
DOMAIN_COVERED = [
    ("log1p(a)", "a", "1/(1+a)", "a: scalar", lambda a: np.log1p(a), 0.7),
    ("sum(log1p(x))", "x", "(1 ./ (x + 1))'", None, lambda x: np.sum(np.log1p(x)), (3,)),
    ("sum(log1p(X))", "X", "(1 ./ (1 + X))'", None, lambda X: np.sum(np.log1p(X)), (2, 3)),
    ("sum(log(X))", "X", "1 ./ X'", None, lambda X: np.sum(np.log(X)), (2, 3)),
    ("sum(tan(x))", "x", "(1 + tan(x).^2)'", None, lambda x: np.sum(np.tan(x)), (3,)),
]


@pytest.mark.parametrize(("text", "wrt", "claim", "where", "plain", "shape"), DOMAIN_COVERED)
def test_a_claim_defined_on_the_functions_domain_is_right(text, wrt, claim, where, plain, shape):
    rng = np.random.default_rng(3)
    f = ed.parse(claim, where=where)
    for _ in range(4):
        v = rng.uniform(0.1, 1.2, size=shape) if shape != 0.7 else rng.uniform(0.1, 1.2)
        truth = jacobian_fd(lambda **a: plain(a[wrt]), {wrt: v}, wrt)
        got = np.asarray(f(**{wrt: v}))
        assert np.allclose(got, np.transpose(truth), atol=1e-6)  # numerator layout
    assert ed.check(text, wrt, claim=claim, where=where).verdict == "right"
    # and one that is not: 2 + u in the divisor
    wrong = claim.replace("1+a", "2+a").replace("x + 1", "x + 2").replace("1 + X", "2 + X")
    if wrong != claim:
        assert ed.check(text, wrt, claim=wrong, where=where).verdict == "wrong"


_RMS = "t' x / sqrt(mean(x .^ 2) + eps)"
_ROOT = "sqrt(mean(x .^ 2) + eps)"


@pytest.mark.parametrize(
    "claim, verdict",
    [
        # the RMS-norm backprop as written by hand: u^(3/2) as sqrt(u)^3 beside len(x)
        (f"t' / {_ROOT} - (t' x) x' / (len(x) {_ROOT}^3)", "right"),
        # ... as three divisions by the root
        (f"t' / {_ROOT} - (t' x) x' / (len(x) {_ROOT} {_ROOT} {_ROOT})", "right"),
        # u for u^(3/2): wrong
        (f"t' / {_ROOT} - (t' x) x' / (len(x) {_ROOT}^2)", "wrong"),
    ],
)
def test_powers_of_a_root_in_a_product_are_one_power(claim, verdict):
    # d/dx t'x / sqrt(u), u = mean(x.^2) + eps: t' / sqrt(u) - (t'x) x' / (n u^(3/2)); the
    # claim with (n sqrt(u)^3)^-1 was undecided (sqrt(u)^-3 was s^-2 r, (sqrt(u)^3)^-1 was
    # s^-1 r^-1 to the exact test, r the root's unknown), and so was einderiv's own printed
    # layer-norm gradient (len(t) sqrt(...)^3)
    rng = np.random.default_rng(5)
    x0, t0, eps = rng.normal(size=4), rng.normal(size=4), 0.3

    def rms(x):
        return t0 @ x / np.sqrt(np.mean(x**2) + eps)

    truth = numerator_fd(rms, {"x": x0}, "x")
    u = np.mean(x0**2) + eps
    power = {"right": 1.5, "wrong": 1.0}[verdict]
    hand = t0 / np.sqrt(u) - (t0 @ x0) * x0 / (len(x0) * u**power)
    assert np.allclose(hand, truth, atol=1e-7) == (verdict == "right")
    where = "x: vector(d); t: vector(d); eps: scalar"
    assert ed.check(_RMS, "x", claim=claim, where=where).verdict == verdict
    ln = "t' (x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + eps)"
    printed = ed.diff(ln, "x", where=where)  # written with len(t) sqrt(...)^3
    assert ed.check(ln, "x", claim=str(printed), where=where).verdict == "right"


# det(I + c u u') = 1 + c u'u (the determinant lemma); with u = ones(n) (x .^ 0) and
# c = P(n) = (n - 1)(n - 2)...(n - 90), the claim 2 x' + (det(I + c u u') - 1) x' for
# d(x'x)/dx is 2 x' at sizes 1..90 only: at n = 91 it adds 91 * 90! x'. A determinant of a
# matrix of n has no degree bound in n, however many sizes were seen, so no exact decision:
# exact arithmetic tried the first 83 sizes and said "right"
def test_a_determinant_with_no_degree_bound_in_the_size_is_no_proof():
    for n, c in [(1, 2.0), (4, -0.3), (7, 1.5)]:  # the lemma, by numpy
        assert np.isclose(np.linalg.det(np.eye(n) + c * np.ones((n, n))), 1 + c * n)
    assert all(math.prod(n - j for j in range(1, 91)) == 0 for n in range(1, 91))
    assert 91 * math.prod(91 - j for j in range(1, 91)) != 0  # the claim is off at n = 91
    P = " ".join(f"(len(x) - {j})" for j in range(1, 91))
    claim = f"2 x' + (det(I + {P} (x .^ 0) (x .^ 0)') - 1) x'"
    assert ed.check("x' x", "x", claim=claim).verdict != "right"


# d tr(X'X)/dX = 2 X' (X m-by-n); a claim adding (m - n)(m - 3)(n - 4)(m - 2)(m - 5) X' is 2 X'
# at the size rounds, on the lines where one size varies (m = 3 or n = 4 held) and wherever
# m = n, but adds 16 X' at m = 1, n = 2: values of two sizes are tried on a grid
def test_a_claim_zero_on_lines_of_sizes_and_their_diagonal_is_not_right():
    X = np.array([[0.5, -1.5]])
    m, n = X.shape
    truth = numerator_fd(lambda X: np.trace(X.T @ X), {"X": X}, "X")
    claimed = 2 * X.T + (m - n) * (m - 3) * (n - 4) * (m - 2) * (m - 5) * X.T
    assert not np.allclose(claimed, truth)
    claim = "2 X' + (len(X) - len(X')) (len(X) - 3) (len(X') - 4) (len(X) - 2) (len(X) - 5) X'"
    r = ed.check("tr(X' X)", "X", claim=claim, where="X: matrix(m, n)")
    assert r.verdict != "right"


def test_an_entry_whose_three_coordinates_differ_is_tried_at_enough_sizes():
    # d(x x')/dx [i,j,k] = x[i] delta[j,k] + x[j] delta[i,k]; the claim adds (n-3)(n-4)(n-5)
    # at the entries whose i, j, k all differ (1 - 4/3 s + 1/3 s^2 of s the number of equal
    # pairs: 1 at s = 0, 0 at s = 1 or 3): 0 at n = 1, 2 (no such entry) and n = 3, 4, 5, but
    # 6 at n = 6. Its degree in n is 3, and 5 sizes were tried, only 3 of them with such an
    # entry: it was "right"
    s = "(delta[i,j] ones[k] + delta[i,k] ones[j] + delta[j,k] ones[i])"
    claim = (
        "x[i] delta[j,k] + x[j] delta[i,k] + (len(x) - 3) (len(x) - 4) (len(x) - 5) "
        f"(ones[i] ones[j] ones[k] - 4/3 {s} + 1/3 {s}^2)"
    )

    def claimed(x):
        n = len(x)
        d, o = np.eye(n), np.ones(n)
        pairs = sum(
            np.einsum(f"{a},{b}->ijk", d, o) for a, b in (("ij", "k"), ("ik", "j"), ("jk", "i"))
        )
        mask = 1 - 4 / 3 * pairs + pairs**2 / 3
        first = np.einsum("i,jk->ijk", x, d) + np.einsum("j,ik->ijk", x, d)
        return first + (n - 3) * (n - 4) * (n - 5) * mask

    rng = np.random.default_rng(3)
    for n in range(1, 6):
        assert not differs(claimed, lambda x: np.outer(x, x), {"x": rng.normal(size=n)}, "x")
    assert differs(claimed, lambda x: np.outer(x, x), {"x": rng.normal(size=6)}, "x")
    assert ed.check("x x'", "x", claim=claim, where="x: vector(n)").verdict == "wrong"


def test_an_entry_whose_six_coordinates_differ_is_tried_at_a_size_that_has_it():
    # d kron(X, X)/dX has six coordinates over n per entry ((a,b), (c,d), l, k); the claim adds
    # 1 where all six differ (f(s) = prod_t (1 - s/t) of s, the number of equal pairs, over
    # every s a pattern can have): no such entry at n <= 5, the sizes of every round, so with
    # no size in the claim (degree 0) no other size was tried and it was "right"
    coordinates = ["a", "b", "c", "d", "l", "k"]
    pairs = []
    for x, y in itertools.combinations(coordinates, 2):
        rest = " ".join(f"ones[{z}]" for z in coordinates if z not in (x, y))
        pairs.append(f"delta[{x},{y}] {rest}")
    s = "(" + " + ".join(pairs) + ")"
    poly = [Fraction(1)]  # coefficients of prod_t (1 - s/t), lowest power first
    for t in (1, 2, 3, 4, 6, 7, 10, 15):
        poly = [a - b / t for a, b in zip([*poly, Fraction(0)], [Fraction(0), *poly])]
    ones = " ".join(f"ones[{z}]" for z in coordinates)
    mask = " + ".join(
        f"({c.numerator}/{c.denominator}) {ones if m == 0 else s if m == 1 else f'{s}^{m}'}"
        for m, c in enumerate(poly)
    )
    right = "X[a,b] delta[i,(a,l)] delta[j,(b,k)] + X[a,b] delta[i,(l,a)] delta[j,(k,b)]"
    claim = f"{right} + delta[i,(a,b)] delta[j,(c,d)] ({mask})"

    def truth_plus_mask(X):
        n = len(X)
        truth = numerator_fd(lambda X: np.kron(X, X), {"X": X}, "X")
        for a, b, c, d, l, k in itertools.product(range(n), repeat=6):
            if len({a, b, c, d, l, k}) == 6:
                truth[a + n * b, c + n * d, l, k] += 1
        return truth

    rng = np.random.default_rng(5)
    for n in (3, 5, 6):
        X = rng.normal(size=(n, n))
        got = np.asarray(ed.parse(claim, where="X: matrix(n, n)")(X=X))
        assert np.allclose(got, truth_plus_mask(X), atol=1e-6)  # the claim is read as written
    assert (
        n == 6
        and np.max(truth_plus_mask(X) - numerator_fd(lambda X: np.kron(X, X), {"X": X}, "X")) > 0.5
    )
    assert ed.check("kron(X, X)", "X", claim=claim, where="X: matrix(n, n)").verdict == "wrong"


def test_a_kronecker_claim_with_unsized_identities_is_never_wrong_by_a_size_choice():
    # Y = A kron(I_m, p), A n-by-2m (its size inferred as a product): d vec(Y) / d vec(A)' =
    # kron(kron(I_m, p'), I_n) = kron(I_m, kron(p', I_n)) (numpy: central differences). The
    # first, einderiv's own form, was undecided (the probes did not size m from 2*m); the
    # second raised KeyError, then was "wrong shape" by one choice of the I's sizes: undecided,
    # and right at einderiv's sizes I_m, I_n once its chain is regrouped (session 27)
    n, m = 3, 2
    rng = np.random.default_rng(12)
    A, p = rng.normal(size=(n, 2 * m)), rng.normal(size=2)

    def vec_y(a):
        return (a.reshape(n, 2 * m, order="F") @ np.kron(np.eye(m), p[:, None])).ravel(order="F")

    a0, h = A.ravel(order="F"), 1e-6
    jac = np.stack([(vec_y(a0 + h * e) - vec_y(a0 - h * e)) / (2 * h) for e in np.eye(a0.size)], 1)
    left = np.kron(np.kron(np.eye(m), p[None, :]), np.eye(n))
    assert np.allclose(jac, left) and np.allclose(jac, np.kron(np.eye(m), np.kron(p, np.eye(n))))
    where = "p: vector(2)"
    own = ed.diff("A kron(I, p)", "A", where=where)
    assert ed.check("A kron(I, p)", "A", str(own), where=where).verdict == "right"
    # its two I only multiply to m n: kron(kron(I_n, p'), I_m), another reading, is not the
    # Jacobian (numpy), so neither is proved right (tests/test_kron_claim_sizes.py), nor wrong
    assert not np.allclose(jac, np.kron(np.kron(np.eye(n), p[None, :]), np.eye(m)))
    form = "d vec(Y) / d vec(A)' = kron(kron(I, p'), I)"
    assert ed.check("A kron(I, p)", "A", form, where=where).verdict == "undecided"
    other = "d vec(Y) / d vec(A)' = kron(I, kron(p', I))"
    assert ed.check("A kron(I, p)", "A", other, where=where).verdict == "undecided"
    twice = "d vec(Y) / d vec(A)' = 2 kron(kron(I, p'), I)"
    assert ed.check("A kron(I, p)", "A", twice, where=where).verdict == "wrong"


@pytest.mark.parametrize(
    "claim, size",
    [("tr(I) + 1", 2), ("tr(I) - 1", 4), ("ones' ones + 2", 1), ("3 tr(I) / 7", 7)],
)
def test_a_claim_right_for_one_size_of_an_unsized_identity_is_never_wrong(claim, size):
    # d tr(A + a) / da = tr(I_3) = 3 (A 3-by-3; central differences); tr(I_k) + 1 is 3 at k = 2,
    # and each claim is 3 at its size k of the I (or ones) that nothing in it fixes: "wrong"
    # rested on einderiv's guesses of k (the expression's sizes), now undecided
    A, a, h = np.arange(9.0).reshape(3, 3), 0.3, 1e-6
    fd = (np.trace(A + (a + h)) - np.trace(A + (a - h))) / (2 * h)
    values = {"tr(I) + 1": size + 1, "tr(I) - 1": size - 1, "ones' ones + 2": size + 2}
    assert np.isclose(fd, 3.0) and np.isclose(values.get(claim, 3 * size / 7), 3.0)
    r = ed.check("tr(A + a)", "a", claim, where="A: matrix(3, 3); a: scalar")
    assert r.verdict == "undecided"
    assert ed.check("tr(A + a)", "a", "4", where="A: matrix(3, 3); a: scalar").verdict == "wrong"
