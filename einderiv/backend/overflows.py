"""A plan's constants past float64's range: noted while it is planned, said at every run.

Input: while a plan is made, ``note_overflow`` (``plan_values.as_float``) and ``folded`` (a
constant computed by numpy, ``plan_functions``) note the constants that overflowed; at its end,
the plan's steps.
Output: ``overflows_of`` (the plan's text to say, or ()), ``say_overflows`` (said at a run as
numpy says an overflow under ``numpy.errstate(over=...)`` then).
Invariants: the notes live in a context variable taken by ``overflows_of``, so a plan says
only its own constants; a plan whose steps hold no non-finite constant says nothing.
"""

from __future__ import annotations

import math
import warnings
from contextvars import ContextVar

import numpy as np

from einderiv.errors import EvaluationError


def folded(compute, what: str) -> float:
    """``compute()``, a constant of the plan computed by numpy (``exp(1000)``, ``10.0 **
    400``), as a float; one that is not finite is noted (``what``), not said while planning
    (an overflow inside a finite one, sigmoid(-1000)'s exp(1000), is not noted)."""
    with np.errstate(all="ignore"):
        value = float(compute())
    if not math.isfinite(value):
        note_overflow(what)
    return value


# the constants found past float64's range while a plan is made (``overflows_of`` takes them)
_NOTED: ContextVar[tuple] = ContextVar("einderiv_overflows", default=())


def note_overflow(what: str) -> None:
    _NOTED.set((*_NOTED.get(), what))


def overflows_of(steps) -> tuple:
    """What a plan of ``steps`` says at each run: one text when a constant of it is past
    float64's range (inf or nan: every constant of the text is finite, so it overflowed while
    planned), naming the constants noted (``10^400``; a product of two, ``exp(500)
    exp(500)``, in Python floats, is found by its value alone); () when none is. The notes
    are taken: the next plan starts with none."""
    noted = _NOTED.get()
    _NOTED.set(())
    todo = [x for step in steps for x in (step.args, step.params)]
    while todo:
        x = todo.pop()
        if isinstance(x, tuple):
            todo += x
        elif isinstance(x, float) and not math.isfinite(x):
            found = list(dict.fromkeys(noted))
            what = f"the constant{'s' * (len(found) > 1)} {' and '.join(found)}"
            what = what if found else "a constant of the expression"
            are = ("are", "evaluate") if len(found) > 1 else ("is", "evaluates")
            said = f"{what} {are[0]} past float64's range (1.8e308): {are[1]} to inf (or nan)"
            return (f"{said}, as numpy's 10.0 ** 400 does",)
    return ()


def say_overflows(said: tuple) -> None:
    """Say a plan's ``overflows`` at a run as numpy says an overflow under ``numpy.errstate(
    over=...)`` now: a ``RuntimeWarning`` (the default), an ``EvaluationError`` ("raise"),
    nothing ("ignore")."""
    mode = np.geterr()["over"] if said else "ignore"
    if mode == "raise":
        raise EvaluationError(said[0])
    if mode != "ignore":
        warnings.warn(said[0], RuntimeWarning, stacklevel=3)
