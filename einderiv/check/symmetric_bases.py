"""Two terms equal once each power of a base symmetric through a symmetric variable is one
symmetric matrix: ``inv(X' C X)`` with C declared symmetric (the Matrix Cookbook's 125-127).

Input: the claim and the derivative as ``check`` compares their canonical forms (simplified,
oriented), and the expression (its variables declared ``symmetric``).
Output: ``equal_by_symmetric_bases(claim, want, f)``: True when, with each such power's base
written as one new symmetric variable (the same for equal bases), both terms simplify and
orient to one canonical form, as they are or with their products of sums multiplied out
(``expanded``) -- a proof, as equal forms are; else False (nothing proved).
Invariants:
- a base B over its bound pair (p, q) is symmetric when swapping p and q gives B again up to
  the order of the indices of the declared symmetric variables' entries (each such swap is
  an equality: ``sum_{a,b} X[a,p] C[a,b] X[b,q]`` with C = C'); the orienter
  (``calculus.symmetry``) tells symmetric bases by their form with those entries in name
  order, which misses X' C X (its C[a,b] turns C[b,a] with the summed names);
- B is replaced only inside the power, by a variable over the same bound pair, so equality of
  the two forms with that variable (any symmetric matrix) is equality at B itself; bases that
  are not symmetric, or not found so, stay as written (then nothing more is proved);
- at most ``MAX_FLIPS`` symmetric entries of a base are tried (2^k orientations).
"""

from __future__ import annotations

import itertools

from einderiv.calculus.rewriting import with_children
from einderiv.calculus.simplify import simplify
from einderiv.calculus.symmetry import orient
from einderiv.check.expanded import _terms_of, _TooMany
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, key
from einderiv.ir.unbind import comparable

__all__ = ["equal_by_symmetric_bases"]

MAX_FLIPS = 6


def equal_by_symmetric_bases(claim: T.Term, want: T.Term, f) -> bool:
    """Whether ``claim`` and ``want`` are equal with each symmetric power base one symmetric
    matrix (module docstring)."""
    symmetric = frozenset(n for n, v in f.variables.items() if v.kind == "symmetric")
    if not symmetric:
        return False
    names: dict = {}
    held = [_held(t, symmetric, names, {}) for t in (claim, want)]
    if not names:
        return False
    every = symmetric | frozenset(names.values())
    forms = [canonical(orient(simplify(t), every)) for t in held]
    if forms[0] == forms[1]:
        return True
    limit = 2 * sum(type(u) is T.Var for t in held for u in T.nodes(t)) + 64
    try:  # -C X B^-1 (A + A') B^-1 against its two products: multiplied out (``expanded``)
        spread = [canonical(orient(simplify(_terms_of(t, limit)), every)) for t in held]
    except (_TooMany, EinderivError):
        return False
    return spread[0] == spread[1]


def _held(t: T.Term, symmetric: frozenset, names: dict, memo: dict) -> T.Term:
    """``t`` with each power of a symmetric compound base written as a power of a variable."""
    found = memo.get(t)
    if found is not None:
        return found
    kids = T.children(t)
    done = with_children(t, [_held(c, symmetric, names, memo) for c in kids]) if kids else t
    if type(done) is T.MatPow and type(done.base) is not T.Var:
        name = _name(done, symmetric, names)
        if name is not None:
            done = done.replace(base=T.Var(name, done.bound))
    memo[t] = done
    return done


def _name(m: T.MatPow, symmetric: frozenset, names: dict) -> str | None:
    """The variable's name for ``m``'s base (one per base, either orientation), or None when
    the base is not found symmetric."""
    p, q = m.bound
    one, two = T.Index("%P", p.dim), T.Index("%Q", q.dim)
    base = T.rename(m.base, {p: one, q: two})
    turned = T.rename(m.base, {p: two, q: one})
    target = key(comparable(base))
    if not any(key(comparable(v)) == target for v in _orientations(turned, symmetric)):
        return None
    keys = min(target, key(comparable(turned)))
    if keys not in names:
        names[keys] = f"%sym{len(names)}"
    return names[keys]


def _orientations(t: T.Term, symmetric: frozenset):
    """``t`` with each subset of its symmetric variables' entries swapped (S[a,b] -> S[b,a])."""
    entries = sorted(
        {u for u in T.nodes(t) if type(u) is T.Var and u.name in symmetric and len(u.indices) == 2},
        key=str,
    )
    if len(entries) > MAX_FLIPS:
        yield t
        return
    for flips in itertools.product((False, True), repeat=len(entries)):
        swap = {e: e.replace(indices=e.indices[::-1]) for e, f in zip(entries, flips) if f}
        yield _swapped(t, swap, {}) if swap else t


def _swapped(t: T.Term, swap: dict, memo: dict) -> T.Term:
    found = swap.get(t) or memo.get(t)
    if found is None:
        kids = T.children(t)
        found = with_children(t, [_swapped(c, swap, memo) for c in kids]) if kids else t
        memo[t] = found
    return found
