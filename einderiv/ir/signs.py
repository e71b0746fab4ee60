"""Signs a term's structure shows: ``1 + exp(u) > 0``, ``x[a] x[a] >= 0`` (lowering writes
``norm2(s)`` of a scalar s never negative as s; check's conditions ask it too).

Input: an index-IR term. Output: ``sign_of(t)``: "positive", "nonnegative", or None (unknown).
Invariants: structural only (no values): a sign said holds at every point of every variable
where ``t`` is defined (``sqrt(u) >= 0`` where u >= 0; u >= 0 is a condition of its own).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir.ops import ELEMENTWISE

__all__ = ["sign_of"]


def sign_of(t: T.Term) -> str | None:
    """ "positive" or "nonnegative" when the structure of ``t`` shows it (1 + exp(u) > 0,
    x[a] x[a] >= 0), else None."""
    match t:
        case T.Num(value=v):
            return "positive" if v > 0 else "nonnegative" if v == 0 else None
        case T.Ones() | T.Size():
            return "positive"
        case T.Func(name=name):
            if ELEMENTWISE[name].positive:  # exp, cosh, sigmoid
                return "positive"
            # f(u) >= 0 wherever defined (sqrt where u >= 0, a condition of its own; abs, relu,
            # step; arccos in [0, pi]): 1 + sqrt(a) > 0 wherever sqrt(a) is defined
            return "nonnegative" if ELEMENTWISE[name].nonnegative else None
        case T.RowFunc(name="softmax"):
            return "positive"
        case T.Pow(base=base, exponent=T.Num(value=v)):
            if sign_of(base) == "positive":
                return "positive"
            return "nonnegative" if v.denominator == 1 and v.numerator % 2 == 0 else None
        case T.Add(terms=terms):
            signs = [sign_of(x) for x in terms]
            if None in signs:
                return None
            return "positive" if "positive" in signs else "nonnegative"
        case T.Prod(factors=factors):
            signs = []
            for f in set(factors):
                even = factors.count(f) % 2 == 0
                signs.append(sign_of(f) or ("nonnegative" if even else None))
            if None in signs:
                return None
            return "positive" if all(x == "positive" for x in signs) else "nonnegative"
    return None
