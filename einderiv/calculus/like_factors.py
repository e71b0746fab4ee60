"""Factors of a product whose product-rule terms are equal: each class differentiated once.

Input: the flat factors and summed indices of ``sum_s prod_k f_k`` and the positions of the
factors that depend on the variable. Output: ``(position, count)`` pairs: the product rule's
term of the factor at ``position`` stands for ``count`` equal terms (``differentiate.d_prod``
makes it once, times ``count``).
Invariants:
- Two factors are in one class only when a renaming of summed indices that maps the product to
  itself (the same factors, permuted) maps one to the other: then their terms are one term with
  its summed indices renamed, the same value. Two kinds are found, both by writing factors with
  their summed indices named by order of first appearance (``_shape``):
  * copies: the product's parts joined by summed indices (``x[a] x[a]`` and ``x[b] x[b]`` of
    ``x' x x' x``; each ``x[i]`` of ``x .* x .* x``) of one shape; the first part stands for all;
  * turns: a part that is its own shape turned by ``s`` factors (``X[a,b] X[b,c] X[c,a]`` of
    ``tr(X X X)``, by 1): factor ``k`` stands for ``k + s``, ``k + 2s``, ...
- Without this, ``x .* ... .* x`` of N factors made N terms of N factors before like terms
  merged (quadratic); with it, one. Used only for products of at least ``MANY`` dependent
  factors: smaller ones keep their terms (and ``--steps`` text) as before.
- Cost: linear in the factors (a renaming per part; a turn is tried for each divisor of a
  part's length at most ``_TURNS`` times).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T

MANY = 8  # dependent factors from which classes are looked for
_TURNS = 8  # divisors of a part's length tried as turns


def like_factors(
    factors: tuple[T.Term, ...], summed: tuple[T.Index, ...], dependent: list[int]
) -> list[tuple[int, int]]:
    """``(position, count)`` for the classes of the ``dependent`` factors (module docstring)."""
    if len(dependent) < MANY:
        return [(k, 1) for k in dependent]
    parts = _parts(factors, frozenset(summed))
    first: dict[tuple, list[int]] = {}  # a shape -> the first part of that shape
    copies: dict[int, int] = {}  # the first part's number -> how many parts have its shape
    for part in parts:
        # one part has no copies: its shape is not needed (a chain of 64 factors renamed)
        shape = _shape([factors[k] for k in part], summed) if len(parts) > 1 else ()
        if shape in first:
            copies[id(first[shape])] += 1
        else:
            first[shape] = part
            copies[id(part)] = 1
    stands: dict[int, int] = {}  # position -> count
    for part in first.values():
        turn = _turn(part, factors, summed)
        for at, k in enumerate(part):
            if at < turn:
                stands[k] = copies[id(part)] * (len(part) // turn)
    return [(k, stands[k]) for k in dependent if k in stands]


def _parts(factors, summed: frozenset) -> list[list[int]]:
    """The positions of the factors, grouped into parts joined by shared summed indices (each
    part in the product's order; parts ordered by their first factor)."""
    parent = list(range(len(factors)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    holder: dict[T.Index, int] = {}
    for k, f in enumerate(factors):
        for i in T.free(f) & summed:
            if i in holder:
                parent[root(k)] = root(holder[i])
            else:
                holder[i] = k
    groups: dict[int, list[int]] = {}
    for k in range(len(factors)):
        groups.setdefault(root(k), []).append(k)
    return sorted(groups.values(), key=lambda part: part[0])


def _shape(part: list[T.Term], summed) -> tuple:
    """The factors with their summed indices named ``§0, §1, ...`` by first appearance: equal
    shapes differ by a renaming of summed indices only."""
    names: dict[T.Index, T.Index] = {}
    summed_set = set(summed)
    held = [T.free(f) & summed_set for f in part]
    for f, own in zip(part, held):
        for i in sorted(own, key=lambda i: _first(f, i)):
            if i not in names:
                names[i] = T.Index(f"\u00a7{len(names)}", i.dim)
    # each factor renamed by its own entries: the whole mapping per factor is quadratic in a
    # chain (tr(A X ... A X), 640 factors: 0.22 s of the forward derivative's 0.3 s)
    return tuple(T.rename(f, {i: names[i] for i in own}) for f, own in zip(part, held))


def _first(f: T.Term, i: T.Index) -> tuple:
    """Where ``i`` first appears in ``f``: its place among a plain entry's indices, else its
    name (a factor with summed indices in a fixed order: any order that is the same in equal
    factors)."""
    indices = getattr(f, "indices", None)
    if type(indices) is tuple and i in indices:
        return (0, indices.index(i), "")
    return (1, 0, i.name)


def _turn(part: list[int], factors, summed) -> int:
    """The least ``s`` such that the part turned by ``s`` factors has its own shape (``s`` is
    the part's length when no smaller one does)."""
    n = len(part)
    heads = [_head(factors[k]) for k in part]
    own, tried = None, 0
    for s in range(1, n):
        # a renaming keeps each factor's kind and name: unequal heads turned, no equal shapes
        # (tr(inv(X) A1 ... inv(X) A32) turns nothing: A1 is not A2)
        if n % s or heads[s] != heads[0] or heads[s:] + heads[:s] != heads:
            continue
        if tried == _TURNS:
            break
        tried += 1
        own = own or _shape([factors[k] for k in part], summed)
        if _shape([factors[k] for k in part[s:] + part[:s]], summed) == own:
            return s
    return n


def _head(f: T.Term) -> tuple:
    return (type(f), getattr(f, "name", None))
