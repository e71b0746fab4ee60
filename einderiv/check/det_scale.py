"""A number taken out of a determinant: det(c M) = c^n det(M), M n-by-n.

Input: an index term (``ir.index_ir``), as ``verdict._Judge.oriented`` puts a claim and the
derivative in one form before their canonical forms are compared.
Output: ``numbers_out(t)``: ``t`` with each ``det`` whose base is a product holding numbers
written as the numbers' product to the power of the base's size (``Size``) times the ``det``
of the rest: ``det(2 W)`` as ``2^len(W) det(W)``; ``t`` itself when there is none.
Invariants: an equal term at every size and every point (det is multilinear in the n rows, so
each row's factor c comes out once: c^n; n is the size of the bound pair, a number or a size's
name alike); only ``Det``, never ``LogDet`` (log(c^n) needs c > 0).
"""

from __future__ import annotations

import math

from einderiv.ir import index_ir as T

__all__ = ["numbers_out"]


def numbers_out(t: T.Term) -> T.Term:
    """``t`` with det(c M) as c^n det(M) (module docstring)."""
    memo: dict = {}

    def walk(u: T.Term) -> T.Term:
        done = memo.get(u)
        if done is None:
            kids = T.children(u)
            done = T.with_children(u, [walk(c) for c in kids]) if kids else u
            done = memo[u] = _out(done)
        return done

    return walk(t)


def _out(u: T.Term) -> T.Term:
    # det(c M)[p,q] -> c^n det(M), n the size of p and q
    if type(u) is not T.Det or type(u.base) is not T.Prod:
        return u
    numbers = [f for f in u.base.factors if type(f) is T.Num]
    rest = tuple(f for f in u.base.factors if type(f) is not T.Num)
    if not numbers or not rest:
        return u
    c = math.prod(f.value for f in numbers)
    base = rest[0] if len(rest) == 1 and not u.base.summed else T.Prod(rest, u.base.summed)
    n = u.bound[0].dim
    power = T.Num(c**n) if isinstance(n, int) else T.Pow(T.Num(c), T.Size(n))
    return T.Prod((power, T.Det(base, u.bound)))
