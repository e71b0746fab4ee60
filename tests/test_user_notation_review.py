"""A new user's notation (session 31, helper f's review): a placeholder argument
``\\sigma(\\cdot)``, a transpose then another superscript ``X^T^T``, and the plain-text identity
``I_n``. Each answer is either the function numpy computes (central differences of plain numpy
for derivatives) or a ParseError that says what to write; never a new variable in silence."""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ParseError

RNG = np.random.default_rng(31)


def _central(f, x, h=1e-6):
    """The gradient of the scalar f at the vector x by central differences (plain numpy)."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ---- \sigma(\cdot): a placeholder, not an expression -----------------------------------------


@pytest.mark.parametrize(
    "text, example",
    [
        (r"\sigma(\cdot)", r"\sigma(W x)"),
        (r"\sigma\left(\cdot\right)", r"\sigma(W x)"),
        (r"\tanh(\cdot)", r"\tanh(W x)"),
        ("σ(·)", "σ(W x)"),
        ("f(·)", "f(W x)"),
    ],
)
def test_a_dot_alone_is_a_placeholder(text, example):
    # a paper's \sigma(\cdot) names the function; einderiv needs the argument written
    with pytest.raises(ParseError) as caught:
        ed.parse(text)
    message = str(caught.value)
    assert "placeholder for an argument" in message and example in message
    assert caught.value.column == text.index("\\cdot" if "\\cdot" in text else "·") + 1


def test_the_argument_written_is_sigmoid():
    # \sigma(z) is the logistic 1 / (1 + exp(-z)); d sum(sigma(W x)) / dx = W' (s (1 - s))
    W, x = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    assert np.isclose(float(ed.parse(r"\sigma(\alpha)")(alpha=0.3)), 1 / (1 + np.exp(-0.3)))
    g = ed.diff(r"\operatorname{sum}(\sigma(W x))", "x")

    def f(v):
        return np.sum(1 / (1 + np.exp(-W @ v)))

    assert np.allclose(np.ravel(g(W=W, x=x)), _central(f, x), atol=1e-6)


def test_a_dot_between_operands_is_still_a_product():
    # a \cdot b of two vectors is a' b
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    assert np.isclose(float(ed.parse(r"a \cdot b")(a=a, b=b)), a @ b)


# ---- X^T^T: a transpose, then another superscript ---------------------------------------------


@pytest.mark.parametrize(
    "text, write",
    [
        ("X^T^T", "(X^T)^T"),
        ("X^T^-1", "(X^T)^-1"),
        ("X^T^2", "(X^T)^2"),
        ("X^-T^2", "(X^-T)^2"),
        ("X^{T}^{T}", "(X^{T})^{T}"),
        ("X^{T}^{-1}", "(X^{T})^{-1}"),
    ],
)
def test_a_transpose_then_a_superscript_is_refused_with_its_grouping(text, write):
    # X^T^T groups as X^(T^T) in the grammar (a power by a matrix); (X^T)^T is what is meant
    with pytest.raises(ParseError) as caught:
        ed.parse(text)
    assert write in str(caught.value)


@pytest.mark.parametrize("text", ["(X^T)^T", "X''", r"X^\top^\top", r"\left(X^{T}\right)^{T}"])
def test_the_transpose_twice_is_the_matrix(text):
    # (X')' = X
    X = RNG.normal(size=(2, 3))
    assert np.allclose(ed.parse(text)(X=X), X)


def test_a_transposed_inverse_written_out():
    # (X^T)^-1 = inv(X)'
    X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    assert np.allclose(ed.parse("(X^T)^-1")(X=X), np.linalg.inv(X).T)


# ---- I_n in plain text: the identity of size n, as in LaTeX -----------------------------------


def test_plain_I_n_is_the_identity():
    # x' I_n x = x' x, and its gradient 2 x
    x = RNG.normal(size=4)
    e = ed.parse("x' I_n x")
    assert "I_n" not in e.variables
    assert np.isclose(float(e(x=x)), x @ x)
    g = ed.diff("x' I_n x", "x")
    assert np.allclose(np.ravel(g(x=x)), _central(lambda v: v @ v, x), atol=1e-6)


def test_plain_I_n_has_the_size_written():
    # tr(I_n) = n, tr(I_3) = 3; kron(I_2, A) is np.kron(np.eye(2), A)
    assert float(ed.parse("tr(I_n)", where="n: integer")(n=5)) == 5
    assert float(ed.parse("tr(I_3)")()) == 3
    A = RNG.normal(size=(2, 3))
    assert np.allclose(ed.parse("kron(I_2, A)")(A=A), np.kron(np.eye(2), A))


def test_plain_I_n_is_as_latex_I_n():
    # the same function: x' A I_n x = x' A x
    A, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    for text in ("x' A I_n x", r"\mathbf{x}^\top A I_n \mathbf{x}", "x' A I_{n} x"):
        assert np.isclose(float(ed.parse(text)(A=A, x=x)), x @ A @ x)


def test_a_declared_I_n_is_the_variable():
    # declared, I_n is the matrix given: x' I_n x with I_n = M is x' M x
    M, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    e = ed.parse("x' I_n x", where="I_n: matrix(n, n)")
    assert "I_n" in e.variables
    assert np.isclose(float(e(I_n=M, x=x)), x @ M @ x)


def test_plain_I_n_where_it_does_not_fit():
    # x of length m against I_n: the sizes m and n are named
    with pytest.raises(ed.EinderivError, match=r"\(m vs n\)"):
        ed.parse("x' I_n x", where="x: vector(m)")
    with pytest.raises(ed.EinderivError, match=r"\(4 vs 3\)"):
        ed.parse("x' I_3 x", where="x: vector(4)")
    with pytest.raises(ParseError, match="positive number"):
        ed.parse("x' I_0 x")


def test_plain_I_p_in_a_kronecker_jacobian():
    # d vec(A X) / d vec(X)' = kron(I_p, A) for X n-by-p (central differences of numpy, vec
    # column-major)
    A, X = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))
    jac = np.zeros((8, 12))
    for k in range(12):
        e = np.zeros(12)
        e[k] = 1e-6
        plus, minus = X + e.reshape(3, 4, order="F"), X - e.reshape(3, 4, order="F")
        jac[:, k] = ((A @ plus - A @ minus) / 2e-6).ravel(order="F")
    e = ed.parse("kron(I_p, A)", where="A: matrix(m, n); p: integer")
    assert np.allclose(e(A=A, p=4), jac, atol=1e-6)


# ---- (X^T)^-1 printed X^-T, as inv(X)' is ---------------------------------------------------


@pytest.mark.parametrize("text", [r"(X^\top)^{-1}", "inv(X')", "(X')^-1"])
def test_the_inverse_of_a_transpose_prints_as_the_inverse_transpose(text):
    # inv(X') = inv(X)': printed X^-T (LaTeX X^{-\top}), each form reading back to numpy's
    X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    e = ed.parse(text)
    assert (str(e), e.latex()) == ("X^-T", r"X^{-\top}")
    for form in (str(e), e.latex(), e.index()):
        assert np.allclose(ed.parse(form)(X=X), np.linalg.inv(X.T))
