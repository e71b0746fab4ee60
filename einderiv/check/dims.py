"""Sizes renamed in a term: how a claim's open sizes are tied to the derivative's axes.

Input: an index-IR term (or an index, or a tuple of them) and a mapping of dimensions.
Output: ``with_dims`` (the term with its dimensions renamed), ``map_dim`` (one dimension;
a compound "m*n" factor by factor), ``mentions_dim`` (whether a size occurs in a term).
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
