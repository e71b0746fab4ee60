"""Printed forms whose sizes the reader pairs: each read back with the declarations it was
derived with, its value against central differences of plain numpy (``np.kron``,
column-major vec); SPEC: every printed text form parses back to the same function."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd, to_layout

RNG = np.random.default_rng(2801)


def vec(X):
    return X.reshape(-1, order="F")


def read(text: str, where: str):
    with warnings.catch_warnings():  # einderiv's own text: its notes are not the point here
        warnings.simplefilter("ignore")
        return ed.parse(text, where=where)


def test_a_declared_size_paired_two_ways_in_two_terms():
    # d/dS x' kron(W', S + 3 I) / s, S symmetric: two terms, kron(x', I) P .. + kron(I, x') P ..,
    # pair x's 6 with 3*2 and with 2*3 (P's rows); x is one vector of 6, neither a pair
    where = "S: symmetric(3); W: matrix(2, 2); x: vector(6); s: scalar"
    S = RNG.standard_normal((3, 3))
    values = {"S": S + S.T, "W": RNG.standard_normal((2, 2)), "x": RNG.standard_normal(6)}
    values["s"] = 1.7

    def f(S, W, x, s):
        return x @ np.kron(W.T, S + 3 * np.eye(3)) / s

    expected = to_layout(jacobian_fd(f, values, "S", sym=True), 1, 2, "numerator")
    g = ed.diff("x' / s kron(W', S + 3 I)", "S", where=where)
    for text in (str(g), g.latex(), g.index()):
        assert_close(read(text, where)(**values), expected, what=text)
    jacobian = ed.parse(g.kronecker().split("=", 1)[1], where=where)  # d vec(y) / d vec(S)'
    wanted = np.stack([vec(expected[k].T) for k in range(6)])
    assert_close(jacobian(**values), wanted, what=g.kronecker())


def test_a_factor_of_size_1_beside_its_own_size():
    # d vec(kron(P, x') .* kron(p, Q)) / dp' (P 4-by-1) = commutation(3, 4) diag(vec(kron(P',
    # x))) kron(I_{2}, vec(Q')): the columns 3*1*4 met the rows 3*2*2 ("3*2 vs 3", refused)
    where = "x: vector(3); p: vector(2); Q: matrix(2, 3); P: matrix(4, 1)"
    values = {"x": RNG.standard_normal(3), "p": RNG.standard_normal(2)}
    values |= {"Q": RNG.standard_normal((2, 3)), "P": RNG.standard_normal((4, 1))}

    def f(x, p, Q, P):
        return np.kron(P, x[None, :]) * np.kron(p[:, None], Q)

    expected = jacobian_fd(f, values, "p")  # (4, 3, 2), a vector's layouts agree
    g = ed.diff("kron(P, x') .* kron(p, Q)", "p", where=where)
    for text in (str(g), g.latex(), g.index()):
        assert_close(read(text, where)(**values), expected, what=text)
    jacobian = read(g.kronecker().split("=", 1)[1], where)
    assert_close(jacobian(**values), expected.reshape(12, 2, order="F"), what=g.kronecker())


def test_an_index_of_two_in_a_pair_with_one():
    # the Jacobian by x of kron(kron(x', p') kron(q', r), r' kron(kron(x, y') A, vec(P))), P
    # 2-by-1, prints delta[a19,(w,a13)]: a19 over 2 and the pair over P's 2*1, which is 2
    where = "r, y: vector(4); P: matrix(2, 1); q, x, p: vector(2); A: matrix(4, 2)"
    values = {k: RNG.standard_normal(4) for k in ("r", "y")}
    values |= {k: RNG.standard_normal(2) for k in ("q", "x", "p")}
    values |= {"P": RNG.standard_normal((2, 1)), "A": RNG.standard_normal((4, 2))}

    def f(r, y, P, q, x, p, A):
        left = np.kron(x[None, :], p[None, :]) @ np.kron(q[None, :], r[:, None])
        right = r[None, :] @ np.kron(np.outer(x, y) @ A, vec(P)[:, None])
        return np.kron(left, right)[0]

    expected = jacobian_fd(f, values, "x")  # (4, 2)
    text = "kron(kron(x', p') kron(q', r), r' kron(kron(x, y') A, vec(P)))"
    g = ed.diff(text, "x", where=where)
    for printed in (str(g), g.latex(), g.index()):
        assert_close(read(printed, where)(**values), expected, what=printed)


def test_a_kronecker_factor_of_1_by_1():
    # exp(A) .* kron(A, B), B 1-by-1: kron(A, B) is A B[0,0], 1*2-by-1*3, the shape of A; it was
    # refused ("1*2 vs 2"); by B the text pairs B's rows l with A's rows, delta[e,(l,a)], and
    # sizes l = 1 from delta[i,c,e] (e over c's 2 = l*2)
    where = "A: matrix(2, 3); B: matrix(1, 1)"
    values = {"A": RNG.standard_normal((2, 3)), "B": RNG.standard_normal((1, 1))}

    def f(A, B):
        return np.exp(A) * np.kron(A, B)

    for wrt in ("A", "B"):
        expected = to_layout(jacobian_fd(f, values, wrt), 2, 2, "numerator")
        g = ed.diff("exp(A) .* kron(A, B)", wrt, where=where)
        assert_close(g(**values), expected, what=f"engine by {wrt}")
        for text in (str(g), g.latex(), g.index()):
            assert_close(read(text, where)(**values), expected, what=text)


def test_a_declared_vector_paired_two_ways_in_an_expression():
    # x' kron(A, B) + x' kron(C, D), B 2 rows and D 3: x's 6 is 2*3 in one term, 3*2 in the
    # other; x is a vector of 6 (it was refused: "2 vs 3")
    where = "x: vector(6); A: matrix(3, 2); B: matrix(2, 2); C: matrix(2, 2); D: matrix(3, 2)"
    values = {"x": RNG.standard_normal(6), "A": RNG.standard_normal((3, 2))}
    values |= {"B": RNG.standard_normal((2, 2)), "C": RNG.standard_normal((2, 2))}
    values |= {"D": RNG.standard_normal((3, 2))}
    f = read("x' kron(A, B) + x' kron(C, D)", where)
    x, A, B, C, D = (values[k] for k in "xABCD")
    assert_close(f(**values), x @ np.kron(A, B) + x @ np.kron(C, D))


def test_a_pair_that_holds_its_own_compound_prints():
    # logsumexp(kron(kron(y, x'), P') (-x)), P 1-by-2: kron's columns are P's 1 by x's 9, which
    # meets x's 9; by x the terms pair the free index with x's (delta[c,(a,i)], a of 1) and
    # tie them, which sent the printer's sizes round a cycle ("nested too deeply")
    where = "x: vector(9); y: vector(3); P: matrix(1, 2)"
    values = {"x": RNG.standard_normal(9) / 3, "y": RNG.standard_normal(3)}
    values["P"] = RNG.standard_normal((1, 2))

    def f(x, y, P):
        z = np.kron(np.outer(y, x), P.T) @ -x
        return np.log(np.sum(np.exp(z)))

    expected = jacobian_fd(f, values, "x")
    g = ed.diff("logsumexp(kron(kron(y, x'), P') (-x))", "x", where=where)
    for text in (str(g), g.latex(), g.index()):
        assert_close(read(text, where)(**values), expected, what=text)


def log_softmax(v):
    return v - np.log(np.sum(np.exp(v)))


def test_sizes_of_a_pair_are_not_taken_from_another_pair_over_the_same_size():
    # d/dA p' kron(x', P) kron(q' - r', log_softmax(r)) vec(A), P and A 2-by-1: the printed
    # (q[a] - r[a]) .. delta[a,(j,i)] delta[d,(c,e)], d over r's 2 as a is; (j,i) was read as
    # (c,e), 1 by 2 (another function: j is over A's 2 rows, i over its 1 column); nothing in
    # the text sizes j and i: refused, and read with the result's shape
    where = "q, p, x, r: vector(2); P, A: matrix(2, 1)"
    values = {k: RNG.standard_normal(2) for k in "qpxr"}
    values |= {"P": RNG.standard_normal((2, 1)), "A": RNG.standard_normal((2, 1))}

    def f(q, p, x, r, P, A):
        left = p @ np.kron(x[None, :], P) @ np.kron((q - r)[None, :], log_softmax(r)[:, None])
        return left @ vec(A)

    expected = to_layout(jacobian_fd(f, values, "A"), 0, 2, "numerator")  # (1, 2)
    g = ed.diff("p' kron(x', P) kron(q' - r', log_softmax(r)) vec(A)", "A", where=where)
    for text in (str(g), g.latex(), g.index()):
        with pytest.raises(ed.EinderivError, match="more than one solution"):
            read(text, where)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = ed.parse(text, where=where, shape=g.shape)
        assert_close(back(**values), expected, what=text)


def test_a_pair_over_a_size_1_is_printed_as_the_other_index():
    # d/dP sin(x)' kron(x' A .* (y' .* p'), sqrt(softmax(B))) (q .* z + vec(P)), B 3-by-1,
    # P 2-by-1: the pairs delta[h,(e,g)] delta[h,(j,i)], e over B's 1 column and i over P's,
    # read j over 1 and i over 2 (the pairs meet factor by factor); e, of one value, summed,
    # is written delta[h,g]; the text does not size j and i: read with the result's shape
    where = "q, p, y, z: vector(2); x: vector(3); P: matrix(2, 1); A: matrix(3, 2); B: matrix(3, 1)"
    values = {k: RNG.standard_normal(2) for k in "qpyz"}
    values |= {"x": RNG.standard_normal(3), "P": RNG.standard_normal((2, 1))}
    values |= {"A": RNG.standard_normal((3, 2)), "B": RNG.standard_normal((3, 1))}

    def f(q, p, y, z, x, P, A, B):
        soft = np.exp(B) / np.sum(np.exp(B), axis=1, keepdims=True)  # softmax of each row
        inner = np.kron((x @ A) * (y * p), np.sqrt(soft))
        return np.sin(x) @ inner @ (q * z + vec(P))

    expected = to_layout(jacobian_fd(f, values, "P"), 0, 2, "numerator")  # (1, 2)
    text = "sin(x)' kron(x' A .* (y' .* p'), sqrt(softmax(B))) (q .* z + vec(P))"
    g = ed.diff(text, "P", where=where)
    for printed in (str(g), g.latex(), g.index()):
        with pytest.raises(ed.EinderivError):
            read(printed, where)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = ed.parse(printed, where=where, shape=g.shape)
        assert_close(back(**values), expected, what=printed)


def test_a_mean_sized_by_the_vector_it_is_the_mean_of():
    # d/dgamma norm2(gamma .* (x - mean(x)) ./ s + beta - y)^2, s = sqrt(mean((x - mean(x))
    # .^2) + eps): its index form's means are of x, sized len(x) (it said len(beta), the first
    # name of that size: the same value, read oddly)
    where = "eps: scalar; gamma: vector(n); beta: vector(n); x: vector(n); y: vector(n)"
    values = {k: RNG.standard_normal(5) for k in ("x", "y", "gamma", "beta")}
    values["eps"] = 0.1

    def f(x, y, gamma, beta, eps):
        d = x - x.mean()
        return np.sum((gamma * d / np.sqrt(np.mean(d**2) + eps) + beta - y) ** 2)

    expected = to_layout(jacobian_fd(f, values, "gamma"), 0, 1, "numerator")
    ln = "(x - mean(x)) ./ sqrt(mean((x - mean(x)).^2) + eps)"
    g = ed.diff(f"norm2(gamma .* {ln} + beta - y)^2", "gamma", where=where)
    text = g.index()
    assert "/ len(x)" in text and "len(beta)" not in text
    assert_close(read(text, where)(**values), expected, what=text)
