"""A researcher pastes identities from Magnus & Neudecker, the Matrix Cookbook, Minka's notes and
ML papers, in LaTeX and Unicode (session 33, helper e). Each input either reads as the paper
means it (its value against numpy code written here, its gradient against central differences
of that code) or is refused with a ParseError at a line and column, with a caret and a
suggestion; a claim is right (or undecided with a reason) when numpy says it is, wrong when not.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(3780)
N = 3
A0, B0, C0 = (RNG.standard_normal((N, N)) for _ in range(3))
X0 = 3 * np.eye(N) + 0.4 * RNG.standard_normal((N, N))  # invertible, det > 0
S0 = X0 @ X0.T  # symmetric positive definite
x0, y0, a0, b0, m0 = (RNG.standard_normal(N) for _ in range(5))
ARRAYS = {"A": A0, "B": B0, "C": C0, "X": X0, "x": x0, "y": y0, "a": a0, "b": b0, "w": b0}
ARRAYS |= {"mu": m0, "theta": a0, "Sigma": S0}
inv, det, tr = np.linalg.inv, np.linalg.det, np.trace


def _reads(text: str, fn, wrt: str, arrays: dict, where: str = "") -> None:
    """``text`` has the value of the numpy ``fn`` at ``arrays``, and its gradient by ``wrt``
    (denominator layout) is the central differences of ``fn``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = ed.parse(text, where=where or None)
        g = ed.diff(text, wrt, where=where or None, layout="denominator")
    used = {k: v for k, v in arrays.items() if k in f.variables}
    np.testing.assert_allclose(f(**used), fn(**used), rtol=1e-9, atol=1e-12)
    expected = jacobian_fd(lambda **kw: fn(**kw), used, wrt)
    got = g(**{k: v for k, v in used.items() if k in g.variables})
    np.testing.assert_allclose(np.broadcast_to(got, expected.shape), expected, atol=1e-5)


def _refused(text: str, fragment: str, where: str = "") -> ed.ParseError:
    """``text`` is a ParseError at a line and column with a caret, whose message holds
    ``fragment`` (a regular expression), the suggestion."""
    with pytest.raises(ed.ParseError) as info:
        ed.parse(text, where=where or None)
    error = info.value
    assert error.line >= 1 and error.column >= 1
    assert "^" in str(error).splitlines()[-1] or "^" in str(error)
    assert re.search(fragment, str(error)), str(error)
    return error


# ---- a formula's frame and the sentence around it: refused with what to do ------------------

FRAMES = [
    # display delimiters and environments (check_identity unwraps them; parse says so)
    (r"\[x^\top A x\]", r"'\\\['.*display delimiters.*paste the math inside"),
    (r"\begin{equation} x^\top A x \end{equation}", r"'\\begin'.*paste the math inside"),
    (r"\begin{align} f &= x^\top A x \end{align}", r"'\\begin'.*paste the math inside"),
    (r"\operatorname{tr}(AX) \label{eq:x}", r"'\\label'.*label or number.*leave it out"),
    (r"\operatorname{tr}(AX) \tag{1}", r"'\\tag'.*label or number.*leave it out"),
    (r"x^\top A x \nonumber", r"'\\nonumber'.*leave it out"),
    (r"x^\top A x \notag", r"'\\notag'.*leave it out"),
    (r"\operatorname{tr}(AX)\\", r"row break of an align.*one row at a time"),
    # the sentence's punctuation after the formula
    (r"x^\top A x.", r"'\.' is not part of a formula.*punctuation.*leave it out"),
    (r"x^\top A x\,.", r"'\.' is not part of a formula.*leave it out"),
    (r"x^\top A x \; ,", r"',' is not part of a formula.*leave it out"),
    (r"\operatorname{tr}(AX);", r"';' is not part of a formula.*leave it out"),
    (r"x^\top A x\quad.", r"'\.' is not part of a formula.*leave it out"),
    ("x' A x.", r"unexpected character '\.' \(the punctuation.*leave it out"),
    ("x' A x,", r"unexpected ',' \(the punctuation.*leave it out"),
    ("tr(A X);", r"unexpected ';' \(the punctuation.*leave it out"),
    # macros of a preamble (physics, commath)
    (r"\norm{x}_2^2", r"'\\norm'.*macro of your preamble.*\\\|x\\\|"),
    (r"\abs{x}", r"'\\abs'.*macro of your preamble.*\|a\|"),
    # kept as decided (session 22): '$' and '&' are not the formula's
    (r"$x^\top A x$", r"'\$' is not part of a formula \(paste the math only\)"),
    (r"&\operatorname{tr}(AX)", r"'&' is not part of a formula"),
]


@pytest.mark.parametrize(("text", "fragment"), FRAMES)
def test_frames_and_punctuation_are_refused_with_what_to_do(text, fragment):
    _refused(text, fragment)


@pytest.mark.parametrize(
    "text", [r"\operatorname{tr}(AX)", r"\operatorname{tr}(AX)\,", r"\operatorname{tr}(AX)\quad"]
)
def test_the_formula_without_its_frame_reads(text):
    # tr(A X) = sum(A * X') (a number only numpy computes), d/dX = A' (central differences)
    _reads(text, lambda A, X: tr(A @ X), "X", ARRAYS)


def test_a_dot_inside_the_formula_is_not_the_sentence_s():
    # x . y (a dot between operands) and kron(A, ) (a comma before a missing operand) keep
    # their own messages: only punctuation that ends the text is the sentence's
    for text in ("x . y", "kron(A,)", r"\frac{1}{2}. x"):
        with pytest.raises(ed.ParseError) as info:
            ed.parse(text)
        assert "punctuation" not in str(info.value)


# ---- identities as the Cookbook (denominator layout) and Magnus & Neudecker write them ------


def _gradient(fn, wrt: str, arrays: dict) -> np.ndarray:
    """The gradient of the scalar numpy ``fn`` by ``wrt``, shaped like it (central differences)."""
    return jacobian_fd(lambda **kw: fn(**kw), arrays, wrt)


# (left side as a template with {f} and {X}, its numpy function, variable, a right claim and its
# numpy value, a wrong claim): the template is the spelling under review
IDENTITY_FORMS = [
    r"\frac{\partial}{\partial {X}} {f}",
    r"\frac{\partial {f}}{\partial {X}}",
    r"\frac{\partial\, {f}}{\partial {X}}",
    r"\nabla_{X} {f}",
    r"\nabla_{{X}} {f}",
    r"\partial_{X} {f}",
    r"\partial_{{X}} {f}",
]
COOKBOOK = [
    # (C100) d tr(AX)/dX = A'
    (r"\operatorname{tr}(AX)", lambda A, X: tr(A @ X), "X", r"A^\top", r"A"),
    (
        r"\mathrm{Tr}(\mathbf{A}\mathbf{X})",
        lambda A, X: tr(A @ X),
        "X",
        r"\mathbf{A}^{\mathsf T}",
        "A",
    ),
    # (C49) d log|det X|/dX = X^-T
    (r"\log\det X", lambda X: np.log(det(X)), "X", r"X^{-\top}", r"X^{-1}"),
    (r"\ln\left|X\right|", lambda X: np.log(det(X)), "X", r"(X^{-1})^{\intercal}", r"X^{-1}"),
    # (C103) d ||X||_F^2 / dX = 2X
    (r"\|X\|_F^2", lambda X: np.sum(X * X), "X", "2X", r"2X^\top"),
    # (C81) d x'Ax/dx = (A + A')x
    (
        r"\mathbf{x}^\top\mathbf{A}\mathbf{x}",
        lambda A, x: x @ A @ x,
        "x",
        r"(\mathbf{A} + \mathbf{A}^\top)\mathbf{x}",
        r"2\mathbf{A}\mathbf{x}",
    ),
    # (C70) d a'Xb/dX = ab'
    (
        r"\mathbf{a}^\top\mathbf{X}\mathbf{b}",
        lambda a, X, b: a @ X @ b,
        "X",
        r"\mathbf{a}\mathbf{b}^\top",
        r"\mathbf{b}\mathbf{a}^\top",
    ),
    # (C61) d a'X^-1 b/dX = -X^-T a b' X^-T
    (
        r"\mathbf{a}^\top\mathbf{X}^{-1}\mathbf{b}",
        lambda a, X, b: a @ inv(X) @ b,
        "X",
        r"-\mathbf{X}^{-\top}\mathbf{a}\mathbf{b}^\top\mathbf{X}^{-\top}",
        r"-\mathbf{X}^{-1}\mathbf{a}\mathbf{b}^\top\mathbf{X}^{-1}",
    ),
    # Unicode as a PDF gives it
    ("tr(Xᵀ A X)", lambda A, X: tr(X.T @ A @ X), "X", "A X + Aᵀ X", "2 A X"),
    ("‖x‖₂²", lambda x: x @ x, "x", "2x", "x"),
]


@pytest.mark.parametrize("form", IDENTITY_FORMS)
@pytest.mark.parametrize(("f", "fn", "var", "right", "wrong"), COOKBOOK)
def test_cookbook_identities_in_every_spelling(form, f, fn, var, right, wrong):
    used = {k: v for k, v in ARRAYS.items() if k in fn.__code__.co_varnames}
    expected = _gradient(fn, var, used)
    bold = "\\mathbf" in f
    name = f"\\mathbf{{{var}}}" if bold else var
    left = form.replace("{f}", f).replace("{X}", name)
    claims = {r"A^\top": A0.T, "A": A0, r"\mathbf{A}^{\mathsf T}": A0.T}
    if right in claims:  # the test's own truth: the right claim is the central differences
        np.testing.assert_allclose(claims[right], expected, atol=1e-5)
        assert not np.allclose(claims[wrong], expected, atol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        good = ed.check_identity(f"{left} = {right}", layout="denominator")
        bad = ed.check_identity(f"{left} = {wrong}", layout="denominator")
        value = ed.parse(right)(**{k: v for k, v in used.items() if k in ed.parse(right).variables})
    np.testing.assert_allclose(value, expected, atol=1e-5)  # the right claim, read, is right
    assert good.verdict == "right", (left, good.reason)
    assert bad.verdict == "wrong", (left, bad.reason)


def test_partial_with_a_subscript_is_the_derivative_in_the_layout_asked():
    # \partial_X tr(AX): d tr(AX)/dX[i,j] = A[j,i], A' shaped like X, A in numerator layout;
    # it was "the left side is a differential, d _X tr(A X), but the right side holds no dX"
    expected = _gradient(lambda A, X: tr(A @ X), "X", {"A": A0, "X": X0})
    np.testing.assert_allclose(A0.T, expected, atol=1e-5)
    text = r"\partial_X \operatorname{tr}(A X) = "
    assert ed.check_identity(text + r"A^\top", layout="denominator").verdict == "right"
    assert ed.check_identity(text + "A", layout="numerator").verdict == "right"
    assert ed.check_identity(text + "A", layout="denominator").verdict == "wrong"
    assert ed.check_identity("∂_X tr(A X) = Aᵀ", layout="denominator").verdict == "right"


# ---- a power written before a norm's subscript, pasted from a PDF or typed -----------------

NORMS = [
    # ||x||_2^2 = x'x, d/dx = 2x; ||X||_F^2 = sum of squares, d/dX = 2X; ||x||_1^2 = (sum|x|)^2
    ("‖x‖²₂", lambda x: x @ x, "x"),
    ("‖x‖^2_2", lambda x: x @ x, "x"),
    ("||x||^2_2", lambda x: x @ x, "x"),
    ("‖X‖²_F", lambda X: np.sum(X * X), "X"),
    ("||X||^2_F", lambda X: np.sum(X * X), "X"),
    ("||X||^2_{F}", lambda X: np.sum(X * X), "X"),
    ("‖x‖²_1", lambda x: np.sum(np.abs(x)) ** 2, "x"),
    # the same inside LaTeX (a formula mixing both, as a PDF's copy edited by hand gives)
    (r"\frac{1}{2}‖x‖₂²", lambda x: 0.5 * x @ x, "x"),
    (r"\frac{1}{2}‖x‖²₂", lambda x: 0.5 * x @ x, "x"),
    (r"\frac{1}{2}‖X‖²_F", lambda X: 0.5 * np.sum(X * X), "X"),
    (r"\frac{1}{2}‖x‖₁", lambda x: 0.5 * np.sum(np.abs(x)), "x"),
    # already read before: the subscript first, and LaTeX's own
    ("‖X‖_F²", lambda X: np.sum(X * X), "X"),
    (r"\|X\|^2_F", lambda X: np.sum(X * X), "X"),
    (r"\lVert x\rVert_2^2", lambda x: x @ x, "x"),
]


@pytest.mark.parametrize(("text", "fn", "var"), NORMS)
def test_a_norm_s_power_before_its_subscript(text, fn, var):
    # ‖X‖²_F was "unexpected '_F'", ||X||^2_F too, while \|X\|^2_F read; \frac{1}{2}‖x‖₂²
    # "unexpected character '₂'" (a subscript digit after a norm in LaTeX)
    _reads(text, fn, var, ARRAYS)


def test_a_matrix_s_2_norm_written_power_first_is_said_frobenius():
    # ‖X‖²₂ of a matrix: Frobenius (no spectral norm), said as for ‖X‖₂²; ‖X‖²_F says nothing
    for text in ("‖X‖²₂", "||X||^2_2", "‖X‖_2^2"):
        with pytest.warns(ed.errors.ReadAsEntrywise, match="Frobenius"):
            f = ed.parse(text)
        assert np.isclose(f(X=X0), np.sum(X0 * X0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("‖X‖²_F")


def test_a_power_before_another_subscript_stays_refused():
    # ‖x‖²₃ and ||x||^2_3: no 3-norm; ‖x‖^T_2 keeps its reading (T is not moved: a transpose)
    for text in ("‖x‖²₃", "||x||^2_3"):
        with pytest.raises(ed.ParseError) as info:
            ed.parse(text)
        assert text in str(info.value)  # the caret under the user's own text


# ---- Magnus & Neudecker's Kronecker form: d vec F / d (vec X)' -------------------------------


def _vec_jacobian(fn, X: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """J[i, j] = d vec(fn(X))[i] / d vec(X)[j], vec stacking columns (central differences)."""
    cols = []
    for j in range(X.size):
        e = np.zeros(X.size)
        e[j] = eps
        step = e.reshape(X.shape, order="F")
        cols.append((fn(X + step) - fn(X - step)).ravel(order="F") / (2 * eps))
    return np.array(cols).T


KRONECKER_DENOMINATORS = [
    r"\partial \operatorname{vec}(X)^\top",  # read before
    r"\partial (\operatorname{vec}X)^\top",  # M&N's brackets: was "a derivative by a transpose"
    r"\partial (\operatorname{vec} X)'",
    r"\partial (\mathrm{vec}\,X)^{\mathsf T}",
    r"\partial \operatorname{vec}(X)^{\mathsf T}",  # was "not a variable name"
    r"\partial \operatorname{vec}(X)^{\mathsf{T}}",
    r"\partial (\operatorname{vec}(X))^\intercal",
    r"\mathrm{d}\,(\operatorname{vec} X)^{\rm T}",
]


@pytest.mark.parametrize("denominator", KRONECKER_DENOMINATORS)
def test_kronecker_identities_by_vec_x_transposed(denominator):
    # d vec(AXB) / d (vec X)' = B' ⊗ A (M&N ch. 9), and d vec(X^-1) / d (vec X)' = -X^-T ⊗ X^-1
    B2 = RNG.standard_normal((N, 2))
    J = _vec_jacobian(lambda X: A0 @ X @ B2, X0)
    np.testing.assert_allclose(J, np.kron(B2.T, A0), atol=1e-6)
    assert not np.allclose(J, np.kron(A0, B2.T)[: J.shape[0], : J.shape[1]], atol=1e-3)
    left = rf"\frac{{\partial \operatorname{{vec}}(AXB)}}{{{denominator}}}"
    assert ed.check_identity(left + r" = B^\top \otimes A").verdict == "right"
    assert ed.check_identity(left + r" = B \otimes A^\top").verdict == "wrong"
    J = _vec_jacobian(inv, X0)
    np.testing.assert_allclose(J, -np.kron(inv(X0).T, inv(X0)), atol=1e-5)
    left = rf"\frac{{\partial \operatorname{{vec}}(X^{{-1}})}}{{{denominator}}}"
    assert ed.check_identity(left + r" = -X^{-\top} \otimes X^{-1}").verdict == "right"
    assert ed.check_identity(left + r" = -X^{-1} \otimes X^{-1}").verdict == "wrong"


def test_vec_of_a_transpose_without_brackets_stays_refused():
    # \operatorname{vec} X^\top: vec(X') or (vec X)'? Not guessed
    with pytest.raises(ed.EinderivError):
        ed.check_identity(
            r"\frac{\partial \operatorname{vec}(AXB)}{\partial \operatorname{vec} X^\top} = "
            r"B^\top \otimes A"
        )


# ---- every spelling of the brief, read as the paper means it --------------------------------

sig = lambda u: 1 / (1 + np.exp(-u))
TRACE = lambda A, X: tr(A @ X)
DET = lambda X: det(X)
LOGDET = lambda X: np.log(det(X))
FRO2 = lambda X: np.sum(X * X)
QUAD = lambda A, x: x @ A @ x
INVQ = lambda a, X, b: a @ inv(X) @ b
INVTQ = lambda a, X, b: a @ inv(X).T @ b
READINGS = [
    # the trace: d tr(AX)/dX = A'
    *(
        (t, TRACE, "X")
        for t in (
            r"\operatorname{tr}(AX)",
            r"\mathrm{Tr}(AX)",
            r"\text{tr}(AX)",
            r"\tr(AX)",
            r"\operatorname{Tr}(AX)",
            r"\operatorname{trace}(AX)",
            r"\mathrm{tr}\,(AX)",
            r"\mathrm{tr}\left(\mathbf{A}\mathbf{X}\right)",
            r"\operatorname{tr}\big(AX\big)",
            r"\operatorname{tr}\bigl(AX\bigr)",
            r"\operatorname{tr}\Big(AX\Big)",
            r"\operatorname{tr}\left[AX\right]",
            r"\operatorname{tr}(A\,X)",
            r"\operatorname{tr}(A\;X)",
            r"\operatorname{tr}(A\!X)",
            r"\operatorname{tr}(A \quad X)",
            r"\operatorname{tr}(A \cdot X)",
            r"\operatorname{tr}(A \times X)",
            "tr(A X)",
            "Tr(A X)",
        )
    ),
    # the determinant and its log: d det X/dX = det(X) X^-T, d log det X/dX = X^-T
    *(
        (t, DET, "X")
        for t in (
            r"\det(X)",
            r"\det X",
            r"|X|",
            r"\left|X\right|",
            r"\lvert X\rvert",
            r"\left\lvert \mathbf{X} \right\rvert",
            r"\det\left(\mathbf{X}\right)",
        )
    ),
    *(
        (t, LOGDET, "X")
        for t in (
            r"\log\det X",
            r"\log\det(X)",
            r"\ln|X|",
            r"\ln\left|X\right|",
            r"\log\left|\mathbf{X}\right|",
            r"\ln\det\mathbf{X}",
            r"\log \lvert X \rvert",
            "log|X|",
            "log(det(X))",
        )
    ),
    # the Frobenius norm squared: d/dX = 2X
    *(
        (t, FRO2, "X")
        for t in (
            r"\|X\|_F^2",
            r"\|X\|_{F}^{2}",
            r"\|X\|_\mathrm{F}^2",
            r"\lVert X\rVert_F^2",
            r"\left\|X\right\|_F^2",
            r"\left\lVert\mathbf{X}\right\rVert_{\text{F}}^2",
            "‖X‖_F²",
            r"\operatorname{tr}(X^\top X)",
            r"\operatorname{tr}(X X^{\mathsf T})",
            r"\operatorname{vec}(X)^\top\operatorname{vec}(X)",
            r"\mathbf{1}^\top (X \odot X)\mathbf{1}",
            r"\mathbf{1}^\top (X \circ X) \mathbf{1}",
            "sum(X .* X)",
        )
    ),
    # a quadratic form: d x'Ax/dx = (A + A')x, every transpose
    *(
        (t, QUAD, "x")
        for t in (
            r"x^\top A x",
            r"x^{\top} A x",
            r"x^{\mathsf T} A x",
            r"x^{\mathsf{T}} A x",
            r"x^\mathsf{T} A x",
            r"x^{\intercal} A x",
            r"x^\intercal A x",
            r"x^{T} A x",
            r"x^T A x",
            r"x^{\prime} A x",
            r"x^{\rm T} A x",
            r"x^{\text{T}} A x",
            r"x^{\mathrm{T}} A x",
            r"\mathbf{x}^\top\mathbf{A}\mathbf{x}",
            r"\bm{x}^\top \bm{A} \bm{x}",
            r"\boldsymbol{x}^\top\boldsymbol{A}\boldsymbol{x}",
            r"\mathbf{x}^\top\!\mathbf{A}\,\mathbf{x}",
            r"\mathbf{x} \cdot (\mathbf{A}\mathbf{x})",
            r"\left(\mathbf{A}\mathbf{x}\right)^\top\mathbf{x}",
            "xᵀAx",
            "x⊤ A x",
            "𝐱ᵀ𝐀𝐱",
            "x' A x",
            "x · (A x)",
            r"\langle \mathbf{x}, \mathbf{A}\mathbf{x} \rangle",
        )
    ),
    # inverses: d a'X^-1 b/dX = -X^-T a b' X^-T
    *(
        (t, INVQ, "X")
        for t in (
            r"\mathbf{a}^\top\mathbf{X}^{-1}\mathbf{b}",
            r"a^\top X^{-1} b",
            "aᵀX⁻¹b",
            "a' inv(X) b",
            r"a^\top (X^{-\top})^\top b",
        )
    ),
    *(
        (t, INVTQ, "X")
        for t in (
            r"a^\top X^{-\top} b",
            r"a^\top X^{-T} b",
            r"a^\top X^{-\mathsf{T}} b",
            r"a^\top X^{-\intercal} b",
            r"a^\top (X^\top)^{-1} b",
            r"a^\top (X^{-1})^\top b",
            "aᵀX⁻ᵀb",
        )
    ),
    # Kronecker products and vec: tr(A ⊗ X) = tr(A) tr(X); vec(X)'vec(A) = tr(X'A)
    (r"\operatorname{tr}(A \otimes X)", lambda A, X: tr(np.kron(A, X)), "X"),
    ("tr(A⊗X)", lambda A, X: tr(np.kron(A, X)), "X"),
    (r"\operatorname{vec}(X)^\top \operatorname{vec}(A)", lambda A, X: np.sum(A * X), "X"),
    (
        r"\mathrm{vec}(A)^{\mathsf T} (B^\top \otimes A) \operatorname{vec}(X)",
        lambda A, B, X: A.ravel(order="F") @ np.kron(B.T, A) @ X.ravel(order="F"),
        "X",
    ),
    # ones, identity, diag, Hadamard
    (r"\mathbf{1}^\top \mathbf{x}", lambda x: np.sum(x), "x"),
    (r"\mathbf{1}_n^\top \mathbf{x}", lambda x: np.sum(x), "x"),
    (r"\mathbf{1}^\top X \mathbf{1}", lambda X: np.sum(X), "X"),
    (r"\operatorname{tr}(I_n + X)", lambda X: N + tr(X), "X"),
    (r"\operatorname{tr}(\mathbf{I} + X)", lambda X: N + tr(X), "X"),
    (
        r"\mathbf{a}^\top \operatorname{diag}(\mathbf{x}) \mathbf{b}",
        lambda a, x, b: a @ (x * b),
        "x",
    ),
    (r"\mathbf{a}^\top \mathrm{diag}(\mathbf{x}) \mathbf{b}", lambda a, x, b: a @ (x * b), "x"),
    (r"\mathbf{1}^\top (\mathbf{a} \odot \mathbf{x})", lambda a, x: a @ x, "x"),
    (r"\operatorname{tr}(A^\top (X \circ X))", lambda A, X: np.sum(A * X * X), "X"),
    ("sum(A ⊙ X)", lambda A, X: np.sum(A * X), "X"),
    ("sum(A ∘ X)", lambda A, X: np.sum(A * X), "X"),
    # dots, times and numbers
    (r"\mathbf{a} \cdot \mathbf{x}", lambda a, x: a @ x, "x"),
    ("a · x", lambda a, x: a @ x, "x"),
    (r"2 \cdot x^\top x", lambda x: 2 * x @ x, "x"),
    (r"2 \times \operatorname{tr}(X)", lambda X: 2 * tr(X), "X"),
    (r"\frac{1}{2} x^\top x", lambda x: 0.5 * x @ x, "x"),
    (r"\tfrac12 x^\top x", lambda x: 0.5 * x @ x, "x"),
    (r"\dfrac{1}{2}\,x^\top x", lambda x: 0.5 * x @ x, "x"),
    (r"\frac{x^\top x}{2}", lambda x: 0.5 * x @ x, "x"),
    (r"\operatorname{tr}(X)^2", lambda X: tr(X) ** 2, "X"),
    (r"\operatorname{tr}^2(X)", lambda X: tr(X) ** 2, "X"),
    (r"\det(X)^{-1}", lambda X: 1 / det(X), "X"),
    (r"|X|^{-1}", lambda X: 1 / det(X), "X"),
    (r"\sqrt{\mathbf{x}^\top\mathbf{x}}", lambda x: np.sqrt(x @ x), "x"),
    (r"\lVert x\rVert_2", lambda x: np.sqrt(x @ x), "x"),
    ("‖x‖₂", lambda x: np.sqrt(x @ x), "x"),
    (r"\|x\|_1", lambda x: np.sum(np.abs(x)), "x"),
    # ML: logistic, softmax cross-entropy, tanh layer
    (r"\log\sigma(\mathbf{w}^\top\mathbf{x})", lambda w, x: np.log(sig(w @ x)), "w"),
    (r"\sigma\left(\mathbf{w}^{\top}\mathbf{x}\right)", lambda w, x: sig(w @ x), "w"),
    (r"\mathbf{a}^\top\tanh(\mathbf{X}\mathbf{x})", lambda a, X, x: a @ np.tanh(X @ x), "X"),
    (r"\log\operatorname{sum}(\exp(\mathbf{x}))", lambda x: np.log(np.sum(np.exp(x))), "x"),
    (
        r"\mathbf{y}^\top\log\operatorname{softmax}(\mathbf{X}\mathbf{x})",
        lambda y, X, x: y @ (X @ x - np.log(np.sum(np.exp(X @ x)))),
        "X",
    ),
]
GREEK = [
    # Greek letters as vectors and matrices, declared (undeclared, a Greek letter is a scalar)
    (
        r"(\mathbf{x}-\boldsymbol{\mu})^\top\boldsymbol{\Sigma}^{-1}(\mathbf{x}-\boldsymbol{\mu})",
        lambda x, mu, Sigma: (x - mu) @ inv(Sigma) @ (x - mu),
        "mu",
        "mu: vector",
    ),
    (
        r"(x-\mu)^\top \Sigma^{-1} (x-\mu)",
        lambda x, mu, Sigma: (x - mu) @ inv(Sigma) @ (x - mu),
        "Sigma",
        "mu: vector",
    ),
    (
        "(x - μ)ᵀ Σ⁻¹ (x - μ)",
        lambda x, mu, Sigma: (x - mu) @ inv(Sigma) @ (x - mu),
        "x",
        "mu: vector",
    ),
    (
        r"-\frac{1}{2}\log\det\boldsymbol{\Sigma} - \frac{1}{2}\mathbf{x}^\top\Sigma^{-1}\mathbf{x}",
        lambda x, Sigma: -0.5 * np.log(det(Sigma)) - 0.5 * x @ inv(Sigma) @ x,
        "Sigma",
        "",
    ),
    (
        r"\exp(-\tfrac{1}{2}\mathbf{x}^\top\boldsymbol{\Sigma}^{-1}\mathbf{x})",
        lambda x, Sigma: np.exp(-0.5 * x @ inv(Sigma) @ x),
        "x",
        "",
    ),
    (r"\boldsymbol{\theta}^\top \mathbf{x}", lambda theta, x: theta @ x, "theta", "theta: vector"),
    (r"\theta^\top x", lambda theta, x: theta @ x, "theta", "theta: vector"),
    ("θᵀx", lambda theta, x: theta @ x, "theta", "theta: vector"),
]


@pytest.mark.parametrize(("text", "fn", "var"), READINGS)
def test_every_spelling_reads_as_the_paper_means(text, fn, var):
    _reads(text, fn, var, ARRAYS)


@pytest.mark.parametrize(("text", "fn", "var", "where"), GREEK)
def test_greek_letters_as_declared(text, fn, var, where):
    _reads(text, fn, var, ARRAYS, where)


# ---- refused, each with what to write (never read another way) ------------------------------

REFUSED = [
    # a composition is not einderiv's \circ (the Hadamard product, SPEC 6.2)
    (r"\sigma \circ \tanh", r"'tanh' needs an argument: a composition.*Hadamard"),
    (r"(\sigma\circ\tanh)(x)", r"composition \(f \\circ g\) is not read"),
    (r"\tanh \circ (W x)", r"composition.*\\tanh\(g\(x\)\)"),
    (r"\tanh ∘ \log", r"composition"),
    # a Kronecker power (was "unexpected '\otimes'" alone)
    (r"X^{\otimes 2}", r"Kronecker power is not read: write X \\otimes X"),
    (r"\operatorname{tr}(\mathbf{X}^{\otimes 2})", r"Kronecker power"),
    # conditions beside the formula (were "did you mean \sin?")
    (r"X \in \mathbb{R}^{n}", r"'\\in'.*declare its kind instead"),
    (r"\Sigma \succ 0", r"'\\succ'.*declare its kind instead"),
    # decided before, kept: the cross product, old font switches, norms einderiv has not
    ("x × y", "no cross product"),
    (r"{\bf x}^\top {\bf A} {\bf x}", r"'\\bf'.*\\mathbf\{x\}"),
    (r"{\rm tr}(AX)", r"'\\rm'"),
    (r"\|X\|_*", r"unknown norm '_\*' \(use _2, _F or _1\)"),
    (r"\|x\|_\infty", r"unknown norm"),
    (r"X^{\dagger}", "pseudo-inverse"),
    (r"X^{+}", "pseudo-inverse"),
    (r"\frac{\partial}{\partial X}\operatorname{tr}(AX)", r"give the variable as wrt"),
    (r"\nabla_X f", r"give the variable as wrt"),
    ("∂f", r"give the variable as wrt"),
    (r"\mathrm{d}X", r"'d' here is not supported"),
    (r"\sum_i x_i", r"a sum over an index.*sum\(\.\.\.\)"),
    (r"\mathbb{E}[x^\top x]", "expectation"),
    (r"\operatorname{Diag}(x)", "did you mean diag"),
    # an adjoint or an optimum (was "unexpected '*'" alone), \mid (was "did you mean \tilde?"),
    # an entry of a power in plain text (was "unexpected character '_'" alone)
    (r"A^{*} A", r"X\^\{\*\}, the adjoint, or an optimum x\^\*, is not read"),
    (r"A^\ast A", r"the adjoint"),
    ("A^* A", r"the adjoint"),
    (r"\mid X \mid", r"relation's bar.*\|X\|"),
    ("(X^{-1})_{ij}", r"an entry of a product or power is \(X\^-1\)\[i,j\]"),
    ("X^{-1}_{ij}", r"\(X\^-1\)\[i,j\]"),
]


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_refused_with_what_to_write(text, fragment):
    _refused(text, fragment)


DECLARATIONS = [
    # where= pasted from a paper's LaTeX (was "unexpected character '\'" with no word more)
    (r"X \in \mathbb{R}^{n \times m}", r"a set is declared by its kind: X: matrix\(n, m\)"),
    ("X ∈ ℝ^{n×m}", r"a set is declared by its kind"),
    (r"\Sigma: symmetric", r"declared by its plain name, Sigma for \\Sigma"),
    (r"\boldsymbol{\mu}: vector", r"mu for \\boldsymbol\{\\mu\}"),
    ("mu: vector, Sigma: symmetric", r"separated by ';' or new lines"),
]


@pytest.mark.parametrize(("where", "fragment"), DECLARATIONS)
def test_declarations_pasted_from_latex_say_what_to_write(where, fragment):
    error = _refused("x", fragment, where=where)
    assert "declarations" in str(error)


def test_the_declarations_as_suggested_read():
    # mu: vector; Sigma: symmetric -- (x - mu)' Sigma^-1 (x - mu), d/dx = 2 Sigma^-1 (x - mu)
    where = "mu: vector; Sigma: symmetric"
    _reads(r"(x-\mu)^\top \Sigma^{-1} (x-\mu)",
           lambda x, mu, Sigma: (x - mu) @ inv(Sigma) @ (x - mu), "x", ARRAYS, where)  # fmt: skip


# ---- X^t: the transpose of some texts, a power by t to einderiv ------------------------------


def test_x_to_the_t_is_said_and_a_claim_resting_on_it_is_undecided():
    # tr(X^t A X) as a paper writing ^t for the transpose: d/dX = (A + A') X (central
    # differences); einderiv reads a power by the integer t: it says so, and a claim that is
    # wrong as read is undecided (it was "wrong", silently); declared, t is a power as written
    expected = _gradient(lambda A, X: tr(X.T @ A @ X), "X", {"A": A0, "X": X0})
    np.testing.assert_allclose((A0 + A0.T) @ X0, expected, atol=1e-5)
    with pytest.warns(ed.errors.ReadAsPower, match=r"X\^t as a power.*transpose is X\^T"):
        ed.parse(r"\operatorname{tr}(\mathbf{X}^t\mathbf{A}\mathbf{X})")
    left = r"\frac{\partial \operatorname{tr}(X^t A X)}{\partial X} = "
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ed.check_identity(left + r"(A + A^\top) X", layout="denominator")
        assert result.verdict == "undecided" and "X^t as a power" in result.reason
        # P^t, a power by t (a Markov chain's t steps): d tr(P^t)/dP = t (P')^(t-1)
        wrong = ed.check("tr(P^t)", "P", claim="P", layout="denominator", where="t: integer")
    assert wrong.verdict == "wrong"
    P0 = X0 / 3
    for t in (2, 3):
        expected = _gradient(lambda P, t=t: tr(np.linalg.matrix_power(P, t)), "P", {"P": P0})
        value = ed.diff("tr(P^t)", "P", layout="denominator", where="t: integer")(P=P0, t=t)
        np.testing.assert_allclose(value, expected, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared, or a scalar's power: nothing to say
        ed.parse("P^t", where="t: integer")
        ed.parse("2^t")
        ed.parse("X^k")


# ---- subscript digits typed in Unicode: W₁ is W_1 -------------------------------------------

W1, W2 = RNG.standard_normal((N, N)), RNG.standard_normal((N, N))
SUBSCRIPTED = {**ARRAYS, "W_1": W1, "W_2": W2, "x_1": x0, "x_2": y0}


@pytest.mark.parametrize(
    ("text", "fn", "var"),
    [
        # a' tanh(W_1 x) by W_1: (1 - tanh^2) .* a times x' (central differences decide)
        ("a' tanh(W₁ x)", lambda a, W_1, x: a @ np.tanh(W_1 @ x), "W_1"),
        ("a' W₂ tanh(W₁ x)", lambda a, W_2, W_1, x: a @ W_2 @ np.tanh(W_1 @ x), "W_1"),
        ("x₁' A x₂", lambda x_1, A, x_2: x_1 @ A @ x_2, "x_1"),
        ("‖x₂‖₂²", lambda x_2: x_2 @ x_2, "x_2"),
        ("a' W_1 x", lambda a, W_1, x: a @ W_1 @ x, "W_1"),  # the same names, typed
    ],
)
def test_subscript_digits_are_the_names_they_write(text, fn, var):
    # W₁ x was "unexpected '₁'"; it is the name W_1, as W_1 is
    _reads(text, fn, var, SUBSCRIPTED)


@pytest.mark.parametrize("text", ["Iₙ + X", "xᵢ", r"\tanh(W₁ x)"])
def test_other_subscripts_say_how_to_write_them(text):
    # a subscript letter (an entry, or a name?) and LaTeX's own text: refused, _ suggested
    _refused(text, r"a subscript is written with _: W_1, I_n, x_i")


# ---- a whole identity passed as check's claim ------------------------------------------------

WHOLE_CLAIMS = [
    # (expression, variable, claim as pasted, its right side, layout, numpy f, the right side in
    # numpy as the gradient shaped like the variable)
    (
        r"\operatorname{tr}(AX)",
        "X",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X) = A^\top",
        r"A^\top",
        "denominator",
        lambda X: tr(A0 @ X),
        A0.T,
    ),
    (
        r"\operatorname{tr}(AX)",
        "X",
        r"\frac{\partial \operatorname{tr}(AX)}{\partial X} = A^\top",
        r"A^\top",
        "denominator",
        lambda X: tr(A0 @ X),
        A0.T,
    ),
    (
        "log|X|",
        "X",
        r"d\log|X| = \operatorname{tr}(X^{-1}dX)",
        r"d f = \operatorname{tr}(X^{-1}dX)",
        "numerator",
        lambda X: np.log(det(X)),
        inv(X0).T,
    ),
    (
        "log|X|",
        "X",
        "∂ log|X| / ∂X = X⁻ᵀ",
        "X⁻ᵀ",
        "denominator",
        lambda X: np.log(det(X)),
        inv(X0).T,
    ),
    ("x' x", "x", r"\nabla_x x^\top x = 2x", "2x", "denominator", lambda x: x @ x, 2 * x0),
    ("x' x", "x", "d(x' x) / dx = 2 x'", "2 x'", "numerator", lambda x: x @ x, 2 * x0),
]


@pytest.mark.parametrize(("expr", "var", "claim", "right", "layout", "fn", "grad"), WHOLE_CLAIMS)
def test_a_whole_identity_as_claim_says_to_pass_its_right_side(
    expr, var, claim, right, layout, fn, grad
):
    # it said "to check a derivative, use check or an identity" (inside check) or "unexpected
    # '='"; now what a claim is and where a whole identity goes; its right side is right
    np.testing.assert_allclose(_gradient(fn, var, {var: ARRAYS[var]}), grad, atol=1e-5)
    with pytest.raises(ed.ParseError) as info:
        ed.check(expr, var, claim=claim, layout=layout)
    assert "a claim is the derivative's right side" in str(info.value)
    assert "check_identity" in str(info.value) and info.value.column >= 1
    assert ed.check(expr, var, claim=right, layout=layout).verdict == "right"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ed.check_identity(claim, layout=layout).verdict == "right"


@pytest.mark.parametrize("name", ["inf_1", "min_2", "sup_3", "max_1"])
def test_a_name_like_an_optimisation_word_reads_back_from_its_latex(name):
    # a name inf_1 printed \mathrm{inf}_{1} was refused as an optimisation (inf over a
    # variable) when read back (mutation_fuzz seed 3781, ‖x‖²inf_1): a digit subscript is a
    # label, never a variable; the value is x'x + sum(v), numpy's
    v = RNG.standard_normal(N)
    text = f"x' x + sum({name})"
    back = ed.parse(ed.parse(text).latex())
    assert np.isclose(back(x=x0, **{name: v}), x0 @ x0 + np.sum(v))
    _refused(r"\operatorname{min}_{w} w^\top w", "an optimisation over a variable")  # kept


# ---- spacing commands and the sentence's punctuation at the end of an identity --------------

_TRACE_LEFT = r"\frac{\partial \operatorname{tr}(AX)}{\partial X}"
PUNCTUATED = [
    # the , or ; of \, \; is not the sentence's: A^{\top}\;\; was cut to A^{\top}\;\ ("a
    # backslash must start a LaTeX command"), A^\top\,, to A^\top\ ; a full stop before \label
    # was left in ("'.' is not part of a formula")
    _TRACE_LEFT + r" = A^{\top}\;\;",
    _TRACE_LEFT + r" = A^{\top}\;\;.",
    r"$$" + _TRACE_LEFT + r"=A^\top\,,$$",
    r"\begin{equation}" + _TRACE_LEFT + r" = A^\top. \label{eq:tr}\end{equation}",
    _TRACE_LEFT + r" = A^\top \, ; ",
    r"$" + _TRACE_LEFT + r" = A^\top$.",
]


@pytest.mark.parametrize("text", PUNCTUATED)
def test_identity_ends_are_read_as_written(text):
    # d tr(AX)/dX = A' (central differences), so each is right; with A the claim is wrong
    np.testing.assert_allclose(_gradient(TRACE, "X", {"A": A0, "X": X0}), A0.T, atol=1e-5)
    assert ed.check_identity(text, layout="denominator").verdict == "right"
    wrong = text.replace(r"A^{\top}", "A").replace(r"A^\top", "A")
    assert ed.check_identity(wrong, layout="denominator").verdict == "wrong"


def test_audit_reads_a_wide_space_at_the_end_of_a_display():
    # \[ ... = A^\top\;\; \]: the ; of \; followed by \; was taken for a separator between two
    # identities (A = B, \; C = D), leaving A^\top\ unreadable
    for doc in (rf"\[{_TRACE_LEFT} = A^\top\;\;\]", rf"$${_TRACE_LEFT} = A^\top\,,$$"):
        (line,) = ed.audit(doc, layout="denominator")
        assert line.verdict == "right", line.reason
    two = ed.audit(rf"$${_TRACE_LEFT} = A^\top, \; \frac{{\partial x^\top x}}{{\partial x}} = 2x$$")
    assert [line.verdict for line in two] == ["wrong", "wrong"]  # numerator layout: A, 2x'
