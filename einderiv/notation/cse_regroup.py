"""Pairs of neighbours written both ways round, grouped in their chains (``notation.cse``).

Input: a program (matrix-IR roots) and what is known of names (``cse._Shapes``: ``flip``).
Output: ``_regroup``: {chain: the chain with the pair written most often both ways round
(``W3 t7`` and ``t7 W3'``) made one subterm wherever it occurs}, empty when there is none.
Invariants: a pair repeated one way round only (``A2 X`` in every term of a chain rule) is left
in its chains; a factor that may be a scalar stays whole (``chain_of``).
"""

from __future__ import annotations

import itertools

from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import left_product, subterms
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
    best, best_count = None, 1
    for (a, b), count in met.items():
        other = (flip(b), flip(a))
        if other not in met:
            continue
        total = count + (met[other] if other != (a, b) else 0)
        if total > best_count:
            best, best_count = (a, b), total
    if best is None:
        return {}
    pairs = {best, (flip(best[1]), flip(best[0]))}
    swaps = {}
    for root, factors in chains.items():
        grouped, k = [], 0
        while k < len(factors):
            if k + 1 < len(factors) and (factors[k], factors[k + 1]) in pairs:
                grouped.append(M.MatMul(factors[k], factors[k + 1]))
                k += 2
            else:
                grouped.append(factors[k])
                k += 1
        if len(grouped) < len(factors):
            swaps[root] = left_product(grouped)
    return swaps


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
