"""The vector functions of the two terms ``check`` compares, read as new variables: what holds
for every value of those variables holds for the functions' values.

Input: the claim's and the derivative's index terms, the variables in use (name -> record with
``kind`` and ``dims``).
Output: ``rows_as_variables`` -> ``(claim, want, used)``: each row-function sub-term
(``softmax(W x)``, ``logsumexp(S)`` row by row) replaced by a new variable ``#row<k>`` over its
free indices, ``used`` with those variables added; None when no sub-term was replaced.
Invariants:
- sound: the replaced terms are the originals with ``#row<k>`` in place of a sub-term; equal for
  every value of the variables (what ``proof.exactly_equal`` proves of them), they are equal
  in particular at the sub-terms' values, so the originals are equal;
- one variable per canonical form (``ir.unbind.subterm_key``, the dimensions of its free
  indices in the key's order): sub-terms share a variable only when they are equal (written
  with other index names, ``softmax(W x)[i]`` and ``softmax(W x)[j]``); two equal sub-terms
  with different forms get different variables (weaker, never wrong);
- a sub-term that mentions the variable of a symbolic sum (``sum_{r<k} softmax(r x)``: one
  value per r) or has an index of a compound size (``n*m``) is kept;
- why: the derivative and the engine's own output write softmax(u) as one atom, but its
  definition exp(u[i]) / sum_s exp(u[s]) divides by a sum over the row at every occurrence,
  which raises the degree in the row's size past what exact arithmetic can try (``2 (s - y)'
  (diag(s) - s s') W``: degree 13 in c, 9 in d, a grid of 165 points); as a variable s is of
  degree 0. A difference here proves nothing (``sum(softmax(x)) = 1`` needs the
  definition): the caller then compares the terms as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from einderiv.ir import index_ir as T
from einderiv.ir.node import is_compound
from einderiv.ir.unbind import subterm_key

__all__ = ["rows_as_variables"]


@dataclass(frozen=True)
class RowVariable:
    """A variable's record as ``probes.exact_point`` reads it (``kind``, ``dims``)."""

    name: str
    kind: str
    dims: tuple


def rows_as_variables(claim: T.Term, want: T.Term, used: dict):
    """(claim, want, used) with the row functions as variables, or None (see the module)."""
    bound = {u.var for t in (claim, want) for u in T.nodes(t) if type(u) is T.SumOver}
    names: dict = {}  # (form, dims) -> the variable's record
    memo: dict = {}

    def replaced(t: T.Term) -> T.Term:
        if t in memo:
            return memo[t]
        if type(t) is T.RowFunc and _replaceable(t, bound):
            form, order = subterm_key(t)
            dims = tuple(i.dim for i in order)
            record = names.get((form, dims))
            if record is None:
                record = RowVariable(f"#row{len(names)}", "tensor", dims)
                names[form, dims] = record
            # softmax(W x)[i] -> #row0[i]
            out = T.Var(record.name, tuple(order))
        else:
            out = T.with_children(t, [replaced(u) for u in T.children(t)])
        memo[t] = out
        return out

    claim, want = replaced(claim), replaced(want)
    if not names:
        return None
    return claim, want, {**used, **{r.name: r for r in names.values()}}


def _replaceable(t: T.RowFunc, bound: set) -> bool:
    """Whether ``t`` is one value at a point: no sum's variable in it, plain sizes only."""
    if T.int_names(t) & bound:
        return False
    return not any(is_compound(i.dim) for i in T.free(t))
