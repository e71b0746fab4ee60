"""ML and statistics objectives as people write them (issue 12): softmax cross-entropy, attention,
the Gaussian negative log-likelihood pasted as LaTeX, and identities of the lecture notes pasted
as their LaTeX text. Every derivative is compared with central finite differences of plain numpy
written here; printed results read back.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import hessian_fd, jacobian_fd, to_layout

import einderiv as ed
from einderiv.errors import ReadAsScalar

RNG = np.random.default_rng(12)
LAYOUTS = ("numerator", "denominator", "jacobian")


def softmax_rows(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _grad(f, args, wrt, layout, ndim_y=0):
    jac = jacobian_fd(f, args, wrt)
    return to_layout(jac, ndim_y, np.ndim(args[wrt]), layout)


# ---------------------------------------------------------------------------------------------
# softmax cross-entropy: L = -y' log(softmax(W x)); dL/dW = (sum(y) softmax(W x) - y) x'
# (the gradient, denominator layout; sum(y) = 1 is not assumed)


def _cross_entropy(W, x, y):
    return -y @ np.log(softmax_rows(W @ x))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_softmax_cross_entropy_by_W(layout):
    W, x, y = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.uniform(0, 2, size=4)
    g = ed.diff("-y' log(softmax(W x))", "W", layout=layout)
    expected = _grad(_cross_entropy, {"W": W, "x": x, "y": y}, "W", layout)
    np.testing.assert_allclose(g(W=W, x=x, y=y), expected, rtol=1e-6, atol=1e-8)
    again = ed.parse(str(g), where="W: matrix(m, n); x: vector(n); y: vector(m)")
    np.testing.assert_allclose(again(W=W, x=x, y=y), expected, rtol=1e-6, atol=1e-8)


def test_softmax_cross_entropy_gradient_is_the_textbook_form():
    # as short as the textbooks': (sum(y) softmax(W x) - y) x', and log_softmax gives the same
    g = ed.diff("-y' log(softmax(W x))", "W", layout="denominator")
    assert str(g) == "(sum(y) softmax(W x) - y) x'"
    same = ed.diff("-y' log_softmax(W x)", "W", layout="denominator")
    assert str(same) == str(g)
    W, x, y = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.uniform(0, 2, size=4)
    expected = jacobian_fd(_cross_entropy, {"W": W, "x": x, "y": y}, "W")
    np.testing.assert_allclose(ed.parse(str(g))(W=W, x=x, y=y), expected, rtol=1e-6, atol=1e-8)
    # a claim in that form is right; the sum(y) = 1 shortcut is wrong
    assert ed.check("-y' log(softmax(W x))", "W", claim=str(g), layout="denominator").ok
    wrong = ed.check(
        "-y' log(softmax(W x))", "W", claim="(softmax(W x) - y) x'", layout="denominator"
    )
    assert not wrong.ok and wrong.counterexample is not None


def test_softmax_cross_entropy_hessian_by_x():
    # d^2 L / dx dx = W' (diag(s) - s s') W sum(y), s = softmax(W x)
    W, x, y = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.uniform(0, 2, size=4)
    h = ed.hessian("-y' log(softmax(W x))", "x")
    expected = hessian_fd(_cross_entropy, {"W": W, "x": x, "y": y}, "x")
    np.testing.assert_allclose(h(W=W, x=x, y=y), expected, rtol=1e-4, atol=1e-6)
    assert str(h) == "sum(y) W' (diag(softmax(W x)) - softmax(W x) softmax(W x)') W"
    again = ed.parse(str(h), where="W: matrix(m, n); x: vector(n); y: vector(m)")
    np.testing.assert_allclose(again(W=W, x=x, y=y), expected, rtol=1e-4, atol=1e-6)


def test_log_of_softmax_is_computed_stably():
    # log(softmax(u)) = log_softmax(u) = u - logsumexp(u): no log(0) where softmax underflows
    z = np.array([1000.0, -1000.0, 0.0])
    expected = z - (1000.0 + np.log1p(np.exp(-1000.0) + np.exp(-2000.0)))
    np.testing.assert_allclose(ed.parse("log(softmax(z))")(z=z), expected, rtol=1e-12)
    Z = np.stack([z, z[::-1]])
    got = ed.parse("log(softmax(Z))").compile()(Z=Z)
    np.testing.assert_allclose(got, np.stack([expected, expected[::-1]]), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# attention: sum(softmax(Q K' / sqrt(d)) V), softmax row by row, sum of all entries (SPEC 1)


def _attention(Q, K, V, d):
    return np.sum(softmax_rows(Q @ K.T / np.sqrt(d)) @ V)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_attention_by_Q(layout):
    Q, K, V = RNG.normal(size=(3, 4)), RNG.normal(size=(5, 4)), RNG.normal(size=(5, 2))
    text = "sum(softmax(Q K' / sqrt(d)) V)"
    g = ed.diff(text, "Q", where="d: scalar", layout=layout)
    args = {"Q": Q, "K": K, "V": V, "d": 4.0}
    expected = _grad(_attention, args, "Q", layout)
    np.testing.assert_allclose(g(**args), expected, rtol=1e-6, atol=1e-8)
    again = ed.parse(str(g), where="d: scalar; Q: matrix(m, p); K: matrix(n, p); V: matrix(n, q)")
    np.testing.assert_allclose(again(**args), expected, rtol=1e-6, atol=1e-8)
    compiled = g.compile()
    np.testing.assert_allclose(compiled(**args), expected, rtol=1e-6, atol=1e-8)


def test_attention_output_by_V_and_K():
    # the matrix-valued attention softmax(Q K' / sqrt(d)) V by V and K (order-4 results)
    Q, K, V = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2))
    args = {"Q": Q, "K": K, "V": V, "d": 3.0}

    def attention(Q, K, V, d):
        return softmax_rows(Q @ K.T / np.sqrt(d)) @ V

    for wrt in ("V", "K"):
        g = ed.diff("softmax(Q K' / sqrt(d)) V", wrt, where="d: scalar", layout="jacobian")
        np.testing.assert_allclose(
            g(**args), jacobian_fd(attention, args, wrt), rtol=1e-6, atol=1e-8
        )


# ---------------------------------------------------------------------------------------------
# the Gaussian negative log-likelihood, pasted as LaTeX:
#   d/dmu = -(x - mu)' Sigma^-1 (Sigma symmetric);  d/dSigma = (Sigma^-1 - Sigma^-1 r r' Sigma^-1)/2

GAUSSIAN = (
    r"\frac{1}{2}\log\det(\Sigma) + \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^\top "
    r"\Sigma^{-1} (\mathbf{x}-\boldsymbol{\mu})"
)


def _gaussian(Sigma, x, mu):
    r = x - mu
    return 0.5 * np.linalg.slogdet(Sigma)[1] + 0.5 * r @ np.linalg.solve(Sigma, r)


def _spd(n):
    A = RNG.normal(size=(n, n))
    return A @ A.T + n * np.eye(n)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gaussian_likelihood_in_latex_by_mu_and_sigma(layout):
    where = "mu: vector(n)"  # \mu alone is a scalar (SPEC 6.3): declared a vector here
    S, x, mu = _spd(3), RNG.normal(size=3), RNG.normal(size=3)
    args = {"Sigma": S, "x": x, "mu": mu}
    for wrt in ("mu", "Sigma"):
        g = ed.diff(GAUSSIAN, wrt, where=where, layout=layout)
        expected = _grad(_gaussian, args, wrt, layout)
        np.testing.assert_allclose(g(**args), expected, rtol=1e-6, atol=1e-8)
        again = ed.parse(g.latex(), where=where + "; Sigma: matrix(n, n); x: vector(n)")
        np.testing.assert_allclose(again(**args), expected, rtol=1e-6, atol=1e-8)
    # symmetric Sigma: the symmetric part of the unconstrained gradient (SPEC 2)
    g = ed.diff(GAUSSIAN, "Sigma", where=where + "; Sigma: symmetric(n)", layout=layout)
    jac = jacobian_fd(_gaussian, args, "Sigma", sym=True)
    np.testing.assert_allclose(g(**args), to_layout(jac, 0, 2, layout), rtol=1e-6, atol=1e-8)


def test_a_bold_greek_letter_read_as_a_scalar_is_said():
    # SPEC 6.3: an undeclared Greek letter is a scalar, \boldsymbol too; never silently
    with pytest.warns(ReadAsScalar, match="mu"):
        f = ed.parse(GAUSSIAN)
    assert f.variables["mu"].kind == "scalar"
    S, x, mu = _spd(3), RNG.normal(size=3), 0.7
    np.testing.assert_allclose(f(Sigma=S, x=x, mu=mu), _gaussian(S, x, np.full(3, mu)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared: no note
        assert ed.parse(GAUSSIAN, where="mu: vector(n)").variables["mu"].kind == "vector"


def test_gaussian_likelihood_hessian_by_mu():
    # d^2/dmu dmu = Sigma^-1 (for symmetric Sigma; (Sigma^-1 + Sigma^-T)/2 in general)
    S, x, mu = _spd(3), RNG.normal(size=3), RNG.normal(size=3)
    H = ed.hessian(GAUSSIAN, "mu", where="mu: vector(n)")(Sigma=S, x=x, mu=mu)
    expected = hessian_fd(_gaussian, {"Sigma": S, "x": x, "mu": mu}, "mu")
    np.testing.assert_allclose(H, expected, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# identities of the lecture notes, pasted as their LaTeX text (numerator layout, as the notes)

NOTES = [
    # (C11) d x' A x / dx = x' (A + A')
    (
        r"\mathbf{x}^\top \mathbf{A} \mathbf{x}",
        "x",
        r"\mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)",
    ),
    # (DT5) d tr(X' A X) / dX = X' (A + A')
    (
        r"\operatorname{tr}(\mathbf{X}^\top \mathbf{A} \mathbf{X})",
        "X",
        r"\mathbf{X}^\top (\mathbf{A} + \mathbf{A}^\top)",
    ),
    # (DT6) d tr(X^-1 A) / dX = -X^-1 A X^-1 (numerator layout: the transpose of the notes'
    # gradient -X^-T A X^-T... the notes print the gradient; compare by finite differences)
    (r"\operatorname{tr}(\mathbf{X}^{-1} \mathbf{A})", "X", None),
    # (DT8) d tr(A X B X' C) / dX = B X' C A + B' X' A' C'
    (
        r"\text{tr}(\mathbf{AXBX}^\top \mathbf{C})",
        "X",
        r"\mathbf{BX}^\top \mathbf{CA} + \mathbf{B}^\top \mathbf{X}^\top \mathbf{A}^\top \mathbf{C}^\top",
    ),
    # (DD1) d |X| / dX = |X| X^-1
    (r"|\mathbf{X}|", "X", r"|\mathbf{X}| \mathbf{X}^{-1}"),
    # (DD3) d log |X| / dX = X^-1
    (r"\log |\mathbf{X}|", "X", r"\mathbf{X}^{-1}"),
    # (DD5) d |X' A X| / dX = 2 |X' A X| X^-1 (X square, invertible)
    (
        r"|\mathbf{X}^\top \mathbf{A} \mathbf{X}|",
        "X",
        r"2|\mathbf{X}^\top \mathbf{A} \mathbf{X}| \mathbf{X}^{-1}",
    ),
]


def _notes_value(text, values):
    """Plain numpy for each pasted left-hand side."""
    A, B, C, X, x = (values.get(k) for k in "ABCXx")
    if text.startswith(r"\mathbf{x}"):
        return x @ A @ x
    if "X}^\\top \\mathbf{A} \\mathbf{X})" in text:
        return np.trace(X.T @ A @ X)
    if "X}^{-1}" in text:
        return np.trace(np.linalg.inv(X) @ A)
    if "AXBX" in text:
        return np.trace(A @ X @ B @ X.T @ C)
    if text.startswith(r"\log"):
        return np.linalg.slogdet(X)[1]
    if "\\top" in text:
        return np.linalg.det(X.T @ A @ X)
    return np.linalg.det(X)


@pytest.mark.parametrize("lhs, wrt, rhs", NOTES)
def test_notes_identities_pasted_as_latex(lhs, wrt, rhs):
    n = 3
    X = RNG.normal(size=(n, n)) + 4 * np.eye(n)  # positive determinant, invertible
    values = {
        "A": RNG.normal(size=(n, n)),
        "B": RNG.normal(size=(n, n)),
        "C": RNG.normal(size=(n, n)),
        "X": X,
        "x": RNG.normal(size=n),
    }
    where = "X: matrix(n, n); A: matrix(n, n)"  # the notes' matrices are square here
    g = ed.diff(lhs, wrt, where=where)
    used = {k: v for k, v in values.items() if k in ed.parse(lhs, where=where).variables}
    f = lambda **kw: _notes_value(lhs, kw)
    expected = to_layout(jacobian_fd(f, used, wrt), 0, np.ndim(used[wrt]), "numerator")
    np.testing.assert_allclose(g(**used), expected, rtol=1e-6, atol=1e-8)
    if rhs is not None:  # the notes' right-hand side, pasted as a claim, is right
        verdict = ed.check(lhs, wrt, claim=rhs, where=where).verdict
        # DD5's claim needs X invertible, which det(X' A X)'s derivative does not say in
        # those words: undecided there, never wrong
        assert verdict == "right" or (verdict == "undecided" and "^{-1}" in rhs)
