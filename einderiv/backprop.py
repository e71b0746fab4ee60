"""A gradient kept as shared adjoints, in matrix form: what ``show(cse=True)`` names.

Input: ``calculus.reverse.Adjoints`` of a scalar's derivative (placeholder definitions and a
result), the variables and the result's matrix slots (row and column indices).
Output: ``matrix_form``: the derivative as one matrix-IR graph in which each placeholder's
matrix form is written where it is used (one object, shared: a graph linear in the term, whose
text is the chain rule written out); ``notation.cse`` then names what repeats. None when a
definition or the result has no matrix form (the caller re-contracts the whole derivative).
Invariants:
- the definitions and the result are simplified by one driver and re-contracted by one
  ``recontract`` memo within one memo scope, so what they share is done once: the cost is linear
  in the size of the term, where the chain rule written out (``differentiate``) is quadratic;
- a placeholder is a variable to both stages (a vector, a matrix or a scalar over its
  indices, in their order), so the graph has exactly the derivative's value.
"""

from __future__ import annotations

from einderiv.calculus.reverse import Adjoints
from einderiv.calculus.simplify import simplify_together
from einderiv.frontend.shapes import VarInfo
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import scope
from einderiv.notation.cse_names import map_subterms
from einderiv.notation.recontract import recontract

_KINDS = {0: "scalar", 1: "vector", 2: "matrix"}  # a placeholder's kind by its index count


def matrix_form(adjoints: Adjoints, variables: dict, slots: tuple) -> M.MExpr | None:
    """The derivative ``adjoints`` stands for, as matrix IR with rows on ``slots[0]`` and
    columns on ``slots[1]``; None when a part has no matrix form."""
    placeholders = [d.placeholder for d in adjoints.definitions]
    known = dict(variables)
    for p in placeholders:
        known[p.name] = VarInfo(p.name, _KINDS[len(p.indices)], tuple(i.dim for i in p.indices))
    with scope():  # one scope: the memo tables (transposes, views) serve every part
        placeholders, terms = _put_back(
            placeholders,
            simplify_together([d.term for d in adjoints.definitions] + [adjoints.result]),
        )
        *bodies, result = terms
        memo: dict = {}
        written: dict[str, M.MExpr] = {}
        for p, body in zip(placeholders, bodies):
            row, col = (tuple(p.indices) + (None, None))[:2]
            made = _recontract(body, row, col, known, memo)
            if made is None:
                return None
            written[p.name] = made
        made = _recontract(result, *slots, known, memo)
    if made is None:
        return None
    done: dict = {}

    def written_in(e: M.MExpr) -> M.MExpr | None:  # a placeholder: its form, itself written in
        if type(e) is M.Name and e.name in written:
            return map_subterms(written[e.name], written_in, done)
        return None

    return map_subterms(made, written_in, done)


def _put_back(placeholders: list, terms: list[T.Term]) -> tuple[list, list[T.Term]]:
    """The placeholders kept, and ``terms`` (their simplified bodies, then the result) with
    each placeholder used once, or whose body is a number, written as its body, simplified
    again: a name used once names nothing, and apart from its use its factors cannot merge
    (the adjoint of u' u under ``norm2(u)^2`` is 2 (u'u)^0.5 * 0.5 (u'u)^-0.5, which is 1:
    named, ``t3 = 1 (x - mean(x))``; under ``exp(-norm2(u)^2 / 2)``, ``2 (-(0.5 exp(..)))``).
    Moving a body used once copies nothing: the terms stay linear in the chain."""
    *bodies, result = terms
    uses = _uses(terms, {p.name for p in placeholders})
    putting = {
        p.name
        for p, body in zip(placeholders, bodies)
        if uses.get(p.name, 0) == 1 or (type(body) is T.Num and not p.indices)
    }
    if not putting:
        return placeholders, terms
    put_in: dict[str, tuple] = {}  # a placeholder -> (its indices, its body, written in)
    memo: dict[int, T.Term] = {}

    def put(t: T.Term) -> T.Term:
        found = memo.get(id(t))
        if found is None:
            if type(t) is T.Var and t.name in put_in:
                indices, body = put_in[t.name]
                found = T.rename(body, dict(zip(indices, t.indices))) if indices else body
            else:
                found = T.with_children(t, [put(c) for c in T.children(t)])
            memo[id(t)] = found
        return found

    kept, made = [], []
    for p, body in zip(placeholders, bodies):
        body = put(body)
        if p.name in putting:
            put_in[p.name] = (p.indices, body)
        else:
            kept.append(p)
            made.append(body)
    return kept, simplify_together([*made, put(result)])


def _uses(terms: list[T.Term], names: set) -> dict[str, int]:
    """How many times each placeholder of ``names`` occurs in ``terms`` written as trees (a
    subterm shared by two parents counted twice), computed over the graph."""
    memo: dict[int, dict] = {}

    def count(t: T.Term) -> dict:
        found = memo.get(id(t))
        if found is None:
            found = {t.name: 1} if type(t) is T.Var and t.name in names else {}
            for c in T.children(t):
                for name, n in count(c).items():
                    found[name] = found.get(name, 0) + n
            memo[id(t)] = found
        return found

    total: dict[str, int] = {}
    for t in terms:
        for name, n in count(t).items():
            total[name] = total.get(name, 0) + n
    return total


def _recontract(term: T.Term, row, col, variables: dict, memo: dict) -> M.MExpr | None:
    if isinstance(term, T.Zero):
        return None  # (a zero part: the whole derivative is re-contracted instead)
    return recontract(term, row, col, variables, memo=memo)
