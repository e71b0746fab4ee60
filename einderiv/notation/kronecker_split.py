"""Where a term of a Kronecker form splits about an elementwise factor, and into what.

Input: the factors of one product term of a Jacobian J[(a,b),(i,j)] (its summed indices, its
ends a, b of vec(Y) and i, j of vec(X), fast first), and a middle: two indices p, q.
Output: ``middles``: the middles to try, in the order ``kronecker_diagonal`` tries them;
``split``: (L's factors, summed, ends), F's factors, (R's factors, summed, ends) with
    J[(a,b),(i,j)] = sum_{c,d} L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)],
or None when the factors do not split there.
Invariants: exact algebra, whatever F is. F is the factors over p and q alone (and, merging,
a group over both and summed indices only); the other factors, grouped by the summed indices
they share other than the middle, go to L when they reach Y's ends and to R when they reach
X's (a group that reaches both: None). No factor is renamed: a summed middle index is both
sides' end (c or d itself: the product's sum over it), one that is Y's end is R's end as it
stands and L's through a delta to a new index (delta[p,c] in L), one that is X's end the other
way round (delta[d,q] in R); an end sums nothing on its side. A group over one middle index
only may stand on either side; it goes where the other side would otherwise sum by ones'.
Each call is linear in the factors' indices (a union-find, a breadth-first walk).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.notation.kronecker_parts import components

__all__ = ["middles", "split"]


def middles(factors: list, summed: set, ends: tuple, outer: set) -> list:
    """(kind, the middle in its orders to try) in the order tried: two ends over which a
    factor is (fast by slow first: F[a,j] of sigmoid(A X) B; then any two: F[a,i] of tanh(A X')
    B), each order on its own ("end") or, with an end not in ``outer`` (the term's own ends
    and those tied to them: a summed index of the term, a middle before), both ("summed
    end"); then a summed index with another index ("near"), both orders, the nearest Y
    first."""
    a, b, i, j = ends
    fast = [e for e in (a, i) if e is not None]
    slow = [e for e in (b, j) if e is not None]
    pairs = [(p, q) for p in fast for q in slow]
    every = [e for e in (a, b, i, j) if e is not None]
    pairs += [(p, q) for p in every for q in every if p != q and (p, q) not in pairs]
    over = {T.free(f) for f in factors if type(f) not in (T.Delta, T.Pair)}
    found: dict = {}
    for pq in pairs:  # F over the two: the others have no split
        if frozenset(pq) in over:
            if set(pq) <= outer:  # the first order with a form, as the ends stand
                found[pq] = ("end", [pq])
            else:  # F as it stands, else the shorter
                found.setdefault(frozenset(pq), ("summed end", []))[1].append(pq)
    for pq in _summed_pairs(factors, summed, ends):
        found.setdefault(frozenset(pq), ("near", [pq, pq[::-1]]))
    return list(found.values())


def _summed_pairs(factors: list, summed: set, ends: tuple) -> list:
    """The middles with a summed index (F[a,k] of exp(X' A) B, k summed): a fast end first, a
    slow end last (F[k,b] of B exp(a x')); the middles of elementwise functions before those
    of variables (diag(vec(B)) last), each kind the nearest Y's ends first (the fewest factors
    from the end that is not in the middle to its summed index)."""
    a, b, i, j = ends
    rank = {e: 0 for e in (a, i) if e is not None} | {e: 2 for e in (b, j) if e is not None}
    far = _distances(factors, summed)
    found: dict = {}  # (a variable's, how far) by middle, in the order first met
    for f in sorted(factors, key=lambda f: type(f) is T.Var):
        twin = T.free(f)
        if len(twin) != 2 or type(f) in (T.Delta, T.Pair) or not twin & summed:
            continue
        p, q = sorted(twin, key=lambda x: (rank.get(x, 1), x.name))
        if (p, q) not in found:
            away = [far(y, m) for y in {a, b} - {None} - twin for m in twin & summed]
            found[p, q] = (type(f) is T.Var, min(away, default=0))
    return sorted(found, key=found.get)


def _distances(factors: list, summed: set):
    """far(y, m): how many factors apart the end y and the summed index m are, going from
    factor to factor through summed indices (each end's distances found once)."""
    on: dict = {}
    for f in factors:
        for m in T.free(f):
            on.setdefault(m, []).append(f)
    done: dict = {}

    def far(y, m) -> int:
        if y not in done:
            dist, todo, level = {}, [y], 0
            while todo:  # breadth first
                level, nxt = level + 1, []
                for f in (f for x in todo for f in on.get(x, ())):
                    for k in T.free(f) & summed:
                        if k not in dist:
                            dist[k] = level
                            nxt.append(k)
                todo = nxt
            done[y] = dist
        return done[y].get(m, len(factors) + 1)

    return far


def split(factors: list, summed: set, ends: tuple, middle: tuple, merge: bool, name: str):
    """((L's factors, summed, ends), F's factors, (R's factors, summed, ends), whether merging
    or not splits alike) about ``middle``, or None (merging or not); a new index is named
    ``name`` + c or d + the index it stands for (the same part, the same names). Merging, a
    group over both middle indices and summed ones joins F."""
    p, q = middle
    inner = [f for f in factors if T.free(f) == {p, q} and type(f) not in (T.Delta, T.Pair)]
    rest = [f for f in factors if not any(f is g for g in inner)]
    if not inner or not rest:
        return None
    a, b, i, j = ends
    y_ends, x_ends = {a, b} - {None}, {i, j} - {None}
    inside = {p, q} - y_ends - x_ends  # a summed middle index: no delta ties it (k of F[a,k])
    groups = components(rest, summed - inside)  # linked by their summed indices only
    free: dict = {}
    for k, f in enumerate(rest):
        free.setdefault(groups[("factor", k)], set()).update(T.free(f))
    left, right, lone, alike = [], [], {}, True
    for k, f in enumerate(rest):
        touched = free[groups[("factor", k)]]
        reach = touched - {p, q}
        if reach & y_ends and reach & x_ends:
            return None  # a factor joins Y to X past the middle: no split
        if touched >= {p, q} and reach and not reach & (y_ends | x_ends):
            alike = False  # to F merging, else to R
        if merge and touched >= {p, q} and not reach & (y_ends | x_ends):
            inner.append(f)  # (E .* (T B'))[p,q] of E[p,k] T[p,b] B[k,b], b summed: F
        elif reach:
            (left if reach & y_ends else right).append(f)
        elif touched >= {p, q}:
            inner.append(f)  # over the middle only, both ends: part of F (A B of (A B)[p,q])
        else:  # over one middle index: beside the factors over it
            (left if touched & x_ends else right).append(f)  # x[j] in L: kron(x x', I)
        if not reach & (y_ends | x_ends) and len(touched & {p, q}) == 1:
            lone.setdefault(groups[("factor", k)], []).append(f)
    for rep, group in lone.items():  # a sum by ones' avoided where the group can move
        (m,) = free[rep] & {p, q}
        _move(group, m, (left, right), (m not in y_ends, m not in x_ends))
    l_ends, r_ends = [a, b], [i, j]
    for m, side in ((p, "c"), (q, "d")):
        twin = T.Index(f"{name}{side}{m.name}", m.dim)
        if m in inside:  # L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)]: c is m
            l_ends.append(m)
            r_ends.insert(-2, m)
        elif m in y_ends:
            left.append(T.Delta(m, twin))  # L[(..m..),(c,d)]: m is c
            l_ends.append(twin)
            r_ends.insert(-2, m)
        else:
            right.append(T.Delta(twin, m))  # R[(c,d),(..m..)]: m is d
            l_ends.append(m)
            r_ends.insert(-2, twin)
    l_part, r_part = (left, summed - inside, tuple(l_ends)), (right, summed - inside, tuple(r_ends))
    return l_part, inner, r_part, alike


def _move(group: list, m, sides: tuple, needs: tuple) -> None:
    """Moves ``group``, factors over the middle index ``m`` (and summed ones) only, from its side
    to the other when that side needs ``m`` and has no factor over it (it would sum by ones')
    and its own side can spare it: a[k] of exp(X A) a to L, ``kron(a', I) diag(vec(exp(X A)))
    kron(A', I)``, not ``kron(ones', I) diag(vec(exp(X A))) kron(diag(a) A', I)``. L needs m
    unless m is Y's end (a delta ties it), R unless m is X's end."""
    own = 0 if any(f is g for f in sides[0] for g in group) else 1
    other = 1 - own
    rest = list(sides[own])  # each of the group's factors once: x[k] x[k] are two factors
    for g in group:
        del rest[next(k for k, f in enumerate(rest) if f is g)]
    if not needs[other] or _over(sides[other], m) or (needs[own] and not _over(rest, m)):
        return
    sides[own][:] = rest
    sides[other].extend(group)


def _over(factors: list, m) -> bool:
    return any(m in T.free(f) for f in factors)
