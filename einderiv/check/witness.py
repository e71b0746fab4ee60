"""Whether a condition a claim needs is false at a probe: the witness that a claim is undefined
where the derivative is defined (``check``), told apart from a float that overflowed, underflowed
or rounded.

Input: a ``domain.Condition`` (its kind and its term, ``node``) and the values of that term at
a probe (a matrix condition's: the matrix).
Output: ``fails(condition, values)``: True only when the values show the condition false beyond
doubt.
Invariants (sound: a false "wrong" is as bad as a false "right" is worse):
- a term built of variables, integers, sums, products and integer powers (``algebraic``) has
  exact values at the probes that can make it vanish (small integers) and equal values when it
  is 0 by its form (``x' x - x' x``): its values are trusted as they are, a determinant computed
  exactly over the rationals;
- any other term (``1 + 1e-17 - cos(a)``, ``exp(-1000) X``) is trusted only where it breaks the
  condition by a clear margin (``log`` of -1, not of an ``exp`` that underflowed to 0); a
  "nonzero" or "invertible" condition on it never fails here.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from einderiv.ir import index_ir as T

__all__ = ["algebraic", "fails"]

_EXACT = {  # a condition on exact values
    "positive": lambda v: v > 0,
    "nonnegative": lambda v: v >= 0,
    "nonzero": lambda v: v != 0,
    "open_unit": lambda v: abs(v) < 1,
    "above_minus_one": lambda v: v > -1,
}
_CLEARLY = {  # what values of a term with rounding in it must show to break the condition
    "positive": lambda v: v < 0,
    "nonnegative": lambda v: v < 0,
    "open_unit": lambda v: abs(v) > 1,
    "above_minus_one": lambda v: v < -1,
}  # nonzero, cos_nonzero: never (a 0 may be a rounded tiny number)


def algebraic(t: T.Term) -> bool:
    """Variables, integers, ones and deltas, sums, products and non-negative integer powers."""
    match t:
        case T.Var() | T.Ones() | T.Delta() | T.Zero():
            return True
        case T.Num(value=v):
            return v.denominator == 1 and abs(v) < 2**31
        case T.Add(terms=parts) | T.Prod(factors=parts):
            return all(map(algebraic, parts))
        case T.Pow(base=base, exponent=T.Num(value=v)):
            return v.denominator == 1 and 0 <= v <= 16 and algebraic(base)
    return False


def fails(condition, values) -> bool:
    """Whether ``values`` of the condition's term show it false (see the module's rules)."""
    values = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(values)) or condition.node is None:
        return False  # nan and inf decide nothing
    exact = algebraic(condition.node)
    kind = condition.kind
    if kind in ("invertible", "det positive"):  # a matrix: its determinant, exactly
        if not exact or values.ndim != 2 or values.shape[0] != values.shape[1]:
            return False
        det = _det(values)
        return det == 0 if kind == "invertible" else det <= 0
    test = (_EXACT if exact else _CLEARLY).get(kind)
    if test is None:
        return False
    if exact:
        return not bool(np.all(test(values)))
    return bool(np.any(test(values)))


def _det(m: np.ndarray) -> Fraction:
    """The determinant of ``m`` over the rationals (each float read exactly)."""
    a = [[Fraction(float(x)) for x in row] for row in m]
    n, det = len(a), Fraction(1)
    for c in range(n):
        pivot = next((r for r in range(c, n) if a[r][c] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != c:
            a[c], a[pivot] = a[pivot], a[c]
            det = -det
        det *= a[c][c]
        for r in range(c + 1, n):
            f = a[r][c] / a[c][c]
            if f:
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    return det
