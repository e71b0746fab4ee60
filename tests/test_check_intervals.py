"""``check`` calls "wrong" a claim that differs from the derivative by a relative 1e-7, 1e-9 or
1e-12, where exp, log, tanh, sigmoid, softmax, logsumexp, sin, cos, sqrt or arctan make exact
arithmetic blind and floats too coarse (SPEC section 8: a small relative difference is wrong).

Each case writes, in plain numpy, the function and its derivative (checked here against central
finite differences); the claim is that derivative written in einderiv's notation, times a factor
1 + eps. Where the derivative is not zero, such a claim differs from it: "wrong" is the truth,
and the counterexample check reports is a point where the derivative (numpy, written here) is
not zero. The unscaled claim stays "right"; a claim that differs only at a kink, or a right
claim einderiv's own derivative writes only approximately (erf's pi as a decimal), is never
called "wrong" by the interval witness.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import einderiv as ed
from einderiv.check import intervals
from tests.fd import jacobian_fd, to_layout


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


C = np.array([0.3, -1.2, 0.7])
# (expression, variable, claim, f in numpy, its derivative in numpy, a point, positive domain)
CASES = [
    ("sum(exp(x))", "x", "exp(x)'", lambda x: np.sum(np.exp(x)), np.exp, False),
    (
        "sum(x .* log(x))",
        "x",
        "(log(x) + 1)'",
        lambda x: np.sum(x * np.log(x)),
        lambda x: np.log(x) + 1,
        True,
    ),
    (
        "sum(tanh(x))",
        "x",
        "(1 - tanh(x) .^ 2)'",
        lambda x: np.sum(np.tanh(x)),
        lambda x: 1 - np.tanh(x) ** 2,
        False,
    ),
    (
        "sum(sigmoid(x))",
        "x",
        "(sigmoid(x) .* (1 - sigmoid(x)))'",
        lambda x: np.sum(_sigmoid(x)),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
        False,
    ),
    (
        "sum(softplus(x))",
        "x",
        "sigmoid(x)'",
        lambda x: np.sum(np.log1p(np.exp(x))),
        _sigmoid,
        False,
    ),
    ("logsumexp(x)", "x", "softmax(x)'", lambda x: np.log(np.sum(np.exp(x))), _softmax, False),
    # d c' softmax(x) = c' (diag(s) - s s') dx
    (
        "c' softmax(x)",
        "x",
        "(c .* softmax(x))' - (c' softmax(x)) softmax(x)'",
        lambda x: C @ _softmax(x),
        lambda x: C * _softmax(x) - (C @ _softmax(x)) * _softmax(x),
        False,
    ),
    ("sum(sin(x))", "x", "cos(x)'", lambda x: np.sum(np.sin(x)), np.cos, False),
    ("sum(cos(x))", "x", "-sin(x)'", lambda x: np.sum(np.cos(x)), lambda x: -np.sin(x), False),
    (
        "sum(sqrt(x))",
        "x",
        "(0.5 ./ sqrt(x))'",
        lambda x: np.sum(np.sqrt(x)),
        lambda x: 0.5 / np.sqrt(x),
        True,
    ),
    (
        "sum(x .* arctan(x))",
        "x",
        "(arctan(x) + x ./ (1 + x .^ 2))'",
        lambda x: np.sum(x * np.arctan(x)),
        lambda x: np.arctan(x) + x / (1 + x**2),
        False,
    ),
    # relu'(x) = step(x) away from the kink at 0, where the probes are
    (
        "sum(relu(x) .* exp(x))",
        "x",
        "(step(x) .* exp(x) + relu(x) .* exp(x))'",
        lambda x: np.sum(np.maximum(x, 0) * np.exp(x)),
        lambda x: ((x > 0) + np.maximum(x, 0)) * np.exp(x),
        False,
    ),
]
FACTORS = ["1.0000001", "1.000000001", "1.000000000001"]  # 1 + 1e-7, 1 + 1e-9, 1 + 1e-12


def _point(positive: bool) -> np.ndarray:
    return np.array([0.4, 1.3, 0.7]) if positive else np.array([0.4, -1.3, 0.7])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_written_derivative_is_the_derivative(case):
    # the numpy derivative written here is the central finite difference of the numpy f
    _, _, _, f, df, positive = case
    x = _point(positive)
    fd = to_layout(jacobian_fd(lambda x: f(x), {"x": x}, "x"), 0, 1, "numerator")
    np.testing.assert_allclose(df(x), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_claim_itself_is_right(case):
    expr, wrt, claim, *_ = case
    assert ed.check(expr, wrt, claim).verdict == "right"


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_claim_off_by_a_tiny_factor_is_wrong(case, factor):
    # claim = (1 + eps) f'(x): it differs from f'(x) wherever f'(x) != 0
    expr, wrt, claim, _, df, _ = case
    r = ed.check(expr, wrt, f"{factor} * ({claim})")
    assert r.verdict == "wrong", str(r)
    x = np.asarray(r.counterexample["x"], dtype=float)
    assert np.any(df(x) != 0)  # the derivative is not zero there: the claim differs there


def test_a_matrix_claim_off_by_a_tiny_factor_is_wrong():
    # d exp(det X) / dX = exp(det X) det(X) X^-1 in numerator layout (Jacobi's formula)
    X = np.array([[1.2, 0.3, -0.4], [0.1, 0.9, 0.2], [-0.3, 0.5, 1.1]])
    fd = to_layout(
        jacobian_fd(lambda X: np.exp(np.linalg.det(X)), {"X": X}, "X"), 0, 2, "numerator"
    )
    mine = np.exp(np.linalg.det(X)) * np.linalg.det(X) * np.linalg.inv(X)
    np.testing.assert_allclose(mine, fd, rtol=1e-6, atol=1e-8)
    r = ed.check("exp(det(X))", "X", "1.000000000001 * exp(det(X)) det(X) inv(X)")
    assert r.verdict == "wrong", str(r)
    assert np.linalg.det(np.asarray(r.counterexample["X"])) != 0  # so the derivative is not 0


def test_a_tiny_norm_factor_is_wrong():
    # (1 + 1e-9 |x|^2) exp(x)': differs from exp(x)' wherever x != 0
    r = ed.check("sum(exp(x))", "x", "(1 + 1e-9 * norm2(x)^2) * exp(x)'")
    assert r.verdict == "wrong", str(r)
    assert np.any(np.asarray(r.counterexample["x"]) != 0)


def test_a_claim_that_differs_only_at_the_kink_is_not_right():
    # relu'(x) = step(x), step(0) = 0 (SPEC 6.1); the claim adds 1e-12 only where x = 0
    x = np.array([0.0, 1.0, -2.0])
    claimed = (x > 0) + 1e-12 * (1 - np.abs(np.sign(x)))
    assert claimed[0] != float(x[0] > 0)
    r = ed.check("sum(relu(x))", "x", "(step(x) + 1e-12 (1 - abs(sign(x))))'")
    assert r.verdict != "right", str(r)


def test_no_enclosure_across_a_kink():
    # relu at an argument interval holding 0: no enclosure, so no verdict rests on it
    c = intervals.Context()
    f = ed.parse("sum(relu(x))")
    at = intervals._Enclosure(c, {"n": 2}, {}, {"x": np.array([0.0, 1.0])}, [1000])
    with pytest.raises(intervals.Cannot):
        intervals.enclose(at, f)
    at = intervals._Enclosure(c, {"n": 2}, {}, {"x": np.array([-0.5, 1.0])}, [1000])
    (value,) = intervals.enclose(at, f)
    assert value.a <= 1 <= value.b  # relu(-0.5) + relu(1) = 1, enclosed


def test_a_right_erf_claim_with_pi_itself_is_never_wrong():
    # erf'(x) = 2 / sqrt(pi) exp(-x^2), pi = 4 arctan(1): the claim is the derivative; einderiv's
    # derivative writes pi as the decimal 3.141592653589793, so it is no witness against it
    x = np.array([0.3, -0.8, 1.1])
    truth = to_layout(
        jacobian_fd(lambda x: np.sum([math.erf(v) for v in x]), {"x": x}, "x"), 0, 1, "numerator"
    )
    np.testing.assert_allclose(2 / math.sqrt(4 * math.atan(1)) * np.exp(-(x**2)), truth, rtol=1e-6)
    r = ed.check("sum(erf(x))", "x", "(2 / sqrt(4 arctan(1)) exp(-x .^ 2))'")
    assert r.verdict != "wrong", str(r)


@pytest.mark.parametrize("v", [0.0, 1e-300, -0.3, 2.5, -1e6, 7.0])
def test_arctan_enclosure_holds_the_value(v):
    # math.atan is within an ulp of arctan(v): the 200-bit enclosure is narrow and holds it
    c = intervals.Context()
    y = c.atan(c.mpf(v))
    ulp = math.ulp(math.atan(v)) if v else 0.0
    assert float(y.a) - ulp <= math.atan(v) <= float(y.b) + ulp
    assert float((y.b - y.a).b) <= 1e-50 * max(1.0, abs(math.atan(v)))


def test_a_kronecker_claim_off_by_a_tiny_factor_is_wrong():
    # d sum(exp(kron(A, X) y)) / dX: the printed derivative agrees with central differences
    # of numpy's np.kron; 1.000000001 times it differs wherever the derivative is not zero
    f = "sum(exp(kron(A, X) y))"
    g = ed.diff(f, "X")
    r = ed.check(f, "X", f"1.000000001 * ({g})")
    assert r.verdict == "wrong", str(r)
    at = {k: np.asarray(v, dtype=float) for k, v in r.counterexample.items()}

    def fn(A, X, y):
        return np.sum(np.exp(np.kron(A, X) @ y))

    fd = to_layout(jacobian_fd(fn, at, "X"), 0, 2, "numerator")
    np.testing.assert_allclose(g(**at), fd, rtol=1e-6, atol=1e-8)
    assert np.any(fd != 0)
