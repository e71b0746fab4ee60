"""Kronecker claims whose one identity (``I``, ``ones``) has no size written: the verdict never
rests on how einderiv sized it (docs/robustness.md, "Twenty-seventh session").

The truth of each claim is the Jacobian of vec(Y) by vec(A) taken by central differences of
plain numpy (column-major vec, as the notes), compared with ``np.kron`` of the claim's factors.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import commutation, vec_jacobian

RNG = np.random.default_rng(2711)
p = RNG.normal(size=(2, 1))
P = RNG.normal(size=(2, 2))
B = RNG.normal(size=(3, 3))
C = RNG.normal(size=(3, 2))
ONES = np.ones((2, 1))
FORM = "d vec(Y) / d vec(A)' = "


def jacobian(fun, shape) -> np.ndarray:
    """d vec(fun(A)) / d vec(A)' at a random A, by central differences."""
    a0, h = RNG.normal(size=shape).ravel(order="F"), 1e-6

    def vec_y(a):
        return np.asarray(fun(a.reshape(shape, order="F"))).ravel(order="F")

    return np.stack([(vec_y(a0 + h * e) - vec_y(a0 - h * e)) / (2 * h) for e in np.eye(a0.size)], 1)


def kron(*factors) -> np.ndarray:
    out = factors[0]
    for factor in factors[1:]:
        out = np.kron(out, factor)
    return out


# (expression, declarations, A's shape, Y of A in numpy, claim, the claim in numpy)
RIGHT = [
    # B A kron(I_2, p): d vec(Y) / d vec(A)' = kron(kron(I_2, p'), B) = kron(I_2, kron(p', B))
    (
        "B A kron(I, p)",
        "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)",
        (3, 4),
        lambda A: B @ A @ np.kron(np.eye(2), p),
        "kron(I, kron(p', B))",
        kron(np.eye(2), p.T, B),
    ),
    # C A kron(I_3, p), C 3-by-2: kron(I_3, kron(p', C))
    (
        "B A kron(I, p)",
        "p: vector(2); A: matrix(2, 6); B: matrix(3, 2)",
        (2, 6),
        lambda A: C @ A @ np.kron(np.eye(3), p),
        "kron(I, kron(p', B))",
        kron(np.eye(3), p.T, C),
    ),
    # B A kron(I_2, P): kron(I_2, P)' (x) B = kron(I_2, kron(P', B))
    (
        "B A kron(I, P)",
        "P: matrix(2, 2); A: matrix(3, 4); B: matrix(3, 3)",
        (3, 4),
        lambda A: B @ A @ np.kron(np.eye(2), P),
        "kron(I, kron(P', B))",
        kron(np.eye(2), P.T, B),
    ),
    # B A kron(ones_2, p): kron(ones_2', kron(p', B))
    (
        "B A kron(ones, p)",
        "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)",
        (3, 4),
        lambda A: B @ A @ np.kron(ONES, p),
        "kron(ones', kron(p', B))",
        kron(ONES.T, p.T, B),
    ),
    # B A kron(p, I_2): kron(p', kron(I_2, B))
    (
        "B A kron(p, I)",
        "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)",
        (3, 4),
        lambda A: B @ A @ np.kron(p, np.eye(2)),
        "kron(p', kron(I, B))",
        kron(p.T, np.eye(2), B),
    ),
    # kron(I_2, p') A B: kron(B', kron(I_2, p')) = kron(kron(B', I_2), p')
    (
        "kron(I, p') A B",
        "p: vector(2); A: matrix(4, 3); B: matrix(3, 3)",
        (4, 3),
        lambda A: np.kron(np.eye(2), p.T) @ A @ B,
        "kron(kron(B', I), p')",
        kron(B.T, np.eye(2), p.T),
    ),
]


@pytest.mark.parametrize("case", RIGHT, ids=[c[4] for c in RIGHT])
def test_a_right_kronecker_claim_with_one_unsized_identity_is_never_wrong(case):
    # the claim, grouped otherwise than einderiv's form, is the Jacobian (central differences);
    # its one I (or ones) sized by the derivative's axes made it "wrong shape": now its size is
    # solved from the Jacobian's (3 m = 6), and its chain regrouped as the derivative splits
    # vec(Y) and vec(X) (kron(I, kron(p', B)) as kron(kron(I, p'), B)) is proved right
    expr, where, shape, fun, claim, value = case
    assert np.allclose(jacobian(fun, shape), value, atol=1e-6)
    assert ed.check(expr, "A", FORM + claim, where=where).verdict == "right"


def test_sizes_written_on_a_regrouped_claim_stay():
    # I_2 (x) (p' (x) B) is the Jacobian of B A kron(I_2, p); I_3 (x) p' (x) B is another size
    truth = jacobian(lambda A: B @ A @ np.kron(np.eye(2), p), (3, 4))
    assert np.allclose(kron(np.eye(2), p.T, B), truth, atol=1e-6)
    assert kron(np.eye(3), p.T, B).shape != truth.shape
    where = "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)"
    form = r"d \operatorname{vec}(Y) / d \operatorname{vec}(A)^\top = "
    right = ed.check("B A kron(I, p)", "A", form + r"I_{2} \otimes (p^\top \otimes B)", where=where)
    assert right.verdict == "right"
    wrong = ed.check("B A kron(I, p)", "A", form + r"I_{3} \otimes p^\top \otimes B", where=where)
    assert wrong.verdict == "wrong"


WRONG = [
    ("B A kron(I, p)", "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)", "kron(I, kron(p', B'))"),
    ("B A kron(I, p)", "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)", "2 kron(I, kron(p', B))"),
    ("B A kron(I, p)", "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)", "kron(I, kron(B, p'))"),
    ("B A kron(I, P)", "P: matrix(2, 2); A: matrix(3, 4); B: matrix(3, 3)", "kron(I, kron(P, B))"),
    ("B A kron(p, I)", "p: vector(2); A: matrix(3, 4); B: matrix(3, 3)", "kron(I, kron(p', B))"),
    ("kron(I, p') A B", "p: vector(2); A: matrix(4, 3); B: matrix(3, 3)", "kron(kron(B, I), p')"),
    ("B A", "A: matrix(3, 4); B: matrix(3, 3)", "kron(B, I)"),  # kron(I_4, B) is right
]


@pytest.mark.parametrize("case", WRONG, ids=[c[2] for c in WRONG])
def test_a_wrong_kronecker_claim_with_one_unsized_identity_stays_wrong(case):
    # near misses of the claims above (a transpose, a factor 2, the factors swapped): wrong at
    # the one size of I that gives the Jacobian's size, and at no other size the same shape
    expr, where, claim = case
    assert ed.check(expr, "A", FORM + claim, where=where).verdict == "wrong"


def test_the_near_misses_are_wrong_in_numpy():
    # kron(I_2, kron(p', B')) and kron(I_2, kron(B, p')) against the Jacobian of B A kron(I, p)
    truth = jacobian(lambda A: B @ A @ np.kron(np.eye(2), p), (3, 4))
    assert not np.allclose(kron(np.eye(2), p.T, B.T), truth, atol=1e-3)
    assert not np.allclose(kron(np.eye(2), B, p.T), truth, atol=1e-3)
    truth = jacobian(lambda A: B @ A, (3, 4))  # kron(I_4, B), not kron(B, I_4)
    assert np.allclose(kron(np.eye(4), B), truth, atol=1e-6)
    assert not np.allclose(kron(B, np.eye(4)), truth, atol=1e-3)


@pytest.mark.parametrize(
    "expr, fun, claim, value",
    [
        # A kron(p, I_2): kron(kron(p', I_2), I_3) = kron(p', I_6), the textbook kron(p', I)
        ("A kron(p, I)", lambda A: A @ np.kron(p, np.eye(2)), "kron(p', I)", kron(p.T, np.eye(6))),
        # kron(A, p): vec(A (x) p) = kron(vec(A), p), so kron(I_12, p) = kron(I_4, kron(I_3, p))
        ("kron(A, p)", lambda A: np.kron(A, p), "kron(I, p)", kron(np.eye(12), p)),
    ],
)
def test_one_identity_for_a_product_of_sizes(expr, fun, claim, value):
    # the claim's one I is I_mn where the derivative writes kron(I_m, I_n): I_mn = kron(I_m,
    # I_n), so with its I written kron(I, I) and its chain regrouped it is proved right (it
    # was undecided: its two open sizes); sized by A: matrix(3, 4), and with open sizes
    assert np.allclose(jacobian(fun, (3, 4)), value, atol=1e-6)
    for where in ("p: vector(2); A: matrix(3, 4)", "p: vector(2)"):
        assert ed.check(expr, "A", FORM + claim, where=where).verdict == "right"


def test_splitting_an_identity_makes_no_wrong_claim_right():
    # kron(I, p') and kron(p, I) are not the Jacobians of kron(A, p') and kron(A, p): a row for
    # a column (np.kron), whatever the size of I
    truth = jacobian(lambda A: np.kron(A, p), (3, 4))
    assert kron(p, np.eye(12)).shape == truth.shape
    assert not np.allclose(kron(p, np.eye(12)), truth, atol=1e-3)
    where = "p: vector(2); A: matrix(3, 4)"
    assert ed.check("kron(A, p)", "A", FORM + "kron(p, I)", where=where).verdict != "right"
    assert ed.check("kron(A, p')", "A", FORM + "kron(I, p')", where=where).verdict != "right"


@pytest.mark.parametrize(
    "claim",
    [
        "kron(I, kron(p', kron(I, B)))",
        "kron(I, kron(kron(p', I), B))",
        "kron(kron(I, p'), kron(I, B))",
    ],
)
def test_two_identities_apart_in_one_chain_are_not_sized_by_the_derivative(claim):
    # d vec(B A kron(I_4, p)) / d vec(A)' = kron(I_4, kron(p', B)) (A 3-by-8); the claim's two
    # I only multiply to 4: read as I_4 and I_1 it is the Jacobian, as I_2 and I_2 (the reading
    # a reader takes) kron(I_2, kron(p', kron(I_2, B))) is not. It was 'right' (the split read
    # from the derivative's axes); now undecided, the reading said
    truth = jacobian(lambda A: B @ A @ np.kron(np.eye(4), p), (3, 8))
    assert np.allclose(kron(np.eye(4), p.T, B), truth, atol=1e-6)
    assert not np.allclose(kron(np.eye(2), p.T, np.eye(2), B), truth, atol=1e-3)
    where = "p: vector(2); A: matrix(3, 8); B: matrix(3, 3)"
    result = ed.check("B A kron(I, p)", "A", FORM + claim, where=where)
    assert result.verdict == "undecided"
    assert "only as a product" in result.reason, result.reason
    # adjacent, two I are one identity whatever their split: still proved
    adjacent = FORM + "kron(I, kron(p', B)) kron(I, I)"
    assert ed.check("B A kron(I, p)", "A", adjacent, where=where).verdict == "right"


SIZE_ONE = [  # (expression, declarations, X's shape at n = 3, Y of X in numpy, claim, in numpy)
    # A x of an m-by-1 X: d vec(A X) / d vec(X)' = A, the textbook d(A x)/dx'
    ("A X", "X: matrix(m, 1); A: matrix(p, m)", (3, 1), lambda X: B[:2] @ X, "A", B[:2]),
    # X B of a 1-by-n X: B'
    ("X B", "X: matrix(1, n); B: matrix(n, q)", (1, 3), lambda X: X @ C, "B'", C.T),
    # X X' of a 1-by-n X (a scalar): 2 X
    ("X X'", "X: matrix(1, n)", (1, 3), lambda X: X @ X.T, "2 X", None),
    # X' A X of an n-by-1 X: X' (A + A')
    ("X' A X", "X: matrix(n, 1)", (3, 1), lambda X: X.T @ B @ X, "X' (A + A')", None),
]


@pytest.mark.parametrize("case", SIZE_ONE, ids=[c[4] for c in SIZE_ONE])
def test_a_plain_matrix_claim_where_vec_pairs_a_size_one(case):
    # vec(Y) of a p-by-1 Y is p positions in order, so d vec(Y) / d vec(X)' = R is R itself
    # (central differences at n = 3); R's p rows indexed as pairs of p by 1 were 'not
    # well-formed', so 'wrong' (false); now read as kron(I_1, R), the same matrix: right
    expr, where, shape, fun, claim, value = case
    X0 = RNG.normal(size=shape)
    if value is None:  # 2 X, X' (A + A') at the point of the differences
        value = 2 * X0 if claim == "2 X" else X0.T @ (B + B.T)
        assert np.allclose(vec_jacobian(fun, X0), value, atol=1e-6)
    else:
        assert np.allclose(jacobian(fun, shape), value, atol=1e-6)
    assert ed.check(expr, "X", FORM.replace("A)", "X)") + claim, where=where).verdict == "right"


@pytest.mark.parametrize(
    "expr, where, claim",
    [
        ("A X", "X: matrix(m, 1); A: matrix(m, m)", "A'"),  # A x: A, not A'
        ("A X", "X: matrix(m, 1); A: matrix(p, m)", "2 A"),
        ("X X'", "X: matrix(1, n)", "X"),  # half of 2 X
        ("X' A X", "X: matrix(n, 1)", "2 X' A"),  # right for a symmetric A only
        ("X' A X", "X: matrix(n, 1)", "X' (A + A)"),
        ("X X'", "X: matrix(1, n)", "2 X'"),  # a column for the row 2 X
    ],
)
def test_near_misses_of_a_plain_matrix_claim_are_not_right(expr, where, claim):
    # at n = 3 (numpy): A' x differs from A x, 2 X' A from X' (A + A'), for a random A
    X0, A0 = RNG.normal(size=(3, 1)), RNG.normal(size=(3, 3))
    assert not np.allclose(vec_jacobian(lambda X: A0 @ X, X0), A0.T, atol=1e-3)
    assert not np.allclose(vec_jacobian(lambda X: X.T @ A0 @ X, X0), 2 * X0.T @ A0, atol=1e-3)
    assert ed.check(expr, "X", FORM.replace("A)", "X)") + claim, where=where).verdict == "wrong"


@pytest.mark.parametrize(
    "expr, where, shape, fun, claim, value",
    [
        # d vec(X') / d vec(X)' = K_{m,1} = I_m for an m-by-1 X: vec(X') = vec(X)
        ("X'", "X: matrix(m, 1)", (3, 1), lambda X: X.T, "I", np.eye(3)),
        ("X'", "X: matrix(1, n)", (1, 3), lambda X: X.T, "I", np.eye(3)),
        ("2 X'", "X: matrix(m, 1)", (3, 1), lambda X: 2 * X.T, "2 I", 2 * np.eye(3)),
        # near misses: a factor, X of two columns (K_{3,2} is no identity), X' A for X' (A = I)
        ("X'", "X: matrix(m, 1)", (3, 1), lambda X: X.T, "2 I", 2 * np.eye(3)),
        ("X'", "X: matrix(m, 2)", (3, 2), lambda X: X.T, "I", np.eye(6)),
        ("X' A", "X: matrix(m, 1); A: matrix(m, m)", (3, 1), lambda X: X.T @ B, "I", np.eye(3)),
    ],
)
def test_an_identity_whose_rows_pair_otherwise_than_its_columns(
    expr, where, shape, fun, claim, value
):
    # the Jacobian of vec(X') (central differences) pairs its rows 1 by m, its columns m by 1;
    # c I pairs both alike, so 'I' was undecided (its sizes unpaired); it is now read as
    # c commutation(m, 1), the same matrix (K_{m,1} = I_m), paired as the derivative is
    right = bool(np.allclose(jacobian(fun, shape), value, atol=1e-6))
    verdict = ed.check(expr, "X", FORM.replace("A)", "X)") + claim, where=where).verdict
    assert verdict == ("right" if right else "wrong")


A12, A11, A23 = P[:1], P[:1, :1], C.T  # A of 1-by-2, 1-by-1, 2-by-3


@pytest.mark.parametrize(
    "where, shape, A, claim, matrix",
    [
        # A X' of a 1-by-2 X, A 1-by-2 (Y 1-by-1): kron(A, I_1) K_{1,2} = A, the derivative
        ("X: matrix(1, 2); A: matrix(1, 2)", (1, 2), A12, "kron(A, I) commutation(1, 2)", A12),
        # A X' of a 2-by-1 X, A 1-by-1: kron(A, I_2) K_{2,1} = A I_2
        (
            "X: matrix(2, 1); A: matrix(1, 1)",
            (2, 1),
            A11,
            "kron(A, I) commutation(2, 1)",
            A11 * np.eye(2),
        ),
        # near misses: twice it; kron(A, I_2) K_{2,3} of a 2-by-3 X (kron(I_2, A) K_{2,3} is)
        (
            "X: matrix(1, 2); A: matrix(1, 2)",
            (1, 2),
            A12,
            "2 kron(A, I) commutation(1, 2)",
            2 * A12,
        ),
        (
            "X: matrix(2, 3); A: matrix(2, 3)",
            (2, 3),
            A23,
            "kron(A, I) commutation(2, 3)",
            np.kron(A23, np.eye(2)) @ commutation(2, 3),
        ),
    ],
)
def test_a_commutation_of_a_size_one_is_an_identity(where, shape, A, claim, matrix):
    # d vec(A X') / d vec(X)' by central differences; K_{1,m} = K_{m,1} = I_m, so kron(A, I)
    # commutation(1, 2) type-checks as plain matrices (with I_1), but its I was sized by
    # pairing commutation's rows 2 by 1, and the claim was 'not well-formed', so 'wrong'
    # where numpy says right; each such commutation is now also read as I_m
    # (A 1-by-1: kron(A, I)'s rows 1*? against 2 had more than one solution, undecided; read as
    # plain matrices, I = I_2 is the one size that fits, proved: check/kron_plain)
    right = bool(np.allclose(jacobian(lambda X: A @ X.T, shape), matrix, atol=1e-6))
    result = ed.check("A X'", "X", FORM.replace("A)", "X)") + claim, where=where)
    assert result.verdict == ("right" if right else "wrong"), right


@pytest.mark.parametrize("claim", ["kron(A, I) commutation(1, n)", "kron(A, I) I_{n}"])
def test_a_named_size_is_never_made_one_by_pairing(claim):
    # d vec(A X') / d vec(X)' of a 1-by-n X is A (numpy, n = 3), which kron(A, I_1) K_{1,n} and
    # kron(A, I_1) I_n are. Read by pairing k*n with n*1 factor by factor, the first made the
    # declared n 1 (a p-by-1 claim: 'wrong shape', false; ed.parse gave a p-by-1 matrix), the
    # second was 'not well-formed' (a compound never equals a named size): now undecided, the
    # text refused saying einderiv cannot pair the sizes; with numbers (n = 3) both are right
    assert np.allclose(jacobian(lambda X: A23[:, :1].T @ X.T, (1, 2)), A23[:, :1].T)
    assert np.allclose(jacobian(lambda X: C.T @ X.T, (1, 3)), np.kron(C.T, np.eye(1)))
    where = "X: matrix(1, n); A: matrix(p, n)"
    result = ed.check("A X'", "X", FORM.replace("A)", "X)") + claim, where=where)
    assert result.verdict == "undecided", result
    with pytest.raises(ed.ShapeError, match="cannot pair the sizes"):
        ed.parse(claim, where="A: matrix(p, n)")
    numbered = claim.replace("1, n)", "1, 3)").replace("{n}", "{3}")
    where = "X: matrix(1, 3); A: matrix(2, 3)"
    result = ed.check("A X'", "X", FORM.replace("A)", "X)") + numbered, where=where)
    # right (was undecided: "?*? = 3 have more than one solution"; read as plain matrices,
    # kron(A, I_1) K_{1,3}, proved: check/kron_plain)
    assert result.verdict == "right", result


@pytest.mark.parametrize(
    "expr, where, numbers, fun, claim, value",
    [
        # d vec(A X) / d vec(X)' of an m-by-1 X, A 1-by-m (m = 3): A, the row vec(A')'
        (
            "A X",
            "X: matrix(m, 1); A: matrix(1, m)",
            (3, 1),
            lambda X: C[:, :1].T @ X,
            "vec(A')'",
            C[:, :1].T,
        ),
        # kron(X, A) of a 1-by-1 X, A p-by-1 (p = 3): vec(A) = A
        (
            "kron(X, A)",
            "X: matrix(1, 1); A: matrix(p, 1)",
            (1, 1),
            lambda X: np.kron(X, C[:, :1]),
            "A",
            C[:, :1],
        ),
        # kron(X, a) of a 1-by-n X and a 1-by-1 a (n = 3): a I_n = kron(a, I), twice it wrong
        (
            "kron(X, A)",
            "X: matrix(1, n); A: matrix(1, 1)",
            (1, 3),
            lambda X: np.kron(X, P[:1, :1]),
            "kron(A, I)",
            np.kron(P[:1, :1], np.eye(3)),
        ),
        (
            "kron(X, A)",
            "X: matrix(m, 1); A: matrix(1, 1)",
            (3, 1),
            lambda X: np.kron(X, P[:1, :1]),
            "kron(I, 2 A)",
            2 * np.kron(np.eye(3), P[:1, :1]),
        ),
    ],
)
def test_a_claim_paired_with_a_one_at_named_sizes_is_judged_at_numbers(
    expr, where, numbers, fun, claim, value
):
    # right at these sizes by central differences, the claims were 'wrong' at named sizes:
    # einderiv paired an unsized I or a named size with a 1 of the other side (kron(A, I) read
    # as I_1 where I_n is meant); a claim wrong by shape there is now judged again with the
    # sizes numbers, and stays wrong only if it is wrong there (twice a I_n: wrong)
    right = bool(np.allclose(jacobian(fun, numbers), value, atol=1e-6))
    result = ed.check(expr, "X", FORM.replace("A)", "X)") + claim, where=where)
    assert result.verdict == ("undecided" if right else "wrong"), result


def test_a_size_the_claim_writes_is_not_one_of_the_numbers():
    # I_2 for d vec(X') / d vec(X)' of a 1-by-n X is right at n = 2 only (numpy: the Jacobian
    # at n = 3 is I_3): the numbers tried for n skip the 2 the claim writes, so it stays wrong
    assert np.allclose(jacobian(lambda X: X.T, (1, 3)), np.eye(3))
    claim = FORM.replace("A)", "X)") + "I_{2}"
    assert ed.check("X'", "X", claim, where="X: matrix(1, n)").verdict == "wrong"
