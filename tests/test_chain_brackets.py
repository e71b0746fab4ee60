"""A block repeated across brackets, and long blocks whose every factor is written twice, are
written as powers (issue 13).

``A (X A) (X A) X`` printed ``A (X A)^2 X``: a chain is a product's left spine, a bracketed
product one factor of it, so the block ``A X`` was not seen across the brackets; it prints
``(A X)^3`` now. A block of more than 16 factors in which every factor is written twice
(``A1 .. A10 A10 .. A1``) was not found (a long period was looked for only as the distance to
a factor's next copy, inside the block). Each text and its LaTeX read back, without
declarations but the square sizes, equal to the numpy product written here; derivatives
against central differences of numpy.
"""

from functools import reduce

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(3721)
N = 3
NAMES = [f"A{k}" for k in range(1, 11)]
M = {name: rng.normal(size=(N, N)) * 0.6 for name in ["A", "B", "C", "D", "X", *NAMES]}
x0, w0 = rng.normal(size=N), rng.normal(size=N)
WHERE = "; ".join(f"{name}: matrix(n, n)" for name in M)


def prod(*factors):
    return reduce(np.matmul, factors)


A, B, C, D, X = (M[k] for k in "ABCDX")

BRACKETS = [
    # (text, a power it is written with, numpy value)
    ("A (X A) (X A) X", "(A X)^3", lambda: prod(A, X, A, X, A, X)),
    ("A (X A) X A X", "(A X)^3", lambda: prod(A, X, A, X, A, X)),
    ("(A X) A X (A X)", "(A X)^3", lambda: prod(A, X, A, X, A, X)),
    ("A (X A X) A X", "(A X)^3", lambda: prod(A, X, A, X, A, X)),
    ("B A (X A) (X A) X C", "B (A X)^3 C", lambda: prod(B, A, X, A, X, A, X, C)),
    ("A (X A) (X A) (X A) X", "(A X)^4", lambda: prod(A, X, A, X, A, X, A, X)),
    ("A (X A) (X A) (X A)", "A (X A)^3", lambda: prod(A, X, A, X, A, X, A)),
    ("A (B C) (B C) D", "A (B C)^2 D", lambda: prod(A, B, C, B, C, D)),
    ("x' A (X A) (X A) X w", "(A X)^3", lambda: x0 @ prod(A, X, A, X, A, X) @ w0),
    ("(x' A) (X A) (X A) X w", "(A X)^3", lambda: x0 @ prod(A, X, A, X, A, X) @ w0),
    ("A (X' A) (X' A) X'", "(A X')^3", lambda: prod(A, X.T, A, X.T, A, X.T)),
]


def read(text: str):
    back = ed.parse(text, where=WHERE)
    given = {"x": x0, "w": w0, **M}
    return back(**{k: v for k, v in given.items() if k in back.variables})


@pytest.mark.parametrize("text, power, numpy_value", BRACKETS, ids=[c[0] for c in BRACKETS])
def test_a_block_across_brackets_is_a_power(text, power, numpy_value):
    f = ed.parse(text, where=WHERE)
    printed = str(f)
    assert power in printed, printed
    assert len(printed) <= len(text)
    for form in (printed, f.latex()):
        np.testing.assert_allclose(read(form), numpy_value(), rtol=1e-10, err_msg=form)


KEPT = [
    # brackets a reader needs, or no power: the text kept, its value the numpy one
    ("w' (x' x) (x' x)", lambda: w0 * (x0 @ x0) ** 2),
    ("A (X A) B", lambda: prod(A, X, A, B)),
    ("A (2 X) A (2 X)", lambda: prod(A, 2 * X, A, 2 * X)),
]


@pytest.mark.parametrize("text, numpy_value", KEPT, ids=[c[0] for c in KEPT])
def test_brackets_kept_where_needed_read_back(text, numpy_value):
    f = ed.parse(text, where=WHERE)
    for form in (str(f), f.latex()):
        np.testing.assert_allclose(read(form), numpy_value(), rtol=1e-10, err_msg=form)


def test_derivative_of_a_chain_across_brackets():
    # d tr(A (X A) (X A) X B) / dX = d tr((A X)^3 B) / dX, its text and LaTeX with powers
    g = ed.diff("tr(A (X A) (X A) X B)", "X", where=WHERE)

    def f(X):
        return np.trace(prod(A, X, A, X, A, X, B))

    expected = to_layout(jacobian_fd(f, {"X": X}, "X"), 0, 2, "numerator")
    for form in (str(g), g.latex()):
        np.testing.assert_allclose(read(form), expected, rtol=1e-6, atol=1e-8, err_msg=form)
    assert "(A X)^2" in str(g) or "(X A)^2" in str(g), str(g)


BLOCK = NAMES + NAMES[::-1]  # 20 factors, each written twice in the block


@pytest.mark.parametrize("copies, tail", [(2, 0), (3, 3), (4, 1)])
def test_a_long_block_whose_factors_are_each_written_twice(copies, tail):
    chain = BLOCK * copies + NAMES[:tail]
    f = ed.parse(" ".join(chain), where=WHERE)
    printed = str(f)
    assert f")^{copies}" in printed, printed
    assert len(printed) < 0.6 * len(" ".join(chain))
    want = prod(*(M[k] for k in chain))
    for form in (printed, f.latex()):
        np.testing.assert_allclose(read(form), want, rtol=1e-9, err_msg=form)


def test_a_long_block_in_a_gradient():
    # d tr((A1 .. A10 A10 .. A1 X)^3) / dX: its blocks of 21 factors written as powers
    block = " ".join(BLOCK) + " X"
    g = ed.diff(f"tr({block} {block} {block})", "X", where=WHERE)
    assert ")^2" in str(g)

    def f(X):
        one = prod(*(M[k] for k in BLOCK), X)
        return np.trace(one @ one @ one)

    expected = to_layout(jacobian_fd(f, {"X": X}, "X"), 0, 2, "numerator")
    np.testing.assert_allclose(read(str(g)), expected, rtol=1e-6, atol=1e-8)
