"""Shared subexpressions on random expressions (SPEC section 7): a printed form must read back.

For expressions drawn by ``tests/strategies.py`` (with their own numpy evaluator) and their first
derivatives, ``g.show(cse=True)`` -- definitions ``t1 = ...`` then the result -- is read back by
substituting each definition, parenthesised, for its name (last to first) and parsing the text
with the case's declarations. Its value must equal the numpy value of the expression, and for a
derivative the finite differences of the numpy evaluator (numerator layout): never the engine's
own output. The index format is read line by line, each definition declared for the next.
"""

from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from named_forms import index_lines, read_lines, substituted
from strategies import FACTOR, Case, assert_close, cases, hypothesis_profile

ed = pytest.importorskip("einderiv")

PROFILE = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def _evaluate(expr, values: dict, like):
    """``expr`` at ``values``; sizes no array fixes (a lone ``I``) are taken from ``like``."""
    args = {k: v for k, v in values.items() if k in expr.variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return expr(**args)
        except ed.EvaluationError as error:
            if "not fixed by any array" not in str(error):
                raise
        return expr(**args, **_sizes(expr.shape, np.shape(like)))


def _sizes(shape, like_shape) -> dict:
    """Named sizes read off an array of the expected shape; over pairs (``n*3``) too."""
    sizes: dict = {}
    for _ in range(2):  # a second pass for a pair whose other factor the first pass found
        for dim, size in zip(shape, like_shape):
            if not isinstance(dim, str):
                continue
            parts = dim.split("*")
            known = [int(p) if p.isdigit() else sizes.get(p) for p in parts]
            missing = [p for p, k in zip(parts, known) if k is None]
            if len(missing) == 1:
                sizes[missing[0]] = size // math.prod(k for k in known if k is not None)
    return sizes


def _read_back(text: str, case: Case, like, shape, indexed: bool = False):
    """``indexed``: a result with no matrix form, whose names are defined in index notation
    (``t1[i,j] = ...``, ``t2 = exp(A[a,a])``): read line by line, never substituted (its
    lines name summed indices each on their own)."""
    if indexed or index_lines(text):
        return _index_read_back(text, case, like, shape)
    back = ed.parse(substituted(text), where=case.where, shape=shape if text == "0" else None)
    return _evaluate(back, case.env, like)


def _index_read_back(text: str, case: Case, like, shape):
    """Names-then-result index lines: each definition read and evaluated in turn, then declared
    (by its value's shape) for the lines after it."""
    result = text.rsplit("\n", 1)[-1]
    return read_lines(
        ed,
        text,
        case.env,
        case.where,
        lambda expr, values, last: _evaluate(expr, values, like if last else None),
        shape=shape if result == "0" else None,
    )


def _numerator(jac: np.ndarray, ndim_y: int) -> np.ndarray:
    # numerator layout: the result's axes, then the variable's axes reversed
    axes = list(range(ndim_y)) + list(reversed(range(ndim_y, jac.ndim)))
    return np.transpose(jac, axes)


@hypothesis_profile(300, FACTOR, PROFILE)
@given(cases())
def test_named_forms_read_back_to_numpy(case: Case):
    f = ed.parse(case.text, where=case.where)
    expected = case.value()
    assert_close(_read_back(f.show(cse=True), case, expected, f.shape), expected, 1e-9, "f")
    back = ed.parse(f.latex(), where=case.where, shape=f.shape if f.latex() == "0" else None)
    assert_close(_evaluate(back, case.env, expected), expected, 1e-9, f"f: {f.latex()!r}")
    for name in case.real_vars:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = _numerator(case.jacobian_fd(name), np.ndim(expected))
        g = ed.diff(f, name)
        text = g.show(cse=True)
        indexed = g.written() is None
        got = _read_back(text, case, want, g.shape, indexed)
        assert_close(got, want, 1e-4, f"d/d{name}: {text!r}")
        if "\n" in text:  # as the README reads it: line by line, each name declared by the
            # shape of its value (a row vector is named as its column); a line whose I or ones
            # only the result sizes (t1 = kron(S, I)) cannot be evaluated alone
            try:
                got = _index_read_back(text, case, want, g.shape)
            except ed.EvaluationError as error:
                assert "not fixed by any array" in str(error), (str(error), text)
            else:
                assert_close(got, want, 1e-4, f"d/d{name}, line by line: {text!r}")
        if True:  # LaTeX, with the same names if any (index notation in LaTeX too)
            latex = g.show(cse=True, format="latex")
            if indexed or index_lines(latex):
                got = _index_read_back(latex, case, want, g.shape)
                assert_close(got, want, 1e-4, f"d/d{name}: {latex!r}")
            else:
                zero = g.shape if latex == "0" else None
                put_back = substituted(latex, r"\left(", r"\right)")
                back = ed.parse(put_back, where=case.where, shape=zero)
                assert_close(_evaluate(back, case.env, want), want, 1e-4, f"d/d{name}: {latex!r}")
        if "\n" in text and g.axes:  # the same names in index notation
            index = g.show(cse=True, format="index")
            got = _index_read_back(index, case, want, g.shape)
            assert_close(got, want, 1e-4, f"d/d{name}: {index!r}")


def test_the_read_back_can_fail():
    # the check above is not vacuous: a definition put back wrongly gives another value.
    # d/dx tanh(A x) .^ 3 = 3 diag(t .^ 2 .* (1 - t .^ 2)) A, t = tanh(A x): named, the text is
    # shorter than str (of tanh(A x) .* tanh(A x), one character longer: printed as str)
    g = ed.diff("tanh(A x) .* tanh(A x) .* tanh(A x)", "x", where="A: matrix(3, 3); x: vector(3)")
    text = g.show(cse=True)
    assert "\nt1" not in text and text.startswith("t1 = tanh(A x)\n"), text
    assert len(text) < len(str(g))
    square = ed.diff("tanh(A x) .* tanh(A x)", "x", where="A: matrix(3, 3); x: vector(3)")
    assert square.show(cse=True) == str(square)
    wrong = text.replace("t1 = tanh(A x)", "t1 = sinh(A x)", 1)
    rng = np.random.default_rng(3)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    where = "A: matrix(3, 3); x: vector(3)"
    good = ed.parse(substituted(text), where=where)(A=A, x=x)
    bad = ed.parse(substituted(wrong), where=where)(A=A, x=x)
    t = np.tanh(A @ x)
    np.testing.assert_allclose(good, np.diag(3 * t**2 * (1 - t**2)) @ A, rtol=1e-10)
    assert not np.allclose(bad, good)
