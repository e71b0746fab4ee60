"""Pairs of neighbours written both ways round, grouped in their chains (``notation.cse``).

Input: a program (matrix-IR roots) and what is known of names (``cse._Shapes``: ``flip``).
Output: ``_regroup``: {chain: its factors with every pair written both ways round (``W3 t7`` and
``t7 W3'``, most written first, overlapping no other) made one (a tuple)}, empty when there is
none; ``regrouping``: the swap for ``map_subterms`` that rebuilds such chains.
Invariants: a pair repeated one way round only (``A2 X`` in every term of a chain rule) is left
in its chains; a factor that may be a scalar stays whole (``chain_of``).
"""

from __future__ import annotations

import itertools

from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import left_product, map_subterms, subterms
from einderiv.notation.cse_worth import _constant
from einderiv.notation.transposing import chain_of


def _regroup(program: list[M.MExpr], known) -> dict:
    """Chains of products re-associated so that the pair of neighbours written most often both
    ways round (``W3 t7`` in ``t7 W3' D W3 t7``, with ``t7`` symmetric) is one subterm wherever
    it occurs: {chain: regrouped chain}, empty when no pair is written both ways round. Only
    such pairs: a pair repeated one way round only (``A2 X`` in every term of a chain rule) is
    left to the reader, as experts write it."""
    chains = _chains(program)
    flip = known.flip
    met: dict = {}  # (left, right) -> occurrences
    for factors in chains.values():
        for a, b in itertools.pairwise(factors):
            if not (_scalar(a) or _scalar(b) or _constant(M.MatMul(a, b))):
                met[(a, b)] = met.get((a, b), 0) + 1
    ranked = []  # (total, first met) of each pair written both ways round, most written first
    for k, ((a, b), count) in enumerate(met.items()):
        other = (flip(b), flip(a))
        if other in met:
            total = count + (met[other] if other != (a, b) else 0)
            if total > 1:
                ranked.append((-total, k, (a, b), other))
    pairs: set = set()  # those grouped: each pair with its transpose, overlapping no other
    lefts: set = set()
    rights: set = set()
    for _, _, pair, other in sorted(ranked):
        if pair in pairs or any(a in rights or b in lefts for a, b in {pair, other}):
            continue  # (a b c holds (a, b) and (b, c): grouping one takes a factor of the other)
        pairs.update((pair, other))
        lefts.update((pair[0], other[0]))
        rights.update((pair[1], other[1]))
    if not pairs:
        return {}
    swaps = {}
    for root, factors in chains.items():
        grouped, k = [], 0
        while k < len(factors):
            if k + 1 < len(factors) and (factors[k], factors[k + 1]) in pairs:
                grouped.append((factors[k], factors[k + 1]))
                k += 2
            else:
                grouped.append(factors[k])
                k += 1
        if len(grouped) < len(factors):
            swaps[root] = grouped
    return swaps


def regrouping(swaps: dict, memo: dict):
    """For ``map_subterms``: a chain of ``swaps`` (``_regroup``) rebuilt with its pairs grouped
    and its factors regrouped inside too (a chain inside a factor of another: ``W3 t7 W2 t10``
    in a sum in ``t10 W2' (..)``; made with the outer one's old factors, it was left as it was)."""

    def regrouped(x: M.MExpr) -> M.MExpr | None:
        factors = swaps.get(x)
        if factors is None:
            return None

        def inside(f: M.MExpr) -> M.MExpr:
            return map_subterms(f, regrouped, memo)

        return left_product(
            [
                M.MatMul(inside(f[0]), inside(f[1])) if type(f) is tuple else inside(f)
                for f in factors
            ]
        )

    return regrouped


def _scalar(e: M.MExpr) -> bool:
    while isinstance(e, M.Neg):
        e = e.operand
    return isinstance(e, (M.Number, M.Identity))


def _chains(program: list[M.MExpr]) -> dict:
    """Every product that is not a factor of a product: {product: its factors, in order}; a
    factor that may be a scalar stays whole (``I (t1' t2 t1)``: ``chain_of``, where any
    transposed name may be a row: a name's kind is not always known here, ``t1 = softmax(x)``)."""
    chains: dict = {}
    seen: set = set()
    stack = list(program)
    while stack:
        node = stack.pop()
        if node in seen or node in chains:
            continue
        if isinstance(node, M.MatMul):
            chains[node] = chain_of(node)
            stack.extend(chains[node])
            continue
        seen.add(node)
        stack.extend(subterms(node))
    return chains
