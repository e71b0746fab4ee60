"""Symmetric matrices in index form (issue 13): terms that differ only in the order of a
symmetric entry's indices merge, and the merged form reads back to the derivative. Every value
is compared with finite differences of numpy code written here (tests/fd.py)."""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, symmetric_fd, to_layout

n = 3
WHERE = "S: symmetric(n); x: vector(n); X: matrix(n, n); A: matrix(n, n)"
rng = np.random.default_rng(7)
_S = rng.normal(size=(n, n))
VALUES = {
    "S": _S + _S.T + 5 * np.eye(n),  # symmetric, positive definite
    "x": rng.normal(size=n),
    "X": rng.normal(size=(n, n)),
    "A": rng.normal(size=(n, n)),
}
inv = np.linalg.inv

CASES = [
    # d(x' S x)/dx = 2 S x: S[a,i] x[a] + S[i,a] x[a] -> 2 S[i,a] x[a]
    ("x' S x", "x", lambda S, x: x @ S @ x, 1),
    # d(x' S^-1 x)/dx = 2 S^-1 x
    ("x' inv(S) x", "x", lambda S, x: x @ inv(S) @ x, 1),
    # d(x' S^2 x)/dx = 2 S^2 x
    ("x' S^2 x", "x", lambda S, x: x @ S @ S @ x, 1),
    # d(x' S^-1 x)/dS = -S^-1 x x' S^-1 (symmetric S: the two halves are one term)
    ("x' inv(S) x", "S", lambda S, x: x @ inv(S) @ x, 1),
    # d tr(S X S X)/dX = 2 S X S in numerator layout, one term
    ("tr(S X S X)", "X", lambda S, X: np.trace(S @ X @ S @ X), 1),
    # d(S x)/dx = S: a lone entry written S[i,j]
    ("S x", "x", lambda S, x: S @ x, 1),
]


@pytest.mark.parametrize("expr, wrt, fn, terms", CASES, ids=[f"{c[0]} by {c[1]}" for c in CASES])
def test_symmetric_entries_merge_in_index_form(expr, wrt, fn, terms):
    g = ed.diff(expr, wrt, where=WHERE)
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    args = {k: VALUES[k] for k in names}
    y = np.asarray(fn(**args))
    fd = symmetric_fd if wrt == "S" else jacobian_fd
    expected = to_layout(fd(lambda **kw: np.asarray(fn(**kw), float), args, wrt), y.ndim,
                         np.ndim(VALUES[wrt]), "numerator")  # fmt: skip
    np.testing.assert_allclose(g(**{k: VALUES[k] for k in g.variables}), expected, rtol=1e-6)
    text = g.index()
    assert g.term_count == terms, text
    back = ed.parse(text, where=WHERE)
    got = back(**{k: VALUES[k] for k in back.variables})
    np.testing.assert_allclose(np.broadcast_to(got, expected.shape), expected, rtol=1e-6)


def test_a_summed_index_comes_after_the_free_one():
    # 2 S[i,a] x[a] reads as 2 S x (not 2 S[a,i] x[a], which reads as 2 S' x)
    assert ed.diff("x' S x", "x", where=WHERE).index() == "2 S[i,a] x[a]"
    assert ed.diff("S x", "x", where=WHERE).index() == "S[i,j]"


def test_plain_matrices_are_not_oriented():
    # A is not symmetric: A[a,i] x[a] + A[i,a] x[a] stays two terms (their sum is (A + A') x)
    g = ed.diff("x' A x", "x", where=WHERE)
    assert g.term_count == 2
    x, A = VALUES["x"], VALUES["A"]
    back = ed.parse(g.index(), where=WHERE)
    np.testing.assert_allclose(back(x=x, A=A), (A + A.T) @ x)


def test_steps_say_so():
    # the derivation's trace shows the orientation as its own step
    steps = ed.diff("x' S x", "x", where=WHERE).steps()
    assert "symmetric" in steps


def test_the_orientation_of_a_symmetric_power_does_not_depend_on_earlier_work():
    # H = d2(-log|S + B B'|) / dB dB with S symmetric: (S + B B')^-1 is symmetric, and which
    # of its index orders is written was a tie broken by the fresh axes' names, read as text:
    # after other work had moved the name counter (_18 sorts before _2, _72 after _56) the same
    # Hessian printed another index form and was != to itself. Every run now gives one form,
    # and its value matches numpy's second differences of -log det(S + B B')
    from einderiv.ir import index_ir as T
    from tests.fd import hessian_fd

    where = "S: symmetric(3); B: matrix(3, 2)"
    forms, first = set(), None
    for k in range(40):
        for _ in range(k):
            T.fresh("n")  # the names other derivatives would have taken
        h = ed.hessian("-log|S + B B'|", "B", where=where)
        forms.add(h.index())
        first = first or h
        assert h == first
    assert len(forms) == 1
    B = rng.normal(size=(3, 2))
    expected = hessian_fd(
        lambda S, B: -np.linalg.slogdet(S + B @ B.T)[1], {"S": VALUES["S"], "B": B}, "B"
    )
    got = ed.parse(forms.pop(), where=where, shape=first.shape)(S=VALUES["S"], B=B)
    assert np.allclose(got, expected, atol=1e-5)
