"""Conditions and labels written after an identity (ed.audit, ed.check_identity): SPEC 8.

A condition that says a matrix is symmetric declares it so; any other is unread and never
leaves a "wrong" (the claim may hold under it); a remark is never a factor of the claim; a
label such as (D1-lit), (3.1a) or (ii) is a label. The truth of every identity is shown here by
central finite differences of plain numpy code, never by einderiv's output.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, jacobian_fd, rng_for

import einderiv as ed

# d(x'Bx)/dx = (B + B') x (the gradient, denominator layout), so 2 B x holds for a symmetric B
IDENTITY = (
    r"\frac{\partial \mathbf{x}^T\mathbf{B}\mathbf{x}}{\partial \mathbf{x}} = 2\mathbf{B}\mathbf{x}"
)


def _two_bx_holds_only_for_symmetric_b():
    rng = rng_for("x'Bx conditions")
    B, x = gen(rng, 3, 3), gen(rng, 3)
    assert not close(jacobian_fd(lambda x: x @ B @ x, {"x": x}, "x"), 2 * B @ x)
    S = B + B.T
    assert close(jacobian_fd(lambda x: x @ S @ x, {"x": x}, "x"), 2 * S @ x)


# the condition says B is symmetric, however written: right, and the reason quotes it
@pytest.mark.parametrize(
    "condition, quoted",
    [
        (r"\quad (\mathbf{B} \text{ symmetric})", r"(\mathbf{B} symmetric)"),
        (r"\quad \text{(}\mathbf{B}\text{ symmetric)}", r"(\mathbf{B} symmetric)"),
        (r"\quad \mathbf{B}\ \text{symmetric}", r"\mathbf{B} symmetric"),
        (r"\quad \text{(B symmetric)}", "(B symmetric)"),
        (r"\quad \text{for symmetric } \mathbf{B}", r"for symmetric \mathbf{B}"),
        (r"\quad \text{if } \mathbf{B} \text{ is symmetric}", r"if \mathbf{B} is symmetric"),
        (r"\qquad \text{(if B is symmetric)}", "(if B is symmetric)"),
        (r"\quad \text{if } \mathbf{B} = \mathbf{B}^T", r"if \mathbf{B} = \mathbf{B}^T"),
        (r"\quad (\mathbf{B} = \mathbf{B}^T)", r"(\mathbf{B} = \mathbf{B}^T)"),
    ],
)
def test_a_condition_that_b_is_symmetric_declares_it(condition, quoted):
    _two_bx_holds_only_for_symmetric_b()
    [line] = ed.audit(f"$$\n{IDENTITY} {condition}\n$$", layout="denominator")
    assert line.verdict == "right" and f'"{quoted}"' in line.reason, line
    result = ed.check_identity(f"{IDENTITY} {condition}", layout="denominator")
    assert result.verdict == "right" and f'"{quoted}"' in result.reason, result.reason
    assert "symmetric" not in result.claim_text  # the remark is no factor of the claim


# a condition that is not read whole (not, positive definite, unless) leaves 2 B x undecided,
# never wrong; the reason quotes it as written (no \neg, no text the source does not have)
@pytest.mark.parametrize(
    "condition, quoted",
    [
        (
            r"\quad \text{if } \mathbf{B} \text{ is not symmetric}",
            r"if \mathbf{B} is not symmetric",
        ),
        (r"\quad (\mathbf{B} \text{ not symmetric})", r"(\mathbf{B} not symmetric)"),
        (r"\quad \text{(B symmetric positive definite)}", "(B symmetric positive definite)"),
        (r"\quad \text{unless } \mathbf{B} = \mathbf{B}^T", r"unless \mathbf{B} = \mathbf{B}^T"),
    ],
)
def test_an_unread_condition_is_quoted_and_never_wrong(condition, quoted):
    _two_bx_holds_only_for_symmetric_b()
    [line] = ed.audit(f"$$\n{IDENTITY} {condition}\n$$", layout="denominator")
    assert line.verdict == "undecided" and f'"{quoted}"' in line.reason, line
    assert "\\neg" not in line.reason
    result = ed.check_identity(f"{IDENTITY} {condition}", layout="denominator")
    assert result.verdict == "undecided" and f'"{quoted}"' in result.reason, result.reason


# without a condition 2 B x is wrong (numpy above); labels after it, also after a condition,
# are labels: (D1-lit), (3.1a), (i), (ii)
@pytest.mark.parametrize("label", ["(D1-lit)", "(3.1a)", "(i)", "(ii)", "(D1)"])
def test_labels_after_an_identity_and_its_condition(label):
    _two_bx_holds_only_for_symmetric_b()
    doc = f"$$ {IDENTITY} \\quad {label} $$"
    assert [(a.label, a.verdict) for a in ed.audit(doc, layout="denominator")] == [(label, "wrong")]
    doc = f"$$ {IDENTITY} \\quad \\text{{if }} \\mathbf{{B}} = \\mathbf{{B}}^T \\qquad {label} $$"
    assert [(a.label, a.verdict) for a in ed.audit(doc, layout="denominator")] == [(label, "right")]
    text = f"{IDENTITY} \\quad \\text{{if }} \\mathbf{{B}} = \\mathbf{{B}}^T \\qquad {label}"
    assert ed.check_identity(text, layout="denominator").verdict == "right"


def test_a_condition_on_a_product_declares_no_variable_symmetric():
    # d(x'ABx)/dx = 2 ABx (denominator layout) when AB is symmetric; the condition "(AB
    # symmetric)" declared a new, unused matrix AB symmetric, so the identity was wrong
    rng = np.random.default_rng(5)
    A, S = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    B = np.linalg.solve(A, S + S.T)  # AB = S + S' symmetric
    x, step = rng.normal(size=3), 1e-6
    grad = [((x + step * e) @ A @ B @ (x + step * e) - (x - step * e) @ A @ B @ (x - step * e))
            / (2 * step) for e in np.eye(3)]  # fmt: skip
    assert np.allclose(grad, 2 * A @ B @ x, atol=1e-5)
    text = (
        r"\frac{\partial \mathbf{x}^\top\mathbf{A}\mathbf{B}\mathbf{x}}{\partial \mathbf{x}} = "
        r"2\mathbf{A}\mathbf{B}\mathbf{x} \quad (\mathbf{A}\mathbf{B} \text{ symmetric})"
    )
    assert ed.check_identity(text, layout="denominator").verdict == "undecided"


@pytest.mark.parametrize(
    "condition", ["(B symmetric)", "for symmetric B", ", if B = B'", "(if B is symmetric)"]
)
def test_a_plain_text_condition_is_read_like_a_latex_one(condition):
    # d(x'Bx)/dx = 2 x'B (numerator layout) for a symmetric B only: in plain text the
    # condition was multiplied into the claim (symmetric read as nine letters): wrong
    rng = np.random.default_rng(7)
    B, x, step = rng.normal(size=(3, 3)), rng.normal(size=3), 1e-6
    for M, holds in ((B + B.T, True), (B, False)):
        grad = [((x + step * e) @ M @ (x + step * e) - (x - step * e) @ M @ (x - step * e))
                / (2 * step) for e in np.eye(3)]  # fmt: skip
        assert np.allclose(grad, 2 * x @ M, atol=1e-5) == holds
    text = f"d(x' B x)/dx = 2 x' B {condition}".replace(" ,", ",")
    assert ed.check_identity(text).verdict == "right"
    assert ed.check_identity("d(x' B x)/dx = 2 x' B").verdict == "wrong"


@pytest.mark.parametrize(
    "quadratic, subject",
    [(r"\mathbf{AB}", r"\mathbf{AB}"), (r"\mathbf{A}_1", r"\mathbf{A}")],
)
def test_a_condition_whose_subject_is_no_variable_is_not_read(quadratic, subject):
    # \mathbf{AB} is the product A B (AB symmetric makes 2 AB x right); "A symmetric" says
    # nothing of A_1: neither declares a variable, so a wrong is undecided (were wrong)
    text = (
        rf"\frac{{\partial \mathbf{{x}}^\top{quadratic}\mathbf{{x}}}}{{\partial \mathbf{{x}}}} = "
        rf"2{quadratic}\mathbf{{x}} \quad ({subject} \text{{ symmetric}})"
    )
    rng = np.random.default_rng(11)
    A = rng.normal(size=(3, 3))
    x, step = rng.normal(size=3), 1e-6
    grad = [((x + step * e) @ A @ (x + step * e) - (x - step * e) @ A @ (x - step * e))
            / (2 * step) for e in np.eye(3)]  # fmt: skip
    assert not np.allclose(grad, 2 * A @ x, atol=1e-4)  # a non-symmetric A (or AB): false
    assert ed.check_identity(text, layout="denominator").verdict == "undecided"
