"""A jump (step, sign) of the variable: where a derivative exists, einderiv's is it.

The first derivative of sum(step(x)) claimed 0 was "undecided" (no jump was ever proved), while
its Hessian claimed 0 was "right" (its gradient, 0, had no jump left to doubt). SPEC 6.1 gives
derivatives where they exist: step and sign jump at 0 and have none there. For one jump node
of the variable, linear entry by entry, einderiv's derivative (h' = 0) is the derivative
wherever one exists when the jump's value at 0 is one side's (step(0) = 0), or when
einderiv's derivative holds no kink or jump (``check/slopes.kinks_proved``); a Hessian needs
that of the expression and of its gradient. So both are now "right", and so is the Hessian of
sum(abs(x)) claimed 0. Two jump nodes, or one whose derivative still jumps, stay undecided:
``(step(x) + step(-x)) .* x`` is x, whose derivative 1 at 0 einderiv's conventions give as 0.
Truth: numpy central differences (and second differences) of numpy code.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import hessian_fd, jacobian_fd

RNG = np.random.default_rng(3741)


def step(u):
    return np.heaviside(u, 0.0)


def _points(n: int = 4, zero: bool = False) -> list[np.ndarray]:
    out = [RNG.normal(size=n) for _ in range(3)]
    out = [np.where(np.abs(x) < 1e-3, 0.5, x) for x in out]  # off every jump (h = 1e-6)
    if zero:
        out.append(np.array([0.0, 1.3, -0.7, 0.0][:n]))
    return out


# (expression, numpy f(x), order, claim, numpy claim(x), whether the points may have a 0)
RIGHT = [
    ("sum(step(x))", lambda x: step(x).sum(), 1, "0", lambda x: np.zeros(len(x)), False),
    ("sum(step(x))", lambda x: step(x).sum(), 2, "0", lambda x: np.zeros((len(x),) * 2), False),
    ("sum(step(x))", lambda x: step(x).sum(), 1, "0 x'", lambda x: np.zeros(len(x)), False),
    ("sum(sign(x))", lambda x: np.sign(x).sum(), 1, "0", lambda x: np.zeros(len(x)), False),
    ("sum(sign(x))", lambda x: np.sign(x).sum(), 2, "0", lambda x: np.zeros((len(x),) * 2), False),
    ("sum(step(-x))", lambda x: step(-x).sum(), 1, "0", lambda x: np.zeros(len(x)), False),
    (
        "sum(abs(x))",
        lambda x: np.abs(x).sum(),
        2,
        "0",
        lambda x: np.zeros((len(x),) * 2),
        False,
    ),
    (
        "sum(step(x) .* x .^ 2)",
        lambda x: (step(x) * x**2).sum(),
        1,
        "2 (step(x) .* x)'",
        lambda x: 2 * step(x) * x,
        True,
    ),
    (
        "sum(step(x) .* x .^ 3)",
        lambda x: (step(x) * x**3).sum(),
        2,
        "6 diag(step(x) .* x)",
        lambda x: np.diag(6 * step(x) * x),
        True,
    ),
]


def _truth(fn, x: np.ndarray, order: int) -> np.ndarray:
    if order == 1:
        return jacobian_fd(lambda x: fn(x), {"x": x}, "x")
    return hessian_fd(lambda x: fn(x), {"x": x}, "x")


@pytest.mark.parametrize("case", range(len(RIGHT)))
def test_a_claim_equal_to_the_derivative_wherever_it_exists_is_right(case):
    expr, fn, order, claim, value, zero = RIGHT[case]
    for x in _points(zero=zero):
        np.testing.assert_allclose(value(x), _truth(fn, x, order), atol=1e-3)
    result = ed.check(expr, "x", claim=claim, order=order)
    assert result.verdict == "right", result


def test_the_first_and_second_derivative_of_a_sum_of_steps_agree():
    # the inconsistency: the gradient 0 was undecided, the Hessian 0 right
    first = ed.check("sum(step(x))", "x", claim="0")
    second = ed.check("sum(step(x))", "x", claim="0", order=2)
    assert first.verdict == second.verdict == "right"


def test_a_matrix_variable_under_a_step_in_numerator_layout():
    # d sum(step(W) .* W .^ 2) / dW = 2 (step(W) .* W)' in numerator layout; without the
    # transpose it is another matrix (W 3-by-2): wrong, with a counterexample numpy confirms
    def f(W):
        return (step(W) * W**2).sum()

    W = RNG.normal(size=(3, 2))
    truth = jacobian_fd(f, {"W": W}, "W").T  # numerator layout: X's axes reversed
    np.testing.assert_allclose(2 * (step(W) * W).T, truth, atol=1e-5)
    right = ed.check("sum(step(W) .* W .^ 2)", "W", claim="2 (step(W) .* W)'")
    assert right.verdict == "right", right
    wrong = ed.check("sum(step(W) .* W .^ 2)", "W", claim="2 step(W) .* W")
    assert wrong.verdict == "wrong", wrong


# claims built to pass on einderiv's conventions: equal to its derivative, but not the
# derivative where one exists (numpy finds the difference at a zero entry)
FOOLING = [
    (
        "sum((step(x) + step(-x)) .* x)",  # = sum(x): derivative 1 everywhere, also at 0
        lambda x: ((step(x) + step(-x)) * x).sum(),
        1,
        "(step(x) + step(-x))'",
        lambda x: step(x) + step(-x),
    ),
    (
        "sum(sign(x) .^ 2 .* x)",  # = sum(x) again
        lambda x: (np.sign(x) ** 2 * x).sum(),
        1,
        "(sign(x) .^ 2)'",
        lambda x: np.sign(x) ** 2,
    ),
    (
        "sum((step(x) + step(-x)) .* x .^ 2)",  # = sum(x .^ 2): Hessian 2 I, also at 0
        lambda x: ((step(x) + step(-x)) * x**2).sum(),
        2,
        "2 diag(step(x) + step(-x))",
        lambda x: np.diag(2 * (step(x) + step(-x))),
    ),
    (
        "sum(sign(x) .^ 2 .* x .^ 2)",  # = sum(x .^ 2)
        lambda x: (np.sign(x) ** 2 * x**2).sum(),
        2,
        "2 diag(sign(x) .^ 2)",
        lambda x: np.diag(2 * np.sign(x) ** 2),
    ),
]


@pytest.mark.parametrize("case", range(len(FOOLING)))
def test_a_claim_right_only_by_the_jump_conventions_is_never_right(case):
    expr, fn, order, claim, value = FOOLING[case]
    x = np.array([0.0, 1.3, -0.7])
    assert not np.allclose(value(x), _truth(fn, x, order), atol=1e-3)  # the derivative exists
    result = ed.check(expr, "x", claim=claim, order=order)
    assert result.verdict != "right", result


# off by a sign, a factor, the jump's side: wrong, at a point where numpy finds them apart


def SQUARE(x):  # differentiable at 0 too
    return (step(x) * x**2).sum()


WRONG = [
    ("sum(step(x) .* x .^ 2)", SQUARE, "-2 (step(x) .* x)'", lambda x: -2 * step(x) * x, True),
    ("sum(step(x) .* x .^ 2)", SQUARE, "(step(x) .* x)'", lambda x: step(x) * x, True),
    ("sum(step(x) .* x .^ 2)", SQUARE, "2 (step(-x) .* x)'", lambda x: 2 * step(-x) * x, True),
    ("sum(step(x))", lambda x: step(x).sum(), "step(x)'", step, False),
    ("sum(sign(x))", lambda x: np.sign(x).sum(), "0.001 x'", lambda x: 0.001 * x, False),
]


@pytest.mark.parametrize("case", range(len(WRONG)))
def test_a_claim_off_by_a_sign_a_factor_or_a_side_is_wrong(case):
    expr, fn, claim, value, at_zero = WRONG[case]
    result = ed.check(expr, "x", claim=claim)
    assert result.verdict == "wrong", result
    x = np.atleast_1d(np.asarray(result.counterexample["x"], dtype=float))
    assert at_zero or np.all(x != 0)  # a jump's point is no witness: no derivative there
    assert not np.allclose(value(x), _truth(fn, x, 1), atol=1e-4)
