"""Where a condition "where e < 0" inside a finite sum can hold, given the range of its counter.

Input: an exponent ``e`` (an ``Affine``) that may mention the counters of enclosing finite sums,
and those sums' counts by counter (``sum_{r=0}^{count-1}``; a negative count runs backwards over
``count .. -1``, see ``index_nodes.SumOver``).
Output: ``outside(e, counts)``: ``None`` when ``e < 0`` holds at no term of the sums (the
Cookbook's ``sum_{r=0}^{k-1} (X^r)' a b' (X^(k-1-r))'`` never inverts X for k >= 1); else an
exponent ``f`` without those counters such that "e < 0 at some term" implies ``f < 0`` (``k``,
for the same sum at k <= -1): a condition as wide as the truth or wider, never narrower, so the
claim's conditions it makes are never fewer than the true ones (``domain.uncovered`` may only
miss a covering, never invent one); ``e`` itself when the range says nothing certain.
Invariants: only one counter and at most one other integer symbol (in ``e`` and the count) are
decided; a counter of a sum whose count mentions another counter, or two counters, keep ``e``.
Integer arithmetic only: ``c + b k < 0`` is ``k <= floor((-c - 1) / b)`` for ``b > 0``.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T

__all__ = ["outside"]

_Interval = tuple  # (lo, hi): integers or None (unbounded); lo > hi: empty


def outside(e: T.Affine, counts: dict[str, T.Affine], exact: bool = False) -> T.Affine | None:
    """See the module docstring. ``exact``: ``f`` only when "e < 0 at some term" is exactly
    ``f < 0`` (a condition the expression imposes may not be widened), else ``e``."""
    counters = [n for n in e.names if n in counts]
    if len(counters) != 1:
        return e
    r = counters[0]
    count = counts[r]
    others = (set(e.names) | set(count.names)) - {r}
    if others & set(counts) or len(others) > 1:
        return e
    k = next(iter(others), None)
    last = T.affine_add(count, T.affine(-1))
    intervals = [
        _both(_not_below(last), _below(_at(e, r, T.affine(0)), k), k),  # forward, r = 0
        _both(_not_below(last), _below(_at(e, r, last), k), k),  # forward, r = count - 1
        _both(count, _below(_at(e, r, count), k), k),  # backward (count < 0), r = count
        _both(count, _below(_at(e, r, T.affine(-1)), k), k),  # backward, r = -1
    ]
    held = [(lo, hi) for lo, hi in intervals if lo is None or hi is None or lo <= hi]
    if not held:
        return None
    if k is None or (None, None) in held:  # at some term for every k (numbers: everywhere)
        return T.affine(-1)
    if all(lo is None for lo, _ in held) or all(hi is None for _, hi in held):
        exact = False  # a union of half-lines that all open one way: exactly one half-line
    if exact:
        return e  # half-lines both ways, or an interval bounded on both sides: no single f < 0
    if all(hi is not None for _, hi in held):
        top = max(hi for _, hi in held)  # k <= top: k - (top + 1) < 0
        return T.affine(-(top + 1), {k: 1})
    if all(lo is not None for lo, _ in held):
        bottom = min(lo for lo, _ in held)  # k >= bottom: (bottom - 1) - k < 0
        return T.affine(bottom - 1, {k: -1})
    return e


def _at(e: T.Affine, r: str, value: T.Affine) -> T.Affine:
    """``e`` with the counter ``r`` set to ``value``."""
    coeff = e.terms()[r]
    rest = T.affine(e.const, {n: c for n, c in e.terms().items() if n != r})
    return T.affine_add(rest, value, coeff)


def _below(f: T.Affine, k: str | None) -> _Interval:
    """The integers k where ``f < 0``."""
    b = f.terms().get(k, 0) if k else 0
    if b == 0:
        return (None, None) if f.const < 0 else (1, 0)
    if b > 0:
        return (None, (-f.const - 1) // b)  # b k < -c: k <= floor((-c - 1) / b)
    return (f.const // -b + 1, None)  # -|b| k < -c: k > c / |b|


def _not_below(f: T.Affine) -> T.Affine:
    """``f >= 0`` as ``g < 0``: ``-f - 1 < 0`` (integers)."""
    return T.affine_add(T.affine(-1), f, -1)


def _both(gate: T.Affine, where: _Interval, k: str | None) -> _Interval:
    """The integers k where ``gate < 0`` and in ``where``."""
    first = _below(gate, k)
    lo = _max(first[0], where[0])
    hi = _min(first[1], where[1])
    return (lo, hi)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)
