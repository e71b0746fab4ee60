"""Second derivatives written as identities (SPEC 8, ``check_identity``): ``\\nabla^2_{x} f =
H``, ``\\frac{\\partial^2 f}{\\partial x \\partial x^\\top} = H``, ``d^2 f / dx^2 = H``.

They are the Hessian H[I, J] = d2f / dX[I] dX[J] (``ed.hessian``, ``check(..., order=2)``).
They were refused ("a second derivative in an identity is not read"), and ``\\nabla^2_{x} f``
with a misleading "a gradient needs its variable" though the variable is written. The truth of
each identity is numpy: second central differences of the function, written here, against the
claim written in numpy; never einderiv's output.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed

RNG = np.random.default_rng(27)
N = 3
A = RNG.normal(size=(N, N))
B = RNG.normal(size=(4, N))
b = RNG.normal(size=4)
X0 = RNG.normal(size=N)


def _hessian_fd(f, x, eps: float = 1e-4) -> np.ndarray:
    """H[i, j] = d2f / dx_i dx_j by central differences of central differences."""
    h = np.zeros((x.size, x.size))
    for i in range(x.size):
        for j in range(x.size):
            ei, ej = np.eye(x.size)[i] * eps, np.eye(x.size)[j] * eps
            h[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * eps**2
            )
    return h


def _logsumexp(x):
    return np.log(np.sum(np.exp(x)))


def _softmax(x):
    return np.exp(x) / np.sum(np.exp(x))


CASES = [
    # d2 (x' A x) / dx dx' = A + A' (right), 2 A (right only for a symmetric A)
    (
        (
            r"\frac{\partial^2 \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x} "
            r"\partial \mathbf{x}^\top} = RHS"
        ),
        lambda x: x @ A @ x,
        {r"\mathbf{A} + \mathbf{A}^\top": A + A.T, r"2\mathbf{A}": 2 * A},
    ),
    # nabla^2 (1/2 ||B x - b||^2) = B' B (right), B B' (wrong shape), 2 B' B (wrong)
    (
        r"\nabla^2_{\mathbf{x}} \frac{1}{2}\|\mathbf{B}\mathbf{x} - \mathbf{b}\|_2^2 = RHS",
        lambda x: 0.5 * np.sum((B @ x - b) ** 2),
        {r"\mathbf{B}^\top \mathbf{B}": B.T @ B, r"2\mathbf{B}^\top\mathbf{B}": 2 * B.T @ B},
    ),
    # nabla_x^2 logsumexp(x) = diag(softmax(x)) - softmax(x) softmax(x)'
    (
        r"\nabla_{\mathbf{x}}^2 \operatorname{logsumexp}(\mathbf{x}) = RHS",
        _logsumexp,
        {
            r"\operatorname{diag}(\operatorname{softmax}(\mathbf{x})) - "
            r"\operatorname{softmax}(\mathbf{x})\operatorname{softmax}(\mathbf{x})^\top": (
                np.diag(_softmax(X0)) - np.outer(_softmax(X0), _softmax(X0))
            ),
            r"\operatorname{diag}(\operatorname{softmax}(\mathbf{x}))": np.diag(_softmax(X0)),
        },
    ),
    # d2 ||x|| / dx2 = I / ||x|| - x x' / ||x||^3 (right), with ||x||^2 below (wrong)
    (
        r"\frac{\partial^{2} \|\mathbf{x}\|_2}{\partial \mathbf{x}^{2}} = RHS",
        np.linalg.norm,
        {
            r"\frac{\mathbf{I}}{\|\mathbf{x}\|_2} - \frac{\mathbf{x}\mathbf{x}^\top}"
            r"{\|\mathbf{x}\|_2^3}": (
                np.eye(N) / np.linalg.norm(X0) - np.outer(X0, X0) / np.linalg.norm(X0) ** 3
            ),
            r"\frac{\mathbf{I}}{\|\mathbf{x}\|_2} - \frac{\mathbf{x}\mathbf{x}^\top}"
            r"{\|\mathbf{x}\|_2^2}": (
                np.eye(N) / np.linalg.norm(X0) - np.outer(X0, X0) / np.linalg.norm(X0) ** 2
            ),
        },
    ),
    # plain text: d^2 (x' x) / dx dx' = 2 I
    ("d^2 (x' x) / dx dx' = RHS", lambda x: x @ x, {"2 I": 2 * np.eye(N), "I": np.eye(N)}),
]


@pytest.mark.parametrize(("template", "f", "claims"), CASES)
def test_hessian_identity_verdict_agrees_with_numpy(template, f, claims):
    truth = _hessian_fd(f, X0)
    for claim, value in claims.items():
        right = np.allclose(value, truth, atol=1e-4)
        result = ed.check_identity(template.replace("RHS", claim))
        assert result.verdict == ("right" if right else "wrong"), (claim, result.reason)


def test_hessian_identity_forms_of_the_left_side():
    # every way of writing d2 (x' A x) / dx dx' reads as the Hessian A + A'
    assert np.allclose(_hessian_fd(lambda x: x @ A @ x, X0), A + A.T, atol=1e-4)
    for left in (
        r"\nabla^2_{\mathbf{x}} \mathbf{x}^\top \mathbf{A} \mathbf{x}",
        r"\nabla^{2}_{x} (x^\top A x)",
        r"\nabla_{x}^{2}\, x^\top A x",
        r"\frac{\partial^2}{\partial x \, \partial x^T} x^\top A x",
        "∇²_x (x' A x)",
        "d^2 (x' A x) / dx^2",
    ):
        assert ed.check_identity(left + r" = A + A^\top").verdict == "right", left
        assert ed.check_identity(left + r" = 2 A").verdict == "wrong", left


def test_hessian_identity_of_a_plain_scalar_letter():
    # d2 sin(x) / dx2 = -sin(x): with x read as a vector, sin(x) is no scalar; undecided,
    # naming the declaration under which it is right
    t = 0.7
    eps = 1e-4
    assert abs((np.sin(t + eps) - 2 * np.sin(t) + np.sin(t - eps)) / eps**2 + np.sin(t)) < 1e-5
    r = ed.check_identity(r"\frac{d^2}{dx^2} \sin(x) = -\sin(x)")
    assert r.verdict == "undecided" and "x: scalar" in r.reason
    r = ed.check_identity(r"\frac{d^2}{dx^2} \sin(x) = -\sin(x)", where="x: scalar")
    assert r.verdict == "right"
    assert ed.check_identity(r"\frac{d^2 \sin(x)}{dx^2} = \sin(x)", "x: scalar").verdict == "wrong"


def test_hessian_identities_refused_with_what_to_write():
    # two variables, an entry, or no variable at all: an error, never a guess
    with pytest.raises(ed.EinderivError, match="one variable twice"):
        ed.check_identity(r"\frac{\partial^2 x^\top A y}{\partial x \partial y^\top} = A")
    with pytest.raises(ed.EinderivError, match=r"a Hessian needs its variable: write \\nabla\^2_"):
        ed.check_identity(r"\nabla^2 (x^\top A x) = A + A^\top")
    with pytest.raises(ed.EinderivError, match="scalar"):
        ed.check_identity(r"\nabla^2_{\mathbf{x}} \mathbf{A}\mathbf{x} = 0")


def test_a_hessians_differential_is_an_identity_too():
    # d(d(x' A x)/dx) = (A + A') dx: the differential of the gradient, as h.differential()
    # writes a Hessian's (its f named); it was read as d times (x' A x) / (d x), and wrong
    assert np.allclose(_hessian_fd(lambda x: x @ A @ x, X0), A + A.T, atol=1e-4)
    assert not np.allclose(A + A.T, 2 * A)
    for left in (
        "d(d(x' A x)/dx)",
        (
            r"\mathrm{d}\left(\frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}"
            r"{\partial \mathbf{x}}\right)"
        ),
    ):
        dx = r"\mathrm{d}\mathbf{x}" if "\\" in left else "dx"
        top = r"\mathbf{A} + \mathbf{A}^\top" if "\\" in left else "A + A'"
        right = ed.check_identity(f"{left} = ({top}) {dx}")
        assert right.verdict == "right", (left, right.reason)
        assert ed.check_identity(f"{left} = 2 {top.split(' +')[0]} {dx}").verdict == "wrong"
    # a zero Hessian: d2 (b' x) / dx2 = 0, while that of x' x is 2 I
    assert np.allclose(_hessian_fd(lambda x: b[:N] @ x, X0), 0, atol=1e-6)
    assert np.allclose(_hessian_fd(lambda x: x @ x, X0), 2 * np.eye(N), atol=1e-4)
    assert ed.check_identity("d(d(b' x)/dx) = 0").verdict == "right"
    assert ed.check_identity("d(d(x' x)/dx) = 0").verdict == "wrong"
    # the Hessian's differential of a scalar a: d(d(a^3)/da) = 3 * 2 a da
    t, eps = 0.7, 1e-4
    assert abs(((t + eps) ** 3 - 2 * t**3 + (t - eps) ** 3) / eps**2 - 6 * t) < 1e-5
    assert ed.check_identity("d(d(a^3)/da) = 6 a da", "a: scalar").verdict == "right"


def test_a_hessians_differential_with_no_expression_or_another_variable_is_refused():
    # d(df/dx) names no expression (f is einderiv's name for it): say how to check it
    with pytest.raises(ed.EinderivError, match=r"names no expression .*--hessian"):
        ed.check_identity("d(df/dx) = (A + A') dx")
    with pytest.raises(ed.EinderivError, match="holds dy: write it in dx"):
        ed.check_identity("d(d(x' A x)/dx) = (A + A') dy")


def test_a_hessians_differential_is_audited():
    # the audit reads it as check_identity does, a zero right side too
    rows = ed.audit(
        "$$ d(d(x' A x)/dx) = (A + A') dx $$\n\n$$ d(d(x' A x)/dx) = 2 A dx $$\n\n"
        "$$ d(d(b' x)/dx) = 0 $$"
    )
    assert [row.verdict for row in rows] == ["right", "wrong", "right"]
