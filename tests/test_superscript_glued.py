"""A superscript written against a declared name with a digit or ``_``: ``X^TW_1`` is X' W_1.

``X^TA`` was already ``X' A`` (the letters after ^T read as TeX reads them), but ``TW1`` and
``TW_1`` are not runs of letters: ``X^TW1`` with W1 declared read silently as X to the power
of a new variable ``TW1`` (an integer, its value asked for at evaluation), and
``x^TW_1 y`` likewise. Now an undeclared name that is one letter and then a declared name is,
right after a superscript, that letter and then the name, with the note. Truth: numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed

WHERE = "X: matrix(n, n); W1: matrix(n, n); W_1: matrix(n, n); x: vector(n); y: vector(n)"
RNG = np.random.default_rng(3565)
ARGS = {k: RNG.standard_normal((3, 3)) for k in ("X", "W1", "W_1")}
ARGS |= {k: RNG.standard_normal(3) for k in ("x", "y")}
mp = np.linalg.matrix_power
inv = np.linalg.inv


def _value(f, args):
    return np.asarray(f.compile()(**{k: v for k, v in args.items() if k in f.variables}))


@pytest.mark.parametrize(
    "text, fn",
    [
        # X^T W1: the transpose, then the declared W1 (it was X^(TW1), TW1 a new variable)
        ("X^TW1", lambda X, W1, W_1, x, y, n: X.T @ W1),
        ("X^TW_1", lambda X, W1, W_1, x, y, n: X.T @ W_1),
        ("x^TW_1 y", lambda X, W1, W_1, x, y, n: x @ W_1 @ y),
        # then letters: x^TW_1x is x' W_1 x (it was x^(TW_1x), refused for a vector x), and
        # X^TW_1X is X' W_1 X (it was X^(TW_1X), a new variable TW_1X)
        ("x^TW_1x", lambda X, W1, W_1, x, y, n: x @ W_1 @ x),
        ("X^TW_1X", lambda X, W1, W_1, x, y, n: X.T @ W_1 @ X),
        ("X^TW1Xy", lambda X, W1, W_1, x, y, n: X.T @ W1 @ X @ y),
        ("X^-TW1", lambda X, W1, W_1, x, y, n: inv(X).T @ W1),
        # any other superscript: the power of its first letter, then the name
        ("X^nW_1", lambda X, W1, W_1, x, y, n: mp(X, n) @ W_1),
    ],
)
def test_a_superscript_against_a_declared_name_is_its_first_letter_then_the_name(text, fn):
    with pytest.warns(ed.errors.ReadAsProduct, match=r"read '\^"):
        f = ed.parse(text, WHERE)
    args = {**ARGS, "n": 3}
    want = fn(args["X"], args["W1"], args["W_1"], args["x"], args["y"], 3)
    assert np.allclose(_value(f, args), want, rtol=1e-9), f"{text} read as {f}"


def test_a_declared_name_of_that_form_stays_one_name():
    # TW1 declared: X^TW1 is X to the power TW1, as written
    f = ed.parse("X^TW1", "X: matrix(n, n); W1: matrix(n, n); TW1: integer")
    X = ARGS["X"]
    assert np.allclose(_value(f, {"X": X, "TW1": 2}), X @ X)


# X^IA, x^Ib: a superscript I against more letters. No power of the identity: refused as the
# exponent I A, as before this session's reading of ^nb (it was an internal AttributeError,
# exit code 3); X^IW1 likewise (not a new variable IW1, nor a variable named I)
@pytest.mark.parametrize(
    "text, where",
    [
        ("X^IA", "X: matrix(n, n); A: matrix(n, n)"),
        ("x^Ib", "x: scalar; b: scalar"),
        ("X^-IA", "X: matrix(n, n); A: matrix(n, n)"),
        ("X^IW1", "X: matrix(n, n); W1: matrix(n, n)"),
        ("X^-IW1", "X: matrix(n, n); W1: matrix(n, n)"),
    ],
)
def test_a_superscript_i_against_more_letters_is_refused(text, where):
    with pytest.raises(ed.errors.ShapeError, match="the exponent .* is not a scalar"):
        ed.parse(text, where)


def test_an_identity_after_the_transpose_against_letters_stays_the_identity():
    # x^TIb is x' I b = x' b (numpy)
    x, b = ARGS["x"], ARGS["y"]
    with pytest.warns(ed.errors.ReadAsProduct):
        f = ed.parse("x^TIb", "x: vector(n); b: vector(n)")
    assert np.isclose(float(_value(f, {"x": x, "b": b})), x @ b)
