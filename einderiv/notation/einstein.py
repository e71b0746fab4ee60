"""Einstein summation made exact: a product's factors, renamed so the text reads back.

Input: an index-IR product. Output: ``spliced(t)``, the product with nested products spliced in;
``einsteinise(t)``, its factors with occurrences renamed apart and the ties (generalised deltas)
that join them again.
Invariants: the value is unchanged; afterwards every summed index occurs exactly twice and every
free index once among the factors, the ties carrying the rest.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T


def occurrences(f: T.Term) -> list[T.Index]:
    """The indices of a factor as its printed form writes them, in order (``X[a,a]``: a twice)."""
    match f:
        case T.Var(indices=indices) | T.Zero(indices=indices) | T.MatPow(indices=indices):
            return list(indices)
        case T.Delta(a=a, b=b):
            return [a, b]
        case T.Pair(c=c, i=i, j=j):
            return [c, i, j]
        case T.Ones(index=index):
            return [index]
        case T.RowFunc(base=base, bound=bound, indices=indices):  # softmax(X)[a,i]: as printed
            return [*sorted(T.free(base) - {bound}, key=lambda i: i.name), *indices]
    return sorted(T.free(f), key=lambda i: i.name)


def spliced(t: T.Prod) -> T.Prod:
    """``a (b c) -> a b c``: nested products spliced in, their summed indices renamed apart.

    Parentheses do not delimit Einstein summation (``x[a] (x[a] y[b])`` sums ``a`` over the
    whole product), so a nested product is never printed as a group of its own."""
    if not any(type(f) is T.Prod for f in t.factors):
        return t
    factors: list[T.Term] = []
    summed = list(t.summed)
    taken = set(summed).union(*(T.free(f) for f in t.factors))
    pending = list(reversed(t.factors))  # a stack: the next factor last
    while pending:
        f = pending.pop()
        if type(f) is not T.Prod:
            factors.append(f)
            continue
        clash = {s: T.fresh(s.dim) for s in f.summed if s in taken}
        inner = [T.rename(g, clash) for g in f.factors] if clash else list(f.factors)
        for s in f.summed:
            summed.append(clash.get(s, s))
            taken.add(clash.get(s, s))
        pending.extend(reversed(inner))
    return T.Prod(tuple(factors), tuple(summed))


def einsteinise(t: T.Prod) -> tuple[list[T.Term], list[tuple[T.Index, ...]]]:
    """Rename apart the indices Einstein summation would misread; return factors and ties."""
    factors = list(t.factors)
    summed = set(t.summed)
    counts: dict[T.Index, int] = {}
    for f in factors:
        for i in occurrences(f):
            counts[i] = counts.get(i, 0) + 1
    ties: list[tuple[T.Index, ...]] = []
    for i, n in counts.items():
        if (i in summed and n == 2) or (i not in summed and n == 1):
            continue
        copies: list[T.Index] = []
        for k, f in enumerate(factors):
            slots = occurrences(f).count(i)
            if not slots:
                continue
            if isinstance(f, (T.Var, T.Zero, T.MatPow, T.Delta, T.Pair)):  # a name per slot
                slots = []
                for j in occurrences(f):
                    if j == i:
                        copies.append(T.fresh(i.dim))
                        slots.append(copies[-1])
                    else:
                        slots.append(j)
                if isinstance(f, (T.Delta, T.Pair)):
                    factors[k] = type(f)(*slots)
                else:
                    factors[k] = f.replace(indices=tuple(slots))
            elif isinstance(f, T.RowFunc) and slots > 1:  # softmax(X)[a,a]: the row, the entry
                copies += (T.fresh(i.dim), T.fresh(i.dim))
                base = T.rename(f.base, {i: copies[-2]})
                entry = tuple(copies[-1] if j == i else j for j in f.indices)
                factors[k] = f.replace(base=base, indices=entry)
            else:
                copies.append(T.fresh(i.dim))
                factors[k] = T.rename(f, {i: copies[-1]})
        ties.append(tuple(copies) if i in summed else (i, *copies))
    return _absorbed(factors, ties)


def _absorbed(factors: list[T.Term], ties: list[tuple[T.Index, ...]]):
    """Every plain delta that meets a tie contracted into it:
    ``delta[b,j] delta[i,a,b] -> delta[i,a,j]`` (b summed: it was a copy, held only there), and
    a delta joining two ties makes them one: ``delta[b,c] delta[i,a,b] delta[j,c] ->
    delta[i,a,j]``. A tie's names occur once among the factors at most (the copies; a free
    index that was tied occurs in its tie alone), so a delta holding one is the only factor
    that does."""
    if not ties:
        return factors, ties
    ties = [list(tie) for tie in ties]
    kept: list[T.Term] = []
    for f in factors:
        if type(f) is not T.Delta or f.a == f.b:
            kept.append(f)
            continue
        held = {i: k for k, tie in enumerate(ties) for i in tie}
        p, q = (f.a, f.b) if f.a in held else (f.b, f.a)
        if p not in held:
            kept.append(f)
            continue
        tie = ties[held[p]]
        if q not in held:  # delta[p,q] tie(p, ..) summed over p: tie(q, ..)
            tie[tie.index(p)] = q
            continue
        other = ties[held[q]]
        if other is tie:  # delta[p,q] tie(p, q, r..) summed over p and q: tie(r..)
            if len(tie) < 3:
                kept.append(f)  # tie(p, q) delta[p,q] sums to the size: left as it is
                continue
            tie.remove(p)
            tie.remove(q)
            continue
        if len(tie) + len(other) == 2:  # tie(p) delta[p,q] tie(q) sums to the size: kept
            kept.append(f)
            continue
        tie.remove(p)  # delta[p,q] tie(p, r..) tie(q, s..) summed over p, q: tie(r.., s..)
        other.remove(q)
        tie += other
        other.clear()
    return kept, [tuple(tie) for tie in ties if tie]
