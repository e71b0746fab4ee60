"""One-sided slopes of an expression at a probe: whether a kink convention decides its value.

Input: a function ``f(probe) -> array`` (the expression at a probe), the probe (arrays by
name) and the names of the real variables to move.
Output: ``smooth_at``: True when the probe has zero entries and, along every one of them (at
most 8 per variable), ``f``'s slopes from the left and from the right agree.
Invariants: used only to discard a witness, never to accept a claim: at such a point ``f``
has a derivative (relu(x) - relu(-x) is x, with slope 1 at 0), while the derivative einderiv
computes applies its parts' kink conventions (relu'(0) = 0, SPEC 6.1) and may differ from it;
a claim that differs there is not shown wrong by that point (a genuine kink, relu(x) at 0:
slopes 0 and 1, still is). A kink whose slopes differ by less than 1e-2 counts as smooth, so
the error this can make is "undecided" instead of "wrong".
"""

from __future__ import annotations

import numpy as np

__all__ = ["smooth_at"]

_STEP = 1e-4


def smooth_at(f, probe: dict, names) -> bool:
    zeros = 0
    base = np.asarray(f(probe), dtype=float)
    for name in names:
        value = np.asarray(probe[name], dtype=float)
        for at in list(zip(*np.nonzero(value == 0)))[:8]:
            zeros += 1
            step = np.zeros(value.shape)
            step[at] = _STEP
            up = np.asarray(f({**probe, name: value + step}), dtype=float)
            down = np.asarray(f({**probe, name: value - step}), dtype=float)
            right, left = (up - base) / _STEP, (base - down) / _STEP
            if not np.allclose(left, right, rtol=1e-2, atol=1e-2):
                return False
    return zeros > 0
