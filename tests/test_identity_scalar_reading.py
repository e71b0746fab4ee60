"""Identities about scalars written with plain letters (SPEC 8, ``check_identity``).

A plain lower-case letter, in a text that sets no vector in bold, is what ``parse`` reads: a
vector. A student's ``\\frac{d \\log(1 + e^{x})}{dx} = \\sigma(x)`` is then the wrong shape, a
"wrong" that rests on that guess: it is "undecided", naming the declaration under which it is
right. Each identity's truth is checked here with numpy (central differences of the scalar
function), never with einderiv's output.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


def _fd(f, t: float, eps: float = 1e-6) -> float:
    return (f(t + eps) - f(t - eps)) / (2 * eps)


POINTS = np.array([-1.7, -0.3, 0.4, 2.2])

RIGHT_FOR_SCALARS = [
    # d sigma(x)/dx = sigma(x) (1 - sigma(x))
    (
        r"\frac{d \sigma(x)}{d x} = \sigma(x)(1 - \sigma(x))",
        _sigmoid,
        lambda t: _sigmoid(t) * (1 - _sigmoid(t)),
    ),
    # d log(1 + e^x)/dx = sigma(x) (softplus)
    (r"\frac{d \log(1+e^{x})}{dx} = \sigma(x)", lambda t: np.log1p(np.exp(t)), _sigmoid),
    # d tanh(x)/dx = 1 - tanh(x)^2
    (r"\frac{d \tanh(x)}{dx} = 1 - \tanh^2(x)", np.tanh, lambda t: 1 - np.tanh(t) ** 2),
    # d sin(x)/dx = cos(x), in plain text
    ("d sin(x)/dx = cos(x)", np.sin, np.cos),
]


@pytest.mark.parametrize("text, f, claim", RIGHT_FOR_SCALARS)
def test_a_scalar_identity_in_plain_letters_is_undecided_not_wrong(text, f, claim):
    # the identity is true for scalars (numpy differences) ...
    np.testing.assert_allclose([_fd(f, t) for t in POINTS], claim(POINTS), rtol=1e-6)
    # ... so with x read as a vector it is undecided, naming x: scalar; declared, right
    result = ed.check_identity(text)
    assert result.verdict == "undecided", result.reason
    assert "x: scalar" in result.reason
    assert ed.check_identity(text, where="x: scalar").verdict == "right"


@pytest.mark.parametrize(
    "text",
    [
        # a wrong scalar identity: wrong in either reading (d sigma/dx is not 2 sigma (1 - sigma))
        r"\frac{d \sigma(x)}{d x} = 2\sigma(x)(1 - \sigma(x))",
        "d sin(x)/dx = -cos(x)",
        # x transposed: a vector as written; the numerator layout's derivative is 2 x', not 2 x
        r"\frac{\partial x^\top x}{\partial x} = 2x",
    ],
)
def test_a_wrong_identity_stays_wrong(text):
    t = 0.4  # d sigma(x)/dx at 0.4 differs from the claim (numpy)
    assert not np.isclose(_fd(_sigmoid, t), 2 * _sigmoid(t) * (1 - _sigmoid(t)))
    assert not np.isclose(_fd(np.sin, t), -np.cos(t))
    assert ed.check_identity(text).verdict == "wrong"


def test_e_to_a_power_on_a_latex_left_side_is_the_exponential():
    # \frac{d e^{x}}{dx} = e^{x}: e^{x} on the left is exp(x) as on the right (the left side
    # was read as plain text, e a vector variable: an error); d e^{2x}/dx = 2 e^{2x}
    f = lambda t: np.exp(2 * t)
    np.testing.assert_allclose([_fd(f, t) for t in POINTS], 2 * f(POINTS), rtol=1e-6)
    assert ed.check_identity(r"\frac{d e^{2 x}}{dx} = 2 e^{2 x}", where="x: scalar").verdict == (
        "right"
    )
    assert ed.check_identity(r"\frac{d e^{x}}{dx} = 2 e^{x}", where="x: scalar").verdict == (
        "wrong"
    )


def test_a_power_of_an_undeclared_vector_suggests_a_scalar():
    # x^3 with x undeclared: x is taken as a vector, which has no matrix power; say how to
    # make it a number
    with pytest.raises(ed.ShapeError, match="declare `x: scalar`"):
        ed.parse("x^3")
    np.testing.assert_allclose(ed.parse("x^3", where="x: scalar")(x=1.5), 1.5**3)


def test_a_frac_around_plain_text_is_read_as_plain_text_when_latex_refuses_it():
    # \frac{d lambda x' x}{dx} = 2 lambda x': the left side has no command of its own and is
    # plain text (lambda a word); read as LaTeX it was refused ('lambda' reads as the letters
    # l a m b d a), as were W1 (W times 1) and 1/2 x'x, which plain text reads
    rng = np.random.default_rng(5)
    x, lam, h = rng.standard_normal(3), 0.7, 1e-6
    fd = [(lam * (x + e) @ (x + e) - lam * (x - e) @ (x - e)) / (2 * h) for e in np.eye(3) * h]
    np.testing.assert_allclose(fd, 2 * lam * x, rtol=1e-6)  # d(lambda x'x)/dx = 2 lambda x'
    for text in (
        r"\frac{d lambda x' x}{dx} = 2 lambda x'",
        r"\frac{d 1/2 x'x}{dx} = x'",
        r"\frac{d tr(W1' W1)}{d W1} = 2 W1'",
    ):
        assert ed.check_identity(text).verdict == "right", text
    assert ed.check_identity(r"\frac{d lambda x' x}{dx} = lambda x'").verdict == "wrong"
    # and a side that reads in LaTeX is still LaTeX: e^{x} is exp(x)
    assert ed.check_identity(r"\frac{d e^{x}}{dx} = e^{x}", where="x: scalar").verdict == "right"


@pytest.mark.parametrize(
    "text, f, jacobian",
    [
        # d (x .* x)/dx = diag(2 x), not the column 2 x
        ("d (x .* x)/dx = 2 x", lambda v: v * v, lambda x: np.diag(2 * x)),
        # d sum(x)/dx = ones', not the number 1
        ("d sum(x)/dx = 1", lambda v: np.array([v.sum()]), lambda x: np.ones((1, len(x)))),
        # d ||x||^2/dx = 2 x', not the column 2 x
        (r"\frac{d \|x\|^2}{dx} = 2x", lambda v: np.array([v @ v]), lambda x: 2 * x[None, :]),
    ],
)
def test_an_identity_with_notation_for_vectors_stays_wrong(text, f, jacobian):
    # sum(x), x .* x, ||x||: x is meant as a vector, so no scalar reading makes it undecided
    x = np.array([0.3, -1.1, 0.8])
    fd = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6]).T
    np.testing.assert_allclose(fd, jacobian(x), rtol=1e-6, atol=1e-8)
    assert ed.check_identity(text).verdict == "wrong"
