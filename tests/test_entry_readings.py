"""Readings of an identity by an entry (\\partial X_{ij}) and of a letter with an index
(x_i, \\alpha_i): a parenthesised matrix with a two-letter subscript, I_{ij}, a Greek x_i, the
other reading of x_i tried, the gradient by an entry, a variable of a compound size.

Every verdict's truth is numpy's: central differences (tests/fd.py) or a direct formula.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, invertible, jacobian_fd, rng_for, symmetric

import einderiv as ed

inv = np.linalg.inv
_TR_AXB = r"\frac{\partial \operatorname{tr}(A X^{-1} B)}{\partial X_{ij}} = "
_ATXB = r"\frac{\partial a^T X b}{\partial X_{ij}} = "
_TR_AX = r"\frac{\partial \operatorname{tr}(A X)}{\partial X_{ij}} = "
_TR_AINVX = r"\frac{\partial \operatorname{tr}(A^{-1} X)}{\partial X_{ij}} = "
_TR_ABX = r"\frac{\partial \operatorname{tr}(A B X)}{\partial X_{ij}} = "


def _truths():
    # numpy central differences, [i,j] = d f / d X[i,j]:
    # d tr(A X^-1 B) = -(X^-1 B A X^-1)[j,i]; d a' X b = (a b')[i,j]; d tr(A X) = A[j,i];
    # d tr(A^-1 X) = (A^-1)[j,i]; d tr(A B X) = (A B)[j,i] -- none of them symmetric
    rng = rng_for("parenthesised entries by an entry")
    A, B, X = gen(rng, 3, 3), gen(rng, 3, 3), invertible(rng, 3)
    a, b = gen(rng, 3), gen(rng, 3)
    Xi = inv(X)
    by_inv = jacobian_fd(lambda X: np.trace(A @ inv(X) @ B), {"X": X}, "X")
    assert close(by_inv, -(Xi @ B @ A @ Xi).T) and not close(by_inv, -(Xi @ B @ A @ Xi))
    by_ab = jacobian_fd(lambda X: a @ X @ b, {"X": X}, "X")
    assert close(by_ab, np.outer(a, b)) and not close(by_ab, np.outer(a, b).T)
    by_ax = jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert close(by_ax, A.T) and not close(by_ax, A)
    by_ainv = jacobian_fd(lambda X: np.trace(inv(A + 3 * np.eye(3)) @ X), {"X": X}, "X")
    assert close(by_ainv, inv(A + 3 * np.eye(3)).T)
    by_abx = jacobian_fd(lambda X: np.trace(A @ B @ X), {"X": X}, "X")
    assert close(by_abx, (A @ B).T) and not close(by_abx, A @ B)


@pytest.mark.parametrize(
    "text, verdict",
    [
        # were "wrong" (not well-formed: one index named ji) where _{j,i} was right
        (_TR_AXB + r"-\left(X^{-1} B A X^{-1}\right)_{ji}", "right"),
        (_TR_AXB + r"-\left(X^{-1} B A X^{-1}\right)_{ij}", "wrong"),
        (_ATXB + r"(a b^T)_{ij}", "right"),
        (_ATXB + r"\left(b a^T\right)_{ji}", "right"),
        (_ATXB + r"(a b^T)_{ji}", "wrong"),
        (_TR_AX + r"(A^\top)_{ij}", "right"),
        (_TR_AX + r"(A^\top)_{ji}", "wrong"),
        (_TR_AX + r"(A')_ij", "right"),  # TeX's _i j: the identity's own X_ij is read so too
        (_TR_AX + r"(A')_ji", "wrong"),
        (_TR_AINVX + r"\left(A^{-1}\right)_{ji}", "right"),
        (_TR_AINVX + r"\left(A^{-1}\right)_{ij}", "wrong"),
        (_TR_ABX + r"(A B)_{ji}", "right"),
        (_TR_ABX + r"(A B)_{ij}", "wrong"),
        # plain text: (A')_ij was a parse error
        ("d tr(A X) / d X_ij = (A')_ij", "right"),
        ("d tr(A X) / d X_ij = (A')_ji", "wrong"),
        ("d tr(A X^-1 B) / d X_ij = -(X^-1 B A X^-1)_ji", "right"),
        ("d tr(A X^-1 B) / d X_ij = -(X^-1 B A X^-1)_ij", "wrong"),
    ],
)
def test_a_parenthesised_matrix_with_two_letters_is_its_entry_by_an_entry(text, verdict):
    _truths()
    with pytest.warns(ed.errors.ReadAsEntry, match=r"as the entry .*(_\{|\[)[a-z],[a-z]"):
        result = ed.check_identity(text)
    assert result.verdict == verdict, result


@pytest.mark.parametrize(
    "text, says",
    [
        # three letters: (A')_{i,jk} or (A')_{ij,k}; TeX's _i b, b a variable: entry or product
        (_TR_AX + r"\left(A^{\top}\right)_{ijk}", r"_\{i,jk\} or .*_\{ij,k\}"),
        ("d tr(A X) / d X_ij = (A')_ijk", r"\(A'\)\[i,jk\] or \(A'\)\[ij,k\]"),
        (_ATXB + r"(a b^T)_ib", r"the entry \(a b\^T\)_\{i,b\} .* times the variable b"),
    ],
)
def test_a_parenthesised_entry_that_reads_two_ways_is_refused_with_both(text, says):
    with pytest.raises(ed.EinderivError, match=says):
        ed.check_identity(text)


def test_a_vector_in_parentheses_with_one_letter_in_plain_text_is_its_entry():
    # d (x' A x) / d x[k] = ((A + A') x)[k] (numpy); (A x)_k in plain text was a parse error
    rng = rng_for("a parenthesised vector's entry")
    A, x = gen(rng, 3, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x"), (A + A.T) @ x)
    text = "d (x' A x) / d x_k = "
    assert ed.check_identity(text + "(A x)_k + (A' x)_k").verdict == "right"
    assert ed.check_identity(text + "(A x)_k + (A x)_k").verdict == "wrong"


@pytest.mark.parametrize(
    "text, verdict",
    [
        # I_{ij} was the identity of size i*j ("wrong shape"); \delta_{ij} was right already
        (r"\frac{\partial \operatorname{tr}(X)}{\partial X_{ij}} = I_{ij}", "right"),
        (r"\frac{\partial \operatorname{tr}(X)}{\partial X_{ij}} = \mathbf{I}_{ij}", "right"),
        (r"\frac{\partial \operatorname{tr}(X)}{\partial X_{ij}} = 2 I_{ij}", "wrong"),
        (_TR_AX + "I_{ij}", "wrong"),
        (r"\frac{\partial (x^T x)}{\partial x_k} = 2 I_{kj} x_j", "right"),
        (r"\frac{\partial (x^T x)}{\partial x_k} = I_{kj} x_j", "wrong"),
        ("d tr(X) / d X_ij = I_ij", "right"),  # was "names not in the expression: I_ij"
        ("d tr(X) / d X_ij = 2 I_ij", "wrong"),
    ],
)
def test_an_identity_with_two_letters_by_an_entry_is_the_kronecker_delta(text, verdict):
    # d tr(X) / d X[i,j] = I[i,j], d (x' x) / d x[k] = 2 x[k] (numpy)
    rng = rng_for("I_ij by an entry")
    A, X, x = gen(rng, 3, 3), gen(rng, 3, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(3))
    assert not close(jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X"), np.eye(3))
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * np.eye(3) @ x)
    with pytest.warns(ed.errors.ReadAsEntry, match=r"I_\{?[a-z]{2}\}? as the entry"):
        result = ed.check_identity(text)
    assert result.verdict == verdict, result


def test_a_declared_i_with_two_letters_stays_a_name():
    # I_ij: matrix(n, n) declared is that variable, no note; d tr(M X) / d X[i,j] = M[j,i]
    # (numpy), so the claim I_{ij} (the matrix itself, not its transpose) is wrong
    rng = rng_for("a declared I_ij")
    M, X = gen(rng, 3, 3), gen(rng, 3, 3)
    assert not close(jacobian_fd(lambda X: np.trace(M @ X), {"X": X}, "X"), M)
    text = r"\frac{\partial \operatorname{tr}(I_{ij} X)}{\partial X_{ij}} = I_{ij}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ed.errors.ReadAsEntry)
        assert ed.check_identity(text, "I_ij: matrix(n, n)").verdict == "wrong"


def test_a_greek_letter_with_an_index_is_said_as_x_i_is():
    # \frac{\alpha_i}{\beta_i} is the scalar alpha_i over beta_i (numpy), where a paper may mean
    # entries of vectors alpha and beta: said as for x_i (it was silent); bold or numbered: not
    alpha_i, beta_i = 0.3, 1.7
    with pytest.warns(ed.errors.ReadAsName, match=r"read alpha_i as one variable .*alpha\[i\]"):
        f = ed.parse(r"\frac{\alpha_i}{\beta_i}")
    np.testing.assert_allclose(f(alpha_i=alpha_i, beta_i=beta_i), alpha_i / beta_i)
    for text in (r"\alpha_1 + \beta_2", r"\boldsymbol{\alpha}_i + \mathbf{x}_i"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ed.errors.ReadAsName)
            ed.parse(text)


@pytest.mark.parametrize(
    "text, verdict",
    [
        # d a^2 / d a = 2 a; was refused: "'\\alpha_i' is not a variable name". Right as read,
        # but the entry reading (alpha[i]^2 by alpha[i], i free) is not evaluated: undecided
        (r"\frac{\partial \alpha_i^2}{\partial \alpha_i} = 2 \alpha_i", "undecided"),
        (r"\nabla_{\alpha_i} \alpha_i^2 = 2 \alpha_i", "undecided"),
        (r"\nabla_{\alpha_i} \alpha_i^2 = \alpha_i", "wrong"),
        (r"\frac{\partial (\alpha_i x)}{\partial x} = \alpha_i I", "undecided"),
    ],
)
def test_a_greek_letter_with_an_index_is_a_variable_of_an_identity(text, verdict):
    a, h = 0.7, 1e-6
    assert np.isclose(((a + h) ** 2 - (a - h) ** 2) / (2 * h), 2 * a)
    assert not np.isclose(2 * a, a)
    with pytest.warns(ed.errors.ReadAsName, match="alpha_i"):
        assert ed.check_identity(text).verdict == verdict


@pytest.mark.parametrize(
    "text, verdict",
    [
        # the gradient of x_i' x_i is 2 x_i; read as the entry x[i], x[i] x[i] sums over i and
        # its derivative by x[i] is 2 x[i] too: right under both readings (was "undecided")
        (r"\nabla_{x_i} (x_i^T x_i) = 2 x_i", "right"),
        (r"\nabla_{x_i} (x_i^T y_i) = y_i", "right"),
        (r"\nabla_{x_i} (x_i^T x_i) = x_i", "wrong"),
        (r"\nabla_{x_i} (x_i^T y_i) = x_i", "wrong"),
        # read as the entry, the norm of x[i] is refused: that reading is not evaluated
        (r"\nabla_{x_i} \|x_i\|^2 = 2 x_i", "undecided"),
    ],
)
def test_x_i_right_under_both_readings_is_right(text, verdict):
    rng = rng_for("x_i both readings")
    x, y = gen(rng, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    assert close(jacobian_fd(lambda x: x @ y, {"x": x}, "x"), y)
    assert not close(2 * x, x) and not close(y, x)
    for i in range(3):  # the entry reading: d (sum_j x_j^2) / d x_i = 2 x_i
        e = np.eye(3)[i]
        by_i = ((x + 1e-6 * e) @ (x + 1e-6 * e) - (x - 1e-6 * e) @ (x - 1e-6 * e)) / 2e-6
        assert np.isclose(by_i, 2 * x[i])
    with pytest.warns(ed.errors.ReadAsName, match="x_i"):
        result = ed.check_identity(text)
    assert result.verdict == verdict, result
    if verdict == "right":
        assert "x[i]" in result.reason and "instead, it is right too" in result.reason


@pytest.mark.parametrize(
    "text, verdict",
    [
        (r"\nabla_{x_k} (x^T x) = 2 x_k", "right"),
        (r"\nabla_{x_k} (x^T x) = x_k", "wrong"),
        (r"\nabla_{X_{ij}} \operatorname{tr}(A X) = A_{ji}", "right"),
        (r"\nabla_{X_{ij}} \operatorname{tr}(A X) = A_{ij}", "wrong"),
    ],
)
def test_the_gradient_by_an_entry_is_the_partial_derivative(text, verdict):
    # \nabla_{x_k} f of a scalar f is d f / d x[k] (numpy: 2 x[k], A[j,i]); it was refused:
    # "a layout does not apply; drop the layout" (no layout was given)
    rng = rng_for("the gradient by an entry")
    A, X, x = gen(rng, 3, 3), gen(rng, 3, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    by_X = jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert close(by_X, A.T) and not close(by_X, A)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ed.errors.ReadAsEntry)
        assert ed.check_identity(text).verdict == verdict


def test_a_variable_of_compound_size_is_drawn_not_a_raw_key_error():
    # d tr(I_{mn} X) / d X = I (numpy: d tr(X) / dX is the identity); X is mn-by-mn, and drawing
    # it raised a raw KeyError 'm'. Now an einderiv answer, never "wrong"
    X = gen(rng_for("compound size"), 6, 6)
    assert close(jacobian_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            verdict = ed.check(r"\operatorname{tr}(I_{mn} X)", "X", "I").verdict
        except ed.EinderivError:
            verdict = "refused"
    assert verdict in ("right", "undecided", "refused")


@pytest.mark.parametrize(
    "text, category",
    [
        (_TR_AX + "A_{ij}", ed.errors.ReadAsEntry),  # the entry A[i,j]
        (r"\frac{\partial x^T A_{ij} x}{\partial x} = A_{ij} x", ed.errors.ReadAsName),  # A_ij
    ],
)
def test_a_note_is_said_once_when_the_claim_is_wrong(text, category):
    # d tr(A X)/dX_ij = A[j,i], not A[i,j]; d x' A x/dx = x'(A + A'), not A x (a column): both
    # wrong (numpy central differences below); the claim, read again to diagnose it, once said
    # its note twice
    rng = rng_for("a note said once")
    A, X, x = gen(rng, 3, 3), gen(rng, 3, 3), gen(rng, 3)
    by_x = jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert close(by_x, A.T) and not close(by_x, A)
    by_v = jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    assert close(by_v, x @ (A + A.T)) and (A @ x).shape != (1, 3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert ed.check_identity(text).verdict == "wrong"
    notes = [str(n.message) for n in seen if issubclass(n.category, category)]
    assert len(notes) == 1 and "A_{ij}" in notes[0]


def _by_symmetric_entry(f, S):
    # SPEC 2: dS[a,b] / dS[i,j] = (delta[a,i] delta[b,j] + delta[a,j] delta[b,i]) / 2, so
    # d f / d S[i,j] is half the central difference of f along E_ij + E_ji
    n, eps, out = len(S), 1e-6, np.zeros(S.shape)
    for i in range(n):
        for j in range(n):
            D = np.zeros(S.shape)
            D[i, j] += 1.0
            D[j, i] += 1.0
            out[i, j] = (f(S + eps * D) - f(S - eps * D)) / (2 * eps) / 2
    return out


_XSX = r"\frac{\partial x^\top S x}{\partial S_{ij}} = "
_TR_AS = r"\frac{\partial \operatorname{tr}(A S)}{\partial S_{ij}} = "


@pytest.mark.parametrize(
    "text, where, verdict",
    [
        (_XSX + "x_i x_j", "S: symmetric(3); x: vector(3)", "right"),
        (_XSX + "x_i x_j", "S: symmetric(n); x: vector(n)", "right"),
        (_XSX + "2 x_i x_j", "S: symmetric(n); x: vector(n)", "wrong"),
        (_XSX + "x_i x_j", "S: matrix(n, n); x: vector(n)", "right"),
        ("d (x' S x) / d S_ij = x_i x_j", "S: symmetric(n); x: vector(n)", "right"),
        ("d (x' S x) / d S_ij = 2 x_i x_j", "S: symmetric(n); x: vector(n)", "wrong"),
        (_TR_AS + r"(A_{ij} + A_{ji}) / 2", "S: symmetric(n); A: matrix(n, n)", "right"),
        (_TR_AS + "A_{ji}", "S: symmetric(n); A: matrix(n, n)", "wrong"),
        (_TR_AS + "A_{ji}", "S: matrix(n, n); A: matrix(n, n)", "right"),
    ],
)
def test_an_identity_by_an_entry_of_a_symmetric_matrix_is_judged(text, where, verdict):
    # d x' S x / d S[i,j] = x[i] x[j] (symmetric S or not), not 2 x[i] x[j];
    # d tr(A S) / d S[i,j] = (A[i,j] + A[j,i]) / 2 for a symmetric S, A[j,i] for any S.
    # By a symmetric S_{ij} it was refused: "the variable 'S_ij' is not a variable"
    rng = rng_for("by an entry of a symmetric matrix")
    A, S, x = gen(rng, 3, 3), symmetric(rng, 3), gen(rng, 3)
    by_xsx = _by_symmetric_entry(lambda S: x @ S @ x, S)
    assert close(by_xsx, np.outer(x, x)) and not close(by_xsx, 2 * np.outer(x, x))
    by_as = _by_symmetric_entry(lambda S: np.trace(A @ S), S)
    assert close(by_as, (A + A.T) / 2) and not close(by_as, A.T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ed.errors.ReadAsEntry)
        assert ed.check_identity(text, where=where).verdict == verdict
