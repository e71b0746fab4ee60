"""Inverses and determinants of a shifted variable (``inv(K + s I)`` of a Gaussian process or
of kernel ridge regression, ``inv(K + S)``, ``det(K + x x')``) whose degree in a size
``proof.size_degree`` bounds as it bounds ``inv(K)``'s.

Input: the two index terms compared (claim and derivative) and their variables' ``VarInfo``.
Output: ``shifted_bases`` -> the bases B of ``MatPow`` / ``Det`` / ``LogDet`` nodes that are a
square variable A plus terms R: B = A + R (or c A + R, c a nonzero number).
Invariants (why B hides no size, as ``inv(I + 1 1') = I - 1 1' / (n + 1)`` does: the entries
of I + 1 1' are fixed numbers at each size, those of K + s I are K[i,j] + s delta[i,j], new
random numbers at each size as K's are; the I in it brings no n, the 1 1' of a sum over n
would):
- A is a general variable over the bound pair (or a symmetric one, with R symmetric), and R
  does not mention A: A = M - R is a bijection, so M = B is as random as A, and the terms
  compared, written with M - R for A, are terms in which B is the variable M;
- R has no sum over an index, no size and no matrix function (variables, deltas, ones, numbers,
  entrywise functions, products with no summed index: ``s I``, ``S``, ``x x'``): writing M - R
  for A adds no sum and no size, so the degree counted on the terms as written bounds the
  degree of the terms in M, where B^-1 = M^-1 and det(B) = det(M) are bounded as a variable's;
- A occurs in no base of a ``MatPow``, ``Det`` or ``LogDet`` of the two terms other than B and
  its transpose: with two bases, no single M stands for both, and ``det(A + c I)`` at several
  numbers c hides the size again, a polynomial of degree n in c (6 det(K + 5 I) - 15 det(K +
  4 I) + 20 det(K + 3 I) - 15 det(K + 2 I) + 6 det(K + I) - det(K) is det(K + 6 I) exactly
  for n <= 5: Lagrange at c = 0..5).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T

__all__ = ["shifted_bases"]

_PLAIN = (T.Var, T.Delta, T.Ones, T.Num, T.Zero, T.Add, T.Prod, T.Func, T.Pow)
_SQUARE = (T.MatPow, T.Det, T.LogDet)


def shifted_bases(terms: tuple, used: dict) -> frozenset:
    """The bases of ``terms``' matrix functions that are a shifted variable (module docstring)."""
    nodes, names = _square_nodes(terms), {}
    found = set()
    for node in nodes:
        name = _shift(node, used, names)
        if name is None:
            continue
        base, turned = node.base, _transposed(node)
        if all(n.base in (base, turned) for n in nodes if name in _names(n.base, names)):
            found.add(base)
    return frozenset(found)


def _square_nodes(terms: tuple) -> list:
    """Every ``MatPow``, ``Det`` and ``LogDet`` node in ``terms`` (bases too), each once."""
    found, seen = [], set()
    for u in (u for t in reversed(terms) for u in T.nodes(t)):  # as one stack of them
        if type(u) in _SQUARE and id(u) not in seen:  # a node shared by two terms: once
            seen.add(id(u))
            found.append(u)
    return found


def _transposed(node) -> T.Term:
    p, q = node.bound
    return T.rename(node.base, {p: q, q: p})


def _names(t: T.Term, memo: dict) -> frozenset:
    """The variables ``t`` mentions (``memo``: each shared node once)."""
    found = memo.get(t)
    if found is None:
        own = {t.name} if type(t) is T.Var else set()
        found = memo[t] = frozenset(own).union(*(_names(c, memo) for c in T.children(t)))
    return found


def _shift(node, used: dict, names: dict) -> str | None:
    """The name of the variable A when ``node``'s base is A + R as the module docstring says."""
    p, q = node.bound
    if p == q or type(node.base) is not T.Add or T.free(node.base) != {p, q}:
        return None  # inv(K + x[i] I) for each i: a family of shifts of K in one node
    terms = node.base.terms
    for k, term in enumerate(terms):
        name = _scaled_variable(term, p, q)
        info = used.get(name)
        if info is None or info.kind not in ("matrix", "symmetric"):
            continue
        rest = terms[:k] + terms[k + 1 :]
        if any(name in _names(r, names) or not _plain(r, set()) for r in rest):
            continue
        if info.kind == "symmetric" and not all(_symmetric(r, p, q, used) for r in rest):
            continue
        return name
    return None


def _scaled_variable(term: T.Term, p: T.Index, q: T.Index) -> str | None:
    """A in ``term`` = A[p,q], A[q,p] or c A[p,q] for a nonzero number c; else None."""
    if type(term) is T.Prod and not term.summed and len(term.factors) == 2:
        numbers = [f for f in term.factors if type(f) is T.Num and f.value != 0]
        if len(numbers) == 1:
            (term,) = [f for f in term.factors if f is not numbers[0]]
    if type(term) is T.Var and term.indices in ((p, q), (q, p)):
        return term.name
    return None


def _plain(t: T.Term, seen: set) -> bool:
    """Whether ``t`` has no sum over an index, no size and no matrix function anywhere."""
    if t in seen:
        return True
    seen.add(t)
    if type(t) not in _PLAIN or (type(t) is T.Prod and t.summed):
        return False
    return all(_plain(c, seen) for c in T.children(t))


def _symmetric(t: T.Term, p: T.Index, q: T.Index, used: dict) -> bool:
    """Whether ``t`` (plain), over p and q, is its own transpose: built of numbers, scalars,
    delta[p,q], symmetric variables over p and q and products with delta[p,q] (``s I``, ``S``
    for a symmetric S, ``diag(v)``)."""
    if not {p, q} & T.free(t):
        return True
    if type(t) is T.Delta:
        return _delta(t, p, q)
    if type(t) is T.Prod and any(_delta(f, p, q) for f in t.factors):
        return True  # diag(v): v[p] delta[p,q], nonzero only where p = q
    if type(t) is T.Var:
        return set(t.indices) == {p, q} and getattr(used.get(t.name), "kind", "") == "symmetric"
    if type(t) in (T.Add, T.Prod, T.Func, T.Pow):
        return all(_symmetric(c, p, q, used) for c in T.children(t))
    return False


def _delta(t: T.Term, p: T.Index, q: T.Index) -> bool:
    return type(t) is T.Delta and {t.a, t.b} == {p, q}
