"""Sizes renamed in a term: how a claim's open sizes are tied to the derivative's axes.

Input: an index-IR term (or an index, or a tuple of them) and a mapping of dimensions.
Output: ``with_dims`` (the term with its dimensions renamed), ``map_dim`` (one dimension;
a compound "m*n" factor by factor), ``mentions_dim`` (whether a size occurs in a term),
``same_shape`` (shapes equal, a compound equal to one of its factors in another order: m*n and
n*m are one length) and ``commute`` (a claim's commuted compounds renamed to the derivative's,
where no value changes).
Invariants: nodes are rebuilt, never edited; names of indices are kept, only sizes change; a
compound whose factors all become numbers becomes their product.
"""

from __future__ import annotations

import math
from dataclasses import fields

from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, is_compound


def with_dims(x, mapping: dict):
    """``x`` (a term, index, or tuple of them) with dimensions renamed by ``mapping``."""
    if isinstance(x, T.Index):
        return T.Index(x.name, map_dim(x.dim, mapping))
    if isinstance(x, T.Size):
        return T.Size(map_dim(x.dim, mapping))
    if isinstance(x, tuple):
        return tuple(with_dims(y, mapping) for y in x)
    if isinstance(x, T.Term) and not isinstance(x, (T.Num, T.Affine)):
        return type(x)(**{f.name: with_dims(getattr(x, f.name), mapping) for f in fields(x)})
    return x


def map_dim(dim, mapping: dict):
    """``dim`` renamed by ``mapping``; a compound ("m*n") factor by factor."""
    if dim in mapping or not is_compound(dim):
        return mapping.get(dim, dim)
    factors = [mapping.get(f, f) for f in dim_factors(dim)]
    if all(isinstance(f, int) for f in factors):
        return math.prod(factors)
    return "*".join(map(str, factors))


def mentions_dim(t: T.Term, dim) -> bool:
    """Whether a size ``dim`` occurs anywhere in ``t`` (an index over it, or the size itself)."""
    return with_dims(t, {dim: ("\u2205", dim)}) != t


def commuted(a, b) -> bool:
    """Whether sizes ``a`` and ``b`` are equal, or compounds of the same factors in another
    order (``m*n`` and ``n*m``: one length)."""
    if a == b:
        return True
    if not (is_compound(a) and is_compound(b)):
        return False
    return sorted(map(str, dim_factors(a))) == sorted(map(str, dim_factors(b)))


def same_shape(want: tuple, got: tuple) -> bool:
    """Whether the shapes agree, size by size (``commuted``): a matrix of size m*n by m*n and
    one of n*m by n*m have one shape, and their values compare entry by entry."""
    return len(want) == len(got) and all(commuted(a, b) for a, b in zip(want, got))


# nodes through which a compound size passes whole (an index over it, a sum, a size, ones):
# renaming it there keeps every value; a pair (vec, kron) splits it into its factors, a
# variable or a matrix function has its own sizes
_WHOLE = (T.Add, T.Prod, T.Delta, T.Ones, T.Size, T.Num, T.Zero, T.Func, T.Pow)


def commute(term, axes: tuple, onto: tuple):
    """``term`` and its ``axes`` with each compound size renamed to the ``commuted`` one of the
    axis ``onto`` it stands on (``I_{nm}`` on the axes of ``I_{mn}``) when the compound passes
    whole through ``term`` (``_WHOLE``); else both unchanged (only probes then compare)."""
    mapping: dict = {}
    for a, b in zip(axes, onto):
        renamed = a.dim != b.dim and commuted(a.dim, b.dim)
        if renamed and mapping.setdefault(a.dim, b.dim) != b.dim:
            return term, axes  # a*b*c on the axes of b*a*c and c*b*a: no one renaming
    if not mapping or not _whole(term, set(mapping)):
        return term, axes
    return with_dims(term, mapping), with_dims(tuple(axes), mapping)


def _whole(t, dims: set) -> bool:
    """Whether the sizes ``dims`` occur in ``t`` only in nodes of ``_WHOLE`` (a claim with a
    pair anywhere is left as it is: renaming its compound would unpair it)."""
    if isinstance(t, T.Pair):
        return False
    if not isinstance(t, _WHOLE):
        try:
            return not any(mentions_dim(t, d) for d in dims)
        except ValueError:  # a pair inside (vec(X) in a matrix power): never renamed
            return False
    return all(_whole(c, dims) for c in T.children(t))
