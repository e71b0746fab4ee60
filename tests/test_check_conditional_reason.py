"""A claim proved equal to the derivative where its own conditions hold, undefined elsewhere.

Jacobi's formula claimed as ``det(X) X^-T`` for d det(X)/dX (denominator layout) is equal to
the derivative wherever X is invertible, and undefined where X is singular, where det is
differentiable (its derivative is adj(X)'). check keeps it "undecided" (never "right"); the
reason said only "the claim agrees at every probe, but it needs conditions the expression
does not impose ..., so it may be undefined", though the equality was proved. It now says
both (``check/conditional.py``). So for d tr(X^k)/dX claimed ``k (X^(k-1))'`` with k an
integer symbol: proved for every k, undefined at k = 0 (tr(X^0) = n, flat) for a singular X.
Truth: numpy central differences of numpy code; numpy's inverse of a singular matrix fails.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(3742)
SINGULAR = np.array([[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.3, -1.0, 2.0]])  # row 2 = 2 row 1


def _grad(fn, X: np.ndarray) -> np.ndarray:
    return jacobian_fd(fn, {"X": X}, "X")  # jacobian layout = denominator for a scalar


def _det(X):
    return np.linalg.det(X)


def _undefined(claim) -> bool:
    try:
        claim(SINGULAR)
    except np.linalg.LinAlgError:
        return True
    return False


@pytest.mark.parametrize(
    "claim, layout, value",
    [
        ("det(X) X^-T", "denominator", lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
        ("det(X) inv(X)'", "denominator", lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
        ("det(X) inv(X)", "numerator", lambda X: np.linalg.det(X) * np.linalg.inv(X)),
    ],
)
def test_jacobis_formula_is_equal_where_x_is_invertible_and_undefined_where_singular(
    claim, layout, value
):
    X = RNG.normal(size=(3, 3))
    want = _grad(_det, X)
    want = want if layout == "denominator" else want.T
    np.testing.assert_allclose(value(X), want, atol=1e-6)  # equal where X is invertible
    assert abs(np.linalg.det(SINGULAR)) < 1e-12 and _undefined(value)  # no value there ...
    at_singular = _grad(_det, SINGULAR)  # ... where det has a derivative (adj(X)')
    assert np.abs(at_singular).max() > 1
    result = ed.check("det(X)", "X", claim=claim, layout=layout)
    assert result.verdict == "undecided", result
    assert "wherever X is invertible" in result.reason, result.reason
    assert "undefined where X is singular, where the derivative is defined" in result.reason


@pytest.mark.parametrize(
    "claim, layout, value",
    [
        ("-det(X) X^-T", "denominator", lambda X: -np.linalg.det(X) * np.linalg.inv(X).T),
        ("det(X) X^-1", "denominator", lambda X: np.linalg.det(X) * np.linalg.inv(X)),
        ("2 det(X) X^-T", "denominator", lambda X: 2 * np.linalg.det(X) * np.linalg.inv(X).T),
        ("det(X)^2 X^-T", "denominator", lambda X: np.linalg.det(X) ** 2 * np.linalg.inv(X).T),
        ("det(X) X^-T", "numerator", lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
        ("det(X') X^-T", "numerator", lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
    ],
)
def test_a_jacobi_claim_off_by_a_sign_a_factor_or_a_transpose_is_wrong(claim, layout, value):
    result = ed.check("det(X)", "X", claim=claim, layout=layout)
    assert result.verdict == "wrong", result
    X = np.asarray(result.counterexample["X"], dtype=float)
    want = _grad(_det, X)
    want = want if layout == "denominator" else want.T
    assert not np.allclose(value(X), want, atol=1e-6)


def _tr_power(k: int):
    return lambda X: np.trace(np.linalg.matrix_power(X, k))


def _claimed_power(X: np.ndarray, k: int) -> np.ndarray:
    return k * np.linalg.matrix_power(X, k - 1).T  # k (X^(k-1))'; X^-1 inverts X


def test_a_symbolic_power_is_proved_for_every_k_and_undefined_at_k_0_for_a_singular_x():
    X = RNG.normal(size=(3, 3))
    for k in (-2, -1, 1, 2, 3, 5):
        np.testing.assert_allclose(_claimed_power(X, k), _grad(_tr_power(k), X), atol=1e-5)
    # k = 0: tr(X^0) = tr(I) = 3 is flat, its derivative 0 also at a singular X, where the
    # claim 0 (X^-1)' has no value
    np.testing.assert_allclose(_grad(_tr_power(0), SINGULAR), np.zeros((3, 3)), atol=1e-9)
    with pytest.raises(np.linalg.LinAlgError):
        _claimed_power(SINGULAR, 0)
    for claim, layout in (("k (X^(k-1))'", "denominator"), ("k X^(k-1)", "numerator")):
        result = ed.check("tr(X^k)", "X", claim=claim, where="k: integer", layout=layout)
        assert result.verdict == "undecided", result
        assert "wherever X is invertible or k - 1 >= 0" in result.reason, result.reason
        assert "undefined where X is singular and k - 1 < 0" in result.reason, result.reason


@pytest.mark.parametrize(
    "claim, layout, value",
    [
        (
            "(k+1) (X^(k-1))'",
            "denominator",
            lambda X, k: (k + 1) * np.linalg.matrix_power(X, k - 1).T,
        ),
        ("k X^(k-1)", "denominator", lambda X, k: _claimed_power(X, k).T),
        ("k (X^k)'", "denominator", lambda X, k: k * np.linalg.matrix_power(X, k).T),
        ("-k (X^(k-1))'", "denominator", lambda X, k: -_claimed_power(X, k)),
    ],
)
def test_a_symbolic_power_claim_off_by_a_factor_a_transpose_or_a_power_is_wrong(
    claim, layout, value
):
    result = ed.check("tr(X^k)", "X", claim=claim, where="k: integer", layout=layout)
    assert result.verdict == "wrong", result
    at = result.counterexample
    X, k = np.asarray(at["X"], dtype=float), int(at["k"])
    assert not np.allclose(value(X, k), _grad(_tr_power(k), X), atol=1e-5)
