"""A Hessian claimed in Kronecker form: ``check(f, X, "d vec(Y) / d vec(X)' = R", order=2)``.

For order 2, Y is the first derivative in the layout asked: the gradient G (X's shape) in the
jacobian and denominator layouts, so R is d2 f / d vec(X) d vec(X)'; G' in the numerator layout,
so R is commutation(m, n) times that (K vec(M) = vec(M') for M m-by-n). That is what
``ed.hessian(...).kronecker()`` prints. The truth here: the Hessian by the four-point formula of
the numpy function written in the test (tests/fd.py), reshaped column-major, and each claim's
matrix written in numpy (np.kron, the commutation matrix below).
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import hessian_fd

RNG = np.random.default_rng(3521)
LEFT = "d vec(Y) / d vec(X)' = "


def commutation(m, n):
    """K with K vec(M) = vec(M') for M m-by-n (vec column-major)."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[j + i * n, i + j * m] = 1.0
    return K


def truth(f, values, wrt="X", layout="jacobian", sym=False):
    """d vec(G) / d vec(X)' of the gradient G in ``layout``, from central differences."""
    X = values[wrt]
    hes = hessian_fd(f, values, wrt, sym=sym).reshape(X.size, X.size, order="F")
    if layout == "numerator" and X.ndim == 2:  # G' is vec'd: rows permuted by K
        return commutation(*X.shape) @ hes
    return hes


A3, C4 = RNG.standard_normal((3, 3)), RNG.standard_normal((4, 4))
X34, Xsq = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 3)) + 3 * np.eye(3)
Bsq, Asq = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
W, x = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
I3, I4 = np.eye(3), np.eye(4)
K34, K33 = commutation(3, 4), commutation(3, 3)
iX, E = np.linalg.inv(Xsq), np.exp(W @ x)

# the expression: its numpy function, the value of X, the declarations
FUNCTIONS = {
    "tr(X' A X)": (lambda X: np.trace(X.T @ A3 @ X), X34, "X: matrix(m, n); A: matrix(m, m)"),
    "tr(X A X B)": (
        lambda X: np.trace(X @ Asq @ X @ Bsq),
        Xsq,
        "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n)",
    ),
    "logdet(X)": (lambda X: np.log(np.linalg.det(X)), Xsq, "X: matrix(n, n)"),
    "sum(exp(X x))": (lambda X: np.sum(np.exp(X @ x)), W, "X: matrix(m, n); x: vector(n)"),
}
XAX, XAXB, LOGDET, EXP = FUNCTIONS
# (expression, layout, the claim's right side, the claim's value in numpy)
CASES = [
    # d2 tr(X' A X) / d vec(X) d vec(X)' = I_n (x) (A + A'), X m-by-n
    (XAX, "jacobian", "kron(I, A + A')", np.kron(I4, A3 + A3.T)),
    (XAX, "jacobian", "kron(I, A) + kron(I, A')", np.kron(I4, A3 + A3.T)),
    (XAX, "jacobian", "kron(A + A', I)", np.kron(A3 + A3.T, I4)),
    (XAX, "jacobian", "kron(I, A)", np.kron(I4, A3)),
    (XAX, "jacobian", "2 kron(I, A + A')", 2 * np.kron(I4, A3 + A3.T)),
    (XAX, "denominator", "kron(I, A + A')", np.kron(I4, A3 + A3.T)),
    # numerator: d vec(G') / d vec(X)' = K_{m,n} (I_n (x) (A + A')) = ((A + A') (x) I_n) K_{m,n}
    (
        XAX,
        "numerator",
        "kron(A, I) commutation(m, n) + kron(A', I) commutation(m, n)",
        np.kron(A3, I4) @ K34 + np.kron(A3.T, I4) @ K34,
    ),
    (XAX, "numerator", "kron(I, A + A')", np.kron(I4, A3 + A3.T)),
    # tr(X A X B): each claim's numpy matrix against the differences decides
    (
        XAXB,
        "jacobian",
        "kron(A, B') commutation(n, n) + kron(B, A') commutation(n, n)",
        np.kron(Asq, Bsq.T) @ K33 + np.kron(Bsq, Asq.T) @ K33,
    ),
    (XAXB, "jacobian", "kron(B', A) + kron(A', B)", np.kron(Bsq.T, Asq) + np.kron(Asq.T, Bsq)),
    (XAXB, "numerator", "kron(B', A) + kron(A', B)", np.kron(Bsq.T, Asq) + np.kron(Asq.T, Bsq)),
    # d2 logdet(X) = -K (X^-T (x) X^-1) in the jacobian layout
    (LOGDET, "jacobian", "-kron(X^-1, X^-T) commutation(n, n)", -np.kron(iX, iX.T) @ K33),
    (LOGDET, "jacobian", "-kron(X^-T, X^-1)", -np.kron(iX.T, iX)),
    (LOGDET, "numerator", "-kron(X^-T, X^-1)", -np.kron(iX.T, iX)),
    # sum(exp(W x)) by W: (x x') (x) diag(exp(W x))
    (EXP, "jacobian", "kron(x x', diag(exp(X x)))", np.kron(np.outer(x, x), np.diag(E))),
    (EXP, "jacobian", "kron(diag(exp(X x)), x x')", np.kron(np.diag(E), np.outer(x, x))),
]


@pytest.mark.parametrize("text, layout, right, numpy_claim", CASES)
def test_a_hessian_in_kronecker_form_is_decided(text, layout, right, numpy_claim):
    f, X, where = FUNCTIONS[text]
    true = truth(f, {"X": X}, layout=layout)
    is_right = np.allclose(numpy_claim, true, atol=1e-5)
    r = ed.check(text, "X", claim=LEFT + right, where=where, layout=layout, order=2)
    assert r.verdict == ("right" if is_right else "wrong"), str(r)
    if not is_right:  # a counterexample, or compound sizes split otherwise (n*m for m*n)
        assert r.counterexample is not None or r.reason.startswith("wrong shape"), str(r)


# x' A x by x: d vec(g) / d vec(x)' is the plain Hessian A + A'
@pytest.mark.parametrize("right, numpy_claim", [("A + A'", A3 + A3.T), ("2 A", 2 * A3)])
def test_a_vector_hessian_with_the_kronecker_left_side(right, numpy_claim):
    true = truth(lambda x: x @ A3 @ x, {"x": x}, "x")
    r = ed.check(
        "x' A x", "x", claim="d vec(Y) / d vec(x)' = " + right, where="A: matrix(n, n)", order=2
    )
    assert r.verdict == ("right" if np.allclose(numpy_claim, true, atol=1e-5) else "wrong")


# Every form ed.hessian(...).kronecker() prints is right, and its right side is the matrix
# d vec(G) / d vec(X)' of central differences (K times it in the numerator layout)
X23 = RNG.standard_normal((2, 3))
# (expression, its variable, declarations, numpy function, values)
OWN = [
    ("tr(X' A X)", "X", "X: matrix(3, 4); A: matrix(3, 3)", lambda X, A: np.trace(X.T @ A @ X),
     {"X": X34, "A": A3}),
    ("tr(X A X B)", "X", "X: matrix(3, 3); A: matrix(3, 3); B: matrix(3, 3)",
     lambda X, A, B: np.trace(X @ A @ X @ B), {"X": Xsq, "A": Asq, "B": Bsq}),
    ("logdet(X)", "X", "X: matrix(3, 3)", lambda X: np.log(np.linalg.det(X)), {"X": Xsq}),
    ("tr(inv(X))", "X", "X: matrix(3, 3)", lambda X: np.trace(np.linalg.inv(X)), {"X": Xsq}),
    ("sum(exp(X))", "X", "X: matrix(2, 3)", lambda X: np.sum(np.exp(X)), {"X": X23}),
    ("tr(S A S)", "S", "S: symmetric(3); A: matrix(3, 3)", lambda S, A: np.trace(S @ A @ S),
     {"S": Xsq + Xsq.T, "A": Asq}),
]  # fmt: skip


@pytest.mark.parametrize("text, var, where, f, values", OWN)
@pytest.mark.parametrize("layout", ["jacobian", "numerator", "denominator"])
def test_the_engines_own_hessian_kronecker_form_is_right(text, var, where, f, values, layout):
    true = truth(f, values, var, layout, sym=var == "S")
    printed = ed.hessian(text, var, where=where, layout=layout).kronecker()
    value = ed.parse(printed.split("=", 1)[1], where=where)(**values)  # the printed matrix
    assert np.allclose(value, true, atol=1e-4), printed
    r = ed.check(text, var, claim=printed, where=where, layout=layout, order=2)
    assert r.verdict == "right", str(r)
    negated = printed.replace("= ", "= -(", 1) + ")"
    r = ed.check(text, var, claim=negated, where=where, layout=layout, order=2)
    assert r.verdict == "wrong", str(r)
