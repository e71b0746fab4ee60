"""Kronecker claims read as plain matrices whose bare I are sized by solving, not by search.

A claim ``d vec(Y) / d vec(X)' = R`` that einderiv's pairing cannot read is judged by R's plain
value (check/kron_plain); its bare I and ones are sized so that R is vec(Y)-by-vec(X)
(check/plain_sizes). Truth here is plain numpy: ``np.kron``, a commutation matrix built from
column-major vec, and the Jacobian of vec(Y) by vec(X) by central differences.
"""

from __future__ import annotations

import itertools

import numpy as np

import einderiv as ed
from tests.fd import commutation, vec_jacobian

FORM = "d vec(Y) / d vec(X)' = "


def test_a_bare_identity_that_fits_no_size_is_wrong():
    # d vec(A X) / d vec(X)' = kron(I_4, A) is 8-by-12 (A 2-by-3, X 3-by-4); the claim
    # kron(I_k, A') + 2 kron(I_j, X') is 3k-by-2k plus 4j-by-3j: 3k = 4j and 2k = 3j give
    # k = j = 0, so no size of its I makes it a matrix, let alone 8-by-12. It was undecided
    # ("cannot read the claim's sizes"; sizes searched, not solved)
    A, X = np.ones((2, 3)), np.ones((3, 4))
    for k, j in itertools.product(range(1, 25), repeat=2):
        left, right = np.kron(np.eye(k), A.T).shape, np.kron(np.eye(j), X.T).shape
        assert left != right or left != (8, 12)
    claim = FORM + "kron(I, A') + 2 kron(I, X')"
    result = ed.check("A X", "X", claim, where="A: matrix(2, 3); X: matrix(3, 4)")
    assert result.verdict == "wrong", result
    assert "no size of its bare I" in result.reason, result


def test_a_claim_missing_its_commutation_with_three_bare_identities_is_wrong():
    # d vec(X' A X) / d vec(X)' = kron(I, X' A) + kron(X' A', I) K_{m,n} (X m-by-n); with K
    # written as a third I the claim is n^2-by-mn only with I_n, I_n, I_{mn}, and then differs
    # (X not square). It was undecided: three bare I, too many sizes to search
    claim = FORM + "kron(I, X' A) + kron(X' A', I) I"
    result = ed.check("X' A X", "X", claim, where="X: matrix(m, n); A: matrix(m, m)")
    assert result.verdict == "wrong", result
    at, A = result.counterexample["X"], result.counterexample["A"]
    m, n = at.shape
    In = np.eye(n)
    claimed = np.kron(In, at.T @ A) + np.kron(at.T @ A.T, In)
    assert np.allclose(result.claimed_value, claimed)
    truth = vec_jacobian(lambda X: X.T @ A @ X, at)
    assert np.allclose(result.expected_value, truth, atol=1e-5)
    with_k = np.kron(In, at.T @ A) + np.kron(at.T @ A.T, In) @ commutation(m, n)
    assert np.allclose(truth, with_k, atol=1e-5)
    assert not np.allclose(truth, claimed, atol=1e-3)


def test_the_inverse_of_a_gram_matrix_without_its_commutation_is_wrong():
    # d vec(inv(X' X)) / d vec(X)' = -kron(S, S X') - kron(S X', S) K_{m,n}, S = inv(X' X)
    # (X 3-by-2); without K the claim is the same 4-by-6 size but another matrix. It was
    # undecided: the plain reading had no inverse
    claim = FORM + "-kron((X' X)^-1, (X' X)^-1 X') - kron((X' X)^-1 X', (X' X)^-1)"
    result = ed.check("inv(X' X)", "X", claim, where="X: matrix(3, 2)")
    assert result.verdict == "wrong", result
    at = result.counterexample["X"]
    S = np.linalg.inv(at.T @ at)
    claimed = -np.kron(S, S @ at.T) - np.kron(S @ at.T, S)
    assert np.allclose(result.claimed_value, claimed)
    truth = vec_jacobian(lambda X: np.linalg.inv(X.T @ X), at)
    assert np.allclose(result.expected_value, truth, atol=1e-5)
    assert np.allclose(truth, -np.kron(S, S @ at.T) - np.kron(S @ at.T, S) @ commutation(3, 2))
    assert not np.allclose(truth, claimed, atol=1e-3)
    # with K it is right: einderiv reads it and proves it
    right = ed.check("inv(X' X)", "X", f"{claim} commutation(3, 2)", where="X: matrix(3, 2)")
    assert right.verdict != "wrong", right


def test_a_claim_with_sizes_by_name_is_wrong_where_a_size_round_shows_it():
    # d vec(inv(X' X)) / d vec(X)' for X m-by-n (m >= n where X' X is invertible) needs K_{m,n}
    # on its second term; without it the claim is right only at n = 1 (K_{m,1} = I). It was
    # undecided: the plain reading tried three size rounds, two of them m < n (no point of
    # the domain), the third m = n = 1; every round is tried now
    claim = FORM + "-kron((X' X)^-1, (X' X)^-1 X') - kron((X' X)^-1 X', (X' X)^-1)"
    result = ed.check("inv(X' X)", "X", claim, where="X: matrix(m, n)")
    assert result.verdict == "wrong", result
    at = result.counterexample["X"]
    m, n = at.shape
    assert m >= n > 1
    S = np.linalg.inv(at.T @ at)
    claimed = -np.kron(S, S @ at.T) - np.kron(S @ at.T, S)
    assert np.allclose(result.claimed_value, claimed)
    truth = vec_jacobian(lambda X: np.linalg.inv(X.T @ X), at)
    assert np.allclose(result.expected_value, truth, atol=1e-4)
    assert not np.allclose(truth, claimed, atol=1e-3)


def test_a_scalar_product_in_a_plain_claim_is_no_misfit():
    # d vec((a' b) A X') / d vec(X)' = (a' b) kron(A, I_2) K_{2,1} = (a' b) A I_2 (A 1-by-1,
    # X 2-by-1, K_{2,1} = I_2): right. As plain matrices a' b is 1-by-1, and a 1-by-1 times
    # a 2-by-2 does not fit; that misfit made it "wrong" (with I_2, and with a bare I once
    # its sizes were solved). In einderiv's language a' b (and a · b) is a scalar: right
    rng = np.random.default_rng(3001)
    A, X, a, b = (
        rng.normal(size=(1, 1)),
        rng.normal(size=(2, 1)),
        rng.normal(size=2),
        rng.normal(size=2),
    )
    truth = vec_jacobian(lambda X: (a @ b) * A @ X.T, X)
    assert np.allclose(truth, (a @ b) * np.kron(A, np.eye(2)) @ commutation(2, 1), atol=1e-6)
    where = "A: matrix(1, 1); X: matrix(2, 1); a: vector(2); b: vector(2)"
    for right in ("(a' b) kron(A, I_{2}) commutation(2, 1)", "kron(A, I) (b' a) commutation(2, 1)"):
        result = ed.check("(a' b) A X'", "X", FORM + right, where=where)
        assert result.verdict == "right", result
    result = ed.check(
        "(a' b) A X'", "X", FORM + "(a · b) kron(A, I) commutation(2, 1)", where=where
    )
    assert result.verdict == "right", result
    result = ed.check(
        "(a' b) A X'", "X", FORM + "3 (a' b) kron(A, I) commutation(2, 1)", where=where
    )
    assert result.verdict == "wrong", result


def test_a_scalar_product_beside_a_bare_identity_forces_no_size():
    # d vec((a' b) X) / d vec(X)' = (a' b) I_3 (X 3-by-1) = (a' b) kron(I_1, I_3): right. Its
    # sizes were solved as plain matrices, 1-by-1 times k-by-k, forcing k = 1 and then no fit
    # ("wrong"); a' b is a scalar in einderiv's language, and I = I_3
    rng = np.random.default_rng(3002)
    X, a, b = rng.normal(size=(3, 1)), rng.normal(size=2), rng.normal(size=2)
    truth = vec_jacobian(lambda X: (a @ b) * X, X)
    assert np.allclose(truth, (a @ b) * np.kron(np.eye(1), np.eye(3)), atol=1e-6)
    where = "X: matrix(3, 1); a: vector(2); b: vector(2)"
    result = ed.check("(a' b) X", "X", FORM + "(a' b) kron(I_{1}, I)", where=where)
    assert result.verdict == "right", result


def test_a_variable_the_expression_does_not_use_is_no_internal_error():
    # d vec(A X) / d vec(X)' = kron(I_2, A) (A 1-by-1, X 1-by-2) = kron(I_2, A) + 0 kron(B, I_2):
    # right. B, declared but not in A X, had no value in the plain reading: "internal error:
    # Unknown: B" (a traceback from check). It is now no reading of R, and the verdict stands
    rng = np.random.default_rng(3003)
    A, X, B = rng.normal(size=(1, 1)), rng.normal(size=(1, 2)), rng.normal(size=(1, 1))
    truth = vec_jacobian(lambda X: A @ X, X)
    assert np.allclose(truth, np.kron(np.eye(2), A) + 0 * np.kron(B, np.eye(2)), atol=1e-6)
    where = "X: matrix(1, 2); A: matrix(1, 1); B: matrix(1, 1)"
    result = ed.check("A X", "X", FORM + "kron(I_{2}, A) + 0 kron(B, I_{2})", where=where)
    assert result.verdict != "wrong", result
    result = ed.check("A X", "X", FORM + "kron(X' X, I) + kron(B, I)", where=where)
    assert result.verdict != "right", result
