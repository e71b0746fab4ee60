"""Properties of second derivatives and of read-back, where every dimension coincides.

Issue 10 items 1-3. Random expressions from ``strategies.cases(coincide=True)``: square
matrices and vectors all of one size, often one symbolic dimension ``d2``/``d3``, so an index
mixed up with another of the same dimension would not be caught by a size mismatch.

- ``test_hessian_matches_second_differences``: ``ed.hessian`` equals the finite differences of
  a finite-difference gradient of the plain-numpy evaluator (never of einderiv's gradient).
- ``test_mixed_second_derivative``: ``diff(diff(f, x, jacobian), y)`` likewise, for two
  different variables.
- ``test_second_derivative_reads_back``: ``str`` and ``index()`` of first and second
  derivatives parse back (same declarations) to the same values.

Example counts are small by default (a few seconds each); ``EINDERIV_LONG=1`` multiplies them
by ``EINDERIV_LONG_FACTOR`` (default 10), as ``tests/robustness_long.py`` does. Counters go to
the JSON file named by ``EINDERIV_SECOND_STATS``.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from strategies import FACTOR, Case, cases, hypothesis_profile, stats_at_exit
from strategies import assert_close as close

ed = pytest.importorskip("einderiv")

STATS: Counter = Counter()
stats_at_exit(STATS, "EINDERIV_SECOND_STATS")

HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def profile(n: int):
    return hypothesis_profile(n, FACTOR, HEALTH)


def call(expr, env: dict, shape_from=None):
    """expr at env; sizes no array fixes (a lone ``I`` read back) come from ``shape_from``."""
    args = {k: v for k, v in env.items() if k in expr.variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return expr(**args)
        except ed.EvaluationError as error:
            if shape_from is None or "not fixed by any array" not in str(error):
                raise
        sizes = {d: n for d, n in zip(expr.shape, np.shape(shape_from)) if isinstance(d, str)}
        return expr(**args, **sizes)


def numpy_gradient(case: Case, name: str, eps: float = 1e-5):
    """env -> d value / d name (jacobian layout) by central differences of the numpy code."""

    def grad(env: dict):
        at = Case(case.text, case.where, case.root, case.variables, env, case.features)
        return at.jacobian_fd(name, eps=eps)

    return grad


def _varies(case: Case) -> list[str]:
    return [n for n in case.real_vars if not case.symmetric(n)]


@profile(25)
@given(cases(scalar=True, coincide=True, max_depth=3))
def test_hessian_matches_second_differences(case: Case):
    """H[I, J] = d2 f / dX[I] dX[J] against differences of differences of the numpy f."""
    f = ed.parse(case.text, where=case.where)
    for name in _varies(case)[:2]:
        what = f"hessian of {case.text!r} by {name} where {case.where!r}"
        h = call(ed.hessian(f, name), case.env)
        reference = case.jacobian_fd(name, fn=numpy_gradient(case, name), eps=1e-4)
        close(h, reference, 2e-3, what)
        STATS["hessians"] += 1
    STATS["examples:hessian"] += 1


@profile(25)
@given(cases(scalar=True, coincide=True, max_depth=3))
def test_mixed_second_derivative(case: Case):
    """d/dY (df/dX, jacobian layout) against differences by Y of the numpy gradient by X."""
    names = _varies(case)
    if len(names) < 2:
        STATS["examples:mixed:one-variable"] += 1
        return
    x, y = names[:2]
    f = ed.parse(case.text, where=case.where)
    mixed = ed.diff(ed.diff(f, x, layout="jacobian"), y, layout="jacobian")
    reference = case.jacobian_fd(y, fn=numpy_gradient(case, x), eps=1e-4)
    close(call(mixed, case.env), reference, 2e-3, f"d/d{y} d/d{x} of {case.text!r}")
    STATS["mixed"] += 1
    STATS["examples:mixed"] += 1


@profile(25)
@given(cases(coincide=True, max_depth=3))
def test_second_derivative_reads_back(case: Case):
    """str(g) and g.index() of first and second derivatives read back to g's values."""
    f = ed.parse(case.text, where=case.where)
    for name in _varies(case)[:1]:
        first = ed.diff(f, name, layout="jacobian")
        second = ed.diff(first, name, layout="jacobian")
        for order, g in ((1, first), (2, second)):
            if len(g.shape) > 4:
                continue
            value = call(g, case.env)
            for printer in (str, ed.Expr.index):
                text = printer(g)
                back = ed.parse(text, where=case.where)
                what = f"{text!r} (d^{order}/d{name}^{order} of {case.text!r}) read back"
                got = call(back, case.env, value)
                close(np.broadcast_to(got, np.shape(value)), value, 1e-8, what)
                STATS[f"roundtrip:order{order}:{printer.__name__}"] += 1
    STATS["examples:roundtrip"] += 1
