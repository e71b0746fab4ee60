"""Einstein summation made exact: a product's factors, renamed so the text reads back.

Input: an index-IR product. Output: ``spliced(t)``, the product with nested products spliced in;
``einsteinise(t)``, its factors with occurrences renamed apart and the ties (generalised deltas)
that join them again.
Invariants: the value is unchanged; afterwards every summed index occurs exactly twice and every
free index once among the factors, the ties carrying the rest.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T


def _occurrences(f: T.Term) -> list[T.Index]:
    match f:
        case T.Var(indices=indices) | T.Zero(indices=indices) | T.MatPow(indices=indices):
            return list(indices)
        case T.Delta(a=a, b=b):
            return [a, b]
        case T.Pair(c=c, i=i, j=j):
            return [c, i, j]
        case T.Ones(index=index):
            return [index]
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
        for i in _occurrences(f):
            counts[i] = counts.get(i, 0) + 1
    ties: list[tuple[T.Index, ...]] = []
    for i, n in counts.items():
        if (i in summed and n == 2) or (i not in summed and n == 1):
            continue
        copies: list[T.Index] = []
        for k, f in enumerate(factors):
            slots = _occurrences(f).count(i)
            if not slots:
                continue
            if isinstance(f, (T.Var, T.Zero, T.MatPow, T.Delta, T.Pair)):  # a name per slot
                slots = []
                for j in _occurrences(f):
                    if j == i:
                        copies.append(T.fresh(i.dim))
                        slots.append(copies[-1])
                    else:
                        slots.append(j)
                if isinstance(f, (T.Delta, T.Pair)):
                    factors[k] = type(f)(*slots)
                else:
                    factors[k] = f.replace(indices=tuple(slots))
            else:
                copies.append(T.fresh(i.dim))
                factors[k] = T.rename(f, {i: copies[-1]})
        ties.append(tuple(copies) if i in summed else (i, *copies))
    return factors, ties
