"""Kronecker claims that einderiv's pairing of sizes cannot read, judged as plain matrices.

einderiv reads ``d vec(Y) / d vec(X)' = R`` by pairing R's Kronecker and vec sizes factor by
factor; where that fails (``kron(X, I) commutation(2, 3)``: ?*3 against 3*2), R is judged by
its plain value (check/kron_plain). The truth here is plain numpy: the Jacobian of vec(Y) by
vec(X) (column-major vec) by central differences, and ``np.kron`` of the claim's factors.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import commutation, vec_jacobian

RNG = np.random.default_rng(2901)
FORM = "d vec(Y) / d vec(X)' = "


def test_the_commutation_on_the_wrong_term_is_wrong_by_its_entries():
    # d vec(X X') / d vec(X)' = kron(X, I_2) + kron(I_2, X) K_{2,3} (X 2-by-3); the claim puts
    # K on the other term: kron(I_2, X) + kron(X, I_2) K_{2,3}, a 4-by-6 matrix as well, but
    # another one. It was "not well-formed" (einderiv pairs kron(X, I)'s columns ?*3 with
    # K's rows 3*2); it is wrong by its entries, at a counterexample said with both values
    X = RNG.normal(size=(2, 3))
    truth = vec_jacobian(lambda X: X @ X.T, X)
    I2, K = np.eye(2), commutation(2, 3)
    assert np.allclose(truth, np.kron(X, I2) + np.kron(I2, X) @ K, atol=1e-6)
    assert not np.allclose(truth, np.kron(I2, X) + np.kron(X, I2) @ K, atol=1e-3)
    claim = FORM + "kron(I, X) + kron(X, I) commutation(2, 3)"
    result = ed.check("X X'", "X", claim, where="X: matrix(2, 3)")
    assert result.verdict == "wrong" and "not well-formed" not in result.reason, result
    assert "entries differ" in result.reason, result
    at = result.counterexample["X"]
    assert np.allclose(result.claimed_value, np.kron(I2, at) + np.kron(at, I2) @ K)
    assert np.allclose(result.expected_value, vec_jacobian(lambda X: X @ X.T, at), atol=1e-5)
    right = ed.check(
        "X X'", "X", FORM + "kron(X, I) + kron(I, X) commutation(2, 3)", where="X: matrix(2, 3)"
    )
    assert right.verdict == "right", right


@pytest.mark.parametrize("where", ["X: matrix(2, 3)", "X: matrix(m, n)"])
def test_terms_that_einderiv_cannot_pair_are_wrong_where_their_matrix_differs(where):
    # kron(I, X) + kron(X, I) for X X': as plain matrices (I = I_m) both terms are m^2-by-mn,
    # and the sum is not the derivative (it misses K_{m,n}); it was undecided (einderiv pairs
    # the columns n*m and m*n, which do not line up); now wrong, with its witness
    X = RNG.normal(size=(2, 3))
    I2 = np.eye(2)
    assert not np.allclose(vec_jacobian(lambda X: X @ X.T, X), np.kron(I2, X) + np.kron(X, I2))
    result = ed.check("X X'", "X", FORM + "kron(I, X) + kron(X, I)", where=where)
    assert result.verdict == "wrong", result
    at = result.counterexample["X"]
    m = at.shape[0]
    assert np.allclose(result.claimed_value, np.kron(np.eye(m), at) + np.kron(at, np.eye(m)))
    assert np.allclose(result.expected_value, vec_jacobian(lambda X: X @ X.T, at), atol=1e-5)


@pytest.mark.parametrize(
    "where, shape, claim, numpy_claim",
    [
        # A X' of a 2-by-1 X, A 1-by-1: kron(A, I_2) K_{2,1} = A I_2
        (
            "X: matrix(2, 1); A: matrix(1, 1)",
            ((1, 1), (2, 1)),
            "kron(A, I) commutation(2, 1)",
            lambda A: np.kron(A, np.eye(2)) @ commutation(2, 1),
        ),
        # A X' of a 1-by-3 X, A 2-by-3: kron(A, I_1) K_{1,3} = A
        (
            "X: matrix(1, 3); A: matrix(2, 3)",
            ((2, 3), (1, 3)),
            "kron(A, I) commutation(1, 3)",
            lambda A: np.kron(A, np.eye(1)) @ commutation(1, 3),
        ),
        (
            "X: matrix(1, 3); A: matrix(2, 3)",
            ((2, 3), (1, 3)),
            "kron(A, I_{1}) commutation(1, 3)",
            lambda A: np.kron(A, np.eye(1)) @ commutation(1, 3),
        ),
        # twice it: wrong
        (
            "X: matrix(1, 3); A: matrix(2, 3)",
            ((2, 3), (1, 3)),
            "2 kron(A, I) commutation(1, 3)",
            lambda A: 2 * np.kron(A, np.eye(1)) @ commutation(1, 3),
        ),
    ],
)
def test_numbered_claims_with_sizes_of_one_are_decided(where, shape, claim, numpy_claim):
    # d vec(A X') / d vec(X)': einderiv pairs 1*3 with 3*1 (or ?*? = 2 two ways) and left these
    # undecided; with every size a number the plain matrices have one sizing of I, and the
    # claim (a polynomial in A) is proved equal by exact arithmetic, or wrong at a witness
    A, X = RNG.normal(size=shape[0]), RNG.normal(size=shape[1])
    right = bool(np.allclose(vec_jacobian(lambda X: A @ X.T, X), numpy_claim(A), atol=1e-6))
    result = ed.check("A X'", "X", FORM + claim, where=where)
    assert result.verdict == ("right" if right else "wrong"), result


def test_named_sizes_stay_undecided_when_the_plain_matrices_agree():
    # kron(A, I) commutation(1, n) for A X' of a 1-by-n X is A at each n probed (numpy, n = 3
    # above); with n a name no proof covers every n: undecided, never right
    result = ed.check(
        "A X'", "X", FORM + "kron(A, I) commutation(1, n)", where="X: matrix(1, n); A: matrix(p, n)"
    )
    assert result.verdict == "undecided", result


def test_an_i_that_fits_two_ways_is_undecided():
    # kron(I, ones' ones) K_{2,3} for X': ones' ones is k for ones of size k, so the claim is
    # k K_{2,3}, the derivative at k = 1 only: not wrong, not right (was "not well-formed")
    K = commutation(2, 3)
    assert np.allclose(vec_jacobian(lambda X: X.T, RNG.normal(size=(2, 3))), K)
    result = ed.check(
        "X'", "X", FORM + "kron(I, ones' ones) commutation(2, 3)", where="X: matrix(2, 3)"
    )
    assert result.verdict == "undecided" and "more than one way" in result.reason, result


def test_written_sizes_that_einderiv_cannot_pair_are_judged_as_plain_matrices():
    # d vec(X' X) / d vec(X)' of a 1-by-2 X is kron(I_2, X') + kron(X', I_2) K_{1,2}, and
    # K_{1,2} = I_2: kron(X', I_2) + kron(I_2, X') is it (was undecided: 2*1 against 1*2)
    X = RNG.normal(size=(1, 2))
    I2 = np.eye(2)
    assert np.allclose(vec_jacobian(lambda X: X.T @ X, X), np.kron(X.T, I2) + np.kron(I2, X.T))
    claim = FORM + "kron(X', I_{2}) + kron(I_{2}, X')"
    assert ed.check("X' X", "X", claim, where="X: matrix(1, 2)").verdict == "right"
    # kron(I_2, X) K_{2,1} is 2-by-4 times 2-by-2: no matrix, so the claim is wrong by its shape
    with pytest.raises(ValueError):
        np.kron(X.T, I2) + np.kron(I2, X) @ commutation(2, 1)
    claim = FORM + "kron(X', I_{2}) + kron(I_{2}, X) commutation(2, 1)"
    result = ed.check("X' X", "X", claim, where="X: matrix(1, 2)")
    assert result.verdict == "wrong" and "sizes that do not fit" in result.reason, result


@pytest.mark.parametrize(
    "left",
    [
        r"\frac{\partial vec(Y)}{\partial vec(X)^\top}",
        r"\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)^T}",
        r"\dfrac{\partial \mathrm{vec}(\mathbf{Y})}{\partial \mathrm{vec}(\mathbf{X})^{\top}}",
        (
            r"\frac{\mathrm{d}\, \operatorname{vec}\left(\mathbf{Y}\right)}"
            r"{\mathrm{d}\, \operatorname{vec}\left(\mathbf{X}\right)^{T}}"
        ),
        "d vec(Y) / d vec(X)'",
    ],
)
def test_a_latex_kronecker_claim_reads_as_the_plain_one(left):
    # d vec(A X B) / d vec(X)' = B' (x) A (numpy: central differences, np.kron); A (x) B' is
    # the same size here (4-by-12) and another matrix. The LaTeX left side was a ParseError
    # ('\partial: write the function only'); it reads as d vec(Y) / d vec(X)'
    A, X, B = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
    truth = vec_jacobian(lambda X: A @ X @ B, X)
    assert np.allclose(truth, np.kron(B.T, A), atol=1e-6)
    assert truth.shape == np.kron(A, B.T).shape and not np.allclose(truth, np.kron(A, B.T))
    where = "A: matrix(2, 3); X: matrix(3, 4); B: matrix(4, 2)"
    right = ed.check("A X B", "X", left + r" = B^\top \otimes A", where=where)
    assert right.verdict == "right", right
    wrong = ed.check("A X B", "X", left + r" = A \otimes B^\top", where=where)
    assert wrong.verdict == "wrong", wrong
