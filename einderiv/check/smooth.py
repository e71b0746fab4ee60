"""The conditions a claim needs that the expression does not impose, and which of the
derivative's own conditions are the expression's kinks (where it has no derivative at all).

Input: a ``Sampler`` (the expression ``f``, its derivative, the claim).
Output: ``disagreement(judge, probe)``: the verdict at a probe where the claim and the
derivative differ (``check.witness`` decides whether the claim is undefined there, or a float
overflowed or rounded); ``fails_at``; ``missing_conditions(sampler)``: the claim's conditions that
neither ``f`` nor its
derivative imposes, where a condition of the derivative that ``f`` does not impose counts only
when it is a kink of ``f`` (``form_only`` lists the others). ``d norm2(x)^3 / dx`` is written
``3 x' x x' / norm2(x)``, undefined at x = 0, where ``norm2(x)^3`` is differentiable (its
gradient is 0): a claim that needs x != 0 is not "right". ``d norm2(x) / dx = x' / norm2(x)``
needs x != 0 too, but there ``norm2`` has a kink: that condition is the derivative's own, and
the claim can be right.
Invariants (sound: a kink is proved, never guessed):
- ``u' u > 0`` is a kink of ``f`` only when ``f = c norm2(u) + g`` (or ``c sqrt(u' u)``): c a
  non-zero number, g differentiable everywhere (no condition, kink, root or power below 1),
  and u the variable differentiated by times a non-zero number plus terms without it -- then
  ``f(p + t v) = |c t| norm2(v) + g(p + t v) + O(t^2)`` wherever u = 0: no derivative there.
  ``norm2(A x - b)`` by x is not: at A = 0 it is constant in x, with derivative 0;
- ``1 - u^2 > 0`` of a function defined on [-1, 1] (arcsin, arccos: ``domain.DOMAINS``'s
  closed_unit) is the edge of its domain when u is the variable times a non-zero number plus
  terms without it, or a homogeneous polynomial in it (``W x``, ``x' x``: u(s p) = s^k u(p),
  and u = +-1 is not 0): beside every point with an entry of u at +-1, one beyond, where f is
  undefined. Not ``W x + b`` (at a row of W that is 0 and b = 1, f is flat in x), nor
  ``1 - x^4`` (flat at x = 0, its derivative 0 there);
- only scalar conditions (positive, nonnegative, nonzero) are considered here; Jacobi's
  ``det(X) X^-1`` is ``domain.differentiable_singular``'s.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import partial

import numpy as np

from einderiv.api import Expr
from einderiv.backend.binding import dim_names
from einderiv.calculus.simplify import flatten
from einderiv.check.condition_form import unit_gap
from einderiv.check.dims import mentions_dim
from einderiv.check.domain import (
    DOMAINS,
    Condition,
    condition_of,
    conditions,
    differentiable_singular,
    implied,
    uncovered,
    variables_of,
)
from einderiv.check.probes import integer_sizes, probe_sizes
from einderiv.check.sampling import magnitude
from einderiv.check.slopes import in_optional_sums, kinked
from einderiv.check.witness import fails
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import canonical
from einderiv.ir.matrix_ops import ADJ, INV
from einderiv.ir.node import dim_factors
from einderiv.ir.ops import SQRT

__all__ = ["disagreement", "fails_at", "form_only", "missing_conditions"]

_KINDS = ("positive", "nonnegative", "nonzero")
_WHERE = ("invertible where", "nonzero where")  # X^(k-1): at k = 0, tr(X^k) = n is flat
_ADJ = re.compile(rf"\b{ADJ.name}\(")  # the expression uses the adjugate


def missing_conditions(sampler) -> list[Condition]:
    """Conditions the claim needs that the expression and the derivative do not impose (the
    derivative's form |X| X^-1 of d|X|/dX imposes nothing: |X| is smooth at singular X; nor
    does x' x x' / norm2(x) of d norm2(x)^3/dx: norm2(x)^3 is smooth at x = 0)."""
    f, expected, claim = sampler.f, sampler.expected, sampler.claim
    ignored = differentiable_singular(f.term, expected.term)
    sizes = integer_sizes(f)  # each >= 1: sum(x)^(n - 1) needs nothing
    if uncovered(claim.term, f.term, sizes=sizes):  # only then can a derivative's matter
        ignored |= form_only(sampler)
    missing = uncovered(claim.term, f.term, expected.term, ignored=ignored, sizes=sizes)
    if f.source is not None and _ADJ.search(M.show(f.source)):
        # adj(X) is defined for every X but evaluated as det(X) inv(X): the invertibility
        # lowering imposes is not the expression's; probes at invertible X prove nothing
        needs = conditions(claim.term)
        missing += [c for c in needs if c.kind.startswith("invertible") and c not in missing]
    elif missing and adjugate_only(sampler):  # 2 adj(2 W) of d det(2 W)/dW: W singular too
        missing = [c for c in missing if not c.kind.startswith("invertible")]
    return missing


def adjugate_only(sampler) -> bool:
    """Whether the claim's only matrices to invert are its adjugates' (``2 adj(2 W)``, no
    ``inv``, no power below 0), of an expression and derivative without kinks or adjugates:
    adj(M) is a polynomial in M's entries, lowered as det(M) inv(M), so its "M invertible" is
    the lowering's. Proved equal to the derivative where both are defined (a dense set: the
    zeros of det(M) have no interior), the claim equals it at a singular M too, where it and
    the derivative of the smooth expression are continuous (Jacobi: d det(2 W) / dW =
    2 adj(2 W) at every W)."""
    source = getattr(sampler.claim, "source", None)
    if source is None:  # d f = tr(adj(X) dX): its right side as written
        source = _differential_source(sampler)
    if source is None or kinked(sampler.f.term) or kinked(sampler.expected.term):
        return False
    found, todo = set(), [source]
    while todo:
        e = todo.pop()
        match e:
            case M.Inverse() | M.Call(fn=INV.name):
                return False
            case M.Div(right=x) if not isinstance(x, M.Number):  # a / (x' x): not the adj's
                return False
            case M.Power(base=M.Number()):  # 2^len(W): a number, nothing inverted
                pass
            case M.Power(exponent=M.Number(value=v)) if v < 0 or v.denominator != 1:
                return False
            case M.Power(exponent=x) if not isinstance(x, M.Number):  # W^k: k < 0 inverts
                return False
            case M.Call(fn=ADJ.name):
                found.add(e)
        M.map_children(e, lambda c: todo.append(c) or c)
    return bool(found)


def _differential_source(sampler) -> M.MExpr | None:
    """The right side of a differential claim of a first derivative (``d f = tr(adj(X)
    dX)``), as read, or None: its derivative by dX, the claim judged, has no text of its own.
    Its only inverses are its adjugates' exactly when the claim's are (dX is a variable)."""
    from einderiv.check.forms import differential_right, is_differential

    text = getattr(sampler, "claim_text", None)
    if not isinstance(text, str) or not is_differential(text) or sampler.base is not sampler.f:
        return None
    try:
        return differential_right(sampler.f, sampler.wrt, text)[0].source
    except EinderivError:
        return None


def fails_at(sampler, probe: dict) -> bool:
    """Whether a condition the claim needs (and the expression does not impose) is false at
    ``probe``, by the values of its term there: then the claim is undefined at a point where
    the derivative is defined. A claim that is not finite where every such condition holds (or
    none can be evaluated) is so only because a float overflowed (``log(exp(1000)^2)``).
    Only values that show it beyond doubt count (``witness.fails``): an exp that underflowed
    to 0 in a divisor is no witness."""
    sizes = {**probe_sizes(sampler.f, probe), **sampler.claim_sizes(probe)}
    for condition in missing_conditions(sampler):
        node = condition.node
        if node is None:
            continue
        axes = tuple(sorted(T.free(node), key=lambda i: i.name))
        variables, dims = sampler.claim.variables, sampler.claim.index_dims
        try:
            values = sampler.call(Expr(node, axes, variables, dims), probe, claim=True)
            scale = sampler.call(Expr(magnitude(node), axes, variables, dims), probe, claim=True)
            scale = float(np.max(np.abs(scale), initial=0.0))
        except (EinderivError, np.linalg.LinAlgError, ValueError, TypeError):
            continue
        if fails(condition, probe, sizes, values, scale):
            return True
    return False


def disagreement(judge, probe) -> tuple:
    """A probe where the claim and the derivative differ: the verdict, or (None, True) when
    exact arithmetic shows the difference is a float's. Finite values that differ by more
    than rounding can explain are a witness (exact arithmetic never overrides one: it tries
    finitely many values of sizes and integers, the probe may have another). A claim not
    finite there is undefined there when
    a condition it needs is false beyond doubt (``fails_at``), else a float overflowed
    (exp(1000) - exp(1000)): exact arithmetic, then small integers decide, else undecided.
    A claim with a size nothing fixes and no axis sizes (``tr(I) + 1``, ``ones' ones``) was
    tried at sizes it may not mean (tr(I) + 1 is right for I_2): undecided, never "wrong"."""
    if _unsized(judge):
        return judge.result("undecided", _OPEN_SIZE), None
    if probe is None or np.all(np.isfinite(judge.values(probe)[1])):
        return judge.wrong(probe, "the claim is wrong"), None  # finite values that differ
    if fails_at(judge, probe):
        reason = "the claim is wrong: it is undefined where the derivative is defined"
        return judge.wrong(probe, reason, integer=False), None
    exactly = judge.exactly_equal()
    if exactly is False:
        differs = judge.differing_probe()
        return judge.wrong(differs, "the claim is wrong", method="exact arithmetic differs"), None
    if exactly is None and (witness := judge.integer_witness(partial(fails_at, judge))):
        return judge.wrong(witness, "the claim is wrong", integer=False), None  # small values
    if exactly is None:
        return judge.result(
            "undecided",
            "undecided: the claim is not finite at a probe where the derivative is, with no "
            "condition it needs false there beyond doubt (a float that overflowed, or a 0/0 "
            "of its own), and exact arithmetic cannot decide",
        ), None
    return None, True


def _unsized(judge) -> bool:
    """Whether the claim's term has a size that nothing fixes and that is no factor of its
    axes' sizes (tr(I), ones' ones): its value at each size tried rests on a guess."""
    on_axes = {f for a in judge.claim.axes for f in dim_factors(a.dim)}
    known = dim_names(judge.f)
    for d in judge.free_dims:
        own = [f for f in dim_factors(d) if isinstance(f, str) and f not in known]
        if own and not set(own) & on_axes and mentions_dim(judge.claim.term, d):
            return True
    return False


_OPEN_SIZE = (
    "undecided: the claim differs from the derivative at each size tried for its I or ones "
    "that nothing fixes (as in tr(I)), but another size of it may make it right; write the size"
)


def form_only(sampler) -> frozenset[Condition]:
    """The derivative's conditions (scalar kinds, and any kind on a variable that a possibly
    empty finite sum of ``f`` needs) that ``f`` does not imply and that are not a kink of
    ``f`` (see the module's invariants)."""
    imposed = conditions(sampler.f.term, imposed=True)
    own = implied(imposed)
    origin = sampler.expected._origin  # (term, axes, Wrt, ...): the variable differentiated by
    kinks = _kinks(canonical(flatten(sampler.f.term)), origin[2].name) if origin else set()
    # what f needs only where a finite sum has terms (sum_{r<k} tr(inv(X)) at k = 0 needs
    # nothing; its derivative's form -k X^-2 needs X invertible at every k): its variables
    folded = frozenset().union(*(c.names for c in conditions(sampler.f.term) - imposed))
    return frozenset(
        c
        for c in conditions(sampler.expected.term)
        if c not in own
        and c.term not in kinks
        # any kind on a variable a possibly empty sum's terms need (sum_{r<k} logdet(X^2)
        # needs X X invertible where k > 0; its derivative's form 2 k X^-1 needs X at every k)
        and (c.kind in _KINDS or c.kind.startswith(_WHERE) or bool(c.names & folded))
    )


def _kinks(f: T.Term, wrt: str) -> set[str]:
    """The condition keys of ``u' u`` (and of its root) where ``f = c norm2(u) + g`` has a
    kink: c a non-zero number, g differentiable everywhere, u = number * wrt + (no wrt); and
    of u where ``f`` takes ``sqrt(u)`` or ``u^p`` (p not an integer) of such a u: the edge of
    its domain (u < 0 beside every point where u = 0), where it has no derivative either."""
    terms = f.terms if type(f) is T.Add else (f,)
    found = set()
    todo = [f]
    optional = in_optional_sums(f)  # sum_{r<k}(sqrt(a)): at k = 0, no edge at a = 0
    # and a variable such a sum uses may cancel an edge outside it (sqrt(a) - sum_{r<k}
    # sqrt(a) is flat in a at k = 1): no edge of it counts
    cancelling = {u.name for u in optional.values() if type(u) is T.Var}
    while todo:  # the edges of the domain: sum(sqrt(x)) at x[a] = 0
        t = todo.pop()
        todo.extend(T.children(t))
        if id(t) in optional:
            continue
        edge = _fractional_base(t) if type(t) in (T.Func, T.Pow) else None
        if edge is not None and _linear_term(edge, wrt) and not variables_of(edge) & cancelling:
            found |= _keys(edge)
        # arcsin(u) at u = +-1 of u homogeneous in wrt (W x, x' x): |u| > 1 beside
        unit = t.arg if type(t) is T.Func and DOMAINS.get(t.name) == "closed_unit" else None
        if unit is not None and _unit_edge(unit, wrt) and not variables_of(unit) & cancelling:
            found |= _keys(unit_gap(unit))
    for k, term in enumerate(terms):
        root = _root(term)
        if root is None or not _linear_in(root, wrt):
            continue
        others = terms[:k] + terms[k + 1 :]
        if not all(map(_smooth_everywhere, others)):
            continue
        for made in (T.Pow(root, T.Num(Fraction(1, 2))), T.Func(SQRT.name, root), root):
            found |= _keys(made)
    return found


def _keys(t: T.Term) -> set[str]:
    """The keys of every scalar condition on ``t``."""
    made = (condition_of(kind, t) for kind in _KINDS)
    return {c.term for c in made if c is not None}


def _fractional_base(t: T.Term) -> T.Term | None:
    """u of ``sqrt(u)`` or of ``u^p`` for a number p that is not an integer."""
    if type(t) is T.Func and t.name == SQRT.name:
        return t.arg
    if type(t) is T.Pow and type(t.exponent) is T.Num and t.exponent.value.denominator != 1:
        return t.base
    return None


def _smooth_everywhere(g: T.Term) -> bool:
    """Differentiable at every point: no condition, no kink, no root or power below 1 (a
    norm2(x)^3 = (x' x)^(3/2) is, a norm2(x) is not)."""
    if conditions(g) or kinked(g):
        return False
    todo = [g]
    while todo:
        t = todo.pop()
        if type(t) is T.Func and t.name == SQRT.name:
            return False
        if type(t) is T.Pow and type(t.exponent) is T.Num:
            power, base = t.exponent.value, t.base
            while type(base) is T.Pow and type(base.exponent) is T.Num:  # (s^(1/2))^3
                power, base = power * base.exponent.value, base.base
            if power.denominator != 1 and power < 1:
                return False
            todo.append(base)
            continue
        todo.extend(T.children(t))
    return True


def _root(term: T.Term) -> T.Term | None:
    """``s`` of ``c s^(1/2)`` or ``c sqrt(s)`` (c a non-zero number), else None."""
    factors = term.factors if type(term) is T.Prod and not term.summed else (term,)
    numbers = [f for f in factors if type(f) is T.Num]
    rest = [f for f in factors if type(f) is not T.Num]
    if len(rest) != 1 or any(f.value == 0 for f in numbers):
        return None
    (f,) = rest
    if type(f) is T.Pow and f.exponent == T.Num(Fraction(1, 2)):
        return f.base
    if type(f) is T.Func and f.name == SQRT.name:
        return f.arg
    return None


def _linear_in(s: T.Term, wrt: str) -> bool:
    """``s = u[I] u[I]`` summed over all of u's indices, u = number * wrt[I] + (no wrt)."""
    if type(s) is not T.Prod or len(s.factors) != 2 or s.factors[0] != s.factors[1]:
        return False
    u = s.factors[0]
    return set(T.free(u)) == set(s.summed) and _linear_term(u, wrt)


def _unit_edge(u: T.Term, wrt: str) -> bool:
    """Whether every point where an entry of ``u`` is 1 or -1 has points beside it where that
    entry is beyond (so a function defined on [-1, 1] of u has no derivative there)."""
    return _linear_term(u, wrt) or _homogeneous(u, wrt)


def _homogeneous(u: T.Term, wrt: str) -> bool:
    """``u`` a homogeneous polynomial in ``wrt`` of a degree k >= 1, each term a product of
    entries of wrt (and their integer powers) and factors without it (``W x``, ``x' x``, ``x .*
    x``): u(s p) = s^k u(p), so where u != 0 scaling wrt moves u to both sides of its value."""
    degrees = set()
    for part in u.terms if type(u) is T.Add else (u,):
        degree = 0
        for f in part.factors if type(part) is T.Prod else (part,):
            power = 1
            if type(f) is T.Pow and type(f.exponent) is T.Num:
                f, power = f.base, f.exponent.value
            if type(f) is T.Var and f.name == wrt and power.denominator == 1 and power > 0:
                degree += int(power)
            elif T.mentions(f, wrt):
                return False
        degrees.add(degree)
    return len(degrees) == 1 and 0 not in degrees


def _linear_term(u: T.Term, wrt: str) -> bool:
    """``u = number * wrt[I] + (terms without wrt)``, I all of u's free indices, distinct."""
    parts = u.terms if type(u) is T.Add else (u,)
    with_wrt = [p for p in parts if T.mentions(p, wrt)]
    if len(with_wrt) != 1:
        return False
    (part,) = with_wrt
    if type(part) is T.Prod and not part.summed and len(part.factors) == 2:
        number, part = part.factors
        if type(number) is not T.Num or number.value == 0:
            return False
    free = T.free(u)
    return (
        type(part) is T.Var
        and part.name == wrt
        and set(part.indices) == set(free)
        and len(set(part.indices)) == len(part.indices)
    )
