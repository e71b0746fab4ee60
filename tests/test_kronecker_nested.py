"""The Kronecker form of a derivative of a Kronecker product (SPEC section 7): Magnus &
Neudecker's Theorem 3.10, for A m-by-n and B p-by-q,
    d vec(A ⊗ B) = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn} ⊗ vec B) d vec A
                 = (I_n ⊗ K_{q,m} ⊗ I_p)(vec A ⊗ I_{pq}) d vec B,
printed ``kron(I_{n}, kron(commutation(q, m), I_{p})) kron(I, vec(B))`` (it was index notation,
``B[a,b] delta[i,(a,l)] delta[j,(b,k)]``). Each printed form is read back with the same
declarations and compared with the Jacobian of vec(Y) by vec(X) from central differences of
plain numpy (np.kron, column-major vec), at several sizes, 1-sized ones included.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd
from tests.test_kronecker_form import K, call, right_side, vec

RNG = np.random.default_rng(2721)

SIZES = [((2, 3), (2, 2)), ((3, 2), (4, 5)), ((1, 3), (2, 1)), ((2, 1), (1, 1)), ((3, 3), (2, 3))]

# (expression, variable, numpy function)
CASES = [
    ("kron(A, B)", "A", lambda A, B: np.kron(A, B)),
    ("kron(A, B)", "B", lambda A, B: np.kron(A, B)),
    ("kron(A', B)", "A", lambda A, B: np.kron(A.T, B)),
    ("kron(A, B')", "B", lambda A, B: np.kron(A, B.T)),
    ("kron(A, A)", "A", lambda A, B: np.kron(A, A)),
    ("2 kron(B, A) - kron(B, A)", "A", lambda A, B: np.kron(B, A)),
    ("kron(A, A) - 3 kron(A, A)", "A", lambda A, B: -2 * np.kron(A, A)),
    ("kron(A', A)", "A", lambda A, B: np.kron(A.T, A)),
    ("tr(B' B) kron(B, A)", "A", lambda A, B: np.trace(B.T @ B) * np.kron(B, A)),
]


def vec_jacobian(plain, values, wrt):
    """J[(a,b),(i,j)] = dY[a,b] / dX[i,j], both pairs column-major (vec's order)."""
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, wrt)
    return jac.reshape(jac.shape[0], -1, order="F")


def where(shapes):
    return "; ".join(f"{k}: matrix({m}, {n})" for k, (m, n) in shapes.items())


@pytest.mark.parametrize(("text", "wrt", "plain"), CASES, ids=[f"{c[0]}-by-{c[1]}" for c in CASES])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_kronecker_of_kronecker_reads_back(text, wrt, plain, sizes):
    shapes = {"A": sizes[0], "B": sizes[1]}
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    g = ed.diff(text, wrt, where=where(shapes))
    expected = vec_jacobian(plain, values, wrt)
    form = g.kronecker()  # raised "no Kronecker form" before
    assert "commutation" in form or 1 in sizes[0] + sizes[1], form
    back = ed.parse(right_side(form), where=where(shapes))
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)
    # str(g) and latex: the numerator-layout tensor (X's axes reversed), in index notation
    # (Y's axes are Kronecker pairs: an entry of the matrix above would not split as they do)
    tensor = np.swapaxes(jacobian_fd(plain, values, wrt), 2, 3)
    for printed in (str(g), g.latex()):
        back = ed.parse(printed, where=where(shapes), shape=g.shape)
        assert_close(back(**{k: values[k] for k in back.variables}), tensor, what=printed)


@pytest.mark.parametrize(("text", "wrt", "plain"), CASES[:2], ids=["by-A", "by-B"])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_vec_of_kronecker_prints_indexed(text, wrt, plain, sizes):
    # a vector Y = vec(A ⊗ B): its one axis is the whole row, so str(g) is the matrix indexed
    shapes = {"A": sizes[0], "B": sizes[1]}
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    g = ed.diff(f"vec({text})", wrt, where=where(shapes))
    tensor = np.swapaxes(jacobian_fd(lambda **v: vec(plain(**v)), values, wrt), 1, 2)
    assert right_side(g.kronecker()).strip() in str(g)
    back = ed.parse(str(g), where=where(shapes))
    assert_close(call(back, g, values, tensor), tensor, what=str(g))


def test_the_textbook_form_against_numpy_kron():
    # d vec(A ⊗ B) / d vec(A)' = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn} ⊗ vec B), A m-by-n, B p-by-q
    m, n, p, q = 2, 3, 4, 5
    A, B = RNG.standard_normal((m, n)), RNG.standard_normal((p, q))
    w = f"A: matrix({m}, {n}); B: matrix({p}, {q})"
    perm = np.kron(np.eye(n), np.kron(K(q, m), np.eye(p)))
    by_a = perm @ np.kron(np.eye(m * n), vec(B)[:, None])
    by_b = perm @ np.kron(vec(A)[:, None], np.eye(p * q))
    assert_close(by_a, vec_jacobian(lambda A, B: np.kron(A, B), {"A": A, "B": B}, "A"))
    form = ed.diff("kron(A, B)", "A", where=w).kronecker()
    assert (
        form == "d vec(Y) / d vec(A)' = kron(I_{3}, kron(commutation(5, 2), I_{4})) kron(I, vec(B))"
    )
    assert_close(ed.parse(right_side(form), where=w)(B=B), by_a)
    form = ed.diff("kron(A, B)", "B", where=w).kronecker()
    assert (
        form == "d vec(Y) / d vec(B)' = kron(I_{3}, kron(commutation(5, 2), I_{4})) kron(vec(A), I)"
    )
    assert_close(ed.parse(right_side(form), where=w)(A=A), by_b)


def test_named_sizes_read_back():
    # the same forms with the sizes named: kron(I_{n}, kron(commutation(q, m), I_{p})) ...
    w = "A: matrix(m, n); B: matrix(p, q)"
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 2))
    form = ed.diff("kron(A, B)", "A", where=w).kronecker()
    assert "kron(I_{n}, kron(commutation(q, m), I_{p}))" in form
    expected = vec_jacobian(lambda A, B: np.kron(A, B), {"A": A, "B": B}, "A")
    assert_close(ed.parse(right_side(form), where=w)(A=A, B=B), expected)


# (expression, numpy function of the symmetric S and B)
SYMMETRIC = [
    ("kron(S, S)", lambda S, B: np.kron(S, S)),
    ("kron(S, B)", lambda S, B: np.kron(S, B)),
    ("kron(B, S)", lambda S, B: np.kron(B, S)),
]


@pytest.mark.parametrize(("text", "plain"), SYMMETRIC, ids=[c[0] for c in SYMMETRIC])
@pytest.mark.parametrize(("n", "b"), [(2, (2, 3)), (3, (1, 2)), (1, (2, 2))], ids=str)
def test_symmetric_variable_takes_the_symmetriser(text, plain, n, b):
    # S symmetric: d vec(S) = N d vec(S), N = (I + K) / 2, so the forms above times N
    w = f"S: symmetric({n}); B: matrix({b[0]}, {b[1]})"
    S = RNG.standard_normal((n, n))
    values = {"S": S + S.T, "B": RNG.standard_normal(b)}
    g = ed.diff(text, "S", where=w)
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, "S", sym=True)
    expected = jac.reshape(jac.shape[0], -1, order="F")
    form = g.kronecker()
    back = ed.parse(right_side(form), where=w)
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)
