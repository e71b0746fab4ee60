"""Scalars as a person writes them in matrix notation.

Input: index-IR affine expressions (exponents, sizes), or the scalar factors of a term.
Output: ``affine_tree``: ``k - 1`` as matrix IR; ``divisors``: the negative powers among
scalar factors whose bases hold a name that only a divisor makes a scalar, as one divisor
(``s^-1 t^-2 x'`` is ``x' / (s t^2)``, ``sqrt(e + x' x)^-1 x`` is ``x / sqrt(e + x' x)``).
Invariants: values never change. A negative power of a name is written as a divisor because a
divisor is a scalar by its use (SPEC 6.3): ``x' A / s`` reads back with ``s`` a scalar, while
``s^-1 x' A`` would read ``s`` as a vector (lower case) and fail. A negative power of a size is a
divisor too, as is a negative power of any scalar made of scalar functions' values, as people
write them (``ones' / len(x)``, ``exp(x') / sum(exp(x))``).
"""

from __future__ import annotations

import re
from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import LEN, MATRIX, MEAN, NORM2, SUM, TR
from einderiv.ir.ops import SQRT
from einderiv.ir.scalar_use import forced_scalars
from einderiv.notation.matrix_latex import matrix_latex


def with_sign(e: M.MExpr) -> M.MExpr:
    """``-e``, the sign on its first factor: ``-(A + A') ones``, not ``-((A + A') ones)``."""
    return M.MatMul(with_sign(e.left), e.right) if isinstance(e, M.MatMul) else M.Neg(e)


def divisors(
    scalars: tuple[M.MExpr, ...], vectors=None
) -> tuple[tuple[M.MExpr, ...], tuple[M.MExpr, ...]]:
    """The scalar factors written in front, and the divisors made of the negative powers among
    them whose bases hold a name a divisor forces to be a scalar (``scalar_use.forced_scalars``;
    none: ``()``): ``(2, s^-1, t^-2) -> ((2,), (s t^2,))``, one product, unless that product
    would force fewer names than its factors do (then each is its own divisor); ``(x' x)^-1``
    stays a factor: nothing in it needs the divisor to be read as it was meant. A sum over its
    count is a mean (``sum(x) / len(x)`` is ``mean(x)``; ``vectors``: the vector names)."""
    below = []
    kept = []
    for x in scalars:
        if (
            type(x) is M.Power
            and type(x.exponent) is M.Number
            and x.exponent.value < 0
            and (
                (forced_scalars(x.base) or _scalar(x.base))  # s of
                # (s x' x)^-2, e of sqrt(e + x' x)^-1; a scalar as it is written: ones' / len(x),
                # exp(x') / sum(exp(x)), I / (x' x), not len(x)^-1 ones', (x' x)^-1 I
                and not isinstance(x.base, M.Number)  # 2^-1 stays: no name to make a scalar
                or _root(x)  # 3.14^(-1/2), sqrt(2)^-1: / sqrt(3.14), / sqrt(2), as written
            )
        ):
            below.append(_power(x.base, -x.exponent.value))
        else:
            kept.append(x)
    if not below:
        return scalars, ()
    kept, below = _means(kept, below, vectors or frozenset())
    if not below:
        return tuple(kept), ()
    divisor = below[0]
    for x in below[1:]:
        divisor = M.MatMul(divisor, x)
    wanted = set().union(*map(forced_scalars, below))
    if not wanted <= forced_scalars(divisor):  # the product hides a name: s x' y t forces s only
        return tuple(kept), tuple(below)  # / (s x' y) / t
    return tuple(kept), (divisor,)


def _root(x: M.Power) -> bool:
    """Whether ``x`` is a negative power of a number's square root, which stays irrational
    (``3.141592653589793^(-1/2)`` of erf's derivative, ``sqrt(2)^-1``): a divisor ``sqrt(c)``."""
    base = x.base.args[0] if type(x.base) is M.Call and x.base.fn == SQRT.name else None
    if base is None and x.exponent.value.denominator == 2:
        base = x.base
    return isinstance(base, M.Number) and base.value > 0


def _means(kept: list, below: list, vectors) -> tuple[list, list]:
    """``sum(v)`` among the factors and its count among the divisors as ``mean(v)``: ``len(x)``
    for a vector ``x``, ``len(A) len(A')`` for any ``A`` (its rows and its columns)."""
    kept, below = list(kept), list(below)
    for k, x in enumerate(kept):
        if not (type(x) is M.Call and x.fn == SUM.name):
            continue
        (v,) = x.args
        rows, cols = M.Call(LEN.name, (v,)), M.Call(LEN.name, (M.Transpose(v),))
        measured = _measured(v, vectors)  # (x - mean(x)) .^ 2 is as long as x
        count = None if measured is None else _count(measured, below, vectors)
        if rows in below and cols in below:
            counts = (rows, cols)
        elif count is not None:
            counts = (count,)
        else:
            continue
        for c in counts:
            below.remove(c)
        kept[k] = M.Call(MEAN.name, (v,))
    return kept, below


def _count(v: M.Name, below: list, vectors) -> M.MExpr | None:
    """``len(u)`` among the divisors for u the vector ``v`` or one as long (``vectors``, when
    it maps each vector's name to its size: sum(x) / len(g) is mean(x) for g of x's size)."""
    for c in below:
        if type(c) is M.Call and c.fn == LEN.name and type(c.args[0]) is M.Name:
            u = c.args[0].name
            sized = isinstance(vectors, dict) and u in vectors and v.name in vectors
            if u == v.name or (sized and vectors[u] == vectors[v.name]):
                return c
    return None


def _measured(v: M.MExpr, vectors) -> M.Name | None:
    """The vector variable a column ``v`` is as long as, read off its elementwise form
    (``x``, ``exp(x - 1)``, ``(x - mean(x)) .^ 2``); None when its form does not say, or when
    it has a part that may be a matrix (only vectors, numbers and scalar functions' values)."""
    found = set()

    def walk(e: M.MExpr) -> bool:
        match e:
            case M.Name(name=name):
                found.add(name)
                return name in vectors
            case M.Number():
                return True
            case M.Call(fn=fn) if fn in MATRIX:
                return MATRIX[fn].scalar
            case M.Add(left=a, right=b) | M.Sub(left=a, right=b) | M.Hadamard(left=a, right=b):
                return walk(a) and walk(b)
            case M.ElemDiv(left=a, right=b) | M.MatMul(left=M.Number() as a, right=b):
                return walk(a) and walk(b)
            case M.ElemPow(base=a, exponent=M.Number()) | M.Neg(operand=a):
                return walk(a)
            case M.Call(fn=fn, args=(a,)) if fn in M.SCALAR_FUNCTIONS:
                return walk(a)
        return False

    if not walk(v) or len(found) != 1:  # x .* y: as long as both, named by neither alone
        return None
    return M.Name(found.pop())


def _power(base: M.MExpr, power: Fraction) -> M.MExpr:
    """``base^power`` as a divisor is written: ``u`` for 1, ``sqrt(u)^k`` for k/2 (k odd), and
    ``sqrt(v' v)`` as ``norm2(v)`` (``x' / norm2(x)``, not ``x' / (x' x)^0.5``)."""
    if power.denominator == 2:
        base, power = M.Call(SQRT.name, (base,)), power * 2
    if isinstance(base, M.Call) and base.fn == SQRT.name:
        v = _norm_operand(base.args[0])
        if v is not None:
            base = M.Call(NORM2.name, (v,))
    return base if power == 1 else M.Power(base, M.Number(power))


def _norm_operand(inner: M.MExpr) -> M.MExpr | None:
    """``v`` of ``v' v`` as re-contraction writes it (``x' x``; ``x' A' A x`` is ``(A x)' (A
    x)``: a chain whose first half is its second half transposed), or of ``tr(V' V)`` (the
    Frobenius norm's square, ``tr(V V')`` too); None for any other scalar."""
    trace = isinstance(inner, M.Call) and inner.fn == TR.name
    chain = inner.args[0] if trace else inner
    factors: list[M.MExpr] = []
    stack = [chain]
    while stack:  # the factors of the product, left to right
        e = stack.pop()
        if isinstance(e, M.MatMul):
            stack += [e.right, e.left]
        else:
            factors.append(e)
    half, odd = divmod(len(factors), 2)
    if odd or not half or (not trace and isinstance(factors[-1], M.Transpose)):
        return None  # (a chain that ends in a row is no v' v)
    first, second = factors[:half], factors[half:]
    flipped = (a.operand if isinstance(a, M.Transpose) else M.Transpose(a) for a in first)
    if any(a != b for a, b in zip(flipped, reversed(second))):
        return None
    v = second[0]
    for f in second[1:]:
        v = M.MatMul(v, f)
    return v.operand if trace and isinstance(v, M.Transpose) else v


def scalar_power(base: M.MExpr, power: M.MExpr) -> M.MExpr:
    """``base^power`` of a scalar, with ``(v' v)^0.5`` written ``norm2(v)`` as people write it
    (``norm2(x)^(t - 1)``, not ``((x' x)^0.5)^(t - 1)``); any other power as it is."""
    if type(power) is M.Number and power.value == Fraction(1, 2):
        tree = _power(base, power.value)
        if isinstance(tree, M.Call) and tree.fn == NORM2.name:
            return tree
    return M.Power(base, power)


def _scalar(e: M.MExpr) -> bool:
    """Whether ``e`` is a scalar whatever its names' kinds: a product of a row and a column as
    re-contraction writes one (``x' x``, ``a' X b``), a scalar matrix function's value
    (``len(x)``, ``sum(exp(x))``, ``tr(X)``), or sums, products, powers and elementwise
    functions of those and numbers, with at least one of those (``len(x) - 1``, ``sqrt(x' x)``)."""
    if isinstance(e, M.Call):
        if e.fn in MATRIX:
            return MATRIX[e.fn].scalar
        return e.fn in M.SCALAR_FUNCTIONS and all(map(_scalar, e.args))
    if isinstance(e, M.MatMul) and _inner(e):
        return True
    if isinstance(e, (M.Add, M.Sub, M.MatMul, M.Div)):
        parts = (e.left, e.right)
        return all(_scalar(p) or isinstance(p, M.Number) for p in parts) and any(
            map(_scalar, parts)
        )
    if isinstance(e, M.Neg):
        return _scalar(e.operand)
    if isinstance(e, M.Power):
        return isinstance(e.exponent, M.Number) and _scalar(e.base)
    return False


def _inner(e: M.MatMul) -> bool:
    """Whether the product ``e`` starts with a transpose and ends with no transpose."""
    first, last = e, e
    while isinstance(first, M.MatMul):
        first = first.left
    while isinstance(last, M.MatMul):
        last = last.right
    return isinstance(first, M.Transpose) and not isinstance(last, M.Transpose)


def affine_tree(a: T.Affine) -> M.MExpr:
    """``k - 1``, ``2 k - 1``, and ``99 - r`` (never ``-r + 99``) as matrix IR."""
    lead = a.const > 0 and len(a.coeffs) > 0 and a.coeffs[0] < 0  # 99 - r: the number first
    out: M.MExpr | None = M.Number(Fraction(a.const)) if lead else None
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
    if a.const and not lead:
        constant = M.Number(Fraction(abs(a.const)))
        out = M.Add(out, constant) if a.const > 0 else M.Sub(out, constant)
    return out


def is_divisor(f: T.Term) -> bool:
    """A negative power of a scalar term (``s^-1``, ``(s + t)^-2``, ``(x[a] x[a])^-0.5``,
    ``sqrt(t + x[a] x[a])^-3``; of a number only its square root, ``3.14^-0.5``), which index
    notation writes as a divisor, as matrix notation does (``notation.scalars``): as people write
    it, and ``/ s`` makes ``s`` a scalar when the text is read back, where ``s^-1`` would read it
    as a vector."""
    return (
        type(f) is T.Pow
        and type(f.exponent) is T.Num
        and f.exponent.value < 0
        and not T.free(f.base)
        and (type(f.base) is not T.Num or f.exponent.value.denominator == 2)
    )


def divisor_of(f: T.Pow) -> T.Term:
    """The divisor of ``f`` (``is_divisor``): ``u`` for ``u^-1``, ``sqrt(u)^k`` for ``u^(-k/2)``."""
    power, base = -f.exponent.value, f.base
    if power.denominator == 2:
        power, base = power * 2, T.Func(SQRT.name, base)
    return base if power == 1 else T.Pow(base, T.Num(power))


def integer_text(a: T.Affine, latex: bool) -> str:
    """An integer expression's text: ``mu - 1``, or in LaTeX ``\\mu - 1`` (never the letters)."""
    return matrix_latex(affine_tree(a)) if latex else M.show(affine_tree(a))


def exponent_text(t: T.Term, written, latex: bool = False) -> str:
    """An exponent (or an integer expression as a factor) once in parentheses: ``2``, ``k``
    and ``p`` bare, ``(k - 1)``, ``(2k)``, ``(p - 1)``, ``(1.5)``. ``written``: the printer's
    text of a term, a sum bare (not ``((p - 1))``); ``latex``: names as LaTeX writes them."""
    if isinstance(t, T.Num) and t.value.denominator == 1 and t.value >= 0:
        return str(t.value)
    whole = folded(t)  # -1 + k is k - 1, as matrix notation writes it
    text = integer_text(whole, latex) if whole is not None else written(t)
    return text if re.fullmatch(r"\\?[A-Za-z_]\w*|\d+", text) else f"({text})"


def folded(t: T.Term) -> T.Affine | None:
    """An integer expression as one affine form (``-1 + k`` is ``k - 1``, ``-k + 1`` is
    ``1 - k``): whole numbers, affine forms, their sums and whole multiples; else None."""
    if isinstance(t, T.Affine):
        return t
    if isinstance(t, T.Num):
        return T.affine(int(t.value)) if t.value.denominator == 1 else None
    parts = [folded(x) for x in t.terms] if isinstance(t, T.Add) else None
    if isinstance(t, T.Prod) and not t.summed and len(t.factors) == 2:  # -1 k, 2 k
        number, form = (folded(x) for x in t.factors)
        if number is not None and form is not None and not number.names:
            return T.affine_scale(form, number.const)
    if parts is None or None in parts:
        return None
    total = T.affine(0)
    for x in parts:
        total = T.affine_add(total, x)
    return total
