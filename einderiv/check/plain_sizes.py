"""The sizes of a Kronecker claim's bare I and ones, solved rather than searched.

Input: R's parsed tree (``matrix_ir``), the expression, the sizes at a probe and the shape
R must have there (vec(Y) by vec(X)), as for ``plain_values.sizings``.
Output: ``solve(tree, f, sizes, shape)``: ``NONE`` when no positive whole sizes of R's bare I
and ones make it a matrix of that shape (a proof), a tuple (the one sizing that can, its
sizes in the order met) when the shapes force every one, or None when the equations leave a
size open or are not linear in one size (``k^2 = 4``, ``k j = 6``): the search decides then.
Invariants: each bare I_k or ones_k has its own unknown size k >= 1; a size is a monomial
c * k1^e1 * ... (c a positive rational: kron, vec and commutation multiply sizes, products
and sums equate them); an equation is solved only for a size that occurs in it to the power
+-1, and every substitution is forced by an equation R's shapes impose, so a contradiction --
two numbers unequal, or a size forced to a value not a positive whole number -- proves that no
sizing fits (``kron(I, A') + 2 kron(I, X')`` for ``A X``: 3k = 4j and 2k = 3j give j = 0);
a product that may be 1-by-1 (``a' b``) may be a scalar, as in einderiv's language: a product
or sum with it draws no equation, the solving gives up (None).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.check import plain_values as P
from einderiv.ir import matrix_ir as M

__all__ = ["NONE", "solve"]

NONE = "none"


class _Open(Exception):
    """An equation not solved (no size to the power +-1 in it)."""


class _Inner(tuple):
    """The shape of a product that may be 1-by-1 (x' y): a scalar in einderiv's language, so
    no equation of sizes is drawn from a product or sum with it."""


class Mono:
    """c * prod(k_u ^ e_u): ``coef`` a positive Fraction, ``powers`` {unknown: exponent}."""

    def __init__(self, coef, powers=None):
        self.coef = Fraction(coef)
        self.powers = {u: e for u, e in (powers or {}).items() if e}

    def __mul__(self, other):
        other = other if isinstance(other, Mono) else Mono(other)
        powers = dict(self.powers)
        for u, e in other.powers.items():
            powers[u] = powers.get(u, 0) + e
        return Mono(self.coef * other.coef, powers)

    __rmul__ = __mul__

    def power(self, k: int) -> Mono:
        return Mono(self.coef**k, {u: e * k for u, e in self.powers.items()})

    def put(self, u: int, value: Mono) -> Mono:
        """This monomial with the unknown ``u`` replaced by ``value``."""
        if u not in self.powers:
            return self
        rest = Mono(self.coef, {w: e for w, e in self.powers.items() if w != u})
        return rest * value.power(self.powers[u])


class _Solver(P.Shapes):
    """R's shapes with unknown sizes; products and sums equate them (``unify``)."""

    def __init__(self, f, sizes: dict, count: int):
        super().__init__(f, {}, sizes, tuple(Mono(1, {u: 1}) for u in range(count)))
        self.known: dict[int, Mono] = {}
        self.pending: list[tuple[Mono, Mono]] = []

    def size(self, dim):
        value = super().size(dim)
        return value if isinstance(value, Mono) else Mono(value)

    def count(self, e: M.MExpr):
        value = super().count(e)
        return value if isinstance(value, Mono) else Mono(value)

    def ones(self, n):
        return (n, Mono(1))

    def variable(self, name: str):
        dims = tuple(self.size(d) for d in self.f.variables[name].dims)
        return dims + (Mono(1),) if len(dims) == 1 else dims

    def product(self, a, b):
        if not a or not b:
            return b if not a else a
        if isinstance(a, _Inner) or isinstance(b, _Inner):  # (a' b) M: a scalar times M too
            raise P.Unknown("a product that may be a scalar")
        self.unify(a[1], b[0])
        if _may_be_one(self.resolved(a[0])) and _may_be_one(self.resolved(b[1])):
            return _Inner((a[0], b[1]))
        return (a[0], b[1])

    def add(self, a, b):
        if not a or not b or isinstance(a, _Inner) or isinstance(b, _Inner):
            if a or b:  # a scalar plus a matrix: maybe a broadcast, no proof of a misfit
                raise P.Unknown("a sum of a scalar and a matrix")
            return a
        self.unify(a[0], b[0])
        self.unify(a[1], b[1])
        return a

    def transpose(self, a):
        return _Inner(a[::-1]) if isinstance(a, _Inner) else a[::-1]

    def inverse(self, a):
        if a:
            self.unify(a[0], a[1])
        return a

    def kron(self, a, b):
        a, b = a or (Mono(1), Mono(1)), b or (Mono(1), Mono(1))
        return (a[0] * b[0], a[1] * b[1])

    def vec(self, a):
        return (a[0] * a[1], Mono(1)) if a else (Mono(1), Mono(1))

    def resolved(self, m: Mono) -> Mono:
        for u, value in self.known.items():
            m = m.put(u, value)
        return m

    def unify(self, a: Mono, b: Mono) -> None:
        """Record a = b; ``P.Misfit`` when it cannot hold at any positive whole sizes."""
        ratio = self.resolved(a) * self.resolved(b).power(-1)
        if not ratio.powers:
            if ratio.coef != 1:
                raise P.Misfit("sizes")
            return
        unit = [u for u, e in ratio.powers.items() if abs(e) == 1]
        if not unit:
            self.pending.append((a, b))
            return
        u = min(unit)
        e = ratio.powers[u]
        rest = Mono(ratio.coef, {w: k for w, k in ratio.powers.items() if w != u})
        value = rest.power(-e)  # ratio = rest * u^e = 1
        self.known = {w: m.put(u, value) for w, m in self.known.items()}
        self.known[u] = value
        if any(_not_whole(m) for m in self.known.values()):  # 3k = 8: k = 8/3
            raise P.Misfit("sizes")

    def settle(self) -> None:
        """Equations put aside, again with what is now known; ``_Open`` when one stays."""
        while self.pending:
            pending, self.pending = self.pending, []
            for a, b in pending:
                self.unify(a, b)
            if len(self.pending) == len(pending):
                raise _Open()


def solve(tree: M.MExpr, f, sizes: dict, shape: tuple):
    """``NONE``, the one sizing that fits, or None (module docstring)."""
    count = len(P.bare(tree))
    if not count:
        return None
    solver = _Solver(f, sizes, count)
    try:
        found = solver.run(tree)
        if not found:  # a scalar R: its size is the search's to judge
            return None
        solver.unify(found[0], Mono(shape[0]))
        solver.unify(found[1], Mono(shape[1]))
        solver.settle()
    except _Open:
        return None
    except P.Unknown:
        return None
    except P.Misfit:
        return NONE
    values = [solver.resolved(Mono(1, {u: 1})) for u in range(count)]
    if any(v.powers for v in values):
        return None  # a size left open (several sizings, or none): the search's
    return tuple(int(v.coef) for v in values)


def _may_be_one(m: Mono) -> bool:
    """Whether the size ``m`` is 1 at some positive whole sizes (c k^e >= c > 1: never)."""
    if not m.powers:
        return m.coef == 1
    return m.coef <= 1 or any(e < 0 for e in m.powers.values())


def _not_whole(m: Mono) -> bool:
    """A size forced to a number that is no positive whole number."""
    return not m.powers and (m.coef.denominator != 1 or m.coef < 1)
