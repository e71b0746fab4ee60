"""Whether a condition a claim needs is false at a probe: the witness that a claim is undefined
where the derivative is defined (``check``), told apart from a float that overflowed, underflowed
or rounded.

Input: a ``domain.Condition`` (its kind and its term, ``node``; a matrix condition's term is the
matrix over two free indices), the probe's arrays and sizes, and the term's float values there
with their scale (the values of the term with every sum and product over absolute values).
Output: ``fails(condition, probe, sizes, values, scale)``: True only when the condition is false
there beyond doubt.
Invariants (sound: a false "wrong" is a wrong answer too):
- a term built of variables, integers, sums, products and small integer powers (``algebraic``)
  is evaluated exactly, over the rationals, from the probe's floats (each read exactly): its
  condition is tested on exact values, a matrix's determinant exactly;
- any other term (``1 + 1e-17 - cos(a)``, ``sqrt(norm2(x)^2 - x'x)``, ``exp(-1000) X``) only
  where it breaks the condition by a margin well above its rounding (relative to its scale);
  a "nonzero", "invertible" or "cos != 0" condition on it never fails here;
- an exact evaluation too large to do (``MAX_WORK`` products) decides nothing.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from einderiv.ir import index_ir as T

__all__ = ["MAX_WORK", "algebraic", "fails"]

MAX_WORK = 200_000  # products an exact evaluation may take
_MARGIN = 1e-6  # of the scale: a violation this large is no rounding of the term

_EXACT = {  # a condition on exact values
    "positive": lambda v: v > 0,
    "nonnegative": lambda v: v >= 0,
    "nonzero": lambda v: v != 0,
    "open_unit": lambda v: abs(v) < 1,
    "above_minus_one": lambda v: v > -1,
}
_CLEARLY = {  # what float values must show to break the condition (e: the margin)
    "positive": lambda v, e: v < -e,
    "nonnegative": lambda v, e: v < -e,
    "open_unit": lambda v, e: abs(v) > 1 + e,
    "above_minus_one": lambda v, e: v < -1 - e,
}


class _TooMuch(Exception):
    pass


def algebraic(t: T.Term) -> bool:
    """Variables, integers, ones and deltas, sums, products and small non-negative integer
    powers: a polynomial of the variables' entries."""
    match t:
        case T.Var() | T.Ones() | T.Delta() | T.Zero():
            return True
        case T.Num(value=v):
            return v.denominator == 1
        case T.Add(terms=parts) | T.Prod(factors=parts):
            return all(map(algebraic, parts))
        case T.Pow(base=base, exponent=T.Num(value=v)):
            return v.denominator == 1 and 0 <= v <= 16 and algebraic(base)
    return False


def fails(condition, probe: dict, sizes: dict, values, scale: float) -> bool:
    """Whether the condition is false at the probe beyond doubt (see the module's rules)."""
    node, kind = condition.node, condition.kind
    if node is None:
        return False
    if algebraic(node):
        exact = _exact(node, probe, sizes)
        if exact is None:
            return False
        if kind in ("invertible", "det positive"):  # a matrix: its determinant, exactly
            if exact.ndim != 2 or exact.shape[0] != exact.shape[1]:
                return False
            det = _det(exact)
            return det == 0 if kind == "invertible" else det <= 0
        test = _EXACT.get(kind)
        return test is not None and not all(test(v) for v in exact.flat)
    values = np.asarray(values, dtype=float)
    test = _CLEARLY.get(kind)
    if test is None or not np.all(np.isfinite(values)) or not math.isfinite(scale):
        return False
    return bool(np.any(test(values, _MARGIN * max(scale, 1.0))))


def _exact(node: T.Term, probe: dict, sizes: dict) -> np.ndarray | None:
    """The values of a polynomial term over its free indices (sorted by name), as Fractions."""
    axes = sorted(T.free(node), key=lambda i: i.name)
    try:
        shape = tuple(_size(i, sizes) for i in axes)
        work = [0]
        out = np.empty(shape, dtype=object)
        for position in itertools.product(*map(range, shape)):
            out[position] = _value(node, dict(zip(axes, position)), probe, sizes, work)
        return out
    except (_TooMuch, KeyError, IndexError, TypeError, ValueError):
        return None  # too large, or a size or an array not known: no decision


def _size(i: T.Index, sizes: dict) -> int:
    return i.dim if isinstance(i.dim, int) else int(sizes[i.dim])


def _value(t: T.Term, env: dict, probe: dict, sizes: dict, work: list) -> Fraction:
    work[0] += 1
    if work[0] > MAX_WORK:
        raise _TooMuch
    match t:
        case T.Num(value=v):
            return Fraction(v)
        case T.Var(name=name, indices=indices):
            array = np.asarray(probe[name], dtype=float)
            return Fraction(float(array[tuple(env[i] for i in indices)]))
        case T.Ones() | T.Zero():
            return Fraction(int(type(t) is T.Ones))
        case T.Delta(a=a, b=b):
            return Fraction(int(env[a] == env[b]))
        case T.Add(terms=terms):
            return sum((_value(x, env, probe, sizes, work) for x in terms), Fraction(0))
        case T.Pow(base=base, exponent=T.Num(value=v)):
            return _value(base, env, probe, sizes, work) ** int(v)
        case T.Prod(factors=factors, summed=summed):
            total = Fraction(0)
            for position in itertools.product(*(range(_size(i, sizes)) for i in summed)):
                inner = {**env, **dict(zip(summed, position))}
                product = Fraction(1)
                for f in factors:
                    product *= _value(f, inner, probe, sizes, work)
                    if product == 0:
                        break
                total += product
            return total
    raise TypeError(f"not a polynomial term: {type(t).__name__}")


def _det(m: np.ndarray) -> Fraction:
    """The determinant of a matrix of Fractions, by elimination over the rationals."""
    a = [list(row) for row in m]
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
