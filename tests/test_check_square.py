"""Claims right only for a square X (the Matrix Cookbook's identities for a square, invertible
X) about an expression that leaves X's shape open.

Truth is plain numpy: central finite differences of the function written by hand, at random
square X of several sizes, against the claim written in numpy; for a non-square X the claim has
no value (numpy cannot invert it), so the claim is not the derivative there.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

inv, det = np.linalg.inv, np.linalg.det

# (expression, claim, numpy function of X and A, numpy claim in numerator layout)
SQUARE_ONLY = [
    # d log det(X' X) / dX = 2 X^-1 for a square X (2 (X' X)^-1 X' in general)
    ("log(det(X' X))", "2 inv(X)", lambda X, A: np.log(det(X.T @ X)), lambda X, A: 2 * inv(X)),
    # the denominator-layout answer, in numerator layout: wrong even for a square X
    ("log(det(X' X))", "2 inv(X)'", lambda X, A: np.log(det(X.T @ X)), lambda X, A: 2 * inv(X).T),
    # (C52) d det(X' A X) / dX = 2 det(X' A X) X^-1 for a square X
    (
        "det(X' A X)",
        "2 det(X' A X) inv(X)",
        lambda X, A: det(X.T @ A @ X),
        lambda X, A: 2 * det(X.T @ A @ X) * inv(X),
    ),
    # d tr(X' X) / dX = 2 X'; X + X' is that only for a symmetric X
    ("tr(X' X)", "X + X'", lambda X, A: np.trace(X.T @ X), lambda X, A: X + X.T),
]


def _right_for_square(f, claim) -> bool:
    rng = np.random.default_rng(7)
    for n in (2, 3, 4):
        for _ in range(3):
            X, A = rng.normal(size=(n, n)), rng.normal(size=(n, n))
            truth = jacobian_fd(f, {"X": X, "A": A}, "X").T  # numerator: X's axes reversed
            if not np.allclose(claim(X, A), truth, rtol=1e-5, atol=1e-6):
                return False
    return True


@pytest.mark.parametrize("expr, claim, f, g", SQUARE_ONLY, ids=[r[1] for r in SQUARE_ONLY])
def test_a_claim_for_a_square_x_says_to_declare_it_square(expr, claim, f, g):
    X = np.random.default_rng(1).normal(size=(3, 2))
    with pytest.raises((np.linalg.LinAlgError, ValueError)):  # a 3-by-2 X: no value
        g(X, np.eye(3))
    result = ed.check(expr, "X", claim)
    assert result.verdict == "wrong" and "not well-formed" in result.reason
    square = ed.check(expr, "X", claim, where="X: matrix(n, n)")
    right = _right_for_square(f, g)
    # right for a square X: proved, or undecided where the claim needs an invertible X that
    # the expression does not (det(X' A X) is smooth at a singular X)
    want = ("right" if "log" in expr else "undecided") if right else "wrong"
    assert square.verdict == want
    assert f"with X: matrix(n, n) declared it is {square.verdict}" in result.diagnosis


def test_a_cookbook_identity_for_a_square_x_says_to_declare_it_square():
    # the Cookbook's d ln det(X' X) / dX = 2 X^-T (denominator layout), for a square X
    text = (
        r"\frac{\partial \ln\det(\mathbf{X}^T\mathbf{X})}{\partial \mathbf{X}} = 2\mathbf{X}^{-T}"
    )
    f = lambda X, A: np.log(det(X.T @ X))
    assert _right_for_square(f, lambda X, A: 2 * inv(X))  # its numerator-layout transpose
    result = ed.check_identity(text, layout="denominator")
    assert result.verdict == "wrong" and "X: matrix(n, n) declared" in result.diagnosis
    square = ed.check_identity(text, where="X: matrix(n, n)", layout="denominator")
    assert square.verdict == "right" and "declared it is right" in result.diagnosis


def test_a_claim_for_square_factors_names_each_declaration():
    # (DD4) d|A X B|/dX = |A X B| X^-1 for square A, X, B (numerator layout, X invertible);
    # for a square X only (A 2-by-3, B 3-by-2) it is det(A X B) B (A X B)^-1 A, another matrix
    rng = np.random.default_rng(3)
    f = lambda A, X, B: det(A @ X @ B)
    for a, b in ((3, 3), (2, 2), (2, 3)):
        A, X, B = rng.normal(size=(a, b)), rng.normal(size=(b, b)), rng.normal(size=(b, a))
        truth = jacobian_fd(f, {"A": A, "X": X, "B": B}, "X").T
        assert np.allclose(det(A @ X @ B) * inv(X), truth, rtol=1e-5) == (a == b)
    result = ed.check("det(A X B)", "X", "det(A X B) inv(X)")
    assert result.verdict == "wrong" and "not well-formed" in result.reason
    where = "A: matrix(n, n), B: matrix(n, n), X: matrix(n, n)"
    square = ed.check("det(A X B)", "X", "det(A X B) inv(X)", where=where.replace("), ", "); "))
    assert square.verdict == "undecided"  # X^-1 needs X invertible; the expression does not
    assert f"with {where} declared it is undecided" in result.diagnosis


# d log det(X' X) / dX for a square X: det(X' X) != 0 where the expression is defined, and
# det(X' X) = det(X)^2, so X is invertible there and 2 X^-1 (numerator) is defined wherever the
# derivative is; (expression, claim, layout, numpy claim), numpy truth by finite differences
LOGDET_GRAM = [
    ("log(det(X' X))", "2 inv(X)", "numerator", lambda X: 2 * inv(X)),
    ("log(det(X' X))", "2 inv(X)'", "denominator", lambda X: 2 * inv(X).T),
    ("log(det(X' X))", "2 inv(X' X) X'", "numerator", lambda X: 2 * inv(X.T @ X) @ X.T),
    ("log(det(X X'))", "2 inv(X)", "numerator", lambda X: 2 * inv(X)),
    ("log(det(X' X))", "inv(X)", "numerator", lambda X: inv(X)),  # factor 1
    ("log(det(X' X))", "2 inv(X)'", "numerator", lambda X: 2 * inv(X).T),  # transposed
    ("log(det(X' X))", "inv(X' X) X'", "numerator", lambda X: inv(X.T @ X) @ X.T),  # factor 1
    ("log(det(X' X + I))", "2 inv(X)", "numerator", lambda X: 2 * inv(X)),  # not a product
]


@pytest.mark.parametrize("expr, claim, layout, g", LOGDET_GRAM, ids=[r[1] for r in LOGDET_GRAM])
def test_log_det_of_a_gram_matrix_of_a_square_x(expr, claim, layout, g):
    rng = np.random.default_rng(11)
    right = True
    for n in (2, 3, 4):
        for _ in range(3):
            X = rng.normal(size=(n, n))
            M = (lambda X: X.T @ X) if "X' X" in expr else (lambda X: X @ X.T)
            plus = np.eye(n) if "+ I" in expr else 0
            f = lambda X: np.log(det(M(X) + plus))  # noqa: B023 - called in this iteration
            truth = jacobian_fd(f, {"X": X}, "X")  # the gradient: the shape of X
            truth = truth.T if layout == "numerator" else truth
            right &= bool(np.allclose(g(X), truth, rtol=1e-5, atol=1e-6))
    result = ed.check(expr, "X", claim, where="X: matrix(n, n)", layout=layout)
    assert result.verdict == ("right" if right else "wrong"), result


def test_factors_of_other_sizes_are_not_invertible_by_the_product():
    # A B C invertible (A 1-by-2, B 2-by-2, C 2-by-1) with B singular: a claim that needs B^-1
    # is undefined there, where d log det(A B C) / dB = C (A B C)^-1 A is defined
    A, B, C = np.array([[1.0, 0.0]]), np.diag([1.0, 0.0]), np.array([[1.0], [0.0]])
    assert abs(det(A @ B @ C)) > 0.5 and det(B) == 0
    where = "A: matrix(n, m); B: matrix(m, m); C: matrix(m, n)"
    result = ed.check("log(det(A B C))", "B", "C inv(A B C) A B inv(B)", where=where)
    assert result.verdict != "right"


# d log|det(c X' A X)| / dX = 2 X^-1 (numerator) for square X and A, any number c != 0:
# det(c X' A X) = c^n det(X)^2 det(A), and inv(c M) = inv(M) / c hides no size in it, so exact
# arithmetic proves it (it was undecided with the number c inside the inverse)
SCALED = [
    ("log(abs(det(2 X' A X)))", "2 inv(X)", 2.0),
    ("log(abs(det(-3 X' A X)))", "2 inv(X)", -3.0),
    ("log(abs(det(2 X' A X)))", "inv(X)", 2.0),  # factor 1
    ("log(abs(det(2 X' A X)))", "2 inv(X)'", 2.0),  # the denominator-layout answer
]


@pytest.mark.parametrize("expr, claim, c", SCALED, ids=[f"{r[0]}={r[1]}" for r in SCALED])
def test_log_abs_det_of_a_scaled_product(expr, claim, c):
    rng = np.random.default_rng(5)
    right = True
    for n in (2, 3, 4):
        for _ in range(3):
            X, A = rng.normal(size=(n, n)), rng.normal(size=(n, n))
            f = lambda X, A: np.log(abs(det(c * X.T @ A @ X)))
            truth = jacobian_fd(f, {"X": X, "A": A}, "X").T  # numerator layout
            g = 2 * inv(X) if claim.startswith("2") else inv(X)
            g = g.T if claim.endswith("'") else g
            right &= bool(np.allclose(g, truth, rtol=1e-5, atol=1e-6))
    result = ed.check(expr, "X", claim, where="X: matrix(n, n); A: matrix(n, n)")
    assert result.verdict == ("right" if right else "wrong"), result
