"""The matrix inside an indexed matrix atom (``inv``, ``X^k``, ``softmax``), for ``printing``.

Input: the atom's base (an index term), the indices on its rows and columns, the variables, the
sizes the surrounding text fixes, and the names the text already uses.
Output: ``atom_matrix``, the base as a matrix-IR tree, or None when matrix notation cannot say
it; ``sum_names``, the counters a printed finite sum may take.
Invariants: the reader takes no index notation inside ``inv``, a power or ``softmax``
(``inv(B[i,j])`` is refused), so a finite sum whose body has a matrix form is written as one,
``sum_{r=0}^{k}(B^r)`` (``re-contraction`` itself leaves symbolic sums to index notation).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.recontract import recontract
from einderiv.notation.scalars import affine_tree

_SUM_NAMES = ("r", "s", "t", "u", "v")


def sum_names():
    """Names for the counter of a printed sum: r, s, t, u, v, r1, r2, ..."""
    yield from _SUM_NAMES
    yield from (f"r{k}" for k in itertools.count(1))


def atom_matrix(base: T.Term, axes, variables: dict, anchored, taken) -> M.MExpr | None:
    """``base`` with rows on ``axes[0]`` and columns on ``axes[1]`` in matrix notation: by
    re-contraction, else, for ``sum_{r<k} body``, the sum of the body's matrix form (its
    counter a name not in ``taken``, the variables or the base's integers)."""
    tree = recontract(base, *axes, variables, anchored)
    if tree is not None or type(base) is not T.SumOver:
        return tree
    used = set(taken) | set(variables) | T.int_names(base)
    name = next(n for n in sum_names() if n not in used)
    body = T.subst_int(base.body, base.var, T.affine(0, {name: 1}))
    inner = atom_matrix(body, axes, variables, anchored, used | {name})
    if inner is None:
        return None
    upper = affine_tree(T.affine_add(base.count, T.affine(1), -1))
    return M.FiniteSum(name, M.Number(Fraction(0)), upper, inner)
