"""What a ``\\quad`` in a LaTeX claim's right side is followed by: spacing, a label, a remark, or
math, which is never dropped silently.

In an identity ``\\quad`` separates the identity from its remark or label (``= 2 x^\\top \\quad
\\text{for all } x``, ``\\quad (2)``); before an operator it is spacing (``x^\\top \\quad +
x^\\top``). Math after it (``= 2 x^\\top \\quad x^\\top``) was dropped by ``check_identity`` (read as
the remark "x^T": right); it is refused now. ``check`` reads a right side alone, its spacing
ignored (SPEC 6.2: a product), and refuses a remark by name. The truth is d(x' x)/dx = 2 x'
(numerator layout) by central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed

LEFT = r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} = "


def gradient(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


X = np.random.default_rng(2904).normal(size=3)
TRUE = gradient(lambda x: x @ x, X)  # 2 x'


def test_the_truth():
    assert np.allclose(TRUE, 2 * X) and not np.allclose(TRUE, 4 * X)


@pytest.mark.parametrize(
    "right",
    [r"2 \mathbf{x}^\top \quad \mathbf{x}^\top", r"2 \mathbf{x}^\top \qquad \mathbf{A} \mathbf{x}"],
)
def test_math_after_quad_is_refused_never_dropped(right):
    # 2 x' is right, 2 x' x' and 2 x' A x no gradient: the math after an identity's \quad is
    # no remark to drop (check_identity said "right"); check reads it, \quad a space: wrong
    with pytest.raises(ed.EinderivError, match="after .quad with math"):
        ed.check_identity(LEFT + right)
    assert ed.check("x' x", "x", right, where="A: matrix(3, 3)").verdict == "wrong"


@pytest.mark.parametrize(
    "remark",
    [r"\text{for all } \mathbf{x}", r"\text{for all } \mathbf{x} \in \mathbb{R}^n", r"x \neq 0"],
)
def test_a_remark_after_quad_ends_the_right_side(remark):
    # 2 x' with a remark: an identity reads the remark as its condition (right: 2 x' is the
    # gradient everywhere); check reads a right side alone, so it refuses the remark by name
    # (was "'for all ' is not a name")
    claim = r"2 \mathbf{x}^\top \quad " + remark
    assert ed.check_identity(LEFT + claim).verdict == "right"
    with pytest.raises(ed.EinderivError, match="after .quad with a remark"):
        ed.check("x' x", "x", claim)


def test_a_label_after_quad_is_no_remark_and_spacing_before_an_operator_stays():
    # = 2 x' \quad (2): an identity's label; x' \quad + x' is the sum x' + x' = 2 x' in both
    assert ed.check_identity(LEFT + r"2 \mathbf{x}^\top \quad (2)").verdict == "right"
    assert ed.check_identity(LEFT + r"\mathbf{x}^\top \quad + \mathbf{x}^\top").verdict == "right"
    assert ed.check("x' x", "x", r"x^\top \quad + x^\top").verdict == "right"
