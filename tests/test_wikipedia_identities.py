"""Identities as the Wikipedia article "Matrix calculus" writes them (SPEC 8, ``check_identity``).

Wikipedia sets vectors and matrices in bold and scalars plain, and writes a finite sum without
brackets round its body. Each identity's truth is checked here with numpy (central differences
of the function written in numpy), never with einderiv's output.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ReadAsScalarByUse

RNG = np.random.default_rng(11)


def _fd(f, x, eps=1e-6):
    """Central differences of ``f`` at the array ``x``: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(f(x))
    out = np.zeros(y.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        out[(Ellipsis, *idx)] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return out


# ---- a plain letter beside bold capitals is a scalar (Wikipedia's convention)

U = r"(\mathbf{A} + x\mathbf{B})"


def test_plain_scalar_beside_bold_matrices_matrix_by_scalar():
    # d(U^-1)/dx = -U^-1 (dU/dx) U^-1, U = A + x B (matrix-by-scalar table): x is a scalar
    A, B, x = RNG.normal(size=(3, 3)) + 3 * np.eye(3), RNG.normal(size=(3, 3)), 0.4
    inv = np.linalg.inv
    fd = _fd(lambda t: inv(A + t * B), np.array(x))
    assert np.allclose(fd, -inv(A + x * B) @ B @ inv(A + x * B), atol=1e-6)
    lhs = r"\frac{\partial " + U + r"^{-1}}{\partial x}"
    claim = U + r"^{-1}\mathbf{B}" + U + r"^{-1}"
    right = ed.check_identity(f"{lhs} = -{claim}")
    assert right.verdict == "right"
    assert "x read as a scalar" in right.reason
    # the sign dropped: wrong (numpy: fd is not +U^-1 B U^-1)
    assert not np.allclose(fd, inv(A + x * B) @ B @ inv(A + x * B), atol=1e-6)
    assert ed.check_identity(f"{lhs} = {claim}").verdict == "wrong"


def test_plain_scalar_beside_bold_matrix_log_det():
    # d ln|a X| / dX = X^-1 (numerator); X^-T is the other layout's answer, wrong here
    a, X = -1.3, RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    fd = _fd(lambda Z: np.log(abs(np.linalg.det(a * Z))), X)  # jacobian layout: d/dX[i,j]
    assert np.allclose(fd.T, np.linalg.inv(X), atol=1e-6)  # numerator: the transpose
    assert not np.allclose(fd.T, np.linalg.inv(X).T, atol=1e-3)
    lhs = r"\frac{\partial \ln|a\mathbf{X}|}{\partial \mathbf{X}}"
    assert ed.check_identity(lhs + r" = \mathbf{X}^{-\top}").verdict == "wrong"
    # proved: inv(a X) = inv(X) / a hides no size, as inv(2 X) does not (exact arithmetic)
    assert ed.check_identity(lhs + r" = \mathbf{X}^{-1}").verdict == "right"
    assert ed.check("log(det(a X))", "X", claim="a inv(a X)", where="a: scalar").verdict == "right"


def test_a_plain_letter_of_the_claim_alone_is_no_scalar_variable():
    # d ln|a X| / da = n / a with n the size of X: n occurs in the claim alone, so it is no
    # variable of the identity; declared a scalar by convention, it made this identity 'wrong'
    a, X = 0.8, RNG.normal(size=(4, 4)) + 3 * np.eye(4)
    fd = _fd(lambda t: np.log(abs(np.linalg.det(t * X))), np.array(a))
    assert np.isclose(fd, 4 / a, atol=1e-5) and not np.isclose(fd, 1 / a, atol=1e-3)
    lhs = r"\frac{\partial \ln|a\mathbf{X}|}{\partial a}"
    for left in (lhs, lhs.replace(r"\ln", r"\mathbf{x}^\top\mathbf{x} \ln")):  # bold vector
        claim = "n/a" if left == lhs else r"n\mathbf{x}^\top\mathbf{x}/a"
        with pytest.raises(ed.EinderivError, match="n is a size of the expression"):
            ed.check_identity(f"{left} = {claim}")  # as check refuses n: write len(X)
    declared = ed.check_identity(f"{lhs} = n/a", where="X: matrix(n, n); n: integer")
    assert declared.verdict != "wrong"  # n the size: right (undecided only for a != 0)
    assert ed.check_identity(f"{lhs} = 1/a").verdict == "wrong"


def test_a_transposed_plain_letter_stays_a_vector_beside_a_plain_scalar():
    # d(x' (a A) x)/dx = a x' (A + A'), x a vector (written transposed), a a scalar (numpy);
    # the scalar reading made x a scalar too (x' a A x = a x^2 A), so this identity was
    # 'wrong' (A + A' of a non-square A) and 2 a x A, no expression for a vector x, 'right'
    a, A, x = 0.7, RNG.normal(size=(3, 3)), RNG.normal(size=3)
    fd = _fd(lambda v: v @ (a * A) @ v, x)
    assert np.allclose(fd, a * x @ (A + A.T), atol=1e-6)
    assert not np.allclose(fd, 2 * a * x @ A, atol=1e-3)
    lhs = r"\frac{\partial x^\top (a\mathbf{A}) x}{\partial x}"
    right = ed.check_identity(lhs + r" = a x^\top(\mathbf{A}+\mathbf{A}^\top)")
    assert right.verdict == "right" and "a read as a scalar" in right.reason
    assert ed.check_identity(lhs + r" = 2 a x\mathbf{A}").verdict == "wrong"
    assert ed.check_identity(lhs + r" = 2 a x^\top\mathbf{A}").verdict == "wrong"


def test_a_well_formed_vector_reading_is_kept():
    # x^T A x with x a vector (bold A, plain x): d/dx = x^T (A + A^T), as before
    A, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    fd = _fd(lambda v: v @ A @ v, x)
    assert np.allclose(fd, x @ (A + A.T), atol=1e-6)
    text = r"\frac{\partial x^\top \mathbf{A} x}{\partial x} = x^\top(\mathbf{A} + \mathbf{A}^\top)"
    assert ed.check_identity(text).verdict == "right"


def test_what_the_scalar_reading_meets_is_said():
    # e^{x A}, x a scalar, is the matrix exponential: refused as such, not as a shape of x
    with pytest.raises(ed.EinderivError, match="matrix exponential.*x read as a scalar"):
        ed.check_identity(
            r"\frac{\partial e^{x\mathbf{A}}}{\partial x} = \mathbf{A}e^{x\mathbf{A}}"
        )


# ---- a finite sum without brackets round its body


def test_sum_without_brackets_is_the_product_after_it():
    # d tr(A X^3)/dX = sum_{i=0}^{2} X^i A X^{2-i} (numerator layout)
    A, X = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    mp = np.linalg.matrix_power
    want = sum(mp(X, i) @ A @ mp(X, 2 - i) for i in range(3))
    fd = _fd(lambda Z: np.trace(A @ Z @ Z @ Z), X)
    assert np.allclose(fd.T, want, atol=1e-5)
    body = r"\sum_{i=0}^{2} \mathbf{X}^i \mathbf{A} \mathbf{X}^{2-i}"
    assert np.allclose(ed.parse(body)(X=X, A=A), want)
    assert np.allclose(ed.parse(body + r" + \mathbf{A}")(X=X, A=A), want + A)  # ends at +
    lhs = r"\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X}^3)}{\partial \mathbf{X}}"
    assert ed.check_identity(f"{lhs} = {body}").verdict == "right"
    assert ed.check_identity(rf"{lhs} = \left({body}\right)^\top").verdict == "wrong"


# ---- Kronecker claims: by a scalar, and a claim whose free size stands on a compound axis


def test_kronecker_form_by_a_scalar_is_refused_and_the_plain_claim_judged():
    # d (x kron(C, B)) / dx = kron(C, B) for a scalar x; kron(B, C) differs
    B, C, x = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 2)), 0.7
    fd = _fd(lambda t: t * np.kron(C, B), np.array(x))
    assert np.allclose(fd, np.kron(C, B), atol=1e-6)
    assert not np.allclose(fd, np.kron(B, C), atol=1e-3)
    with pytest.raises(ed.EinderivError, match="by a whole matrix or vector"):
        ed.check("x kron(C, B)", "x", claim="d vec(Y) / d vec(x)' = kron(B, C)", where="x: scalar")
    with pytest.raises(ed.EinderivError, match="by a whole matrix or vector"):
        ed.check("x A", "x", claim="d vec(Y) / d vec(x)' = vec(A)", where="x: scalar")
    assert ed.check("x kron(C, B)", "x", claim="kron(B, C)", where="x: scalar").verdict == "wrong"
    assert ed.check("x kron(C, B)", "x", claim="kron(C, B)", where="x: scalar").verdict == "right"


def test_a_bare_matrix_claim_for_a_kronecker_derivative_is_judged():
    # d vec(kron(A, B)) / d vec(A)' of A 2-by-3, B 2-by-2 is a 24-by-6 matrix; kron(B, I) is
    # square: no reading makes it the derivative, so the claim is not right (it crashed)
    A, B = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2))
    fd = _fd(lambda Z: np.kron(Z, B), A)  # d kron(A, B)[r, c] / d A[i, j]
    assert fd.size == 24 * 6  # not square, while kron(B, I_k) is 2k-by-2k for every k
    assert ed.check("kron(A, B)", "A", claim="kron(B, I)").verdict != "right"


def test_a_chain_of_equalities_points_to_audit(tmp_path):
    # d(a'x)/dx = d(x'a)/dx = a' (Wikipedia's rows are chains): check_identity takes one
    # identity, and says that audit checks a chain; audit finds both derivative sides right
    a, x = RNG.normal(size=3), RNG.normal(size=3)
    assert np.allclose(_fd(lambda v: a @ v, x), a, atol=1e-6)
    chain = (
        r"\frac{\partial \mathbf{a}^\top\mathbf{x}}{\partial \mathbf{x}} = "
        r"\frac{\partial \mathbf{x}^\top\mathbf{a}}{\partial \mathbf{x}} = \mathbf{a}^\top"
    )
    with pytest.raises(ed.EinderivError, match="audit"):
        ed.check_identity(chain)
    assert {line.verdict for line in ed.audit(f"$${chain}$$")} == {"right"}


# ---- u = u(x) written as a call: a function of x in the article, a product to einderiv


@pytest.mark.parametrize(
    "text",
    [
        r"\frac{\partial \mathbf{u}(x)}{\partial x} = \mathbf{u}",
        r"\frac{\partial \mathbf u(x)}{\partial x} = \mathbf u",
        r"\frac{\partial \boldsymbol{\mu}(x)}{\partial x} = \boldsymbol{\mu}",
    ],
)
def test_a_bold_letter_called_is_said_and_never_right(text):
    # read as the product u x, d(u x)/dx = u (right as read); as Wikipedia's u = u(x) it is
    # false: u(x) = sin(x) b has du/dx = cos(x) b, not u. So: undecided, with the reading said
    b, x = RNG.normal(size=3), 0.8
    assert np.allclose(_fd(lambda t: t * b, np.array(x)), b, atol=1e-6)
    assert not np.allclose(_fd(lambda t: np.sin(t) * b, np.array(x)), np.sin(x) * b, atol=1e-3)
    with pytest.warns(UserWarning, match="as the product"):
        result = ed.check_identity(text)
    assert result.verdict == "undecided"


@pytest.mark.parametrize("matrix", [r"\boldsymbol{\Sigma}", r"\mathbf{L}", r"\mathbf{A}"])
def test_a_bold_capital_before_a_bracket_of_a_sum_is_a_product(matrix):
    # d((x - mu)' S (x - mu))/dx = (x - mu)' (S + S') (numpy: central differences): S(x - mu)
    # with S a bold capital (Sigma, a matrix) is a product, the Gaussian's quadratic form; the
    # bold-call note made this right identity undecided
    S, x, mu = RNG.normal(size=(3, 3)), RNG.normal(size=3), RNG.normal(size=3)
    fd = _fd(lambda v: (v - mu) @ S @ (v - mu), x)
    assert np.allclose(fd, (x - mu) @ (S + S.T), atol=1e-6)
    d = r"(\mathbf{x}-\boldsymbol{\mu})"
    text = rf"\frac{{\partial {d}^\top{matrix}{d}}}{{\partial \mathbf{{x}}}} = "
    text += rf"{d}^\top({matrix}+{matrix}^\top)"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note: a product, as written
        assert ed.check_identity(text).verdict == "right"


# ---- T in a power beside other terms: a power with T an integer, said


def test_t_in_a_power_beside_other_terms_is_said():
    # X^{T-1} reads as a power (RNN papers' W^{T-t}); a reader may mean (X^T)^{-1}, another
    # function: at T = 3 the power is X X, the other reading inv(X)'
    X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    assert not np.allclose(X @ X, np.linalg.inv(X).T, atol=1e-3)
    for text in ("X^(T-1)", r"\mathbf{X}^{T-1}", "W^(T - t)", "(A B)^(2 T)"):
        with pytest.warns(UserWarning, match="read T in a power"):
            ed.parse(text)
    power = ed.parse("X^(T-1)", where="T: integer")  # declared: the power, unsaid
    assert np.allclose(power(X=X, T=3), X @ X)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text in ("X^T", "X^{-T}", "X^T X"):  # the transpose
            ed.parse(text, where="a: scalar")
    # a scalar's power: T is a real scalar, said as such (a capital read as a scalar by its
    # use), not as an integer of a matrix power
    with pytest.warns(ReadAsScalarByUse, match="read T in the exponent") as said:
        ed.parse("a^(T-1)", where="a: scalar")
    assert not [n for n in said if "read T in a power" in str(n.message)]


def test_t_declared_a_scalar_is_no_integer_to_say():
    # d A^(T-1) / dA = (T-1) A^(T-2) for scalars A > 0, T (numpy: central differences at
    # T = 2.5); with T declared a scalar, the note 'read T as an integer' was false, and it
    # made this right identity undecided
    A, T = 1.7, 2.5
    fd = _fd(lambda a: a ** (T - 1), np.array(A))
    assert np.isclose(fd, (T - 1) * A ** (T - 2), atol=1e-6)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note
        declared = ed.parse("A^(T-1)", where="A: scalar; T: scalar")
        result = ed.check("A^(T-1)", "A", claim="(T-1) A^(T-2)", where="A: scalar; T: scalar")
    assert np.isclose(declared(A=A, T=T), A ** (T - 1))
    assert result.verdict == "right"


def test_the_pseudo_inverse_is_refused_with_spellings_that_hold():
    # d(X^\dagger) (Wikipedia's differential table): einderiv has no pseudo-inverse; the
    # refusal's spelling for a full-rank X, (X^T X)^{-1} X^T, is numpy's pinv, and it reads
    X = RNG.normal(size=(4, 3))
    with pytest.raises(ed.ParseError, match=r"pseudo-inverse.*\(X\^\\top X\)\^\{-1\} X\^\\top"):
        ed.parse(r"\mathbf{X}^{\dagger}")
    spelt = ed.parse(r"(X^\top X)^{-1} X^\top")
    assert np.allclose(spelt(X=X), np.linalg.pinv(X))


@pytest.mark.parametrize(
    "typeset", [r"\tag{1}", r"\tag*{(C9)}", r"\label{eq:quad} \nonumber", r"\notag"]
)
def test_an_equation_tag_is_no_factor(typeset):
    # d(x^T A x)/dx = x^T (A + A^T), written with a tag as pasted from a LaTeX source
    A, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    assert np.allclose(_fd(lambda v: v @ A @ v, x), x @ (A + A.T), atol=1e-6)
    lhs = r"\frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x}}"
    right = rf"{lhs} = \mathbf{{x}}^\top (\mathbf{{A}} + \mathbf{{A}}^\top) {typeset}"
    assert ed.check_identity(right).verdict == "right"
    assert (
        ed.check_identity(rf"{lhs} = 2\mathbf{{x}}^\top \mathbf{{A}} {typeset}").verdict == "wrong"
    )


def test_the_commutation_matrix_written_k_mn_points_to_k_m_n():
    # d vec(X') / d vec(X)' = K_{mn} (Magnus & Neudecker's spelling): to einderiv K_{mn} is a
    # name; the error says to write K_{m,n}, which is right: K vec(X) = vec(X') in numpy
    m, n = 2, 3
    X = RNG.normal(size=(m, n))
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[j + n * i, i + m * j] = 1  # vec(X')[j + n i] = X[i, j] = vec(X)[i + m j]
    assert np.allclose(K @ X.reshape(-1, order="F"), X.T.reshape(-1, order="F"))
    lhs = (
        r"\frac{\partial \operatorname{vec}(\mathbf{X}^\top)}"
        r"{\partial \operatorname{vec}(\mathbf{X})^\top}"
    )
    with pytest.raises(ed.EinderivError, match=r"write K_\{m,n\}"):
        ed.check_identity(rf"{lhs} = \mathbf{{K}}_{{mn}}", where="X: matrix(m, n)")
    assert ed.check_identity(rf"{lhs} = K_{{m,n}}", where="X: matrix(m, n)").verdict == "right"
    assert np.allclose(ed.parse("commutation(m, n)")(m=m, n=n), K)


# ---- tr(f(X)) of a matrix: read entrywise, where the article means the matrix function


def _matrix_function(f, X):
    """f(X) of a diagonalizable X by its eigendecomposition (numpy)."""
    w, V = np.linalg.eig(X)
    return (V @ np.diag(f(w)) @ np.linalg.inv(V)).real


def test_a_matrix_function_in_a_trace_is_never_wrong_on_einderivs_reading_alone():
    # Wikipedia: d tr(sin(X))/dX = cos(X) (numerator layout), sin and cos matrix functions;
    # true in numpy (finite differences of the matrix sine), false entrywise (einderiv's
    # reading gives diag(cos(diag(X)))): "wrong" would rest on the reading, so undecided
    S = RNG.normal(size=(3, 3))
    X = S + S.T  # symmetric: real eigendecomposition
    fd = _fd(lambda Z: np.trace(_matrix_function(np.sin, Z)), X, eps=1e-5)
    assert np.allclose(fd.T, _matrix_function(np.cos, X), atol=1e-5)
    assert not np.allclose(fd.T, np.diag(np.cos(np.diag(X))), atol=1e-3)
    lhs = r"\frac{\partial \operatorname{tr}(\sin(\mathbf{X}))}{\partial \mathbf{X}}"
    with pytest.warns(UserWarning, match="entrywise"):
        assert ed.check_identity(lhs + r" = \cos(\mathbf{X})").verdict == "undecided"
    with pytest.warns(UserWarning, match="entrywise"):
        entrywise = ed.check_identity(
            lhs + r" = \operatorname{diag}(\cos(\operatorname{diag}(\mathbf{X})))"
        )
    assert entrywise.verdict == "undecided"  # right as read, as before
    # written without the trace's ambiguity (the sum of sin of the diagonal), cos(X) is wrong
    fd_diag = _fd(lambda Z: np.sum(np.sin(np.diag(Z))), X)
    assert not np.allclose(fd_diag.T, np.cos(X), atol=1e-3)
    assert ed.check("sum(sin(diag(X)))", "X", claim="cos(X)").verdict == "wrong"


def test_a_claim_of_the_wrong_shape_beside_a_matrix_function_stays_wrong():
    # d tr(sin(A X)) / dX = cos(A X) A (numerator layout, A 2-by-3, X 3-by-2), sin and cos
    # matrix functions: a 2-by-3 matrix, as the entrywise reading's derivative is; the claim
    # A' cos(A X) is 3-by-2 in both readings, so 'wrong' rests on no reading (it was undecided)
    A, X = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2))
    fd = _fd(lambda Z: np.trace(_matrix_function(np.sin, A @ Z)), X, eps=1e-5)
    assert np.allclose(fd.T, _matrix_function(np.cos, A @ X) @ A, atol=1e-5)
    claim = A.T @ _matrix_function(np.cos, A @ X)
    assert claim.shape != fd.T.shape  # no reading makes it the derivative
    where = "A: matrix(2, 3); X: matrix(3, 2)"
    with pytest.warns(UserWarning, match="entrywise"):
        assert ed.check("tr(sin(A X))", "X", claim="A' cos(A X)", where=where).verdict == "wrong"
    with pytest.warns(UserWarning, match="entrywise"):  # the same shape: undecided, as before
        right_shape = ed.check("tr(sin(A X))", "X", claim="cos(A X) A", where=where)
    assert right_shape.verdict == "undecided"


@pytest.mark.parametrize(
    "expr, claim, verdict",
    [
        # were all undecided: the trace holds no x, so its reading changes no derivative by x
        ("tr(exp(X)) + x' x", "2 x'", "right"),
        ("tr(exp(X)) + x' x", "x'", "wrong"),
        ("tr(exp(X)) + x' x", "3 x'", "wrong"),
        ("x' x - 2 tr(sin(X))", "2 x'", "right"),
        ("tr(exp(X)) + x' x", "d f = x' dx", "wrong"),
        ("tr(exp(A)) + x' A x", "x' (A + A')", "right"),
        ("tr(exp(A)) + x' A x", "2 x' A", "wrong"),
        ("tr(exp(A)) / 2 + x' A x", "2 x' A", "wrong"),
        # the trace's value is part of the derivative: it rests on the reading, as before
        ("tr(exp(X)) x' x", "2 tr(exp(X)) x'", "undecided"),
        # log(A) may be undefined as a matrix function where the claim was found wrong
        ("tr(log(A)) + x' A x", "2 x' A", "undecided"),
        ("tr(log(A)) + x' A x", "x' (A + A')", "right"),
    ],
)
def test_a_matrix_function_in_a_trace_constant_in_the_variable_drops_out(expr, claim, verdict):
    # d/dx (tr(f(M)) + x' A x) = x' (A + A') (numerator layout), with tr(f(M)) read entrywise
    # or as the matrix function (numpy: central differences of both, A not symmetric)
    rng = np.random.default_rng(26)
    S, A, x = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    M = S @ S.T / 3 + np.eye(3)  # symmetric positive definite: log(M) real in both readings
    for f in (np.exp, np.sin, np.log):
        for trace in (np.trace(_matrix_function(f, M)), np.sum(f(np.diag(M)))):
            by_x = _fd(lambda v, t=trace: t + v @ A @ v, x)
            assert np.allclose(by_x, x @ (A + A.T), atol=1e-5)
            assert not np.allclose(by_x, 2 * x @ A, atol=1e-3)
            assert np.allclose(_fd(lambda v, t=trace: t + v @ v, x), 2 * x, atol=1e-5)
    with pytest.warns(UserWarning, match="entrywise"):
        result = ed.check(expr, "x", claim)
    assert result.verdict == verdict, result
    if verdict != "undecided":
        assert "constant in x" in result.reason


@pytest.mark.parametrize(
    "identity, verdict",
    [
        # as check's: the trace holds no x, so its reading changes no derivative by x (these
        # identities were all undecided)
        (r"\frac{\partial (tr(exp(X)) + x^T x)}{\partial x} = 2 x^T", "right"),
        (r"\frac{\partial (tr(exp(X)) + x^T x)}{\partial x} = 3 x^T", "wrong"),
        ("d (tr(exp(X)) + x' x) / dx = 2 x'", "right"),
        (r"\frac{\partial (tr(exp(X)) + x^T x)}{\partial x_i} = 2 x_i", "right"),
        (r"\frac{\partial (tr(exp(X)) + x^T x)}{\partial x_i} = x_i", "wrong"),
        (r"\frac{\partial (tr(exp(A)) + tr(A X))}{\partial X} = A", "right"),
        (r"\frac{\partial (tr(exp(A)) + tr(A X))}{\partial X} = A^T", "wrong"),
        # log(X) may be undefined as a matrix function where the claim was found wrong
        (r"\frac{\partial (tr(log(X)) + x^T x)}{\partial x} = 2 x^T", "right"),
        (r"\frac{\partial (tr(log(X)) + x^T x)}{\partial x} = 3 x^T", "undecided"),
        # the trace holds the variable: its reading is part of the derivative, as before
        (r"\frac{\partial (tr(exp(S)) + x^T S x)}{\partial S_{ij}} = x_i x_j", "undecided"),
    ],
)
def test_an_identity_with_a_trace_constant_in_the_variable_drops_it(identity, verdict):
    # d/dx (tr(f(X)) + x' x) = 2 x' and d/dX (tr(f(A)) + tr(A X)) = A (numerator layout), with
    # tr(f(.)) read entrywise or as the matrix function (numpy: central differences of both)
    rng = np.random.default_rng(27)
    S, A, x = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    M = S @ S.T / 3 + np.eye(3)
    for f in (np.exp, np.log):
        for trace in (np.trace(_matrix_function(f, M)), np.sum(f(np.diag(M)))):
            assert np.allclose(_fd(lambda v, t=trace: t + v @ v, x), 2 * x, atol=1e-5)
            by_X = _fd(lambda v, t=trace: t + np.trace(A @ v.reshape(3, 3)), M.ravel())
            assert np.allclose(by_X.reshape(3, 3), A.T, atol=1e-5)  # d/dX[i,j]: A[j,i]
    with pytest.warns(UserWarning, match="entrywise"):
        result = ed.check_identity(identity)
    assert result.verdict == verdict, result
    if verdict != "undecided":
        assert "constant in" in result.reason


@pytest.mark.parametrize("wrt", [r"\mathbf{x}", r"\boldsymbol{x}"])
def test_a_trace_of_the_variable_written_in_latex_stays_in_the_derivative(wrt):
    # d/dx (tr(exp(x x')) + x' x) = 2 x' + 2 x' .* exp(x .^ 2)' entrywise (or 4 x' exp(x' x)
    # as the matrix function), never 2 x': the trace holds x, written \mathbf{x} as the
    # variable; it was dropped as constant ("right", found by review)
    x = np.array([0.3, -0.8, 0.5])
    entrywise = _fd(lambda v: np.sum(np.exp(v**2)) + v @ v, x)
    matrix = _fd(lambda v: np.trace(_matrix_function(np.exp, np.outer(v, v))) + v @ v, x)
    for by_x in (entrywise, matrix):
        assert not np.allclose(by_x, 2 * x, atol=1e-3)
    assert np.allclose(entrywise, 2 * x + 2 * x * np.exp(x**2), atol=1e-5)
    with pytest.warns(UserWarning, match="entrywise"):
        result = ed.check("tr(exp(x x')) + x' x", wrt, "2 x'")
    assert result.verdict != "right", result
