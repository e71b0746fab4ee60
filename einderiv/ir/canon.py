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
- ``ir/signature.py`` holds cheap hashes that equal canonical forms share (``add_collect``
  buckets terms by them and canonicalises only terms that collide).
- Canonical names are chosen only for summed indices of the term being canonicalised, so its
  input must carry no bound ``%`` name of its own (else a deeper product could name an index
  ``%d.0`` while ``%d.0`` is still free there, from an outer product not yet renamed: capture).
  A canonical term that is built on (differentiated again, its factors spliced into products
  at other depths) therefore goes through ``unbind`` (``ir/unbind.py``) first: ``simplify``
  and ``tidy`` do that.
- A key longer than ``_LONG`` characters is a digest of its text, blind to index names, with
  the term's free indices listed after it: keys stay short however large the tree.
- ``key`` and ``canonical`` are memoised within one derivation only (``ir/memo.py``).
"""

from __future__ import annotations

import hashlib
import re
from operator import not_

from einderiv.ir import index_ir as T
from einderiv.ir.memo import memo_table, scope

__all__ = ["canonical", "format_affine", "key", "memo_table", "scope"]

_MAX_STARTS = 6
_KEYS = memo_table()
_CANON = memo_table()
_LEAVES = (T.Var, T.Pair, T.Ones, T.Num, T.Size, T.Zero, T.Affine)


_IDX = memo_table()  # an index's text in keys


def _idx(i: T.Index) -> str:
    found = _IDX.get(i)
    if found is None:
        found = _IDX[i] = f"\u2039{i.name}\u203a"
    return found


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


def key(t: T.Term) -> str:
    """A serialisation of ``t``; equal terms have equal keys."""
    found = _KEYS.get(t)
    if found is None:
        kind = type(t)
        if kind is T.Var:  # the common cases, without the match below
            found = f"{t.name}[{','.join([_idx(i) for i in t.indices])}]"
        elif kind is T.MatPow:
            a, b = t.indices
            found = f"[{key(t.base)}]^{key(t.exponent)}[{_idx(a)},{_idx(b)}]"
        else:
            found = _key(t)
            if len(found) > _LONG:
                found = _digest(found, t)
        _KEYS[t] = found
    return found


_LONG = 32768  # a key longer than this is replaced by a digest (see ``_digest``)
_MARK = re.compile("\u2039([^\u203a]*)\u203a")


def _digest(text: str, t: T.Term) -> str:
    """A key of bounded length for a large term (a tree can be exponentially larger than the
    graph it is stored as, and so can its text): a 128-bit digest of the text with every
    index written by its order of first appearance (so it is blind to index names), then the
    free indices of ``t`` in that order, by name (so masking and ``_slots`` still see them).
    Equal terms get equal digests; terms that differ get different ones but for a 2^-128
    chance (BLAKE2b)."""
    parts = _MARK.split(text)  # text, name, text, name, ..., text
    order = dict.fromkeys(parts[1::2])  # the names in order of first appearance
    number = {name: f"\u2039#{k}\u203a" for k, name in enumerate(order)}
    parts[1::2] = [number[name] for name in parts[1::2]]
    shape = "".join(parts)
    digest = hashlib.blake2b(shape.encode(), digest_size=16).hexdigest()
    free = {i.name for i in T.free(t)}
    names = "".join(f"\u2039{name}\u203a" for name in order if name in free)
    return f"#{digest}{{{names}}}"


def _key(t: T.Term) -> str:
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
        case T.Pair(c=c, i=i, j=j):
            return f"\u03b4[{_idx(c)},({_idx(i)},{_idx(j)})]"
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
        case T.Det(base=base):
            return f"det[{key(base)}]"
        case T.LogDet(base=base):
            return f"logdet[{key(base)}]"
        case T.RowFunc(name=name, base=base, indices=indices):
            return f"{name}[{key(base)}][{','.join(map(_idx, indices))}]"
        case T.SumOver(var=var, count=count, body=body):
            return f"\u03a3<{var}<{format_affine(count)}>({key(body)})"
    raise TypeError(f"no key for {type(t).__name__}")


def canonical(t: T.Term, depth: int = 0) -> T.Term:
    """``t`` with every bound name canonical and every sum and product sorted."""
    return _canonical(t, depth)


def _canonical(t: T.Term, depth: int) -> T.Term:
    if isinstance(t, _LEAVES):
        return t
    found = _CANON.get((t, depth))
    if found is None:
        found = _CANON[(t, depth)] = _canonical_form(t, depth)
    return found


def _canonical_form(t: T.Term, depth: int) -> T.Term:
    made = _structural(t, {}, depth)  # sums, functions, powers, row functions, simple products
    if made is not None:
        return made
    match t:
        case T.Delta(a=a, b=b) if b.name < a.name:
            return T.Delta(b, a)
        case T.Prod():
            return _canonical_prod(t, depth)
        case T.MatPow(base=base) | T.Det(base=base) | T.LogDet(base=base):
            made = _canonical(base, depth + 1)
            return t if made is base else t.replace(base=made)  # X^-1: its base is canonical
        case T.SumOver(var=var, count=count, body=body):
            name = f"%r{depth}"
            body = T.subst_int(body, var, T.affine(0, {name: 1})) if var != name else body
            return T.SumOver(name, count, _canonical(body, depth + 1))
    return t


def _canonical_prod(t: T.Prod, depth: int) -> T.Prod:
    """A product with summed indices named by a walk (one summed index: ``_structural``)."""
    factors = [f if type(f) in _LEAVES else _canonical(f, depth + 1) for f in t.factors]
    summed = set(t.summed)
    masked = _Masked(factors, summed)
    anchored = list(map(not_, map(summed.issuperset, map(T.free, factors))))  # loops in C
    if any(anchored):  # start from the least anchored factor: masked keys of those alone
        candidates = [min((k for k, a in enumerate(anchored) if a), key=lambda k: (masked[k], k))]
    else:  # a closed loop: try the few equally good starts
        starts = masked.starts(anchored)
        candidates = [k for k in starts if masked[k] == masked[starts[0]]][:_MAX_STARTS]
    best = None
    for start in candidates:
        naming = _walk(factors, summed, masked, anchored, start)
        mapping = {i: _canonical_index(depth, n, i.dim) for i, n in naming.items()}
        get = mapping.get
        renamed = [  # an entry (the common case, inline) and a closed power renamed (X^-1[a,b])
            T.Var(f.name, tuple([get(i, i) for i in f.indices]))  # are canonical: no base
            if type(f) is T.Var  # changed
            else g if type(g := _rename(f, mapping)) in _LEAVES or _closed(g)
            else _canonical(g, depth + 1)
            for f in factors
        ]  # fmt: skip
        made = T.Prod(
            tuple(sorted(renamed, key=key)),
            tuple(sorted(mapping.values(), key=lambda i: i.name)),
        )
        if best is None or key(made) < key(best):
            best = made
    return best


_RENAMED = memo_table()  # (term, depth, renaming) -> its canonical form, renamed


def _canonical_renamed(t: T.Term, mapping: dict, depth: int) -> T.Term:
    """``_canonical(_rename(t, mapping), depth)``, without building ``_rename(t, mapping)``:
    ``_structural`` passes the renaming down, so an index that runs through many levels is
    renamed where it occurs, once, not again by each level's product. (``mapping`` maps
    summed names to canonical ones: the input carries no bound ``%`` name, see the module's
    invariants, so nothing below is captured.)"""
    if type(t) is T.Var:  # a leaf (the commonest): renamed, it is canonical
        return _rename(t, mapping)
    indices = T.free(t)
    live = {k: v for k, v in mapping.items() if k in indices}
    if not live or type(t) in _LEAVES:
        return _canonical(_rename(t, live) if live else t, depth)
    memo = (t, depth, frozenset(live.items()))
    found = _RENAMED.get(memo)
    if found is None:
        found = _structural(t, live, depth)
        if found is None:
            found = _canonical(_rename(t, live), depth)
        _RENAMED[memo] = found
    return found


def _structural(t: T.Term, live: dict, depth: int) -> T.Term | None:
    """The canonical form of ``t`` renamed by ``live`` (empty: not renamed), for the kinds whose
    form is their parts' forms put together: a sum, a function, a power, a row function, and a
    product with at most one summed index (named ``%depth.0`` and passed down with ``live``,
    its factors one deeper). None for every other kind."""
    kind = type(t)
    if kind is T.Add:  # (u + v) renamed = u renamed + v renamed, then sorted
        return T.Add(tuple(sorted((_canonical_renamed(x, live, depth) for x in t.terms), key=key)))
    if kind is T.Func:
        return t.replace(arg=_canonical_renamed(t.arg, live, depth))
    if kind is T.Pow:
        base, exponent = (_canonical_renamed(x, live, depth) for x in (t.base, t.exponent))
        return T.Pow(base, exponent)
    if kind is T.RowFunc and t.bound not in live.values():  # its bound index keeps its %s
        inner = {k: v for k, v in live.items() if k is not t.bound}
        base = _canonical_renamed(t.base, inner, depth + 1)
        return t.replace(base=base, indices=tuple([live.get(i, i) for i in t.indices]))
    if kind is not T.Prod or len(t.summed) > 1:
        return None
    if not t.summed:  # the factors one deeper, sorted
        factors = (
            _rename(f, live) if type(f) in _LEAVES else _canonical_renamed(f, live, depth + 1)
            for f in t.factors
        )
        return T.Prod(tuple(sorted(factors, key=key)), ())
    s = t.summed[0]  # every walk names it first: %depth.0, then the factors one deeper
    if not any(s in T.free(f) for f in t.factors):
        return None
    new = T.Index(f"%{depth}.0", s.dim)
    inner = {**live, s: new}
    renamed = [_canonical_renamed(f, inner, depth + 1) for f in t.factors]
    return T.Prod(tuple(sorted(renamed, key=key)), (new,))


class _Masked:
    """The factors' keys with summed indices blanked, each made when first asked for (a walk
    along a chain asks for few of them)."""

    def __init__(self, factors: list, summed: set):
        self.factors, self.summed, self.made = factors, summed, {}

    def __getitem__(self, k: int) -> str:
        found = self.made.get(k)
        if found is None:
            found = self.made[k] = _masked_key(self.factors[k], self.summed)
        return found

    def starts(self, anchored: list) -> list[int]:
        """Every factor, anchored ones first, then by masked key (ties: in order)."""
        return sorted(range(len(self.factors)), key=lambda k: (not anchored[k], self[k]))


_NAMES = memo_table()


def _canonical_index(depth: int, n: int, dim) -> T.Index:
    """``%depth.n`` over ``dim``."""
    found = _NAMES.get((depth, n, dim))
    if found is None:
        found = _NAMES[(depth, n, dim)] = T.Index(f"%{depth}.{n}", dim)
    return found


def _rename(f: T.Term, mapping: dict) -> T.Term:
    """``index_ir.rename``, with the common case (an entry of a variable) inline."""
    kind = type(f)
    if kind is T.Var:
        get = mapping.get
        indices = tuple([get(i, i) for i in f.indices])
        return f if indices == f.indices else T.Var(f.name, indices)
    if kind is T.MatPow and _closed_power(f):  # X^-1[a,b]: only its own indices change
        get = mapping.get
        indices = tuple([get(i, i) for i in f.indices])
        return f if indices == f.indices else T.MatPow(f.base, f.bound, f.exponent, indices)
    return T.rename(f, mapping)


def _closed(f: T.Term) -> bool:
    return type(f) is T.MatPow and _closed_power(f)


def _closed_power(f: T.MatPow) -> bool:
    """Whether the base of ``f`` has no free index but its bound pair (so its key mentions
    no other index, and renaming touches only ``f.indices``)."""
    return T.free(f.base).issubset(f.bound)


_STAR = "\u2039*\u203a"


def _masked_key(f: T.Term, summed: set) -> str:
    kind = type(f)
    if kind is T.Var:  # the common case, without string replacing: same text
        marks = [_STAR if i in summed else _idx(i) for i in f.indices]
        return f"{f.name}[{','.join(marks)}]"
    if kind is T.MatPow and _closed_power(f):  # its key ends with its indices (see _key)
        text = key(f)
        marks = [_STAR if i in summed else _idx(i) for i in f.indices]
        return f"{text[: text.rindex('[')]}[{','.join(marks)}]"
    text = key(f)
    for i in summed & T.free(f):
        text = text.replace(_idx(i), _STAR)
    return text


def _slots(f: T.Term, summed: set) -> list[T.Index]:
    """The summed indices of ``f`` in the order its key mentions them."""
    if type(f) is T.Var or (type(f) is T.MatPow and _closed_power(f)):
        return _own(f.indices, summed)
    text = key(f)
    found = [(text.find(_idx(i)), i) for i in T.free(f) if i in summed]  # not all summed
    return [i for _, i in sorted(found, key=lambda p: p[0])]


def _own(indices: tuple, summed: set) -> list[T.Index]:
    """The summed ones of an entry's ``indices``, once each, in order."""
    own = [i for i in indices if i in summed]
    return own if len(own) < 2 or len(set(own)) == len(own) else list(dict.fromkeys(own))


def _walk(factors, summed, masked, anchored, first) -> dict:
    """Name summed indices in the order a depth-first walk along shared indices meets them:
    from ``first``, then from each factor not yet met, in ``masked.starts`` order."""
    occurs: dict = {}
    slots = [_own(f.indices, summed) if type(f) is T.Var else _slots(f, summed) for f in factors]
    for k, own in enumerate(slots):
        for i in own:
            found = occurs.get(i)
            if found is None:
                occurs[i] = [k]
            else:
                found.append(k)
    naming: dict = {}
    visited = [not own for own in slots]  # a factor without summed indices names nothing
    left = visited.count(False)
    roots = iter([first])
    while left:
        root = next(roots, None)
        if root is None:  # more than one connected part: the others in starts order
            roots = iter(masked.starts(anchored))
            continue
        if visited[root]:
            continue
        stack = [root]
        while stack:
            k = stack.pop()
            if visited[k]:
                continue
            visited[k] = True
            left -= 1
            nexts = []
            for i in slots[k]:
                if i not in naming:
                    naming[i] = len(naming)
                held = occurs[i]
                if len(held) == 2:  # an index shared by two factors (a chain): no list, no sort
                    j = held[1] if held[0] == k else held[0]
                    if not visited[j]:
                        nexts.append(j)
                    continue
                others = [j for j in held if not visited[j]]
                if len(others) > 1:
                    others.sort(key=lambda j: (masked[j], slots[j].index(i)))
                nexts += others
            if nexts:
                stack += reversed(nexts)
    return naming
