"""Symmetric matrices in index form: terms equal up to the order of a symmetric entry's indices
merge.

Input: a simplified term and the names of the variables declared ``symmetric``.
Output: ``orient(term, symmetric)``, an equal term in which every product's symmetric entries
(``S[a,b]`` for a symmetric ``S``; its powers and inverse ``(S^-1)[a,b]``, also symmetric; a
power of a base symmetric by its form, ``((X' X)^-1)[a,b]``) are
written in one orientation (free indices before summed ones, ``S[i,a] x[a]``, read as
``S x``; then the least canonical key), then simplified again, so
that like terms merge:
    # S[a,i] x[a] + S[i,a] x[a] -> 2 S[i,a] x[a]                (x' S x by x)
    # -(S^-1)[a,j] (S^-1)[i,b] x[a] x[b] / 2 - (S^-1)[a,i] (S^-1)[j,b] x[a] x[b] / 2
    #     -> -(S^-1)[i,a] (S^-1)[j,b] x[a] x[b]                  (x' inv(S) x by S)
Invariants:
- The value is unchanged wherever the symmetric variables are symmetric (what their
  declaration says, and what evaluation checks): only the two indices of a symmetric entry are
  swapped.
- The chosen orientation depends only on the product's structure and free names (canonical
  keys), so two terms equal up to orientations get the same one; a product with more than
  ``MAX_ENTRIES`` symmetric entries keeps its own (2^k orientations are tried).
- Without symmetric variables in the term, the term is returned as it is (nothing is walked
  twice, nothing simplified again).
"""

from __future__ import annotations

import itertools

from einderiv.calculus.rewriting import with_children
from einderiv.calculus.simplify import simplify
from einderiv.ir import index_ir as T
from einderiv.ir.canon import key, scope
from einderiv.ir.index_ir import _CHILDREN
from einderiv.ir.unbind import comparable

__all__ = ["orient"]

MAX_ENTRIES = 6  # a product with more symmetric entries keeps its orientation (2^k tries)


def orient(t: T.Term, symmetric: frozenset, powers: bool | None = None) -> T.Term:
    """``t`` with its symmetric entries oriented, simplified again when any orientation
    changed (so that terms equal up to orientation merge). ``powers``: whether ``t`` may hold
    a power of a compound base (a derivative does only when its function does: the caller
    looks at the smaller term); None: look at ``t``."""
    if powers is None:
        powers = compound_power(t)
    if not symmetric and not powers:
        return t
    padded = _padded(t)
    work = T.rename(t, padded) if padded else t
    with scope():
        orienter = _Orienter(frozenset(symmetric))
        turned = orienter.walk(work)
        if orienter.entry(turned):  # the whole result is one entry: S[j,i] -> S[i,j]
            turned = orienter.product(turned)
    if turned is work:
        return t
    done = simplify(turned)
    return T.rename(done, {v: k for k, v in padded.items()}) if padded else done


def _padded(t: T.Term) -> dict[T.Index, T.Index]:
    """Fresh free indices (``_18``, a derivative's axes) renamed with their numbers padded
    (``_00000000000000000018``) while orienting: a tie between orientations is broken by the
    keys, which hold the free names, and ``_18`` sorts before ``_2`` but ``_72`` after ``_56``,
    so the same derivative was oriented (printed, compared by ``==``) otherwise after other
    work in the process had moved the counter. Padded, they sort in the order they were made."""
    found = {}
    for i in T.free(t):
        head = i.name.rstrip("0123456789")
        if head.startswith("_") and head != i.name:
            found[i] = T.Index(f"{head}{i.name[len(head) :].zfill(20)}", i.dim)
    return found


class _Orienter:
    def __init__(self, symmetric: frozenset):
        self.symmetric = symmetric
        self.memo: dict = {}

    def walk(self, t: T.Term) -> T.Term:
        found = self.memo.get(t)
        if found is None:
            kids = T.children(t)
            done = with_children(t, [self.walk(c) for c in kids]) if kids else t
            if isinstance(done, T.Prod):
                done = self.product(done)
            elif isinstance(done, T.Add):  # a term of a sum on its own: S[j,i] -> S[i,j]
                terms = tuple(self.product(x) if self.entry(x) else x for x in done.terms)
                done = done if terms == done.terms else T.Add(terms)
            found = self.memo[t] = done
        return found

    def entry(self, f: T.Term) -> bool:
        """Whether ``f`` is an entry of a symmetric matrix: ``S[a,b]``, ``(S^k)[a,b]``."""
        if isinstance(f, T.Var):
            return f.name in self.symmetric and len(f.indices) == 2
        if isinstance(f, T.MatPow) and isinstance(f.base, T.Var):
            base = f.base
            return base.name in self.symmetric and set(base.indices) == set(f.bound)
        if isinstance(f, T.MatPow):  # (X' X)^-1, (A + A')^k: a power of a symmetric base
            found = self.memo.get((f.base, f.bound))
            if found is None:
                found = self.memo[(f.base, f.bound)] = symmetric_base(f, self.symmetric)
            return found
        return False

    def product(self, t: T.Term) -> T.Term:
        factors = t.factors if isinstance(t, T.Prod) else (t,)
        places = [k for k, f in enumerate(factors) if self.entry(f)]
        if not places or len(places) > MAX_ENTRIES:
            return t
        best, best_key = t, None
        for flips in itertools.product((False, True), repeat=len(places)):
            made = list(factors)
            for k, flip in zip(places, flips):
                if flip:
                    made[k] = _swapped(made[k])
            variant = T.Prod(tuple(made), t.summed) if isinstance(t, T.Prod) else made[0]
            form = comparable(variant)  # (a sub-term of a canonical term: not canonical())
            k = (self.summed_first(form), key(form))
            if best_key is None or k < best_key:
                best, best_key = variant, k
        return best

    def summed_first(self, form: T.Term) -> int:
        """How many symmetric entries of a canonical ``form`` put a summed index (canonical
        names start with ``%``) before a free one: ``S[a,i]`` where ``S[i,a]`` reads better."""
        factors = form.factors if isinstance(form, T.Prod) else (form,)
        return sum(
            f.indices[0].name[0] == "%" and f.indices[1].name[0] != "%"
            for f in factors
            if self.entry(f)
        )


def symmetric_base(f: T.MatPow, symmetric: frozenset = frozenset()) -> bool:
    """Whether the base of ``f`` is symmetric in its two bound indices whatever its variables'
    values: swapping them gives the same term up to the names of summed indices
    (``sum_a X[a,p] X[a,q]``, ``A[p,q] + A[q,p]``), and up to the order of the indices of the
    ``symmetric`` variables' entries (``K[p,q] + s delta[p,q]`` with K symmetric)."""
    p, q = f.bound
    turned = T.rename(f.base, {p: q, q: p})
    if symmetric:
        turned, base = _unoriented(turned, symmetric, {}), _unoriented(f.base, symmetric, {})
    else:
        base = f.base
    return key(comparable(turned)) == key(comparable(base))


def _unoriented(t: T.Term, symmetric: frozenset, memo: dict) -> T.Term:
    """``t`` with each symmetric variable's entry indexed in name order (``K[q,p] -> K[p,q]``)."""
    found = memo.get(t)
    if found is None:
        if isinstance(t, T.Var) and t.name in symmetric and len(t.indices) == 2:
            found = t.replace(indices=tuple(sorted(t.indices, key=lambda i: i.name)))
        elif kids := T.children(t):
            found = with_children(t, [_unoriented(c, symmetric, memo) for c in kids])
        else:
            found = t
        memo[t] = found
    return found


def compound_power(t: T.Term) -> bool:
    """Whether ``t`` has a power, determinant or log-determinant of a compound base (only
    powers of those can be symmetric without a declaration, and a derivative has such a power
    only when its function has one of the three). One walk that stops at the first."""
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        kind = type(u)
        if kind in _BINDERS and type(u.base) is not T.Var:
            return True
        kids = _CHILDREN.get(kind)  # (index_ir.children, inline)
        if kids is not None:
            for c in kids(u):
                if c not in seen:  # a shared subterm once (interned: hashed by identity)
                    seen.add(c)
                    todo.append(c)
    return False


_BINDERS = (T.MatPow, T.Det, T.LogDet)


def _swapped(f: T.Term) -> T.Term:
    """``S[a,b] -> S[b,a]``: equal for a symmetric matrix."""
    a, b = f.indices
    return f.replace(indices=(b, a))
