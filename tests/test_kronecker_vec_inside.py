"""Kronecker forms of a vec(...) inside the function (SPEC section 7): d vec(C vec(X')) /
d vec(X)' = C K with K = commutation(m, n) (K vec(X) = vec(X') for X m-by-n), and by a symmetric
X the symmetriser N = (I + K) / 2 (SPEC 2: X[i,j] and X[j,i] move together). These printed
index notation ("no Kronecker form"): the vec's compound delta sat between C and the variable.
Each printed form (the right side of ``kronecker()``, and ``str(g)``) is read back and compared
with the Jacobian of vec(Y) by vec(X) from central differences of plain numpy (column-major
vec), and with the textbook matrix built by numpy.kron and K by its definition.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd, to_layout
from tests.test_kronecker_form import K, call, right_side, vec

RNG = np.random.default_rng(26)
m, n, p, q = 2, 3, 4, 5
_S = RNG.normal(size=(n, n))
VALUES = {
    "X": RNG.normal(size=(m, n)),
    "S": (_S + _S.T) / 2,  # the symmetric X, declared symmetric(r) below (r = n)
    "C": RNG.normal(size=(p, m * n)),
    "D": RNG.normal(size=(p, n * n)),
    "A": RNG.normal(size=(p, n * q)),
    "B": RNG.normal(size=(m, q)),
    "G": RNG.normal(size=(q, n)),
    "E": RNG.normal(size=(2, m)),
    "F": RNG.normal(size=(3, n)),
    "H": RNG.normal(size=(3, n)),
    "L": RNG.normal(size=(2, n)),
    "x": RNG.normal(size=q),
}
WHERE = "X: matrix(m, n); S: symmetric(r); E: matrix(2, m); F: matrix(3, n); H: matrix(3, r); L: matrix(2, r)"
N = (np.eye(n * n) + K(n, n)) / 2  # the symmetriser


# (expression, variable, numpy function, the textbook d vec(Y) / d vec(X)')
CASES = [
    # d vec(C vec(X')) = C K d vec(X)
    ("C vec(X')", "X", lambda C, X: C @ vec(X.T), lambda C, X: C @ K(m, n)),
    # d vec(A vec(X' B)) = A (B' kron I) d vec(X') = A (B' kron I) K d vec(X)
    (
        "A vec(X' B)",
        "X",
        lambda A, X, B: A @ vec(X.T @ B),
        lambda A, X, B: A @ np.kron(B.T, np.eye(n)) @ K(m, n),
    ),
    # d vec(kron(E, F) vec(X')) = kron(E, F) K d vec(X)
    (
        "kron(E, F) vec(X')",
        "X",
        lambda E, F, X: np.kron(E, F) @ vec(X.T),
        lambda E, F, X: np.kron(E, F) @ K(m, n),
    ),
    # a matrix Y: d vec(C vec(X') x') = (x kron C) K d vec(X)
    (
        "C vec(X') x'",
        "X",
        lambda C, X, x: np.outer(C @ vec(X.T), x),
        lambda C, X, x: np.kron(x[:, None], C) @ K(m, n),
    ),
    # by a symmetric X: d vec(D vec(S)) = D N d vec(S), d vec(vec(S')) = N d vec(S)
    ("D vec(S)", "S", lambda D, S: D @ vec(S), lambda D, S: D @ N),
    ("vec(S')", "S", lambda S: vec(S.T), lambda S: N),
    # d vec(A vec(S' G')) = A (G kron I) K N = A (G kron I) N (K N = N)
    (
        "A vec(S' G')",
        "S",
        lambda A, S, G: A @ vec(S.T @ G.T),
        lambda A, S, G: A @ np.kron(G, np.eye(n)) @ N,
    ),
    # d vec(kron(H, L) vec(S')) = kron(H, L) N d vec(S)
    (
        "kron(H, L) vec(S')",
        "S",
        lambda H, L, S: np.kron(H, L) @ vec(S.T),
        lambda H, L, S: np.kron(H, L) @ N,
    ),
]


def _args(fn):
    return {k: VALUES[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}


@pytest.mark.parametrize(("text", "wrt", "plain", "textbook"), CASES, ids=[c[0] for c in CASES])
def test_a_vec_inside_has_a_kronecker_form(text, wrt, plain, textbook):
    args = _args(plain)
    sym = wrt == "S"
    y = np.asarray(plain(**args))
    jac = jacobian_fd(lambda **v: np.asarray(plain(**v)), args, wrt, sym=sym)  # dY[a..]/dX[i,j]
    expected = jac.reshape(y.size, -1, order="F")  # J[(a,b),(i,j)], column-major
    assert_close(textbook(**args), expected, rtol=1e-5, atol=1e-6, what="textbook")
    g = ed.diff(text, wrt, where=WHERE)
    form = g.kronecker()
    assert "commutation(" in form, form  # X appears transposed (or symmetric): K is in it
    got = call(ed.parse(right_side(form), where=WHERE), g, VALUES, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)
    for layout in ("numerator", "denominator", "jacobian"):
        h = ed.diff(text, wrt, where=WHERE, layout=layout)
        assert h.kronecker() == form  # the numerator-layout Jacobian, whatever the layout
        assert right_side(form).strip() in str(h)  # the default text is the Kronecker form
        truth = to_layout(jac, y.ndim, 2, layout)
        back = call(ed.parse(str(h), where=WHERE), h, VALUES, truth)
        assert_close(back, truth, rtol=1e-5, atol=1e-6, what=str(h))


def test_the_commutation_matrix_names_the_sizes_of_x():
    # d vec(C vec(X')) / d vec(X)' = C commutation(m, n) for X m-by-n (K vec(X) = vec(X'))
    g = ed.diff("C vec(X')", "X", where=WHERE)
    assert g.kronecker() == "d vec(Y) / d vec(X)' = C commutation(m, n)"
    assert str(ed.diff("D vec(S)", "S", where=WHERE)) == "(D (I + commutation(r, r)) / 2)[i,(k,j)]"


def test_an_elementwise_term_with_a_vec_inside():
    # d vec(C vec(X .* X')) = C (K diag(vec(X')) + diag(vec(X'))): its second term has the
    # end of vec(X) in C and in the delta of vec(X'), an elementwise end (index notation until
    # the twenty-seventh session; tests/test_kronecker_nested.py has more)
    g = ed.diff("C vec(X .* X')", "X", where="X: matrix(n, n)")
    form = g.kronecker()
    assert form == "d vec(Y) / d vec(X)' = C (I + commutation(n, n)) diag(vec(X'))"
    C, X = RNG.normal(size=(4, 9)), RNG.normal(size=(3, 3))
    jac = jacobian_fd(lambda C, X: C @ vec(X * X.T), {"C": C, "X": X}, "X")
    back = ed.parse(form.partition("=")[2], where="X: matrix(n, n)")
    assert_close(back(C=C, X=X), jac.reshape(4, -1, order="F"), rtol=1e-5, atol=1e-6)
    truth = np.swapaxes(jac, 1, 2)  # numerator layout: X's axes reversed
    assert_close(call(ed.parse(str(g)), g, {"C": C, "X": X}, truth), truth, rtol=1e-5, atol=1e-6)
