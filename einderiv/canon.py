"""Canonical forms: rename summed indices and order factors so that equal terms compare equal.

Input: an index-IR term. Output: an equal term in canonical form, and ``key`` (a string that is
equal for structurally equal terms, used for sorting and hashing terms).
Invariants:
- Canonical forms depend only on the term's structure and its free index names, never on the
  names of its summed indices: ``X[j,a] X[a,i]`` and ``X[j,b] X[b,i]`` get the same form.
- A product at binder depth ``d`` names its summed indices ``%d.0, %d.1, ...`` in the order a
  walk along shared indices first meets them, starting from the factors that carry free indices;
  nested binders use a deeper ``d``, so canonical names never capture one another.
- Naming is a graph walk, linear in the number of factors; ties between identical starting
  factors of a closed loop are broken by trying a few starts and keeping the smallest key.
"""

from __future__ import annotations

from functools import lru_cache

from . import index_ir as T

_MAX_STARTS = 6


def _idx(i: T.Index) -> str:
    return f"\u2039{i.name}\u203a"


def format_affine(a: T.Affine) -> str:
    parts = []
    for name, coeff in zip(a.names, a.coeffs):
        sign = "-" if coeff < 0 else "+"
        size = "" if abs(coeff) == 1 else f"{abs(coeff)}"
        parts.append(f"{sign} {size}{name}")
    if a.const or not parts:
        parts.append(f"{'-' if a.const < 0 else '+'} {abs(a.const)}")
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


@lru_cache(maxsize=200_000)
def key(t: T.Term) -> str:
    """A serialisation of ``t``; equal terms have equal keys."""
    match t:
        case T.Zero(indices=indices):
            return f"0[{','.join(map(_idx, indices))}]"
        case T.Num(value=value):
            return str(value)
        case T.Affine():
            return f"<{format_affine(t)}>"
        case T.Var(name=name, indices=indices):
            return f"{name}[{','.join(map(_idx, indices))}]"
        case T.Delta(a=a, b=b):
            return f"\u03b4[{_idx(a)},{_idx(b)}]"
        case T.Ones(index=index):
            return f"1[{_idx(index)}]"
        case T.Size(dim=dim):
            return f"#{dim}"
        case T.Add(terms=terms):
            return "(" + " + ".join(key(x) for x in terms) + ")"
        case T.Prod(factors=factors, summed=summed):
            head = f"\u03a3{{{','.join(map(_idx, summed))}}}" if summed else ""
            return head + "(" + " ".join(key(f) for f in factors) + ")"
        case T.Func(name=name, arg=arg):
            return f"{name}({key(arg)})"
        case T.Pow(base=base, exponent=exponent):
            return f"({key(base)})^({key(exponent)})"
        case T.MatPow(base=base, exponent=e, indices=(a, b)):
            return f"[{key(base)}]^<{format_affine(e)}>[{_idx(a)},{_idx(b)}]"
        case T.Det(base=base):
            return f"det[{key(base)}]"
        case T.LogDet(base=base):
            return f"logdet[{key(base)}]"
        case T.SumOver(var=var, count=count, body=body):
            return f"\u03a3<{var}<{format_affine(count)}>({key(body)})"
    raise TypeError(f"no key for {type(t).__name__}")


def canonical(t: T.Term, depth: int = 0) -> T.Term:
    """``t`` with every bound name canonical and every sum and product sorted."""
    return _canonical(t, depth)


@lru_cache(maxsize=200_000)
def _canonical(t: T.Term, depth: int) -> T.Term:
    match t:
        case T.Delta(a=a, b=b) if b.name < a.name:
            return T.Delta(b, a)
        case T.Add(terms=terms):
            return T.Add(tuple(sorted((_canonical(x, depth) for x in terms), key=key)))
        case T.Prod():
            return _canonical_prod(t, depth)
        case T.Func(arg=arg):
            return t.replace(arg=_canonical(arg, depth))
        case T.Pow(base=base, exponent=exponent):
            return T.Pow(_canonical(base, depth), _canonical(exponent, depth))
        case T.MatPow(base=base) | T.Det(base=base) | T.LogDet(base=base):
            return t.replace(base=_canonical(base, depth + 1))
        case T.SumOver(var=var, count=count, body=body):
            name = f"%r{depth}"
            body = T.subst_int(body, var, T.affine(0, {name: 1})) if var != name else body
            return T.SumOver(name, count, _canonical(body, depth + 1))
    return t


def _canonical_prod(t: T.Prod, depth: int) -> T.Prod:
    factors = [_canonical(f, depth + 1) for f in t.factors]
    summed = set(t.summed)
    if not summed:
        return T.Prod(tuple(sorted(factors, key=key)), ())
    masked = [_masked_key(f, summed) for f in factors]
    anchored = [bool(T.free(f) - summed) for f in factors]
    starts = sorted(range(len(factors)), key=lambda k: (not anchored[k], masked[k]))
    if anchored[starts[0]]:
        candidates = [starts[0]]
    else:  # a closed loop: try the few equally good starts
        candidates = [k for k in starts if masked[k] == masked[starts[0]]][:_MAX_STARTS]
    best = None
    for start in candidates:
        naming = _walk(factors, summed, masked, starts, start)
        mapping = {i: T.Index(f"%{depth}.{n}", i.dim) for i, n in naming.items()}
        renamed = [T.rename(f, mapping) for f in factors]
        made = T.Prod(
            tuple(sorted((_canonical(f, depth + 1) for f in renamed), key=key)),
            tuple(sorted(mapping.values(), key=lambda i: i.name)),
        )
        if best is None or key(made) < key(best):
            best = made
    return best


def _masked_key(f: T.Term, summed: set) -> str:
    text = key(f)
    for i in summed & T.free(f):
        text = text.replace(_idx(i), "\u2039*\u203a")
    return text


def _slots(f: T.Term, summed: set) -> list[T.Index]:
    """The summed indices of ``f`` in the order its key mentions them."""
    text = key(f)
    found = [(text.find(_idx(i)), i) for i in summed if i in T.free(f)]
    return [i for _, i in sorted(found, key=lambda p: p[0])]


def _walk(factors, summed, masked, starts, first) -> dict:
    """Name summed indices in the order a depth-first walk along shared indices meets them."""
    occurs: dict = {}
    slots = [_slots(f, summed) for f in factors]
    for k, own in enumerate(slots):
        for i in own:
            occurs.setdefault(i, []).append(k)
    naming: dict = {}
    visited = [False] * len(factors)
    order = [first] + [k for k in starts if k != first]
    for root in order:
        if visited[root]:
            continue
        stack = [root]
        while stack:
            k = stack.pop()
            if visited[k]:
                continue
            visited[k] = True
            nexts = []
            for i in slots[k]:
                if i not in naming:
                    naming[i] = len(naming)
                others = [j for j in occurs[i] if not visited[j]]
                others.sort(key=lambda j: (masked[j], slots[j].index(i)))
                nexts.extend(others)
            stack.extend(reversed(nexts))
    return naming
