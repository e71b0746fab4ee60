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
ARRAYS = {"A": A0, "B": B0, "C": C0, "X": X0, "x": x0, "y": y0, "a": a0, "b": b0}
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
