"""Rigorous interval values of index terms at a probe: ``check``'s witness that a claim differs
from the derivative by less than float probes can see (``1.0000001 exp(x)'``, ``1 + 1e-12``).

Input: a ``Sampler`` (``sampling``): the expression, its derivative and the claim (``Expr`` s),
and its probes (float arrays, each entry an exact binary rational).
Output: ``differing_probe(sampler)``: a probe of small sizes where, for some entry, the
derivative's value and the claim's lie in disjoint intervals; else None (no decision).
Invariants (sound: a "wrong" resting on it must be true):
- every value is an mpmath interval at ``PREC`` bits enclosing the term's real value (or an
  exact Python int: sizes, deltas, integer symbols): operations round outward (a private
  context: mpmath.iv's precision is untouched), floats are read exactly, fractions enclosed;
- a function by its registry record: ``interval`` (given a ``Context``: mpmath's exp, log,
  sqrt, sin, cos, tan, and ``atan`` enclosed here), else its ``definition`` written with exp
  and log (tanh, sigmoid, softplus, sinh, cosh; softmax, logsumexp, log_softmax), else no
  decision; the record's ``domain`` must hold on the whole argument interval, and a kink (at 0)
  lie outside it, else no decision;
- no decision (``Cannot``) either at a negative power of an interval holding 0, a non-integer
  power of a base not > 0, a log-determinant of a determinant not > 0, an endpoint not finite,
  a matrix of more than ``MAX_MATRIX`` rows (determinants and inverses by cofactors), a power
  beyond ``MAX_POWER``, a sum of more than ``MAX_SUM`` terms, or more than ``MAX_WORK``
  operations in all (``check`` never waits long on it);
- the derivative, the claim and (with kinks) the expression are enclosed whole (a product's
  factors after an exact 0 skipped) before any entry is compared; two entries differ only when
  their intervals are apart by more than 2^-``GAP_BITS`` of their size (beyond mpmath's
  directed rounding);
- no decision for an expression whose derivative writes pi as a decimal (erf's
  ``DECIMAL_PI``: no exact derivative), nor for a claim whose sizes are left open (its value
  rests on a guess of them).
"""

from __future__ import annotations

import itertools

import numpy as np

from einderiv.check.probes import probe_sizes
from einderiv.check.slopes import kinked
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_size
from einderiv.ir.ops import DECIMAL_PI, ELEMENTWISE, ROW

__all__ = ["MAX_WORK", "PREC", "Cannot", "Context", "differing_probe", "enclose"]

PREC = 200  # bits: 60 decimal digits
GAP_BITS = 100
MAX_WORK = 30_000  # interval operations for one witness, every probe together
MAX_SIZE = 3  # each named size of a probe
PROBES = 3
MAX_MATRIX = 4
MAX_POWER = 256  # |k| of an integer power (X^k, u^k)
MAX_SUM = 64

_DOMAINS = {  # the registry's domains (ops.DOMAINS): True when all of x is inside
    "real": lambda c, x: True,
    "positive": lambda c, x: (x > 0) is True,
    "nonnegative": lambda c, x: (x >= 0) is True,
    "open_unit": lambda c, x: (x > -1) is True and (x < 1) is True,
    "above_minus_one": lambda c, x: (x > -1) is True,
    "cos_nonzero": lambda c, x: 0 not in c.cos(x),
}


class Cannot(Exception):
    """No sound enclosure here (see the module's invariants): the witness says nothing."""


# what a probe may raise: no decision there (never a verdict: an error only says less)
_NO_DECISION = (Cannot, EinderivError, ArithmeticError, LookupError, ValueError, TypeError)


class Context:
    """What a record's ``interval`` is given: mpmath intervals at ``PREC`` bits, rounded
    outward: ``mpf``, ``pi``, mpmath's ``exp``, ``log``, ``sqrt``, ``sin``, ``cos``, ``tan``,
    and ``atan`` (enclosed here: mpmath's interval context has none)."""

    def __init__(self):
        from mpmath import libmp
        from mpmath.ctx_iv import MPIntervalContext

        iv = self.iv = MPIntervalContext()
        iv.prec = PREC
        self.libmp, self.bad = libmp, (libmp.finf, libmp.fninf, libmp.fnan)
        self.mpf, self.exp, self.log, self.sqrt = iv.mpf, iv.exp, iv.ln, iv.sqrt
        self.sin, self.cos, self.tan, self.pi = iv.sin, iv.cos, iv.tan, +iv.pi

    def finite(self, v) -> bool:
        return v._mpi_[0] not in self.bad and v._mpi_[1] not in self.bad

    def atan(self, x):
        """arctan over x (increasing): its lower end's enclosure from below, upper's above."""
        lower, upper = self._atan_at(x.a), self._atan_at(x.b)
        return self.iv.make_mpf((lower._mpi_[0], upper._mpi_[1]))

    def _atan_at(self, end):
        """arctan(end): mpmath's value widened by 2^-PREC of it, kept only when tan (increasing
        on (-pi/2, pi/2), enclosed by mpmath) brackets the end: tan(lo) < end < tan(hi)."""
        y = self.libmp.mpf_atan(end._mpi_[0], PREC + 20)
        y = self.iv.make_mpf((y, y))
        width = (abs(y) + 1) * self.mpf(2) ** -PREC
        lo, hi, half = (y - width).a, (y + width).b, self.pi / 2
        inside = (lo > -half) is True and (hi < half) is True
        if not (inside and (self.tan(lo) < end) is True and (end < self.tan(hi)) is True):
            raise Cannot
        return self.iv.make_mpf((lo._mpi_[0], hi._mpi_[1]))


_CONTEXT: list = []  # one Context, made on first use (mpmath is imported only then)


def _context() -> Context:
    if not _CONTEXT:
        _CONTEXT.append(Context())
    return _CONTEXT[0]


class _Enclosure:
    """Values of terms at one probe, entry by entry (``env``: index -> position), each node
    once per position of its free indices (``memo``)."""

    def __init__(self, c: Context, sizes: dict, ints: dict, values: dict, work: list):
        self.c, self.sizes, self.ints, self.values, self.work = c, sizes, ints, values, work
        self.memo, self.made = {}, {}  # made: a term's definition, built once

    def charge(self, n: int = 1) -> None:
        self.work[0] -= n
        if self.work[0] < 0:
            raise Cannot

    def size(self, dim) -> int:
        return dim_size(dim, self.sizes.__getitem__)

    def real(self, v):
        """``v`` as an interval (a Python int exactly), checked finite."""
        v = self.c.mpf(v) if type(v) is int else v
        if not self.c.finite(v):
            raise Cannot
        return v

    def at(self, t: T.Term, env: dict):
        key = (t, *(env[i] for i in T.free(t)))  # one frozenset per node: one order
        value = self.memo.get(key)
        if value is None:
            self.charge()
            value = getattr(self, "_" + type(t).__name__.lower())(t, env)
            self.memo[key] = value if type(value) is int else self.real(value)
        return self.memo[key]

    def defined(self, t: T.Term, make):
        if t not in self.made:
            self.made[t] = make()
        return self.made[t]

    # -- leaves -----------------------------------------------------------------------------

    def _zero(self, t, env):
        return 0

    def _num(self, t, env):
        v = t.value
        return int(v) if v.denominator == 1 else self.c.mpf(v.numerator) / v.denominator

    def _affine(self, t, env):
        return t.const + sum(k * self.ints[n] for n, k in zip(t.names, t.coeffs))

    def _size(self, t, env):
        return self.size(t.dim)

    def _ones(self, t, env):
        return 1

    def _delta(self, t, env):
        return int(env[t.a] == env[t.b])

    def _pair(self, t, env):  # c = i + m j, m the size of i (vec's order)
        return int(env[t.c] == env[t.i] + self.size(t.i.dim) * env[t.j])

    def _var(self, t, env):
        if t.name in self.ints:
            return int(self.ints[t.name])
        array = np.asarray(self.values[t.name], dtype=float)
        if array.shape != tuple(self.size(i.dim) for i in t.indices):
            raise Cannot  # S[(i,j),(k,l)] of a 3-by-3 S: no value
        return self.c.mpf(float(array[tuple(env[i] for i in t.indices)]))

    # -- sums, products, functions ------------------------------------------------------------

    def _add(self, t, env):
        total = 0
        for u in t.terms:
            total = total + self.at(u, env)
        return total

    def _prod(self, t, env):
        # constants (deltas) first, and nothing after an exact 0 at a position: a value there
        # is 0 whatever the rest is (a claim undefined there is wrong too; a kink under a
        # constant 0 moves no value; the derivative's floats are finite at a probe)
        factors = self.defined(("order", t), lambda: sorted(t.factors, key=_late))
        total = 0
        for position in itertools.product(*(range(self.size(i.dim)) for i in t.summed)):
            inner = {**env, **dict(zip(t.summed, position))} if t.summed else env
            part = 1
            for factor in factors:
                value = self.at(factor, inner)
                if type(value) is int and value == 0:
                    part = 0
                    break
                self.charge()
                part = part * value
            total = total + part
        return total

    def _func(self, t, env):
        record = ELEMENTWISE[t.name]
        if record.interval is None:
            if record.definition is None:
                raise Cannot
            return self.at(self.defined(t, lambda: record.definition(t.arg)), env)
        x = self.real(self.at(t.arg, env))
        if not _DOMAINS[record.domain](self.c, x) or (not record.smooth and 0 in x):
            raise Cannot
        return record.interval(self.c, x)

    def _rowfunc(self, t, env):
        record = ROW[t.name]
        if record.definition is None:
            raise Cannot
        return self.at(self.defined(t, lambda: record.definition(t)), env)

    def _pow(self, t, env):
        base, e = self.at(t.base, env), self.at(t.exponent, env)
        if type(e) is not int:  # a real power: of a positive base only
            base = self.real(base)
            if (base > 0) is not True:
                raise Cannot
            return self.c.exp(e * self.c.log(base))
        if abs(e) > MAX_POWER:
            raise Cannot
        if type(base) is int and e >= 0:
            return base**e
        base = self.real(base)
        if e < 0 and 0 in base:
            raise Cannot
        return base**e

    def _sumover(self, t, env):
        count = self.at(t.count, env)
        if abs(count) > MAX_SUM:
            raise Cannot
        outer, memo, total = self.ints, self.memo, 0
        try:
            for r in range(count) if count >= 0 else range(count, 0):
                self.ints, self.memo = {**outer, t.var: r}, {}  # values at this r only
                total = total + self.at(t.body, env)
        finally:
            self.ints, self.memo = outer, memo
        return total if count >= 0 else -total

    # -- matrices -------------------------------------------------------------------------------

    def matrix(self, t, env) -> list:
        """The base of ``t`` (MatPow, Det, LogDet) as rows, its bound indices running."""
        i, j = t.bound
        n = self.size(i.dim)
        if n > MAX_MATRIX or self.size(j.dim) != n:
            raise Cannot
        return [[self.at(t.base, {**env, i: r, j: s}) for s in range(n)] for r in range(n)]

    def determinant(self, m: list):
        """By cofactors along the first row (no division)."""
        if len(m) <= 1:
            return m[0][0] if m else 1
        total = 0
        for k, entry in enumerate(m[0]):
            self.charge(len(m))
            minor = self.determinant([row[:k] + row[k + 1 :] for row in m[1:]])
            total = total + (-1) ** k * entry * minor
        return total

    def _matpow(self, t, env):
        outer = sorted((i.name, env[i]) for i in T.free(t.base) - set(t.bound))
        key = ("power", t, *outer)  # the whole power once, each entry read from it
        if key not in self.memo:
            self.memo[key] = self.power(self.matrix(t, env), self.at(t.exponent, env))
        a, b = t.indices
        return self.memo[key][env[a]][env[b]]

    def power(self, m: list, k: int) -> list:
        n = len(m)
        if abs(k) > MAX_POWER:
            raise Cannot
        if k < 0:
            m, k = self.inverse(m), -k
        result = [[int(r == s) for s in range(n)] for r in range(n)]
        while k:
            if k & 1:
                result = self.product(result, m)
            m, k = (self.product(m, m) if k > 1 else m), k >> 1
        return result

    def inverse(self, m: list) -> list:
        """The adjugate over the determinant (no decision when the determinant may be 0)."""
        det = self.real(self.determinant(m))
        if 0 in det:
            raise Cannot

        def cofactor(r: int, s: int):  # of entry (r, s)
            minor = [row[:s] + row[s + 1 :] for q, row in enumerate(m) if q != r]
            return (-1) ** (r + s) * self.determinant(minor)

        return [[cofactor(s, r) / det for s in range(len(m))] for r in range(len(m))]

    def product(self, a: list, b: list) -> list:
        n = len(a)
        self.charge(n**3)
        return [[sum(a[r][q] * b[q][s] for q in range(n)) for s in range(n)] for r in range(n)]

    def _det(self, t, env):
        return self.determinant(self.matrix(t, env))

    def _logdet(self, t, env):
        det = self.real(self.determinant(self.matrix(t, env)))
        if (det > 0) is not True:
            raise Cannot
        return self.c.log(det)


def _late(factor: T.Term) -> bool:
    return type(factor) not in (T.Delta, T.Pair, T.Ones, T.Zero, T.Num, T.Size)


def enclose(ev: _Enclosure, e) -> list:
    """Every entry of the ``Expr`` ``e`` (its axes in order, row-major)."""
    shape = [range(ev.size(a.dim)) for a in e.axes]
    return [ev.at(e.term, dict(zip(e.axes, p))) for p in itertools.product(*shape)]


def differing_probe(sampler) -> dict | None:
    """A probe where an entry of the claim and of the derivative are apart (see the module)."""
    f, base = sampler.f, sampler.base
    if sampler.free_dims or _approximate(f.term) or _approximate(base.term):
        return None
    c, work = _context(), [MAX_WORK]
    for k in range(min(PROBES, len(sampler.rounds))):
        sizes = {d: min(n, MAX_SIZE) for d, n in sampler.rounds[k].items()}
        try:
            probe = sampler.draw(k, sizes=sizes)
            if _apart(sampler, probe, c, work):
                return probe
        except _NO_DECISION:
            if work[0] <= 0:
                return None
        except RecursionError:  # a term too deep to walk here
            return None
    return None


def _apart(sampler, probe: dict, c: Context, work: list) -> bool:
    sizes = {**probe_sizes(sampler.f, probe), **sampler.claim_sizes(probe)}
    ints = {n: probe[n] for n, v in sampler.used.items() if v.kind == "integer" and n in probe}
    ev = _Enclosure(c, sizes, ints, probe, work)
    for e in dict.fromkeys((sampler.f, sampler.base)):  # kinks anywhere: no decision here
        if kinked(e.term):
            enclose(ev, e)
    shapes = [[ev.size(a.dim) for a in e.axes] for e in (sampler.expected, sampler.claim)]
    if shapes[0] != shapes[1]:
        return False
    want, got = enclose(ev, sampler.expected), enclose(ev, sampler.claim)
    margin = c.mpf(2) ** -GAP_BITS
    for a, b in zip(want, got):
        a, b = ev.real(a), ev.real(b)
        gap = (abs(a) + abs(b)) * margin
        if (a + gap < b) is True or (b + gap < a) is True:
            return True
    return False


_INEXACT: list = []


def _approximate(t: T.Term) -> bool:
    """``t`` applies a function whose registry derivative writes ``DECIMAL_PI`` (erf)."""
    if not _INEXACT:
        u = T.Var("u")
        _INEXACT.append(
            {n for n, r in ELEMENTWISE.items() if DECIMAL_PI in T.nodes(r.derivative(u))}
        )
    names = _INEXACT[0]
    return any(type(u) is T.Func and u.name in names for u in T.nodes(t))
