"""Neighbouring powers of one base in a product chain written as one power (issue 13).

Input: the factors of one chain (the printer's run, left to right: ``chain_powers`` after it
has written repeated blocks as powers), and a function telling whether a base is a known
square matrix or a scalar.
Output: ``merged``: the factors with each integer power (an inverse is the power -1, a
bracketed product the power 1) and its neighbours of the same base written as one power:
``X^2 X^3`` -> ``X^5``, ``(A X)^-4 A X`` -> ``(A X)^-3``, ``A X (A X)^2`` -> ``(A X)^3`` (what
``(A X) (A X) (A X)`` parses to: the chain's spine ``A X``, then two bracketed products),
``X^-1 X^-2`` -> ``X^-3``; None when nothing merges. ``unbracketed``: the factors with their
bracketed products written out where that reads the same (``A (X A) (X A) X`` -> ``A X A X
A X``, for ``chain_powers`` to find a block repeated across brackets).
Invariants:
- the value is kept on the whole domain, the domain too: ``B^a B^b`` is ``B^(a+b)`` only for
  integers a, b not 0 with ``a < 0 or b < 0`` exactly when ``a + b < 0`` (both positive, or
  the sum negative: ``X^-4 X`` needs X invertible, as ``X^-3`` does); ``X^-1 X`` (I, defined
  where X is singular) and ``X^-2 X^3`` (X) are kept as written;
- only a base of known square (or scalar) shape merges, and only with a power, an inverse or
  a bracketed product of it: ``x x`` (a vector) is never ``x^2``; written-out factors merge
  only as the whole base's chain next to such a power;
- linear: each factor is compared with the base of a power next to it, at most the base's
  chain long, and each comparison that succeeds removes the factors compared.
"""

from __future__ import annotations

from fractions import Fraction
from functools import reduce

from einderiv.ir import matrix_ir as M


def merged(factors: list, square) -> list | None:
    """``factors`` with neighbouring powers of one base as one power (see the docstring);
    ``square(base)``: whether ``base`` is a known square matrix or a scalar."""
    out: list = []
    changed, i, n = False, 0, len(factors)
    while i < n:
        f = factors[i]
        base, e = split(f)
        i += 1
        if e is None or (e == 1 and type(f) is not M.MatMul) or not square(base):
            out.append(f)  # a plain factor: it merges only into a power next to it
            continue
        own = spine(base)
        p, moved = len(own), False
        while out:  # before it: B^a B^e, or B's chain written out
            a, _ = _exponent_of(out[-1], base)
            if a is None and p > 1 and out[-p:] == own:
                a, drop = Fraction(1), p
            else:
                drop = 1
            if a is None or (total := combined(a, e)) is None:
                break
            e, moved = total, True
            del out[-drop:]
        while i < n:  # after it: B^e B^b, or B's chain written out
            b, _ = _exponent_of(factors[i], base)
            if b is None and p > 1 and factors[i : i + p] == own:
                b, take = Fraction(1), p
            else:
                take = 1
            if b is None or (total := combined(e, b)) is None:
                break
            e, moved = total, True
            i += take
        if not moved:
            out.append(f)
            continue
        changed = True
        out.append(base if e == 1 else M.Power(base, M.Number(e)))
    return out if changed else None


def unbracketed(factors: list, shape, times, most: int) -> list | None:
    """``factors`` with each bracketed product (of at most ``most`` factors: a longer one is
    one factor, looking into it in every chain holding it is quadratic) written out, or None
    when that may read otherwise: a product holding a number, or a chain whose shape, read
    left to right (``times`` of ``shape``'s, None a scalar), is not known at every factor (a
    row times a scalar, ``w' (x' x)``, keeps its brackets). Brackets one level deep."""
    flat: list = []
    made = (None, None)
    for f in factors:
        inner = _short_spine(f, most) if type(f) is M.MatMul else [f]
        if len(inner) > 1 and any(type(x) in (M.Number, M.Neg) for x in inner):
            return None
        for x in inner:
            made = times(made, shape(x))
            if type(made) is not tuple:  # (not known)
                return None
        flat += inner
    return flat


def _short_spine(e: M.MatMul, most: int) -> list:
    """The factors of ``e``'s spine, or ``[e]`` when there are more than ``most``."""
    node, count = e, 1
    while type(node) is M.MatMul and count <= most:
        node, count = node.left, count + 1
    return [e] if count > most else spine(e)


def doubled(left: M.MExpr, right: M.MExpr) -> M.MExpr | None:
    """``left + right`` with a last term of ``left`` equal to ``right`` but for a positive
    coefficient written once: ``t + t`` -> ``2 t``, ``a + 2 t + t`` -> ``a + 3 t``, ``2 t + 2
    t`` -> ``4 t`` (what ``(A X)^-4 A X + A X (A X)^-4`` becomes once its chains are powers);
    else None."""
    last = left.right if type(left) is M.Add else left
    if type(last) in (M.Add, M.Sub) or type(right) in (M.Number, M.Neg):
        return None
    if last == right:  # (equal: one comparison of hashes when not)
        b, theirs = _coefficient(right)
        a = b
    elif type(_leftmost(last)) is M.Number or type(_leftmost(right)) is M.Number:
        (a, ours), (b, theirs) = _coefficient(last), _coefficient(right)
        if not ours or ours != theirs:
            return None
    else:
        return None
    if a <= 0 or b <= 0 or not theirs:
        return None
    term = reduce(M.MatMul, [M.Number(a + b), *theirs])
    return left.replace(right=term) if type(left) is M.Add else term


def _coefficient(term: M.MExpr) -> tuple[Fraction, list]:
    """A product's number in front and its other factors: ``2 A X`` -> (2, [A, X])."""
    factors = spine(term)
    if type(factors[0]) is M.Number:
        return factors[0].value, factors[1:]
    return Fraction(1), factors


def _leftmost(e: M.MExpr) -> M.MExpr:
    """The first factor of a product (walked, no list made)."""
    while type(e) is M.MatMul:
        e = e.left
    return e


def split(f: M.MExpr) -> tuple[M.MExpr, Fraction | None]:
    """``(base, exponent)``: ``X^3`` -> (X, 3), ``X^-1`` -> (X, -1), any other factor (itself,
    1); the exponent None when not an integer (``X^k``, ``X^(1/2)``)."""
    if type(f) is M.Power:
        e = f.exponent
        whole = type(e) is M.Number and e.value.denominator == 1 and e.value != 0
        return f.base, e.value if whole else None
    if type(f) is M.Inverse:
        return f.operand, Fraction(-1)
    return f, Fraction(1)


def combined(a: Fraction, b: Fraction) -> Fraction | None:
    """``a + b``, the exponent of ``B^a B^b`` written as one power, when that keeps the domain
    (and is not 0): both positive, or the sum negative; else None."""
    total = a + b
    if total == 0 or ((a < 0 or b < 0) != (total < 0)):
        return None
    return total


def raised(base: M.MExpr, exponent: M.MExpr | None) -> M.MExpr:
    """``base^exponent`` (None: the inverse); of a base that is an integer power itself, with
    an integer exponent, one power when the domain is kept: ``((A X)^2)^-1`` -> ``(A X)^-2``
    (when ``(B^2)^-1`` exists, B is invertible), ``((A X)^2)^3`` -> ``(A X)^6``, ``(X^-2)^3``
    -> ``X^-6``; not ``(X^-2)^-1`` (X^2 is defined where X is singular), nor a power that is
    not an integer (``(X^(1/2))^2``, ``((x' x)^2)^(1/2)``, ``(X^k)^2``)."""
    inner = split(base)[1] if type(base) is M.Power else None
    if exponent is None:
        times: Fraction | None = Fraction(-1)
    else:
        ok = type(exponent) is M.Number and exponent.value.denominator == 1
        times = exponent.value if ok and exponent.value != 0 else None
    if inner is not None and times is not None and (inner > 0 or times > 0):
        return M.Power(base.base, M.Number(inner * times))
    return M.Inverse(base) if exponent is None else M.Power(base, exponent)


def _exponent_of(f: M.MExpr, base: M.MExpr) -> tuple[Fraction | None, M.MExpr]:
    """The integer exponent of ``f`` as a power of ``base`` (``base`` itself: 1), or None."""
    own, e = split(f)
    return (e, own) if own == base else (None, own)


def spine(e: M.MExpr) -> list:
    """The factors of a product's left spine, left to right: ``A B (C D) E`` -> ``A, B,
    (C D), E``, a product on the right one factor (its brackets are what a reader needs:
    ``w' (2 x' x)``, not ``w' 2 x' x``, a row times a row when read left to right)."""
    factors = []
    while type(e) is M.MatMul:
        factors.append(e.right)
        e = e.left
    factors.append(e)
    return factors[::-1]
