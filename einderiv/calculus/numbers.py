"""Constants as exact numbers: powers of numbers multiplied exactly, a size as its integer
(rules of ``simplify``).

Input: a product node (or an integer form). Output: the product with its numbers and powers of
numbers made one number; a size written as the integer symbol of its name; or None.
Invariants: only when no power needs more than ``EXACT_BITS`` bits: a power left unfolded
(``2^20000``, past the bound) is multiplied with the others when their product is within it
(``2^20001 2^-20000`` is 2: in float64, inf times 0 would be nan). A size ``n`` (``Size``) is
the integer symbol ``n`` only where the product also holds that symbol (``x: vector(n); n:
integer`` makes them one value, which evaluation enforces), so that ``same_base`` merges them;
a size is at least 1, so ``n / n`` is 1 everywhere (a scalar's ``s / s`` is left to
``same_base`` as before).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.calculus.rewriting import EXACT_BITS, Rule, exact_product, power_bits
from einderiv.calculus.rewriting import rule as register
from einderiv.ir import index_ir as T
from einderiv.ir.canon import memo_table
from einderiv.ir.index_ir import Term

RULES: list[Rule] = []


def rule(kind: type, formula: str, needs: tuple = ()):
    """Register ``fn`` in ``RULES`` as the rule ``formula`` for ``kind`` nodes."""
    return register(kind, formula, RULES, needs)


@rule(T.Prod, "2^6001 2^-6000 x -> 2 x  (powers of numbers multiplied exactly)", needs=(T.Pow,))
def prod_number_powers(t: T.Prod):
    powers = [f for f in t.factors if _number_power(f)]
    if not powers or len(powers) + sum(type(f) is T.Num for f in t.factors) < 2:
        return None
    values = [f.value for f in t.factors if type(f) is T.Num]
    for f in powers:
        n = int(f.exponent.value)
        base = f.base.value
        if base in (0, 1, -1) or power_bits(base, n) > 2 * EXACT_BITS:
            return None
        values.append(base**n)
    coeff = exact_product(values)
    if coeff is None:
        return None
    rest = tuple(f for f in t.factors if type(f) is not T.Num and not _number_power(f))
    return T.Prod((T.Num(coeff), *rest), t.summed)


def _number_power(f: Term) -> bool:
    """``2^20000``: a number to an integer power (left a power past ``EXACT_BITS``)."""
    return (
        type(f) is T.Pow
        and type(f.base) is T.Num
        and type(f.exponent) is T.Num
        and f.exponent.value.denominator == 1
    )


@rule(
    T.Prod,
    "n 1/n -> n n^-1  (the size n is the integer n of its name, where the product holds it)",
    needs=(T.Size, T.Pow),
)
def prod_size_as_integer(t: T.Prod):
    # n / n -> 1: sum(x - sum(x) / n) by x printed (1 - n / n) ones', the size n (from a sum
    # over x's index) beside the declared integer n; as one symbol, same_base cancels them
    symbols = {_symbol(f.base if type(f) is T.Pow else f) for f in t.factors}
    if symbols == {None}:
        return None
    factors = []
    for f in t.factors:
        base = f.base if type(f) is T.Pow else f
        if type(base) is T.Size and base.dim in symbols:
            symbol = T.affine(0, {base.dim: 1})
            f = T.Pow(symbol, f.exponent) if type(f) is T.Pow else symbol
        factors.append(f)
    factors = tuple(factors)
    return None if factors == t.factors else T.Prod(factors, t.summed)


@rule(T.Add, "-ones[i] / len(x) + ones[i] / n -> -ones[i] / n + ones[i] / n  (size n -> n)")
def add_size_as_integer(t: T.Add):
    # size n (of x's index) -> integer n, where a term of the sum holds the integer n (free):
    # d(sum(x) / n - mean(x)) printed -ones[i] / n + ones[i] / n, two n's (a Size, an Affine)
    # no rule merged; as one symbol the like terms merge (evaluation requires them equal, and
    # a size is at least 1, so no condition is lost or added)
    names = T.int_names(t)  # (cached on the node; most sums hold no integer symbol)
    names = names and size_names(t) & names
    return _sizes_written(t, names, {}) if names else None


@rule(T.Add, "-1 + (n) -> (n - 1)  (integer forms and whole numbers summed into one)", (T.Affine,))
def add_affine(t: T.Add):
    # -1 + n -> n - 1: d y^len(x) / dy is len(x) y^(len(x) - 1), its exponent a sum of the
    # size and -1; the size written as the integer n, it is one integer form, as d y^n writes it
    if len(t.terms) < 2 or not all(_whole(u) for u in t.terms):
        return None
    total = T.affine(0)
    for u in t.terms:
        total = T.affine_add(total, u if type(u) is T.Affine else T.affine(int(u.value)))
    return total


def _whole(t: Term) -> bool:
    return type(t) is T.Affine or (type(t) is T.Num and t.value.denominator == 1)


def size_names(t: Term) -> frozenset[str]:
    """The dimension names of the ``Size`` nodes of ``t`` (each shared node looked at once)."""
    found = _SIZES.get(t)
    if found is None:
        if type(t) is T.Size:
            found = frozenset((t.dim,)) if type(t.dim) is str else _NONE
        else:
            kids = T.children(t)
            found = _NONE.union(*(size_names(c) for c in kids)) if kids else _NONE
        _SIZES[t] = found
    return found


_SIZES: dict = memo_table()
_NONE: frozenset[str] = frozenset()


def _sizes_written(t: Term, names: frozenset[str], done: dict) -> Term:
    """``t`` with each ``Size`` of a dimension in ``names`` written as that integer symbol; not
    inside a finite sum whose counter has the name (there the symbol is the counter)."""
    if not (size_names(t) & names):
        return t
    if (t, names) in done:
        return done[t, names]
    if type(t) is T.Size:
        out: Term = T.affine(0, {t.dim: 1})
    else:
        inner = names - {t.var} if type(t) is T.SumOver else names
        out = T.with_children(t, [_sizes_written(c, inner, done) for c in T.children(t)])
    done[t, names] = out
    return out


def _symbol(f: Term) -> str | None:
    """The name of an integer symbol written alone (``n``, not ``n + 1`` or ``2 n``), or None."""
    if type(f) is T.Affine and f.const == 0 and len(f.names) == 1 and f.coeffs == (1,):
        return f.names[0]
    return None


@rule(T.Affine, "(2) -> 2  (an integer form with no symbol left is a number)")
def affine_literal(t: T.Affine):
    # sum_{r=0}^{1} r X^(r-1) written out: its first term's factor (0) is the number 0, so the
    # term is 0 (was printed 0 X^-1, and evaluated the inverse of a singular X)
    return T.Num(Fraction(t.const)) if t.is_literal else None
