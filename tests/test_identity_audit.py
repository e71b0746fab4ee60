"""Whole identities (ed.check_identity, einderiv check --identity) and document audits
(ed.audit, einderiv audit): SPEC section 8.

Verdicts are justified by central finite differences of plain numpy code written here, never by
the engine's output.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, invertible, jacobian_fd, rng_for, to_layout

import einderiv as ed
from einderiv.check.audit import markdown
from einderiv.cli import main

inv = np.linalg.inv
AUDIT = Path(__file__).resolve().parent.parent / "docs" / "notes-audit.md"


def numerator_fd(f, args, wrt):
    jac = jacobian_fd(f, args, wrt)
    nx = np.ndim(args[wrt])
    return to_layout(jac, jac.ndim - nx, nx, "numerator")


# The notes' identities, pasted exactly as the notes write them, with the document's verdict.
PASTED = {
    "C11": r"\frac{d\mathbf{x}^\top \mathbf{A} \mathbf{x}}{d\mathbf{x}} = \mathbf{x}^\top "
    r"(\mathbf{A} + \mathbf{A}^\top)",
    "C8": r"\frac{d(\mathbf{x}^\top \mathbf{a})^2}{d\mathbf{x}} = 2\mathbf{x}^\top \mathbf{a} "
    r"\mathbf{a}^\top",
    "C1": r"\frac{d\mathbf{a}}{dx} = \mathbf{0}",
    "SS1": r"\frac{\partial(u+v)}{\partial x} = \frac{\partial u}{\partial x} + "
    r"\frac{\partial v}{\partial x}",
    "DT2": r"\frac{\partial \operatorname{tr}(\mathbf{X}^k)}{\partial \mathbf{X}} = k\mathbf{X}^{k-1}",
    "DT6": r"\frac{\partial \operatorname{tr}(\mathbf{X}^{-1} \mathbf{A})}{\partial \mathbf{X}} = "
    r"-\mathbf{X}^{-\top} \mathbf{A} \mathbf{X}^{-\top}",
    "DT8": r"\frac{\partial \operatorname{tr}(\mathbf{A} \mathbf{X} \mathbf{B} \mathbf{X}^{\top} "
    r"\mathbf{C})}{\partial \mathbf{X}} = \mathbf{B} \mathbf{X}^{\top} \mathbf{C} \mathbf{A} + "
    r"\mathbf{B}^{\top} \mathbf{X}^{\top} \mathbf{A}^{\top} \mathbf{C}^{\top}",
    "DD1": r"\frac{\partial |\mathbf{X}|}{\partial \mathbf{X}} = |\mathbf{X}| \mathbf{X}^{-1}",
    "DD3": r"\frac{\partial \log |\mathbf{X}|}{\partial \mathbf{X}} = \mathbf{X}^{-1}",
    "DD4": r"\frac{\partial |\mathbf{A}\mathbf{X}\mathbf{B}|}{\partial \mathbf{X}} = "
    r"|\mathbf{A}\mathbf{X}\mathbf{B}| \mathbf{X}^{-1}",
}


def _doc_verdict(label: str) -> str:
    for line in AUDIT.read_text(encoding="utf-8").splitlines():
        if f"| ({label}) |" in line:
            return line.split(" | ")[3].strip("*")
    raise AssertionError(f"{label} not in docs/notes-audit.md")


@pytest.mark.parametrize("label", sorted(PASTED))
def test_pasted_notes_identities_match_the_audit(label):
    notes = Path("/work/shared/matrix-differentiation-notes.txt")
    if notes.exists():  # the text is the notes' own
        assert PASTED[label] in notes.read_text(encoding="utf-8")
    try:
        verdict = ed.check_identity(PASTED[label]).verdict
    except ed.EinderivError:
        verdict = "unreadable"
    assert verdict == _doc_verdict(label)


def test_pasted_verdicts_agree_with_finite_differences():
    r = rng_for("pasted")
    # C11: d x'Ax/dx = x'(A + A') (numerator layout: a row)
    x, A = gen(r, 3), gen(r, 3, 3)
    assert close(x @ (A + A.T), numerator_fd(lambda x, A: x @ A @ x, {"x": x, "A": A}, "x"))
    # DT6: -X^-T A X^-T is not d tr(X^-1 A)/dX
    X = invertible(r, 3)
    truth = numerator_fd(lambda X, A: np.trace(inv(X) @ A), {"X": X, "A": A}, "X")
    assert not close(-inv(X).T @ A @ inv(X).T, truth)
    # DD4 as written: for a non-square X there is no X^-1, while |AXB| is differentiable
    X, A2, B2 = gen(r, 3, 2), gen(r, 2, 3), gen(r, 2, 2)
    jac = numerator_fd(lambda X, A, B: np.linalg.det(A @ X @ B), {"X": X, "A": A2, "B": B2}, "X")
    assert jac.shape == (2, 3) and np.all(np.isfinite(jac))


# (identity, numpy f, variable, numpy claim in numerator layout; the Jacobian for index forms)
IDENTITIES = [
    (
        r"\frac{\partial \operatorname{tr}(X^\top A X)}{\partial X} = X^\top (A + A^\top)",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        lambda X, A: X.T @ (A + A.T),
    ),
    (
        r"\frac{\partial \operatorname{tr}(X^\top A X)}{\partial X} = 2 X^\top A",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        lambda X, A: 2 * X.T @ A,
    ),
    (
        (
            r"\partial (\mathbf{x}^\top \mathbf{A} \mathbf{x}) / \partial \mathbf{x} = "
            r"\mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)"
        ),
        lambda x, A: x @ A @ x,
        "x",
        lambda x, A: x @ (A + A.T),
    ),
    (
        r"\frac{d}{d\mathbf{x}} \mathbf{x}^\top \mathbf{A} \mathbf{x} = 2 \mathbf{A} \mathbf{x}",
        lambda x, A: x @ A @ x,
        "x",
        lambda x, A: 2 * A @ x,
    ),
    (
        "d tr(inv(X) A) / dX = -inv(X) A inv(X)",
        lambda X, A: np.trace(inv(X) @ A),
        "X",
        lambda X, A: -inv(X) @ A @ inv(X),
    ),
    (
        "d tr(inv(X) A) / dX = -inv(X)' A inv(X)'",
        lambda X, A: np.trace(inv(X) @ A),
        "X",
        lambda X, A: -inv(X).T @ A @ inv(X).T,
    ),
    (  # no bold vector: a plain lower-case letter is a vector, as ed.parse reads it
        r"\frac{\partial x^\top A x}{\partial x} = x^\top (A + A^\top)",
        lambda x, A: x @ A @ x,
        "x",
        lambda x, A: x @ (A + A.T),
    ),
    (
        r"\frac{\partial x^\top A x}{\partial x} = 2 x^\top A",
        lambda x, A: x @ A @ x,
        "x",
        lambda x, A: 2 * x @ A,
    ),
    (  # e^{...} is exp also where vectors are bold and plain letters scalars
        (
            r"\frac{\partial e^{\mathbf{a}^\top \mathbf{x}}}{\partial \mathbf{x}} = "
            r"e^{\mathbf{a}^\top \mathbf{x}} \mathbf{a}^\top"
        ),
        lambda x, a: np.exp(a @ x),
        "x",
        lambda x, a: np.exp(a @ x) * a,
    ),
    (  # a right side with no command is LaTeX like the left side: e^{t} is exp(t)
        r"\frac{\partial \mathbf{x}^\top \mathbf{x} + e^{t}}{\partial t} = e^{t}",
        lambda x, t: x @ x + np.exp(t),
        "t",
        lambda t: np.exp(t),
    ),
    (
        r"\frac{\partial \mathbf{x}^\top \mathbf{x} + e^{t}}{\partial t} = 2 e^{t}",
        lambda x, t: x @ x + np.exp(t),
        "t",
        lambda t: 2 * np.exp(t),
    ),
    (  # \mathbf x: a font without braces takes one symbol, as in TeX
        r"\frac{\partial \mathbf a^\top \mathbf x}{\partial \mathbf x} = \mathbf{a}^\top",
        lambda x, a: a @ x,
        "x",
        lambda a: a,
    ),
    (
        r"\frac{d \sigma \mathbf{x}}{d \sigma} = \mathbf{x}",
        lambda sigma, x: sigma * x,
        "sigma",
        lambda sigma, x: x,
    ),
]
INDEX = [  # order 4: the claim's indices are bound by the left side
    ("d (A X B)[i,j] / d X[k,l] = A[i,k] B[l,j]", lambda A, B: np.einsum("ik,lj->ijkl", A, B)),
    ("d (A X B)[i,j] / d X[k,l] = A[i,l] B[k,j]", lambda A, B: np.einsum("il,kj->ijkl", A, B)),
    ("d (A X B)[i,j] / d X[k,l] = B[l,j] A[i,k] + 0", lambda A, B: np.einsum("ik,lj->ijkl", A, B)),
]


def _args(r):
    return {
        "X": invertible(r, 3),
        "A": gen(r, 3, 3),
        "B": gen(r, 3, 3),
        "x": gen(r, 3),
        "a": gen(r, 3),
        "t": 0.4,
        "sigma": 0.7,
    }


def _only(fn, args):
    return {k: args[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}


@pytest.mark.parametrize("row", IDENTITIES, ids=[r[0] for r in IDENTITIES])
def test_identities_against_finite_differences(row):
    text, f, wrt, claim = row
    args = _args(rng_for(text))
    truth = numerator_fd(f, _only(f, args), wrt)
    right = close(claim(**_only(claim, args)), truth, rtol=1e-4)
    assert ed.check_identity(text).verdict == ("right" if right else "wrong")


@pytest.mark.parametrize("row", INDEX, ids=[r[0] for r in INDEX])
def test_index_identities_of_order_four(row):
    text, claim = row
    where = "A: matrix(n, n); B: matrix(n, n); X: matrix(n, n)"
    args = _args(rng_for(text))
    A, B = args["A"], args["B"]
    jac = jacobian_fd(lambda X: A @ X @ B, {"X": args["X"]}, "X")  # D[i,j,k,l] = dY[i,j]/dX[k,l]
    right = close(claim(A, B), jac, rtol=1e-4)
    assert ed.check_identity(text, where=where).verdict == ("right" if right else "wrong")


# The gradient \nabla_X f of a scalar f has the shape of X (the denominator layout), whatever
# layout is asked for: d f / d X[i,j] at entry [i,j].
GRADIENTS = [
    (
        (
            r"\nabla_{\mathbf{x}} \frac{1}{2} \mathbf{x}^\top \mathbf{A} \mathbf{x} = "
            r"\frac12 (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}"
        ),
        lambda x, A: x @ A @ x / 2,
        "x",
        lambda x, A: (A + A.T) @ x / 2,
    ),
    (  # A x only for a symmetric A
        r"\nabla_{\mathbf{x}} \tfrac12 \mathbf{x}^\top \mathbf{A} \mathbf{x} = \mathbf{A}\mathbf{x}",
        lambda x, A: x @ A @ x / 2,
        "x",
        lambda x, A: A @ x,
    ),
    (r"\nabla_X \operatorname{tr}(A X) = A^\top", lambda X, A: np.trace(A @ X), "X", lambda A: A.T),
    (r"\nabla_X \operatorname{tr}(A X) = A", lambda X, A: np.trace(A @ X), "X", lambda A: A),
    ("\u2207_X tr(A X) = A'", lambda X, A: np.trace(A @ X), "X", lambda A: A.T),
    (  # the gradient of log-sum-exp is softmax: proved, not merely sampled
        (
            r"\nabla_{\boldsymbol\theta} \log \operatorname{sum}(\exp(\boldsymbol\theta)) = "
            r"\operatorname{softmax}(\boldsymbol\theta)"
        ),
        lambda theta: np.log(np.sum(np.exp(theta))),
        "theta",
        lambda theta: np.exp(theta) / np.sum(np.exp(theta)),
    ),
    (
        (
            r"\nabla_{\boldsymbol\theta} \log \operatorname{sum}(\exp(\boldsymbol\theta)) = "
            r"\exp(\boldsymbol\theta)"
        ),
        lambda theta: np.log(np.sum(np.exp(theta))),
        "theta",
        lambda theta: np.exp(theta),
    ),
    (  # the Matrix Cookbook's (57), for either sign of det X
        r"\nabla_{\mathbf{X}} \ln|\det(\mathbf{X})| = \mathbf{X}^{-\top}",
        lambda X: np.log(abs(np.linalg.det(X))),
        "X",
        lambda X: inv(X).T,
    ),
]


@pytest.mark.parametrize("row", GRADIENTS, ids=[r[0] for r in GRADIENTS])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_gradient_identities_have_the_shape_of_the_variable(row, layout):
    text, f, wrt, claim = row
    r = rng_for(text)
    args = {**_args(r), "theta": gen(r, 3)}
    for flip in (1.0, -1.0):  # det X of both signs
        args["X"] = args["X"] * np.array([[flip], [1.0], [1.0]])
        truth = jacobian_fd(f, _only(f, args), wrt)  # shape of the variable: f is a scalar
        right = close(claim(**_only(claim, args)), truth, rtol=1e-4)
        result = ed.check_identity(text, layout=layout)
        assert result.verdict == ("right" if right else "wrong"), result
        if not right:
            break


@pytest.mark.parametrize(
    "text, why",
    [
        ("\\nabla f = 2 x", "needs its variable"),
        ("\\nabla_{x} = 2 x", "of what"),
        ("\\nabla_{X} A X = A", "gradient of a scalar"),
    ],
)
def test_a_gradient_that_cannot_be_read_says_why(text, why):
    with pytest.raises(ed.EinderivError, match=why):
        ed.check_identity(text)


def test_where_overrides_the_conventions():
    # bold a sets vectors in bold, so plain x would be a scalar; declared a vector,
    # d(a'x)/dx = a'
    text = r"\frac{\partial \mathbf{a}^\top x}{\partial x} = \mathbf{a}^\top"
    assert ed.check_identity(text, where="a: vector(n); x: vector(n)").verdict == "right"


def test_plain_letters_are_vectors_unless_vectors_are_bold():
    r = rng_for("plain letters")
    x, a, s = gen(r, 3), gen(r, 3), 0.8
    # d(x'a)/dx: the gradient is a (a column in denominator layout, the row a' in numerator)
    grad = jacobian_fd(lambda x: x @ a, {"x": x}, "x")
    assert close(grad, a, rtol=1e-6)
    text = r"\frac{\partial x^\top a}{\partial x} = a"
    assert ed.check_identity(text, layout="denominator").verdict == "right"
    assert ed.check_identity(text, layout="numerator").verdict == "wrong"  # a row vector there
    # vectors set in bold: plain s is a scalar, d(s x'a)/dx = s a
    grad = jacobian_fd(lambda x: s * (x @ a), {"x": x}, "x")
    assert close(grad, s * a, rtol=1e-6)
    text = r"\frac{\partial s \mathbf{x}^\top \mathbf{a}}{\partial \mathbf{x}} = s \mathbf{a}"
    assert ed.check_identity(text, layout="denominator").verdict == "right"
    result = ed.check_identity(text.replace("= s", "= 2 s"), layout="denominator")
    assert result.verdict == "wrong"


def test_identity_on_the_command_line(capsys):
    assert main(["check", "--identity", "d tr(X' A X) / dX = X' (A + A')"]) == 0
    assert main(["check", "--identity", "d tr(X' A X) / dX = X' A"]) == 1
    assert main(["check", "--identity", "tr(X) = 1"]) == 2
    assert "not a derivative" in capsys.readouterr().err


# -- a small document ---------------------------------------------------------------------------

DOCUMENT = r"""# Handout

Constants $a$, $\mathbf{A}$.

$$(E1) \quad \frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x}} = \mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)$$

\begin{align}
\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X})}{\partial \mathbf{X}} &= \mathbf{A}^\top \tag{E2} \\
\frac{\partial \operatorname{tr}(\mathbf{X}^{-1})}{\partial \mathbf{X}} &= -\mathbf{X}^{-2} \tag{E3}
\end{align}

$$\frac{\partial a \mathbf{x}}{\partial a} = \mathbf{x} \quad (\text{scaling}) \qquad \frac{\partial \mathbf{x}}{\partial \mathbf{y}} = \mathbf{I}$$

\[ \frac{\partial y}{\partial x} \]

$$\frac{d\, \operatorname{tr}(\mathbf{X})}{\partial} = 1$$
"""

EXPECTED = r"""# einderiv audit of handout.md

7 identities (numerator layout): 3 right, 1 wrong, 0 undecided, 3 unreadable.

| line | label | identity | verdict | why | correct right side | counterexample |
| --- | --- | --- | --- | --- | --- | --- |
| 5 | (E1) | `\frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x}} = \mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)` | right | proved by exact arithmetic at random rational points |  |  |
| 8 | (E2) | `\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X})}{\partial \mathbf{X}} = \mathbf{A}^\top` | **wrong** | wrong shape: the claim is an array of shape m x n, the derivative is an array of shape n x m; this is the denominator-layout answer (the transpose); in numerator layout it is A | `A` |  |
| 9 | (E3) | `\frac{\partial \operatorname{tr}(\mathbf{X}^{-1})}{\partial \mathbf{X}} = -\mathbf{X}^{-2}` | right | equal canonical forms |  |  |
| 12 |  | `\frac{\partial a \mathbf{x}}{\partial a} = \mathbf{x}` | right | equal canonical forms |  |  |
| 12 |  | `\frac{\partial \mathbf{x}}{\partial \mathbf{y}} = \mathbf{I}` | **unreadable** | y does not occur in \mathbf{x}; declare it with where= to check a zero derivative |  |  |
| 14 |  | `\frac{\partial y}{\partial x}` | **unreadable** | no '=': not an identity |  |  |
| 16 |  | `\frac{d\, \operatorname{tr}(\mathbf{X})}{\partial} = 1` | **unreadable** | the left side names no variable to differentiate by |  |  |
"""


def test_small_document_audit_exact_output():
    lines = ed.audit(DOCUMENT)
    assert markdown(lines, "handout.md") == EXPECTED


def test_each_row_of_an_align_has_its_own_line():
    # the line of each identity is the line its text starts on, counted here in the document
    # (an align's rows were all given the line of \begin{align}: 7 for E2 and E3)
    rows = DOCUMENT.splitlines()
    for audited in ed.audit(DOCUMENT):
        start = audited.identity.split("=")[0].strip()[:30]
        assert start in rows[audited.line - 1], (audited.line, audited.identity)
    assert [a.line for a in ed.audit(DOCUMENT) if a.label in ("(E2)", "(E3)")] == [8, 9]


def test_small_document_verdicts_by_finite_differences():
    r = rng_for("handout")
    x, A, X = gen(r, 3), gen(r, 3, 3), invertible(r, 3)
    # (E1) d x'Ax/dx = x'(A + A')
    assert close(x @ (A + A.T), numerator_fd(lambda x: x @ A @ x, {"x": x}, "x"))
    # (E2) d tr(AX)/dX = A in numerator layout, not A'
    truth = numerator_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert close(A, truth) and not close(A.T, truth)
    # for a 2-by-3 A (X 3-by-2) the derivative is 2-by-3, A' is 3-by-2: the shape is wrong
    A23 = gen(r, 2, 3)
    assert numerator_fd(lambda X: np.trace(A23 @ X), {"X": gen(r, 3, 2)}, "X").shape == (2, 3)
    # (E3) d tr(X^-1)/dX = -X^-2
    truth = numerator_fd(lambda X: np.trace(inv(X)), {"X": X}, "X")
    assert close(-inv(X) @ inv(X), truth)
    # d(a x)/da = x
    assert close(x, numerator_fd(lambda a: a * x, {"a": 0.3}, "a"))


def test_malformed_identities_are_lines_not_exceptions():
    text = "\n\n".join(
        f"$${body}$$"
        for body in [
            r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}}",  # no =
            r"\frac{\partial}{} = 2",  # unreadable left side
            r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{z}} = 0",  # z absent
            r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} = 2 \mathbf{x}^{",
            r"\frac{\partial \operatorname{tr}(X}{\partial X} = I",  # ( never closed
        ]
    )
    lines = ed.audit(text)
    assert [a.verdict for a in lines] == ["unreadable"] * 5
    assert "no '='" in lines[0].reason and "does not occur" in lines[2].reason
    assert "'(' is never closed (column 33" in lines[4].reason


def test_a_display_in_plain_notation_is_audited_like_check_reads_it():
    # d tr(A X)/dX = A (numerator layout) and not A'; a display with no derivative is no row
    r = rng_for("plain display")
    A, X = gen(r, 3, 3), gen(r, 3, 3)
    truth = numerator_fd(lambda X: np.trace(A @ X), {"X": X}, "X")
    assert close(A, truth) and not close(A.T, truth)
    rows = ed.audit("$$ d tr(A X) / dX = A $$\n\n$$ y = a x + b $$\n\n$$ d tr(A X)/dX = A' $$")
    assert [(row.line, row.verdict) for row in rows] == [(1, "right"), (5, "wrong")]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("d tr(X / dX = I", "the '(' is never closed (column 5"),
        (r"\frac{\partial f(x}{\partial x} = 1", "the '(' is never closed (column 17"),
        (r"\begin{aligned} d tr(X) / dX = I", r"the \begin{...} has no \end (column 1"),
    ],
)
def test_an_equals_sign_inside_an_unclosed_bracket_is_named(text, why):
    with pytest.raises(ed.EinderivError, match=re.escape(why)):
        ed.check_identity(text)


def test_audit_on_the_command_line(tmp_path, capsys):
    doc = tmp_path / "handout.md"
    doc.write_text(DOCUMENT, encoding="utf-8")
    assert main(["audit", str(doc)]) == 1  # E2 is wrong
    assert "| (E2) |" in capsys.readouterr().out
    assert main(["audit", str(doc), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"right": 3, "wrong": 1, "undecided": 0, "unreadable": 3}
    right = tmp_path / "right.md"
    right.write_text(
        r"$$\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X})}{\partial "
        r"\mathbf{X}} = \mathbf{A}^\top$$",
        encoding="utf-8",
    )
    assert main(["audit", str(right), "--layout", "denominator"]) == 0


def test_audit_bad_files(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "missing.md")]) == 2
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02$$")
    assert main(["audit", str(binary)]) == 2
    huge = tmp_path / "huge.md"
    huge.write_text("x" * 2_000_001, encoding="utf-8")
    assert main(["audit", str(huge)]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "not a text file" in err and "too large" in err
    assert "Traceback" not in err


def test_code_fences_hold_code_and_a_trailing_label_names_its_row():
    # d tr(X)/dX = I (numerator layout); = 7 inside a code fence is an example, not a claim
    X = invertible(rng_for("fence"), 3)
    assert close(numerator_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(3), rtol=1e-6)
    text = (
        "# Notes\n\n```latex\n$$ \\frac{\\partial \\operatorname{tr}(X)}{\\partial X} = 7 $$\n```"
        "\n\n~~~\n$$ \\frac{\\partial \\operatorname{tr}(X)}{\\partial X} = 8 $$\n~~~\n\n"
        "$$ \\frac{\\partial \\operatorname{tr}(X)}{\\partial X} = I \\quad (C1) $$\n"
    )
    lines = ed.audit(text)
    assert [(a.line, a.label, a.verdict) for a in lines] == [(11, "(C1)", "right")]


A_X = r"\frac{\partial a^\top x}{\partial x} = a^\top"
X_X = r"\frac{\partial x^\top x}{\partial x} = 2 x^\top"


def env(name: str, *rows: str) -> str:
    """A LaTeX environment ``name`` of these rows."""
    return f"\\begin{{{name}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{name}}}"


def aligned(identity: str) -> str:
    """``L = R`` as an align cell pair, ``L &= R``."""
    return identity.replace(" =", " &=")


# d(a'x)/dx = a' and d(x'x)/dx = 2x' (checked here by finite differences), written in one row:
# each is audited on its own, never the first left side with the second right side
@pytest.mark.parametrize(
    "display",
    [
        f"$$ {A_X} \\text{{ and }} {X_X} $$",
        f"$$ {A_X}, \\; {X_X} $$",
        env("align", aligned(A_X) + " & " + aligned(X_X)),
    ],
)
def test_two_identities_of_one_row_are_two(display):
    rng = rng_for("two-in-a-row")
    a, x = gen(rng, 4), gen(rng, 4)
    assert close(jacobian_fd(lambda x: a @ x, {"x": x}, "x"), a)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    lines = ed.audit(display)
    assert [line.identity for line in lines] == [A_X, X_X]
    assert [line.verdict for line in lines] == ["right", "right"]


# math in code is quoted, not displayed: an inline code span, a fence left open to the end
def test_math_in_code_is_not_audited():
    wrong = r"$$ \frac{\partial x^\top x}{\partial x} = 3 x^\top $$"
    assert ed.audit(f"Write `{wrong}` in the file.") == []
    assert ed.audit(f"Before.\n\n~~~\n{wrong}\n") == []
    assert [line.verdict for line in ed.audit(wrong)] == ["wrong"]  # displayed: audited


# A = B d2 = C may be a chain (d log|X|/dX = 1/|X| d|X|/dX = X^-1) or two identities without a
# separator: a pair across the middle side is never called wrong
def test_two_identities_without_a_separator_are_not_called_wrong_across():
    lines = ed.audit(f"$$ {A_X} {X_X} $$")
    assert [line.verdict for line in lines] == ["unreadable", "unreadable"]
    assert "one per row" in lines[1].reason
    chain = r"\frac{\partial \log |X|}{\partial X} = \frac{1}{|X|} \frac{\partial |X|}{\partial X} = X^{-1}"
    assert [line.verdict for line in ed.audit(f"$$ {chain} $$")] == ["unreadable", "right"]


XAX = r"\frac{\partial x^\top A x}{\partial x}"


# d(x'Ax)/dx = x'A + x'A' (finite differences here): written over two rows, or with spacing
# before the second term, it is one identity, right
@pytest.mark.parametrize(
    "display",
    [
        env("align", XAX + r" &= x^\top A", r"  &\quad + x^\top A^\top"),
        f"$$ {XAX} = x^\\top A \\quad + x^\\top A^\\top $$",
        "\\begin{align} " + XAX + r" = {} & x^\top A \\ & + x^\top A^\top \end{align}",
    ],
)
def test_a_right_side_over_rows_or_after_spacing_is_one(display):
    rng = rng_for("x'Ax over rows")
    A, x = gen(rng, 3, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x"), x @ A + x @ A.T)
    assert [line.verdict for line in ed.audit(display)] == ["right"]


# left-aligned rows (& L = R) and && between equations are identities of their own
@pytest.mark.parametrize(
    "display",
    [
        env("align", "& " + A_X, "& " + X_X),
        env("align", aligned(A_X) + " && " + aligned(X_X)),
    ],
)
def test_left_aligned_rows_and_double_ampersands(display):
    assert [line.verdict for line in ed.audit(display)] == ["right", "right"]


# a chain through d/dX of what follows (not a second identity) keeps its verdict: 2 X' A is
# wrong for d tr(X' A X)/dX = X' (A + A') when A is not symmetric
def test_a_chain_through_an_operator_keeps_a_wrong_verdict():
    rng = rng_for("trace chain")
    A, X = gen(rng, 3, 3), gen(rng, 3, 2)
    truth = to_layout(
        jacobian_fd(lambda X: np.trace(X.T @ A @ X), {"X": X}, "X"), 0, 2, "numerator"
    )
    assert not close(truth, 2 * X.T @ A) and close(truth, X.T @ (A + A.T))
    chain = (
        r"\frac{\partial \operatorname{tr}(X^\top A X)}{\partial X} = "
        r"\frac{\partial}{\partial X} \sum_{ijk} X_{ji} A_{jk} X_{ki} = 2 X^\top A"
    )
    assert "wrong" in [line.verdict for line in ed.audit(f"$$ {chain} $$")]


# LaTeX quotes (``so-called'', `rule') are not Markdown code: the displays between are audited
def test_latex_quotes_are_not_code():
    text = (
        r"The ``trace trick'' gives $$\frac{\partial x^\top x}{\partial x} = 3 x^\top$$ as "
        r"``claimed''."
    )
    assert [line.verdict for line in ed.audit(text)] == ["wrong"]
    fenced = "````\n```\n$$ \\frac{\\partial x^\\top x}{\\partial x} = 3 x^\\top $$\n```\n````\n"
    assert ed.audit(fenced) == []  # a longer fence closes it, after the inner ``` line


ABX = r"\frac{\partial (a^\top x + b^\top x)}{\partial x}"


# d(a'x + b'x)/dx = a' + b' (finite differences here), its right side continued on a second
# row after spacing, in multline, eqnarray and align; and in alignat
@pytest.mark.parametrize(
    "display",
    [
        env("multline", ABX + " = a^\\top", "+ b^\\top"),
        env("eqnarray", ABX + " &=& a^\\top", "&& + b^\\top"),
        env("align", ABX + " &= a^\\top", "&\\phantom{=} + b^\\top"),
        env("align", ABX + " &= a^\\top", "&\\; + b^\\top"),
        "\\begin{alignat}{1}\n" + ABX + " &= a^\\top + b^\\top\n\\end{alignat}",
    ],
)
def test_a_right_side_continued_after_spacing_is_one(display):
    rng = rng_for("a'x + b'x")
    a, b, x = gen(rng, 3), gen(rng, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda x: a @ x + b @ x, {"x": x}, "x"), a + b)
    assert [line.verdict for line in ed.audit(display)] == ["right"]


# Markdown code with a transpose (`tr(X' A X)`) is code, not a LaTeX quote: the math quoted in
# code later is not audited; a comma and \qquad before a minus sign separate two identities
def test_markdown_code_with_a_transpose_and_a_separator_before_a_minus():
    text = "Type `tr(X' A X)` or `$$ \\frac{\\partial x^\\top x}{\\partial x} = x^\\top $$`."
    assert ed.audit(text) == []
    two = f"$$ {A_X}, \\qquad -{X_X.replace('= 2', '= -2')} $$"
    assert ed.audit(two)[0].verdict == "right"


# d(x'x)/dx = 2x' (finite differences here): 3x' on the first row of gather is wrong, and a
# second row starting with a minus sign is another identity, not its continuation; a
# \mathrel{\phantom{=}} continuation keeps the wrong right side whole
def test_rows_of_gather_stay_apart_and_mathrel_spacing_is_dropped():
    rng = rng_for("x'x rows")
    x = gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    gather = (
        "\\begin{gather}\n\\frac{\\partial x^\\top x}{\\partial x} = 3 x^\\top \\\\\n"
        "-\\frac{\\partial \\operatorname{tr}(X)}{\\partial X} = -I\n\\end{gather}"
    )
    assert ed.audit(gather)[0].verdict == "wrong"
    align = (
        "\\begin{align}\n\\frac{\\partial x^\\top x}{\\partial x} &= x^\\top \\\\\n"
        "&\\mathrel{\\phantom{=}} + 4 x^\\top\n\\end{align}"
    )
    assert [line.verdict for line in ed.audit(align)] == ["wrong"]  # x' + 4 x' = 5 x'


# d(x'x)/dx = 2x': a row that goes on with + x' (split, aligned) makes the right side 3x',
# wrong; a row = 3x' in gather goes on with the chain, and is wrong too
@pytest.mark.parametrize(
    "display, verdicts",
    [
        ("\\begin{equation}\\begin{split}\n" + X_X + " \\\\\n  + x^\\top\n\\end{split}\\end{equation}",
         ["wrong"]),
        ("\\[\\begin{aligned}" + aligned(X_X) + " \\\\ {}+ x^\\top\\end{aligned}\\]",
         ["wrong"]),
        (env("gather", X_X, "= 3 x^\\top"), ["right", "wrong"]),
    ],
)  # fmt: skip
def test_a_row_that_goes_on_is_part_of_its_equation(display, verdicts):
    rng = rng_for("x'x goes on")
    x = gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    assert [line.verdict for line in ed.audit(display)] == verdicts


# a row that starts with a minus sign but states something of its own (-log p(x) = x'x,
# -1 <= x_i <= 1) is not the continuation of d(x'x)/dx = 2x', which stays right
@pytest.mark.parametrize(
    "second",
    [
        r"-\log p(x) = x^\top x",
        r"-1 \le x_i \le 1",
        r"- x^\top = - x^\top",
        r"\pm 1 \text{ are roots}",
    ],
)
def test_a_row_with_a_statement_of_its_own_stays_apart(second):
    rng = rng_for("x'x apart")
    x = gen(rng, 3)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    display = env("gather", X_X, second)
    assert [line.verdict for line in ed.audit(display)] == ["right"]


# LaTeX that is not typeset is not audited: a comment (a whole line, or after an identity),
# verbatim and comment environments, \iffalse ... \fi; d tr(X)/dX = 5 X is wrong, I is right
# (finite differences here)
TR_5X = r"\frac{\partial \operatorname{tr}(X)}{\partial X} = 5 X"
TR_I = r"\frac{\partial \operatorname{tr}(X)}{\partial X} = I"


@pytest.mark.parametrize(
    "document",
    [
        f"% $${TR_5X}$$\n$${TR_I}$$",
        f"\\documentclass{{article}}\nSee % $${TR_5X}$$\n\\[{TR_I}\\]",
        f"\\begin{{equation}} {TR_I} % not {TR_5X}\n\\end{{equation}}",
        f"$${TR_I} % or = 5 X\n$$",
        f"\\begin{{comment}}\n$${TR_5X}$$\n\\end{{comment}}\n$${TR_I}$$",
        f"\\begin{{verbatim}}\n$${TR_5X}$$\n\\end{{verbatim}}\n$${TR_I}$$",
        f"\\documentclass{{article}}\n\\iffalse\n$${TR_5X}$$\n\\fi\n$${TR_I}$$",  # (TeX's)
        f"50% of people write $${TR_I}$$",  # Markdown: % in prose is a per cent sign
    ],
)
def test_comments_and_untypeset_latex_are_not_audited(document):
    X = gen(rng_for("tr-comment"), 3, 3)
    assert close(jacobian_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(3))
    assert [(a.identity, a.verdict) for a in ed.audit(document)] == [(TR_I, "right")]


TR_X2 = r"\frac{\partial \operatorname{tr}(X^2)}{\partial X} &= 2 X^\top"


# displaymath and dmath are displays; a row break with spacing (\\[4pt], \\*) or \intertext
# starts the next row: the wrong 2 X' for d tr(X^2)/dX (numerator layout: 2 X) is found
@pytest.mark.parametrize(
    "document",
    [
        env("displaymath", r"\frac{\partial \operatorname{tr}(X^2)}{\partial X} = 2 X^\top"),
        env("dmath", r"\frac{\partial \operatorname{tr}(X^2)}{\partial X} = 2 X^\top"),
        "\\begin{align} a &= b \\\\[4pt]\n" + TR_X2 + r" \end{align}",
        "\\begin{align} a &= b \\\\*\n" + TR_X2 + r" \end{align}",
        r"\begin{align} a &= b \intertext{and so} " + TR_X2 + r" \end{align}",
    ],
)
def test_more_displays_and_row_breaks_are_read(document):
    rng = rng_for("tr-X2")
    X = gen(rng, 3, 3)
    numerator = jacobian_fd(lambda X: np.trace(X @ X), {"X": X}, "X").T  # d/dX[j,i]
    assert close(numerator, 2 * X) and not close(numerator, 2 * X.T)
    assert [a.verdict for a in ed.audit(document)] == ["wrong"]


# after a relation other than '=' nothing is claimed equal: d(x'x)/dx = 2x' (right) whatever
# follows \neq, \leq, or an implication; a label on its own line after a $$ row is kept
@pytest.mark.parametrize(
    "display",
    [
        f"$$ {X_X} \\neq x^\\top $$",
        f"$$ {X_X} \\leq 3 $$",
        f"$$ {X_X} \\;\\Rightarrow\\; \\frac{{\\partial x^\\top x}}{{\\partial x}} x = 2 x^\\top x $$",
        f"$$ {X_X} \\text{{ hence }} x = 0 $$",
    ],
)
def test_what_follows_another_relation_is_not_paired(display):
    x = gen(rng_for("x'x relation"), 4)
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * x)
    lines = ed.audit(display)
    verdicts = [a.verdict for a in lines]
    assert verdicts[:1] == ["right"] and "wrong" not in verdicts


# d(x'x)/dx = 2x' (numpy above): 3x' is wrong, and a statement after it about its value
# (\neq 0, \leq 10) is no condition that could make it right: the row stays wrong
@pytest.mark.parametrize("after", [r"\neq 0", r"\ne 0", r"\leq 10", r"> 0"])
def test_a_statement_after_a_wrong_right_side_keeps_it_wrong(after):
    x = gen(rng_for("x'x statement"), 4)
    assert not close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 3 * x)
    identity = r"\frac{\partial x^\top x}{\partial x} = 3 x^\top"
    assert [a.verdict for a in ed.audit(f"$$ {identity} {after} $$")] == ["wrong"]


def test_a_label_on_a_row_of_a_multiline_display_is_kept():
    lines = ed.audit(f"$$\n{X_X} \\quad (C7)\n$$")
    assert [(a.label, a.verdict) for a in lines] == [("(C7)", "right")]


# d(x'Ax)/dx = x'(A + A'): 2 x'A is right only for a symmetric A. A condition written after the
# identity is read when it says A = A^T (A is then symmetric); another condition audit cannot
# read makes a wrong verdict undecided, never wrong (it may hold under the condition)
def test_a_condition_after_an_identity():
    rng = rng_for("x'Ax condition")
    A, x = gen(rng, 3, 3), gen(rng, 3)
    assert not close(jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x"), 2 * x @ A)
    S = A + A.T
    assert close(jacobian_fd(lambda x: x @ S @ x, {"x": x}, "x"), 2 * x @ S)
    identity = r"\frac{\partial x^\top A x}{\partial x} = 2 x^\top A"
    for condition in (r"A = A^\top", r"A^T = A", "A' = A"):
        for word in ("if", "when", "for", "provided that", "where"):
            lines = ed.audit(f"$$ {identity} \\text{{ {word} }} {condition} $$")
            assert [(a.identity, a.verdict) for a in lines] == [(identity, "right")], lines
    # A \succ 0 (positive definite) is read as A symmetric, the usual convention, and said
    lines = ed.audit(f"$$ {identity} \\text{{ if }} A \\succ 0 $$")
    assert [a.verdict for a in lines] == ["right"] and "positive definite" in lines[0].reason
    lines = ed.audit(f"$$ {identity} \\text{{ if }} A \\text{{ is invertible}} $$")
    assert [a.verdict for a in lines] == ["undecided"] and "condition" in lines[0].reason
    lines = ed.audit(f"$$ {identity} $$")  # no condition: wrong
    assert [a.verdict for a in lines] == ["wrong"]
    # a declaration of A given by the caller is the caller's: the condition does not override
    # it, and the claim, wrong for that A, may hold under the condition: undecided
    lines = ed.audit(f"$$ {identity} \\text{{ if }} A = A^\\top $$", where="A: matrix(n, n)")
    assert [a.verdict for a in lines] == ["undecided"]


# d(x'Ax)/dx = x'(A + A') (numpy above): 2 x'A is right only for a symmetric A. A condition
# audit cannot read whole (unless, or, and, \neq) never makes it right; a converse arrow or an
# equivalence states a condition too; a vector is never declared symmetric
@pytest.mark.parametrize(
    "condition, verdict",
    [
        (r"\text{ unless } A = A^\top", "undecided"),
        (r"\text{ if } A = A^\top \text{ or } A = B", "undecided"),
        (r"\text{ if } A = A^\top \text{ and } B = B^\top", "undecided"),
        (r"\text{ if } A \neq A^\top", "undecided"),
        (r"\text{ if } x = x^\top", "undecided"),
        (r"\Leftarrow A = A^\top", "right"),
        (r"\iff A = A^\top", "right"),
        (r"\impliedby A^\top = A", "right"),
    ],
)
def test_conditions_read_only_when_read_whole(condition, verdict):
    rng = rng_for("x'Ax conditions")
    A, x = gen(rng, 3, 3), gen(rng, 3)
    assert not close(jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x"), 2 * x @ A)
    identity = r"\frac{\partial x^\top A x}{\partial x} = 2 x^\top A"
    assert [a.verdict for a in ed.audit(f"$$ {identity} {condition} $$")] == [verdict]


# d tr(AX)/dX = A in numerator layout (numpy: the gradient is A'); what follows a connective is
# another statement, never paired with the derivative: D = A \text{ thus } A' = X is D = A only
@pytest.mark.parametrize("word", ["thus", "and thus", ", therefore", "which gives", "whence"])
def test_a_connective_ends_the_identity(word):
    rng = rng_for("tr(AX) connective")
    A, X = gen(rng, 3, 3), gen(rng, 3, 3)
    assert close(jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X"), A.T)
    text = rf"$$ \frac{{\partial \operatorname{{tr}}(AX)}}{{\partial X}} = A \text{{ {word} }} A^\top = X $$"
    assert [a.verdict for a in ed.audit(text)] == ["right"]


# labels after their identities (A = B \quad (C1) \qquad C = D \quad (C2)) name the identities
# before them; labels first name those after; \tag*{(C9)} is (C9)
def test_trailing_and_leading_labels():
    right, wrong = TR_I, TR_5X
    trailing = ed.audit(f"$$ {right} \\quad (C1) \\qquad {wrong} \\quad (C2) $$")
    assert [(a.label, a.verdict) for a in trailing] == [("(C1)", "right"), ("(C2)", "wrong")]
    leading = ed.audit(f"$$ (C1) \\quad {right} \\qquad (C2) \\quad {wrong} $$")
    assert [(a.label, a.verdict) for a in leading] == [("(C1)", "right"), ("(C2)", "wrong")]
    tagged = ed.audit(f"\\begin{{equation}} {right} \\tag*{{(C9)}} \\end{{equation}}")
    assert [(a.label, a.verdict) for a in tagged] == [("(C9)", "right")]


# TeX that is not typeset: an \iffalse with conditionals nested in it, \verb|...|; a row break
# followed by an escaped per cent sign (\\\%) is no comment: the display after it is read
def test_nested_iffalse_verb_and_escaped_percent():
    doc = "\\documentclass{article}\n"
    hidden = f"\\iffalse \\ifmmode x \\fi \\[ {TR_5X} \\] \\fi \\[ {TR_I} \\]"
    assert [(a.identity, a.verdict) for a in ed.audit(doc + hidden)] == [(TR_I, "right")]
    verb = f"use \\verb|\\[ {TR_5X} \\]| here \\[ {TR_I} \\]"
    assert [(a.identity, a.verdict) for a in ed.audit(doc + verb)] == [(TR_I, "right")]
    percent = f"5\\\\\\% of it: \\[ {TR_5X} \\]"
    assert [a.verdict for a in ed.audit(doc + percent)] == ["wrong"]


# what TeX hides stays hidden, and nothing else: \iff inside \iffalse is no conditional, a
# definition's \iffalse (\def, \let) hides nothing, % \iffalse is a comment, \else ends the
# hidden part; d tr(X)/dX = I, so 5 X is wrong (numpy: the gradient of tr is I)
@pytest.mark.parametrize(
    "before, after, verdicts",
    [
        ("\\iffalse $X$ invertible $\\iff \\det X \\neq 0$ \\fi", "", ["wrong"]),
        ("\\iffalse \\newif\\ifdraft \\fi", "", ["wrong"]),
        ("% \\iffalse\n", "", ["wrong"]),
        ("\\def\\hide{\\iffalse}", "", ["wrong"]),
        ("\\let\\ifmine\\iffalse", "", ["wrong"]),
        ("\\lstinline|\\iffalse|", "", ["wrong"]),
        ("\\iffalse hidden \\else", "\\fi", ["wrong"]),
        ("\\iffalse % \\fi\n", "\\fi", []),
    ],
)
def test_what_tex_hides_and_only_that(before, after, verdicts):
    X = gen(rng_for("tr hidden"), 3, 3)
    assert close(jacobian_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(3))
    doc = f"\\documentclass{{article}}\n{before} \\[{TR_5X}\\] {after}"
    assert [a.verdict for a in ed.audit(doc)] == verdicts


# prose after an identity that no rule reads (\text{ as }, \text{(if }, a remark in
# parentheses) is a condition: 2 x'A for d(x'Ax)/dx is right for a symmetric A, so never wrong
@pytest.mark.parametrize(
    "condition",
    [
        r"\qquad (A = A^\top)",
        r"\qquad \text{(if } A = A^\top\text{)}",
        r"\quad \text{for symmetric } A = A^\top",
        r"\text{ as } A = A^\top",
        r"\text{~if~} A = A^\top",
        r"\text{ except if } A = A^\top",
    ],
)
def test_prose_after_an_identity_is_a_condition(condition):
    identity = r"\frac{\partial x^\top A x}{\partial x} = 2 x^\top A"
    verdicts = [a.verdict for a in ed.audit(f"$$ {identity} {condition} $$")]
    assert len(verdicts) == 1 and verdicts[0] in ("right", "undecided"), verdicts


# a LaTeX document: comments and code in one pass, whichever comes first (a commented-out
# \begin{comment} hides nothing; a % in \url is no comment); Markdown's backticks, fences and
# \iffalse are not LaTeX's; an \iffalse assigned (\let, \csname, \unless) or inside a
# definition hides nothing, one in a plain group hides; a Markdown HTML comment hides.
# d tr(X)/dX = I (numpy above), so 2 I is wrong wherever it is seen
W2 = r"\[ \frac{\partial \operatorname{tr}(X)}{\partial X} = 2 I \]"
DOC = "\\documentclass{article}\n\\begin{document}\n"


@pytest.mark.parametrize(
    "document, seen",
    [
        (DOC + "%\\begin{comment}\n" + W2 + "\n%\\end{comment}\n", True),
        (DOC + "% old notes used \\begin{verbatim} here\n" + W2, True),
        (DOC + "the matrix `A' satisfies " + W2 + " and `B' too.", True),
        (DOC + "~~~Indented by ties\n" + W2, True),
        (DOC + "See \\url{https://example.com/a%20b} and " + W2, True),
        (DOC + "\\unless\\iffalse " + W2 + " \\fi", True),
        (DOC + "\\expandafter\\let\\csname ifhide\\endcsname\\iffalse\n" + W2, True),
        (DOC + "\\newcommand{\\hide}{\\iffalse}\n" + W2, True),
        (DOC + "{\\iffalse " + W2 + " \\fi}", False),
        (DOC + "\\iffalse { \\fi\n\\iffalse " + W2 + " \\fi", False),
        ("In LaTeX one writes \\iffalse to hide text.\n$$" + W2[3:-3] + "$$", True),
        ("<!-- old, wrong: $$" + W2[3:-3] + "$$ -->", False),
    ],
)
def test_what_is_typeset_in_latex_and_in_markdown(document, seen):
    assert [a.verdict for a in ed.audit(document)] == (["wrong"] if seen else [])


def test_a_plain_text_right_side_with_a_derivative_is_refused():
    # d(x' x)/dx = 2 dx/dx is a rule about derivatives, as its LaTeX form is: an error, not
    # "wrong" (the claim was read as 2 (d x) / (d x))
    with pytest.raises(ed.EinderivError, match="right side contains derivatives"):
        ed.check_identity("d x' x / dx = 2 dx/dx")
    assert ed.check_identity("d(x' x)/dx = 2 x'").verdict == "right"


# a label is one cell of the report's table, even with a '|' in it (\tag{A|1}): every row
# has the header's seven cells; the wrong identity's row is still the wrong one
# (d log|X| / dX = X^-1 in numerator layout, not X^-T: checked by finite differences here)
def test_a_label_with_a_bar_stays_in_its_cell():
    text = (
        "$$\\frac{\\partial \\log|X|}{\\partial X} = X^{-1} \\tag{A|1}$$\n"
        "$$\\frac{\\partial \\log|X|}{\\partial X} = X^{-T} \\tag{A|2}$$\n"
    )
    rows = [r for r in markdown(ed.audit(text), "bars.md").splitlines() if r.startswith("|")]
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in rows]
    assert all(len(row) == 7 for row in cells), rows
    X = invertible(rng_for("label-bar"), 3)
    G = jacobian_fd(lambda X: np.log(abs(np.linalg.det(X))), {"X": X}, "X").T  # numerator
    assert close(np.linalg.inv(X), G) and not close(np.linalg.inv(X).T, G)
    verdicts = {row[1].strip(): row[3].strip() for row in cells[2:]}
    assert verdicts == {"(A\\|1)": "right", "(A\\|2)": "**wrong**"}


@pytest.mark.parametrize(
    "display",
    [
        r"$$ \frac{d\, tr(X}{dX} = I \quad (C11) \qquad \frac{d\, tr(X)}{dX} = 5 X \quad (C12) $$",
        r"$$ d tr(X / dX = I \quad (C11) \qquad d tr(X)/dX = 5 X \quad (C12) $$",
        r"$$ (C11) \quad d tr(X / dX = I \qquad (C12) \quad d tr(X)/dX = 5 X $$",
    ],
)
def test_an_unclosed_bracket_keeps_its_label_and_the_identities_after_it_apart(display):
    # the '(' of tr(X never closed hid every \quad after it: the label (C11) and the identity
    # (C12) were read as part of the first identity (one unreadable row, no label), and the
    # plain-text d tr(X / dX = I was no row at all. Each now has its label; the first is
    # unreadable (its bracket named), the second still checked: d tr(X)/dX = I, not 5 X
    X = gen(rng_for("unclosed label"), 3, 3)
    truth = numerator_fd(lambda X: np.trace(X), {"X": X}, "X")
    assert close(np.eye(3), truth) and not close(5 * X, truth)
    rows = ed.audit(display)
    assert [(r.label, r.verdict) for r in rows] == [("(C11)", "unreadable"), ("(C12)", "wrong")]
    assert "(C11)" not in rows[0].identity and "'(' is never closed" in rows[0].reason


DELTA_LEFT = r"\frac{\partial \mathbf{x}^\top \boldsymbol{\delta}}{\partial \mathbf{x}}"


@pytest.mark.parametrize(
    "identity, right",
    [  # d(x' delta)/dx = delta' (numerator): the backprop error vector, bold as in ML notes
        (DELTA_LEFT + r" = \boldsymbol{\delta}^\top", True),
        (DELTA_LEFT + r" = 2\boldsymbol{\delta}^\top", False),
    ],
)
def test_a_variable_named_delta_is_checked_not_refused_as_a_declaration(identity, right):
    # a bare delta (no indices) is a variable; it cannot be declared (delta[i,j] is Kronecker's),
    # so neither the identity's bold convention nor the claim's reading may declare it: were
    # "cannot parse the declarations: 'delta' is reserved" and "cannot parse the claim" (col 1)
    r = ed.check_identity(identity)
    assert r.verdict == ("right" if right else "wrong"), str(r)
    x, d = rng_for("delta").normal(size=(2, 3))
    truth = jacobian_fd(lambda x, delta: x @ delta, {"x": x, "delta": d}, "x")
    claimed = (1 if right else 2) * d
    assert close(claimed, truth) == right
    assert ed.check("x' delta", "x", claim="delta'").verdict == "right"


@pytest.mark.parametrize(
    "text, verdict",
    [
        (r"\frac{\partial (A_{i,j} x_j)}{\partial x_k} = A_{i,k}", "right"),
        (r"\frac{\partial (A_{i,j} x_j)}{\partial x_{k}} = A_{i,k}", "right"),
        (r"\frac{\partial (A_{i,j} x_j)}{\partial x_{k}} = A_{k,i}", "wrong"),
        (r"\frac{\partial (a_{i} X_{i,j} b_{j})}{\partial X_{k,l}} = a_{k} b_{l}", "right"),
    ],
)
def test_an_index_identity_in_latex_differentiates_by_an_entry(text, verdict):
    # d (A[i,j] x[j]) / d x[k] = A[i,k]: in an index-notation text x_j is x's entry, so the
    # variable x_k (or x_{k}) is x's entry too (it was "not a variable name", or "x_k does not
    # occur"); numpy: the Jacobian of A x is A
    rng = np.random.default_rng(4)
    A, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    assert np.allclose(jacobian_fd(lambda A, x: A @ x, {"A": A, "x": x}, "x"), A, atol=1e-6)
    assert ed.check_identity(text).verdict == verdict


def test_a_subscripted_name_beside_its_vector_is_not_read_as_an_entry_elsewhere():
    # with x_j: scalar (a name of its own beside the vector x), \partial x_k is no entry of x:
    # read as x[k], d (x' x x_j) / d x[k] = 2 x_j x[k]; read as a name like x_j, it is 0: the
    # two readings differ (numpy), so the claim 2 x_j x_k is refused, not "right"
    rng = np.random.default_rng(5)
    x, xj, k = rng.normal(size=3), 0.7, 1
    h, e = 1e-6, np.eye(3)[k]
    as_entry = ((x + h * e) @ (x + h * e) - (x - h * e) @ (x - h * e)) * xj / (2 * h)
    assert np.isclose(as_entry, 2 * xj * x[k]) and not np.isclose(as_entry, 0.0)
    text = r"\frac{\partial (x^T x \, x_j)}{\partial x_k} = 2 x_j x_k"
    with pytest.raises(ed.EinderivError, match="not a variable of the expression"):
        ed.check_identity(text, "x_j: scalar")
    assert ed.check_identity(r"\frac{\partial (x^T x)}{\partial x_k} = 2 x_k").verdict == "right"


# d tr(A X) / d X[i,j] = A[j,i], d (x' A x) / d x[k] = sum_j (A[k,j] + A[j,k]) x[j] (numpy)
def _entry_truths():
    rng = rng_for("entries of an identity by an entry")
    A, X, x = gen(rng, 3, 3), gen(rng, 3, 3), gen(rng, 3)
    by_X = jacobian_fd(lambda X: np.trace(A @ X), {"X": X}, "X")  # [i,j]: d f / d X[i,j]
    by_x = jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    assert close(by_X, A.T) and not close(by_X, A)  # A[j,i], not A[i,j]
    assert close(by_x, (A + A.T) @ x) and not close(by_x, A @ x)


_TR = r"\frac{\partial \operatorname{tr}(A X)}{\partial X_{ij}} = "
_BOLD = r"\frac{\partial \operatorname{tr}(\mathbf{A} \mathbf{X})}{\partial X_{ij}} = "
_QUADRATIC = r"\frac{\partial (x^T A x)}{\partial x_k} = "
_OWN = r"\frac{\partial (\operatorname{tr}(A X) + \operatorname{tr}(A_{jk} X))}{\partial X_{ij}} = "


@pytest.mark.parametrize(
    "text, verdict",
    [
        # A_{ji} was the entry with one index "ji" of A: "not well-formed", so "wrong"
        (_TR + "A_{ji}", "right"),
        (_TR + "A_{ij}", "wrong"),
        (_BOLD + r"\mathbf{A}_{ji}", "right"),
        (_QUADRATIC + "(A_{kj} + A_{jk}) x_j", "right"),
        (_QUADRATIC + "A_{kj} x_j", "wrong"),
        # plain text reads X_ij as X[i,j]: A_ji and x_j likewise (were unknown names)
        ("d tr(A X) / d X_ij = A_ji", "right"),
        ("d (x' A x) / d x_k = (A_kj + A_jk) x_j", "right"),
    ],
)
def test_an_identity_by_an_entry_reads_a_matrix_subscript_as_an_entry(text, verdict):
    _entry_truths()
    with pytest.warns(ed.errors.ReadAsEntry, match=r"as the entry A(_\{|\[)[a-z],[a-z]"):
        result = ed.check_identity(text)
    assert result.verdict == verdict, result


@pytest.mark.parametrize(
    "text, says",
    [
        # three letters: A_{j,ik} or A_{ji,k}; a variable A_jk of the expression beside A
        (_TR + "A_{jik}", r"A_{j,ik} or A_{ji,k} of the matrix A .* or a variable A_jik"),
        ("d tr(A X) / d X_ij = A_jik", r"A\[j,ik\] or A\[ji,k\] .* or a variable A_jik"),
        (_OWN + "A_{ji}", r"A_{j,i} .* or a variable A_ji \(the expression has A_jk\)"),
    ],
)
def test_an_entry_subscript_that_reads_two_ways_is_refused_with_both(text, says):
    with pytest.raises(ed.EinderivError, match=says):
        ed.check_identity(text)


def test_a_matrix_subscript_declared_or_used_as_a_name_stays_a_name():
    # A_ji declared (or used in the expression) is that variable: no entry of A, no note; the
    # claim A_ji (a matrix) is no entry derivative, and d tr(A_ji X) / dX[i,j] = A_ji[j,i]
    _entry_truths()
    used = r"\frac{\partial \operatorname{tr}(A_{ji} X)}{\partial X_{ij}} = A_{ji}"
    for text, where in ((_TR + "A_{ji}", "A_ji: matrix(n, m)"), (used, None)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ed.errors.ReadAsEntry)
            assert ed.check_identity(text, where).verdict == "wrong"
    # without the entry reading (a derivative by the whole X) nothing changes: still refused
    r = ed.check_identity(r"\frac{\partial \operatorname{tr}(A X)}{\partial X} = A_{ji}")
    assert r.verdict == "wrong" and "A_{j,i}" in r.reason


@pytest.mark.parametrize("power", ["2", "-1"])
def test_a_power_before_an_entry_subscript_of_letters_is_refused_as_with_a_comma(power):
    # d tr((A .^ p) X) / d X[i,j] = A[j,i]^p (numpy), where a paper's A^{p}_{ji} is the entry
    # (A^p)[j,i]: the two differ, so A^{p}_{ji}, read A_{j,i} by X_{ij}, reads two ways and is
    # refused as A^{p}_{j,i} is (it was read as the power of the entry: tr((A∘A) X) "right")
    rng = rng_for("a power before letters")
    A, X = invertible(rng, 3), gen(rng, 3, 3)
    p = int(power)
    by_X = jacobian_fd(lambda X: np.trace((A**p) @ X), {"X": X}, "X")
    assert close(by_X, A.T**p) and not close(by_X, np.linalg.matrix_power(A, p).T)
    hadamard = r"A^{\circ 2}" if p == 2 else r"A^{\circ -1}"
    text = rf"\frac{{\partial \operatorname{{tr}}({hadamard} X)}}{{\partial X_{{ij}}}} = "
    for claim in (f"A^{{{power}}}_{{ji}}", f"A^{{{power}}}_{{j,i}}"):
        with pytest.raises(ed.ParseError, match=r"reads two ways: write \\left\(A\^\{.*_\{j,i\}"):
            ed.check_identity(text + claim)
    # the power of the entry, written as TeX sets it, is read and right
    with pytest.warns(ed.errors.ReadAsEntry):
        assert ed.check_identity(text + f"A_{{ji}}^{{{power}}}").verdict == "right"


def test_one_letter_on_a_matrix_is_no_entry_and_no_garbled_refusal():
    # d tr(A X) / d X[i,j] = A[j,i] (numpy); plain A_j (one letter) on the matrix A is no entry
    # of it: the claim's name A_j is not the expression's, said as such (it was refused as
    # "reads two ways: the entry  of the matrix A", an entry with no index)
    _entry_truths()
    for text in ("d tr(A X) / d X_ij = A_j", "d (x' A x) / d x_k = A_k x"):
        with pytest.raises(ed.EinderivError, match="not in the expression") as error:
            ed.check_identity(text)
        assert "the entry  of" not in str(error.value)


@pytest.mark.parametrize(
    "text, verdict",
    [
        (r"\frac{\partial \operatorname{tr}(X)}{\partial X_{ij}} = \delta_{ij}", "right"),
        ("d tr(X) / d X_ij = delta_ij", "right"),
        (r"\frac{\partial (x^T x)}{\partial x_k} = 2 \delta_{kj} x_j", "right"),
        (r"\frac{\partial (x^T x)}{\partial x_k} = \delta_{kj} x_j", "wrong"),
    ],
)
def test_a_delta_of_two_letters_in_an_identity_by_an_entry_is_the_kronecker_delta(text, verdict):
    # d tr(X) / d X[i,j] = delta[i,j], d (x' x) / d x[k] = 2 x[k] (numpy): the Cookbook's
    # \delta_{ij} beside X_{ij} is delta[i,j] as A_{ji} is A[j,i] (it was refused: "delta takes
    # two or more indices, not 1")
    rng = rng_for("a delta by an entry")
    X, x = gen(rng, 3, 3), gen(rng, 3)
    assert close(jacobian_fd(lambda X: np.trace(X), {"X": X}, "X"), np.eye(3))
    assert close(jacobian_fd(lambda x: x @ x, {"x": x}, "x"), 2 * np.eye(3) @ x)
    assert ed.check_identity(text).verdict == verdict
