"""Scalars as a person writes them in matrix notation.

Input: index-IR affine expressions (exponents, sizes), or the scalar factors of a term.
Output: ``affine_tree``: ``k - 1`` as matrix IR; ``divisors``: the negative powers of names
(and of sums and products of names) among scalar factors as one divisor (``s^-1 t^-2 x'`` is
``x' / (s t^2)``, ``(s t)^-1 I`` is ``I / (s t)``).
Invariants: values never change. A negative power of a name is written as a divisor because a
divisor is a scalar by its use (SPEC 6.3): ``x' A / s`` reads back with ``s`` a scalar, while
``s^-1 x' A`` would read ``s`` as a vector (lower case) and fail.
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M

_COMBINING = (M.Add, M.Sub, M.Neg, M.MatMul, M.Hadamard, M.ElemDiv, M.Div)


def _names_only(e: M.MExpr) -> bool:
    """Whether ``e`` is built of names and numbers by sums, products, powers and scalar
    functions only (``s``, ``s t``, ``s + t``, ``exp(s)``): as a divisor, each of its names is
    a scalar by that use; with no transpose in it, nothing else says so (``(s t)^-1`` would read
    s and t as vectors). ``x' x`` is not: it is a scalar as it is written."""
    if isinstance(e, (M.Name, M.Number)):
        return True
    if isinstance(e, _COMBINING):
        return all(_names_only(c) for c in (getattr(e, "left", None), getattr(e, "right", None),
                                            getattr(e, "operand", None)) if c is not None)  # fmt: skip
    if isinstance(e, M.Call):
        return e.fn in M.SCALAR_FUNCTIONS and all(map(_names_only, e.args))
    if isinstance(e, (M.Power, M.ElemPow)):
        return _names_only(e.base) and _names_only(e.exponent)
    return False


def with_sign(e: M.MExpr) -> M.MExpr:
    """``-e``, the sign on its first factor: ``-(A + A') ones``, not ``-((A + A') ones)``."""
    return M.MatMul(with_sign(e.left), e.right) if isinstance(e, M.MatMul) else M.Neg(e)


def divisors(scalars: tuple[M.MExpr, ...]) -> tuple[tuple[M.MExpr, ...], M.MExpr | None]:
    """The scalar factors written in front, and the divisor made of the negative powers among
    them of terms built of names (None: there are none): ``(2, s^-1, t^-2) -> ((2,), s t^2)``;
    ``(x' x)^-1`` stays a factor."""
    below = []
    kept = []
    for x in scalars:
        if (
            type(x) is M.Power
            and type(x.exponent) is M.Number
            and x.exponent.value < 0
            and (_names_only(x.base) or bool(M.names_before_row(x.base)))  # s of (s x' x)^-2
            and not isinstance(x.base, M.Number)  # 2^-1 stays: no name to make a scalar
        ):
            power = -x.exponent.value
            below.append(x.base if power == 1 else M.Power(x.base, M.Number(power)))
        else:
            kept.append(x)
    if not below:
        return scalars, None
    divisor = below[0]
    for x in below[1:]:
        divisor = M.MatMul(divisor, x)
    return tuple(kept), divisor


def affine_tree(a: T.Affine) -> M.MExpr:
    out: M.MExpr | None = None
    for name, coeff in zip(a.names, a.coeffs):
        term: M.MExpr = M.Name(name)
        if abs(coeff) != 1:
            term = M.MatMul(M.Number(Fraction(abs(coeff))), term)
        if out is None:
            out = term if coeff > 0 else M.Neg(term)
        else:
            out = M.Add(out, term) if coeff > 0 else M.Sub(out, term)
    if out is None:
        return M.Number(Fraction(a.const))
    if a.const:
        constant = M.Number(Fraction(abs(a.const)))
        out = M.Add(out, constant) if a.const > 0 else M.Sub(out, constant)
    return out
