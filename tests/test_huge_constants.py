"""A derivative with a constant past float64 prints it as written and reads back to it.

``ed.diff("x' x * 10^400", "x")`` printed ``(0.8533668389533203 2^1330) x'``: a float64
mantissa times a power of 2, the same value in float64 but not as a user writes it. A constant
n/d b^k (b 10 or 2, n and d small) is now printed so, exactly: ``(2 10^400) x'``,
``(2 10^-400) x'``, ``(2^2001/3) x'`` (LaTeX ``\\left(2 \\cdot 10^{400}\\right)``); 3^1000 keeps
the mantissa form. Every printed form, read back and scaled by the inverse power (exact
arithmetic folds it in a derivative), is 2 c x' (Fraction arithmetic here, then float).
Evaluating such a constant is inf in float64, said at every run as numpy says an overflow (a
RuntimeWarning; an EvaluationError under ``np.errstate(over="raise")``), never silent.
"""

from __future__ import annotations

import warnings
from fractions import Fraction as F

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EvaluationError

X = np.array([0.5, -1.25, 2.0])

# (text, the constant c of c x' x written as Fraction arithmetic, its printed text, a power
# that scales 2 c into float64's range: (text, LaTeX, its value))
CASES = [
    ("x' x * 10^400", F(10) ** 400, "(2 10^400) x'", ("10^-400", "10^{-400}", F(10) ** -400)),
    ("x' x * 10^-400", F(10) ** -400, "(2 10^-400) x'", ("10^400", "10^{400}", F(10) ** 400)),
    ("x' x * 2^2000/3", F(2) ** 2000 / 3, "(2^2001/3) x'", ("2^-2000", "2^{-2000}", F(2) ** -2000)),
    ("x' x * 3^1000", F(3) ** 1000, "2^1586) x'", ("3^-1000", "3^{-1000}", F(3) ** -1000)),
]


@pytest.mark.parametrize(("text", "c", "printed", "scale"), CASES)
def test_every_form_reads_back_to_the_constant(text, c, printed, scale):
    # d (c x' x) / dx = 2 c x'
    g = ed.diff(text, "x")
    assert str(g).endswith(printed), str(g)
    plain, latex, factor = scale
    expected = float(2 * c * factor) * X  # in float64's range once scaled: exact arithmetic
    # d (a form scale) / da: the form's constant times the scale, folded exactly
    forms = [f"a ({g!s}) {plain}", f"a ({g.index()}) {plain}"]
    forms.append(rf"a \left({g.latex()}\right) \cdot {latex}")
    for form in forms:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = ed.diff(form, "a", where="a: scalar")(x=X)
        np.testing.assert_allclose(np.ravel(got), expected, rtol=1e-12, err_msg=form)


def test_an_overflowing_constant_is_said_when_evaluated():
    # 2 10^400 x is past float64: inf, as numpy's 10.0 ** 400 (which warns); as read, too
    with pytest.warns(RuntimeWarning, match="past float64's range"):
        assert np.all(np.isinf(ed.parse("(2 10^400) x'")(x=X)))
    with pytest.warns(RuntimeWarning, match="past float64's range"):
        got = ed.diff("x' x * 10^400", "x")(x=X)
    assert np.all(np.isinf(got))
    with np.errstate(over="raise"), pytest.raises(EvaluationError, match=r"constant 2 10\^401 "):
        ed.diff("x' x * 10^401", "x")(x=X)
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isinf(ed.diff("x' x * 10^402", "x")(x=X)))


def test_an_overflowing_constant_is_said_at_every_run_as_numpy_says_it():
    # numpy says an overflow each time one is computed, by the errstate of that moment:
    # np.float64(10.0) ** 400 warns twice in a row, and raises under over="raise"
    for _ in range(2):
        with pytest.warns(RuntimeWarning, match="overflow"):
            np.float64(10.0) ** 400
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.float64(10.0) ** 400
    # a plan's constant was said once, when the plan was made (cached for every Expr of the
    # same term): a second run, a run under over="raise", a plan made under "ignore" were silent
    with np.errstate(over="ignore"):
        f = ed.parse("10^400 y")
        compiled = f.compile()
        assert np.all(np.isinf(f(y=X)))
    for run in (lambda: f(y=X), lambda: compiled(y=X)):
        for _ in range(2):
            with pytest.warns(RuntimeWarning, match="the constant 10\\^400 is past"):
                assert np.all(np.isinf(run()))
        with np.errstate(over="raise"), pytest.raises(EvaluationError, match="10\\^400"):
            run()
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.all(np.isinf(run()))
    # a product of two constants in float64 range, exp(500) exp(500) = e^1000 (numpy: inf),
    # was inf with nothing said
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(500.0) * np.exp(500.0))
    with pytest.warns(RuntimeWarning, match="a constant of the expression is past"):
        assert np.all(np.isinf(ed.parse("exp(500) exp(500) y")(y=X)))
    # standalone code says it as numpy does, at each call of the function
    namespace: dict = {}
    exec(compile(ed.codegen(ed.parse("10^400 y")), "<codegen>", "exec"), namespace)  # noqa: S102
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert np.all(np.isinf(namespace["f"](X)))
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        namespace["f"](X)
