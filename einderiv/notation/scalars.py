"""Scalars as a person writes them in matrix notation.

Input: index-IR affine expressions (exponents, sizes), or the scalar factors of a term.
Output: ``affine_tree``: ``k - 1`` as matrix IR; ``divisors``: the negative powers among
scalar factors whose bases hold a name that only a divisor makes a scalar, as one divisor
(``s^-1 t^-2 x'`` is ``x' / (s t^2)``, ``sqrt(e + x' x)^-1 x`` is ``x / sqrt(e + x' x)``).
Invariants: values never change. A negative power of a name is written as a divisor because a
divisor is a scalar by its use (SPEC 6.3): ``x' A / s`` reads back with ``s`` a scalar, while
``s^-1 x' A`` would read ``s`` as a vector (lower case) and fail. A negative power of a size is a
divisor too, as people write it (``ones' / len(x)``).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import LEN
from einderiv.ir.scalar_use import forced_scalars


def with_sign(e: M.MExpr) -> M.MExpr:
    """``-e``, the sign on its first factor: ``-(A + A') ones``, not ``-((A + A') ones)``."""
    return M.MatMul(with_sign(e.left), e.right) if isinstance(e, M.MatMul) else M.Neg(e)


def divisors(scalars: tuple[M.MExpr, ...]) -> tuple[tuple[M.MExpr, ...], tuple[M.MExpr, ...]]:
    """The scalar factors written in front, and the divisors made of the negative powers among
    them whose bases hold a name a divisor forces to be a scalar (``scalar_use.forced_scalars``;
    none: ``()``): ``(2, s^-1, t^-2) -> ((2,), (s t^2,))``, one product, unless that product
    would force fewer names than its factors do (then each is its own divisor); ``(x' x)^-1``
    stays a factor: nothing in it needs the divisor to be read as it was meant."""
    below = []
    kept = []
    for x in scalars:
        if (
            type(x) is M.Power
            and type(x.exponent) is M.Number
            and x.exponent.value < 0
            and (forced_scalars(x.base) or _sizes(x.base))  # s of (s x' x)^-2, e of
            # sqrt(e + x' x)^-1; a size, as it is written: ones' / len(x), not len(x)^-1 ones'
            and not isinstance(x.base, M.Number)  # 2^-1 stays: no name to make a scalar
        ):
            power = -x.exponent.value
            below.append(x.base if power == 1 else M.Power(x.base, M.Number(power)))
        else:
            kept.append(x)
    if not below:
        return scalars, ()
    divisor = below[0]
    for x in below[1:]:
        divisor = M.MatMul(divisor, x)
    wanted = set().union(*map(forced_scalars, below))
    if not wanted <= forced_scalars(divisor):  # the product hides a name: s x' y t forces s only
        return tuple(kept), tuple(below)  # / (s x' y) / t
    return tuple(kept), (divisor,)


def _sizes(e: M.MExpr) -> bool:
    """Whether ``e`` is a size (``len(x)``) or a product or power of sizes."""
    if isinstance(e, M.MatMul):
        return _sizes(e.left) and _sizes(e.right)
    if isinstance(e, M.Power):
        return _sizes(e.base)
    return isinstance(e, M.Call) and e.fn == LEN.name


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
