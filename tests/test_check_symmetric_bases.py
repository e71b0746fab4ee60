"""The Matrix Cookbook's 125-127 with symmetric matrices: inv(X' C X) is symmetric when C is.

d tr(inv(X' C X) A)/dX = -C X inv(X' C X) (A + A') inv(X' C X) for a symmetric C (Cookbook
(125)), and (126), (127) likewise, were "undecided": the canonical forms differ (einderiv's
derivative writes inv(X' C X)[b,d] where the claim has [d,b], equal only because the base
is symmetric), and exact arithmetic would need a grid of 17 by 8 sizes, over its cap. Each
power of a base symmetric through a declared symmetric variable is now one symmetric matrix
when the forms are compared (``check/symmetric_bases.py``): right, the claims and einderiv's
own forms. Truth: numpy central differences with C, B (and A) drawn symmetric; claims built to
fool it (C not symmetric, a base that is not symmetric, a transpose, a sign, a factor) are
never "right", and "wrong" ones have a counterexample numpy confirms.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(3743)
inv = np.linalg.inv


def spd(n: int) -> np.ndarray:
    g = RNG.normal(size=(n, n))
    return g @ g.T + n * np.eye(n)


def sym(n: int) -> np.ndarray:
    g = RNG.normal(size=(n, n))
    return g + g.T


def f125(X, C, A):
    return np.trace(inv(X.T @ C @ X) @ A)


def f126(X, C, B):
    return np.trace(inv(X.T @ C @ X) @ (X.T @ B @ X))


def f127(X, C, B, A):
    return np.trace(inv(A + X.T @ C @ X) @ (X.T @ B @ X))


def g125(X, C, A):
    M = inv(X.T @ C @ X)
    return -(C @ X @ M) @ (A + A.T) @ M


def g126(X, C, B):
    M = inv(X.T @ C @ X)
    return -2 * C @ X @ M @ X.T @ B @ X @ M + 2 * B @ X @ M


def g127(X, C, B, A):
    M = inv(A + X.T @ C @ X)
    return -2 * C @ X @ M @ X.T @ B @ X @ M + 2 * B @ X @ M


def values(names: str) -> dict:
    out = {"X": RNG.normal(size=(4, 2))}
    for name in names:
        out[name] = {"C": spd(4), "B": sym(4), "A": spd(2) if name == "A" else None}[name]
    if "A" in names and "B" not in names:  # (125): A is any 2-by-2 matrix
        out["A"] = RNG.normal(size=(2, 2))
    return out


CASES = [
    ("tr(inv(X' C X) A)", "C: symmetric(m)", f125, "CA",
     "-(C X inv(X' C X)) (A + A') inv(X' C X)", g125),
    ("tr(inv(X' C X) (X' B X))", "C: symmetric(m); B: symmetric(m)", f126, "CB",
     "-2 C X inv(X' C X) X' B X inv(X' C X) + 2 B X inv(X' C X)", g126),
    ("tr(inv(A + X' C X) (X' B X))", "C: symmetric(m); B: symmetric(m); A: symmetric(n)",
     f127, "CBA",
     "-2 C X inv(A + X' C X) X' B X inv(A + X' C X) + 2 B X inv(A + X' C X)", g127),
]  # fmt: skip


def _truth(fn, at: dict) -> np.ndarray:
    return jacobian_fd(fn, at, "X")  # denominator layout: X's shape


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_cookbooks_claim_and_einderivs_own_form_are_right(case):
    expr, where, fn, names, claim, value = CASES[case]
    at = values(names)
    np.testing.assert_allclose(value(**at), _truth(fn, at), atol=1e-6)
    result = ed.check(expr, "X", claim=claim, where=where, layout="denominator")
    assert result.verdict == "right", result
    own = ed.diff(expr, "X", where=where, layout="denominator")
    back = ed.parse(str(own), where=where)  # einderiv's text, read back, against numpy
    np.testing.assert_allclose(back(**at), _truth(fn, at), atol=1e-6)
    result = ed.check(expr, "X", claim=str(own), where=where, layout="denominator")
    assert result.verdict == "right", result


# (case, claim, its value in numpy): off by a sign, a factor, a transpose of a factor that is
# not symmetric, A for A + A', the two inverses of different bases
FOOLING = [
    (0, "(C X inv(X' C X)) (A + A') inv(X' C X)", lambda X, C, A: -g125(X, C, A)),
    (0, "-2 (C X inv(X' C X)) A inv(X' C X)",
     lambda X, C, A: -2 * C @ X @ inv(X.T @ C @ X) @ A @ inv(X.T @ C @ X)),
    (0, "-(C X inv(X' C X)) (A + A') inv(X' X)",
     lambda X, C, A: -(C @ X @ inv(X.T @ C @ X)) @ (A + A.T) @ inv(X.T @ X)),
    (0, "-(C X inv(X' C X)) A' inv(X' C X) - (C X inv(X' C X)) A' inv(X' C X)",
     lambda X, C, A: -2 * C @ X @ inv(X.T @ C @ X) @ A.T @ inv(X.T @ C @ X)),
    (1, "-2 C X inv(X' C X) X' B X inv(X' C X) + B X inv(X' C X)",
     lambda X, C, B: g126(X, C, B) - B @ X @ inv(X.T @ C @ X)),
    (1, "-2 C X inv(X' C X) X' C X inv(X' C X) + 2 B X inv(X' C X)",
     lambda X, C, B: -2 * C @ X @ inv(X.T @ C @ X) @ X.T @ C @ X @ inv(X.T @ C @ X)
     + 2 * B @ X @ inv(X.T @ C @ X)),
    (2, "-2 C X inv(A + X' C X) X' B X inv(X' C X) + 2 B X inv(A + X' C X)",
     lambda X, C, B, A: -2 * C @ X @ inv(A + X.T @ C @ X) @ X.T @ B @ X @ inv(X.T @ C @ X)
     + 2 * B @ X @ inv(A + X.T @ C @ X)),
]  # fmt: skip


@pytest.mark.parametrize("k", range(len(FOOLING)))
def test_a_claim_off_by_a_sign_a_factor_or_a_base_is_never_right(k):
    case, claim, value = FOOLING[k]
    expr, where, fn, names, *_ = CASES[case]
    at = values(names)
    assert not np.allclose(value(**at), _truth(fn, at), atol=1e-4)
    result = ed.check(expr, "X", claim=claim, where=where, layout="denominator")
    assert result.verdict != "right", result
    if result.verdict == "wrong" and result.counterexample is not None:
        point = {k: np.asarray(v, dtype=float) for k, v in result.counterexample.items()}
        truth = _truth(fn, point)  # defined there
        try:
            claimed = value(**point)
        except np.linalg.LinAlgError:  # the claim's inverse is singular there: undefined
            return
        assert not np.allclose(claimed, truth, atol=1e-6)


def test_without_the_declaration_the_symmetric_claim_is_wrong():
    # C any matrix: inv(X' C X) is no longer symmetric, and the claim for a symmetric C is not
    # the derivative (numpy, C not symmetric)
    expr, _, fn, _, claim, value = CASES[0]
    at = {"X": RNG.normal(size=(4, 2)), "C": RNG.normal(size=(4, 4)) + 4 * np.eye(4)}
    at["A"] = RNG.normal(size=(2, 2))
    assert not np.allclose(value(**at), _truth(fn, at), atol=1e-4)
    result = ed.check(expr, "X", claim=claim, layout="denominator")
    assert result.verdict == "wrong", result


def test_a_base_symmetric_only_through_another_variable_is_not_taken_as_symmetric():
    # D not declared symmetric: inv(X' D X) is not symmetric, so its transpose in the claim
    # makes it another matrix; C symmetric beside it changes nothing
    expr = "tr(inv(X' D X) A) + tr(X' C X)"
    where = "C: symmetric(m)"

    def fn(X, D, A, C):
        return np.trace(inv(X.T @ D @ X) @ A) + np.trace(X.T @ C @ X)

    def wrong(X, D, A, C):
        M = inv(X.T @ D @ X)
        return -(D @ X @ M) @ (A + A.T) @ M + 2 * C @ X

    at = {"X": RNG.normal(size=(4, 2)), "D": RNG.normal(size=(4, 4)) + 4 * np.eye(4)}
    at.update(A=RNG.normal(size=(2, 2)), C=spd(4))
    assert not np.allclose(wrong(**at), _truth(fn, at), atol=1e-4)
    claim = "-(D X inv(X' D X)) (A + A') inv(X' D X) + 2 C X"
    result = ed.check(expr, "X", claim=claim, where=where, layout="denominator")
    assert result.verdict != "right", result
