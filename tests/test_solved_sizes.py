"""Sizes of a compound fixed to a number are solved (session 26): the unsized ``ones`` of
``kron(ones ones', B)``, a claim for d kron(a + Q, B) / da of a 4-by-4 result, are 2 and 2
(2*n = 4), so the claim is right, never "wrong shape" (2*n x 2*m against 4 x 4); a size that
no whole number fits (2*n = 5) is a shape error, and open sizes with several solutions
(n*m = 6) are never a guess: undecided in a claim, an error in an expression.

Truth is plain numpy: central differences of np.kron, column-major vec.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(26)


def test_the_unsized_ones_of_a_right_claim_are_solved():
    # d kron(a + Q, B) / da = kron(ones ones', B): the ones sized by the derivative's shape
    for rows, cols in ((2, 2), (3, 2)):
        Q, B, a = RNG.normal(size=(rows, cols)), RNG.normal(size=(2, 2)), 0.7
        fd = jacobian_fd(lambda a, Q=Q, B=B: np.kron(a + Q, B), {"a": np.asarray(a)}, "a")
        assert np.allclose(fd, np.kron(np.ones((rows, cols)), B), atol=1e-6)
        assert not np.allclose(fd, np.kron(np.ones((rows, cols)), 2 * B), atol=1e-3)
        where = f"Q: matrix({rows}, {cols}); a: scalar; B: matrix(2, 2)"
        printed = str(ed.diff("kron(a + Q, B)", "a", where=where))
        for claim in ("kron(ones ones', B)", printed):
            assert ed.check("kron(a + Q, B)", "a", claim, where=where).verdict == "right", claim
        assert ed.check("kron(a + Q, B)", "a", "kron(ones ones', 2 B)", where=where).verdict == (
            "wrong"
        )


@pytest.mark.parametrize(
    "expr, wrt, where, truth",
    [
        # d (kron(B, a ones') + Q) / da = kron(B, ones'), ones of 4 (Q 2-by-12, B 2-by-3)
        (
            "kron(B, a ones') + Q",
            "a",
            "B: matrix(2, 3); a: scalar; Q: matrix(2, 12)",
            lambda B, a, Q: np.kron(B, a * np.ones((1, 4))) + Q,
        ),
        # d (kron(a I, B) + Q) / da = kron(I, B), I of 3 (Q 6-by-9)
        (
            "kron(a I, B) + Q",
            "a",
            "B: matrix(2, 3); a: scalar; Q: matrix(6, 9)",
            lambda B, a, Q: np.kron(a * np.eye(3), B) + Q,
        ),
        # d kron(a I, B) x / dx = a kron(I, B), I of 3 (x of 9)
        (
            "kron(a I, B) x",
            "x",
            "B: matrix(2, 3); a: scalar; x: vector(9)",
            lambda B, a, x: np.kron(a * np.eye(3), B) @ x,
        ),
    ],
)
def test_the_printed_derivative_with_an_unsized_unit_is_right(expr, wrt, where, truth):
    g = ed.diff(expr, wrt, where=where)
    shapes = {"B": (2, 3), "Q": (2, 12) if "ones" in expr else (6, 9), "x": (9,), "a": ()}
    values = {n: np.asarray(RNG.normal(size=shapes[n])) for n in g.variables}
    fd = jacobian_fd(truth, values, wrt)
    assert np.allclose(g(**values), fd, atol=1e-6)
    assert ed.check(expr, wrt, str(g), where=where).verdict == "right", str(g)


def test_a_declared_size_stays_when_a_compound_meets_it():
    # kron(I, B) x with x of 6 and B 2-by-2: I is 3 (2*n = 6), x keeps its declared size
    B, x = RNG.normal(size=(2, 2)), RNG.normal(size=6)
    f = ed.parse("kron(I, B) x", "B: matrix(2, 2); x: vector(6)")
    assert f.variables["x"].dims == (6,) and f.shape == (6,)
    assert np.allclose(f(B=B, x=x), np.kron(np.eye(3), B) @ x)
    # kron(x, x) of 9 entries: x of 3
    assert ed.parse("kron(x, x)", shape=(9, None)).variables["x"].dims == (3,)


def test_no_whole_size_is_a_shape_error_and_several_are_never_guessed():
    # 2*n = 5 and n*n = 8: no whole n
    with pytest.raises(ed.ShapeError, match="no whole size"):
        ed.parse("kron(ones ones', B)", "B: matrix(2, 2)", shape=(5, 4))
    with pytest.raises(ed.ShapeError, match="no whole size"):
        ed.parse("kron(x, x)", shape=(8, None))
    # n*m = 6 for an undeclared X: 1*6, 2*3, 3*2 or 6*1
    with pytest.raises(ed.EinderivError, match="more than one solution"):
        ed.parse("x' vec(X)", "x: vector(6)")


def test_a_claim_whose_sizes_fit_in_several_ways_is_not_wrong():
    # d (a Q) / da = Q for Q 6-by-6; kron(ones ones', ones ones') .* Q is Q at every split of
    # 6 into n*m (all ones), so it is never wrong by its shape
    Q = RNG.normal(size=(6, 6))
    fd = jacobian_fd(lambda a: a * Q, {"a": np.asarray(0.3)}, "a")
    for n in (1, 2, 3, 6):
        ones = np.kron(np.ones((n, n)), np.ones((6 // n, 6 // n)))
        assert np.allclose(ones * Q, fd, atol=1e-6)
    claim = "kron(ones ones', ones ones') .* Q"
    r = ed.check("a Q", "a", claim, where="Q: matrix(6, 6); a: scalar")
    assert r.verdict in ("right", "undecided"), r.reason


def test_an_index_claim_is_sized_by_its_free_indices_before_its_sizes_are_solved():
    # d tr(kron(X, I_3) Q) / dX = sum_c Q[c + 3 i, c + 3 j] (numerator layout), written in index
    # notation Q[a,b] delta[a,(c,i)] delta[b,(c,j)]: c*i = 6 has several solutions until the
    # derivative's shape (2 by 2) sizes i and j (c = 3); the claim was undecided, never read
    X, Q = RNG.normal(size=(2, 2)), RNG.normal(size=(6, 6))
    fd = jacobian_fd(lambda X: np.trace(np.kron(X, np.eye(3)) @ Q), {"X": X}, "X").T
    by_hand = np.array([[sum(Q[c + 3 * i, c + 3 * j] for c in range(3)) for j in (0, 1)]
                        for i in (0, 1)])  # fmt: skip
    assert np.allclose(fd, by_hand, atol=1e-6) and not np.allclose(fd, by_hand.T, atol=1e-3)
    where = "X: matrix(2, 2); Q: matrix(6, 6)"
    right, transposed = (
        "Q[a,b] delta[a,(c,i)] delta[b,(c,j)]",
        "Q[a,b] delta[b,(c,i)] delta[a,(c,j)]",
    )
    assert ed.check("tr(kron(X, I) Q)", "X", right, where=where).verdict == "right"
    assert ed.check("tr(kron(X, I) Q)", "X", transposed, where=where).verdict == "wrong"
    g = ed.diff("tr(kron(X, I) Q)", "X", where=where)
    for text in (str(g), g.index()):
        assert ed.check("tr(kron(X, I) Q)", "X", text, where=where).verdict == "right", text
        back = ed.parse(text, where=where, shape=g.shape)
        assert np.allclose(back(X=X, Q=Q), fd, atol=1e-6), text
    # unsized, the text stays an error: c*i = 6 is never guessed
    with pytest.raises(ed.EinderivError, match="more than one solution"):
        ed.parse(right, where=where)


def test_a_right_claim_on_a_variable_of_product_size_is_never_wrong():
    # d (A kron(I, p)) / dA, A n-by-2*m inferred (undeclared): the claim's A is declared by
    # kind alone, so its sizes are fresh names; that is no specialization of the expression,
    # and the engine's own text was "wrong shape". Its value at n = 3, m = 3 (numpy):
    # vec(Y) = kron(kron(I_3, p'), I_3) vec(A) (column-major)
    p, A = RNG.normal(size=2), RNG.normal(size=(3, 6))
    J = jacobian_fd(lambda A: np.reshape(A @ np.kron(np.eye(3), p[:, None]), -1, order="F"),
                    {"A": A}, "A").reshape(9, 18, order="F")  # fmt: skip
    assert np.allclose(J, np.kron(np.kron(np.eye(3), p[None, :]), np.eye(3)), atol=1e-6)
    g = ed.diff("A kron(I, p)", "A", where="p: vector(2)")
    for text in (str(g), g.index()):
        verdict = ed.check("A kron(I, p)", "A", text, where="p: vector(2)").verdict
        assert verdict in ("right", "undecided"), text
        twice = ed.check("A kron(I, p)", "A", f"2 ({text})", where="p: vector(2)").verdict
        assert twice != "right", text
