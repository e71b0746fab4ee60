"""Differentiation: index IR -> index IR, elementwise, by Kronecker-delta rules.

Input: a term and ``Wrt`` (the variable and the indices of ``dX[i,j]``).
Output: the derivative, a term whose free indices are the term's plus ``wrt.indices``; or
``ZERO`` when the term does not depend on the variable.
Invariants:
- One table, ``RULES``, keyed by node type; every node type has a rule (a test checks this) and
  every elementwise function has an entry in ``FUNCTION_DERIVATIVES``.
- ``ZERO`` short-circuits: a subterm independent of the variable is never differentiated further,
  and no ``ZERO`` ever reaches a constructed ``Add`` or ``Prod``.
- Nothing is expanded: the product rule makes one term per factor that depends on the variable
  (factors whose terms are equal, as in ``x .* x .* x``, one term times their count:
  ``like_factors``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from einderiv.calculus.like_factors import like_factors
from einderiv.calculus.two_sizes import two_sizes
from einderiv.errors import EinderivError, ShapeError
from einderiv.ir import index_ir as T
from einderiv.ir.index_ir import MINUS_ONE, ONE, ZERO, Term
from einderiv.ir.node import fast_init
from einderiv.ir.ops import ELEMENTWISE, ones_like


@fast_init
@dataclass(frozen=True, slots=True)
class Wrt:
    """Differentiate by ``name`` at entry ``indices``; ``symmetric`` for symmetric matrices."""

    name: str
    indices: tuple[T.Index, ...]
    symmetric: bool = False


RULES: dict[type, Callable[[Term, Wrt, _Differentiator], Term]] = {}
_INVERSE = T.affine(-1)  # the exponent of an inverse (interned: equal is identical)
# f'(u) of each elementwise function: declared with the function in the registry (ir/ops.py)
FUNCTION_DERIVATIVES: dict[str, Callable[[Term], Term]] = {
    name: op.derivative for name, op in ELEMENTWISE.items()
}


def rule(*types):
    """Register the derivative rule of one or more node types."""

    def register(fn):
        for kind in types:
            RULES[kind] = fn
        return fn

    return register


def derivative(term: Term, wrt: Wrt) -> Term:
    """``d term / d wrt.name[wrt.indices]``."""
    return _Differentiator(wrt).d(term)


class _Differentiator:
    """Applies ``RULES`` with memoisation, so a shared subterm is differentiated once."""

    def __init__(self, wrt: Wrt):
        self.wrt = wrt
        self.memo: dict[Term, Term] = {}
        self.depends: dict[Term, bool] = {}

    def mentions(self, t: Term) -> bool:
        found = self.depends.get(t)
        if found is None:
            if type(t) is T.Var:
                found = t.name == self.wrt.name
            else:  # a loop, not any() of a generator: every node of the term comes here
                found = False
                for c in T.children(t):
                    if self.mentions(c):
                        found = True
                        break
            self.depends[t] = found
        return found

    def d(self, t: Term) -> Term:
        if not self.mentions(t):
            return ZERO
        result = self.memo.get(t)
        if result is None:
            result = RULES[type(t)](t, self.wrt, self)
            self.memo[t] = result
        return result


# ---------------------------------------------------------------------------------------------
# Rules. Each is the formula in the comment above it.


# d c = 0 for constants, deltas (plain and compound), ones and sizes
@rule(T.Zero, T.Num, T.Affine, T.Delta, T.Pair, T.Ones, T.Size)
def d_constant(t, wrt, diff):
    return ZERO


# dX[a,b]/dX[i,j] = delta[a,i] delta[b,j];  dx[a]/dx[i] = delta[a,i];  dx/dx = 1
# symmetric: dS[a,b]/dS[i,j] = (delta[a,i] delta[b,j] + delta[a,j] delta[b,i]) / 2
@rule(T.Var)
def d_var(t: T.Var, wrt, diff):
    if len(t.indices) != len(wrt.indices):
        raise EinderivError(
            f"{t.name} is used with {len(t.indices)} indices, not {len(wrt.indices)}"
        )
    if not t.indices:
        return ONE
    if any(a.dim != i.dim for a, i in zip(t.indices, wrt.indices)):  # kron(x, u)' y + x' y
        raise ShapeError(two_sizes(t.name, t.indices, wrt.indices))
    straight = tuple(T.Delta(a, i) for a, i in zip(t.indices, wrt.indices))
    if not wrt.symmetric:
        return straight[0] if len(straight) == 1 else T.Prod(straight)
    (a, b), (i, j) = t.indices, wrt.indices
    crossed = T.Prod((T.Delta(a, j), T.Delta(b, i)))
    return T.Prod((T.Num(Fraction(1, 2)), T.Add((T.Prod(straight), crossed))))


# d(u + v) = du + dv
@rule(T.Add)
def d_add(t: T.Add, wrt, diff):
    return _add([diff.d(x) for x in t.terms])


# d(sum_s prod_k f_k) = sum_s sum_k (prod_{l != k} f_l) df_k
# (nested products are spliced in first, so each factor is an atom and each term comes out flat)
@rule(T.Prod)
def d_prod(t: T.Prod, wrt, diff):
    factors, summed = _flat(t.factors, t.summed)
    clash = {s: T.fresh(s.dim) for s in summed if s in wrt.indices}
    if clash:  # a summed index named like a wrt index: rename it first
        factors = tuple(T.rename(f, clash) for f in factors)
        summed = tuple(clash.get(s, s) for s in summed)
    terms = []
    # factors whose terms are equal (x .* x .* ... .* x): one term, times their count
    dependent = [k for k, factor in enumerate(factors) if diff.mentions(factor)]
    for k, count in like_factors(factors, summed, dependent):
        df = diff.d(factors[k])
        if df is not ZERO:
            times = (T.Num(Fraction(count)),) if count > 1 else ()
            terms.append(_product(times + factors[:k] + (df,) + factors[k + 1 :], summed))
    return _add(terms)


def _product(factors: tuple[Term, ...], summed: tuple[T.Index, ...]) -> Term:
    """``sum_summed prod factors`` built flat: nested products spliced in (their summed indices
    renamed apart where they clash), and ``sum_s (u + v)`` as ``sum_s u + sum_s v`` -- the
    forms ``prod_flatten`` and ``prod_sum_of_add`` would rewrite it to, without the rewrites."""
    if len(factors) == 1 and (not summed or type(factors[0]) is T.Add):
        if not summed:
            return factors[0]
        return T.Add(tuple(_product((x,), summed) for x in factors[0].terms))
    return T.Prod(*_flat(factors, summed))


def _flat(factors: tuple[Term, ...], summed: tuple[T.Index, ...]) -> tuple[tuple, tuple]:
    """The factors and summed indices of ``sum_summed prod factors`` with nested products
    spliced in, their summed indices renamed where they would clash (``prod_flatten``)."""
    if not any(type(f) is T.Prod for f in factors):
        return factors, summed
    flat: list[Term] = []
    names = list(summed)
    _splice(factors, flat, names, _Taken(factors, summed))
    numbers = [f for f in flat if type(f) is T.Num]
    if numbers and flat[0] is not numbers[0]:  # numbers first, as prod_numbers would put them
        flat = numbers + [f for f in flat if type(f) is not T.Num]
    return tuple(flat), tuple(names)


class _Taken:
    """The names a spliced product's summed indices must avoid: the outer product's summed
    indices, every factor's free ones, and the summed indices spliced so far. Gathered when a
    product with summed indices is first spliced: ``dX[a,b] = delta[a,i] delta[b,j]`` sums
    nothing, and is spliced without them."""

    __slots__ = ("factors", "names")

    def __init__(self, factors, summed):
        self.factors, self.names = factors, summed

    def get(self) -> set:
        if type(self.names) is not set:  # (nothing spliced so far added a name)
            names = set(self.names)
            for f in self.factors:
                names.update(T.free(f))
            self.names = names
        return self.names


def _splice(factors, flat: list, names: list, taken: _Taken) -> None:
    for f in factors:
        if type(f) is not T.Prod:
            flat.append(f)
            continue
        inner = f.factors
        if f.summed:
            avoid = taken.get()
            clash = {s: T.fresh(s.dim) for s in f.summed if s in avoid}
            if clash:
                inner = tuple(T.rename(g, clash) for g in inner)
            for s in f.summed:
                s = clash.get(s, s)
                names.append(s)
                avoid.add(s)
        _splice(inner, flat, names, taken)


# d f(u) = f'(u) du, elementwise (no index is summed)
@rule(T.Func)
def d_func(t: T.Func, wrt, diff):
    du = diff.d(t.arg)
    if du is ZERO:
        return ZERO
    slope = FUNCTION_DERIVATIVES[t.name](t.arg)
    if slope is ZERO:  # sign, step: flat wherever they are differentiable
        return ZERO
    return _product((slope, du), ())


# d u^p = p u^(p-1) du + u^p log(u) dp
@rule(T.Pow)
def d_pow(t: T.Pow, wrt, diff):
    u, p = t.base, t.exponent
    du, dp = diff.d(u), diff.d(p)
    terms = []
    if du is not ZERO:
        terms.append(_product((p, T.Pow(u, _minus_one(p)), du), ()))
    if dp is not ZERO:
        base = _number(u)
        if base is not None and base <= 0:  # 0 .^ x, (-1)^t: log(u) has no value
            c = f"({base})" if base < 0 else str(base)
            raise EinderivError(
                f"a power of {c} by a variable exponent has no derivative by it: d c^t = c^t "
                f"log(c) dt, and log({c}) has no value ({c}^t is "
                + ("0 for t > 0, 1 at t = 0" if base == 0 else "real only at integers t")
                + "); write the power with a positive base, or the exponent an integer"
            )
        terms.append(_product((t, T.Func("log", u), dp), ()))
    return _add(terms)


def _number(t: Term) -> Fraction | None:
    """The value of ``t`` when it is a number whatever its indices (``-1``, ``0 ones[a]``, ``(1
    - 1) ones[a]``), else None."""
    if t is ZERO:
        return Fraction(0)
    if type(t) is T.Num:
        return t.value
    if type(t) is T.Prod and not t.summed:
        value = Fraction(1)
        for f in t.factors:
            v = Fraction(1) if type(f) is T.Ones else _number(f)
            if v is None:
                return None
            value *= v
        return value
    if type(t) is T.Add:
        values = [_number(term) for term in t.terms]
        return None if None in values else sum(values, Fraction(0))
    return None


# d inv(B)[a,b] = -sum_{c,d} inv(B)[a,c] dB[c,d] inv(B)[d,b]
# d (B^e)[a,b] = sum_{r=0}^{e-1} sum_{c,d} B^r[a,c] dB[c,d] B^(e-1-r)[d,b]   (every integer e:
#   for e < 0 the sum runs backwards, sum_{r=0}^{e-1} f(r) = -sum_{r=e}^{-1} f(r); see SumOver)
@rule(T.MatPow)
def d_matpow(t: T.MatPow, wrt, diff):
    d_base = diff.d(t.base)
    if d_base is ZERO:
        return ZERO
    (p, q), (a, b), e = t.bound, t.indices, t.exponent
    c, d = T.fresh(p.dim), T.fresh(p.dim)
    d_base = T.rename(d_base, {p: c, q: d})

    def power(exponent: T.Affine, i: T.Index, j: T.Index) -> T.MatPow:
        return T.MatPow(t.base, t.bound, exponent, (i, j))

    if e is _INVERSE:
        factors = (MINUS_ONE, power(e, a, c), d_base, power(e, d, b))
        return _product(factors, (c, d))
    r = T.fresh_int()
    rr = T.affine(0, {r: 1})
    last = T.affine_add(T.affine_add(e, T.affine(1), -1), rr, -1)
    body = _product((power(rr, a, c), d_base, power(last, d, b)), (c, d))
    return T.SumOver(r, e, body)


# d det(B) = det(B) sum_{c,d} inv(B)[d,c] dB[c,d]
@rule(T.Det)
def d_det(t: T.Det, wrt, diff):
    return _det_like(t, diff, (t,))


# d logdet(B) = sum_{c,d} inv(B)[d,c] dB[c,d]
@rule(T.LogDet)
def d_logdet(t: T.LogDet, wrt, diff):
    return _det_like(t, diff, ())


# d logsumexp(u)[a] = sum_c softmax(u)[a,c] du[a,c]
# d softmax(u)[a,i] = softmax(u)[a,i] du[a,i] - softmax(u)[a,i] sum_c softmax(u)[a,c] du[a,c]
# d log_softmax(u)[a,i] = du[a,i] - sum_c softmax(u)[a,c] du[a,c]
# (the row index a is absent for a vector; the bound index of u runs along the row)
@rule(T.RowFunc)
def d_rowfunc(t: T.RowFunc, wrt, diff):
    d_base = diff.d(t.base)
    if d_base is ZERO:
        return ZERO
    c = T.fresh(t.bound.dim)
    softmax = T.RowFunc("softmax", t.base, t.bound, (c,))
    moved = T.rename(d_base, {t.bound: c})  # du[a,c]: renamed once, used by both terms
    mixed = _product((softmax, moved), (c,))
    if t.name == "logsumexp":
        return mixed
    (i,) = t.indices
    own = T.rename(d_base, {t.bound: i})
    if t.name == "log_softmax":  # I - ones s': the ones kept, so it prints as such
        ones = () if i in T.free(mixed) else (T.Ones(i),)
        return _add([own, _product((MINUS_ONE, *ones, mixed), ())])
    if t.name == "softmax":  # distributed: diag(s) - s s' prints as such
        spread = _product((MINUS_ONE, t, softmax, moved), (c,))
        return _add([_product((t, own), ()), spread])
    raise EinderivError(f"no derivative for the row function {t.name}")


# Reverse mode (``calculus.reverse``): d f / d u[a,c] of a row function's base u (its row's
# entry c: the base renamed to c) from d f / d t[a(,i)] = abar, the rules above transposed:
# logsumexp: abar[a] s[a,c];  softmax: s[a,c] (abar[a,c] - sum_i abar[a,i] s[a,i]);
# log_softmax: abar[a,c] - s[a,c] sum_i abar[a,i]   (s = softmax(u); a absent for a vector)
# (a diagonal entry, softmax(U)[i,i] of tr(softmax(U)): the row entry i is also U's column;
# named apart first, softmax(U)[i,i] = sum_k softmax(U)[k,i] delta[k,i], so that the sums
# over the entry below do not sum over the column)
def row_adjoint(t: T.RowFunc, abar: Term, c: T.Index) -> Term:
    s_c = T.RowFunc("softmax", t.base, t.bound, (c,))
    if t.name == "logsumexp":
        return s_c if abar is ONE else T.Prod((abar, s_c))
    (i,) = t.indices
    if i in T.free(t.base):
        k = T.fresh(i.dim)
        t, abar = t.replace(indices=(k,)), T.Prod((abar, T.Delta(k, i)))
        i = k
    entry = _spread(T.rename(abar, {i: c}), T.free(s_c))  # abar[a,c], broadcast if constant
    if t.name == "log_softmax":
        total = T.Prod((abar, T.Ones(i)), (i,))
        return T.Add((entry, T.Prod((MINUS_ONE, s_c, total))))
    if t.name == "softmax":
        mean = T.Prod((abar, t), (i,))
        return T.Add((T.Prod((entry, s_c)), T.Prod((MINUS_ONE, s_c, mean))))
    raise EinderivError(f"no derivative for the row function {t.name}")


def _spread(term: Term, indices) -> Term:
    """``term`` times ``ones`` over the ``indices`` it lacks (a constant along them)."""
    missing = tuple(T.Ones(i) for i in sorted(indices - T.free(term), key=lambda i: i.name))
    return T.Prod((term, *missing)) if missing else term


# d sum_r u = sum_r du
@rule(T.SumOver)
def d_sumover(t: T.SumOver, wrt, diff):
    body = diff.d(t.body)
    return ZERO if body is ZERO else t.replace(body=body)


def _det_like(t, diff, prefix: tuple) -> Term:
    d_base = diff.d(t.base)
    if d_base is ZERO:
        return ZERO
    p, q = t.bound
    c, d = T.fresh(p.dim), T.fresh(p.dim)
    inverse = T.MatPow(t.base, t.bound, _INVERSE, (d, c))
    return _product(prefix + (inverse, T.rename(d_base, {p: c, q: d})), (c, d))


# ---------------------------------------------------------------------------------------------


def _add(terms: list[Term]) -> Term:
    terms = [x for x in terms if x is not ZERO]
    if not terms:
        return ZERO
    return terms[0] if len(terms) == 1 else T.Add(tuple(terms))


def _minus_one(p: Term) -> Term:
    """``p - 1`` for an exponent."""
    if isinstance(p, T.Num):
        return T.Num(p.value - 1)
    if isinstance(p, T.Affine):
        return T.affine_add(p, T.affine(1), -1)
    return T.Add((p, T.Prod((MINUS_ONE, ones_like(p)))))
