"""Lowering of compound indices in index notation (a mixin of ``lower._Lowerer``).

Input: index notation with compound indices ``y[(i,j)]``, ``delta[c,(i,j)]``.
Output: index-IR terms with ``Pair`` factors (``vec`` and ``kron`` are lowered by their records
in ``ir/matrix_ops.py``).
Invariants: a compound index over the pairs (i, j) of m by n is c = i + m j (i fastest, as vec
stacks columns); every compound written in index notation is a fresh index tied by
``delta[c,(i,j)]`` and summed by the factor that carries it.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_product


class CompoundLowering:
    """Needs ``self.typed``, ``self.index(name)`` and ``self.lo(e, out)`` of the lowerer."""

    def _is_tensor(self, e: M.MExpr) -> bool:
        if not isinstance(e, M.Name):
            return False
        info = self.typed.variables.get(e.name)
        return info is not None and info.kind == "tensor"

    def compound(self, name, pairs: list) -> T.Index:
        """The index ``name``; for a compound ``(i, j)`` a fresh index over the pairs, tied to
        them by ``delta[c,(i,j)]`` (appended to ``pairs``)."""
        if not isinstance(name, tuple):
            return self.index(name)
        fast, slow = (self.compound(n, pairs) for n in name)
        c = T.fresh(dim_product(fast.dim, slow.dim))
        pairs.append(T.Pair(c, fast, slow))
        return c

    def _written(self, names) -> tuple[T.Index, ...]:
        """The user indices written in ``names``, compounds flattened, in order."""
        found = []
        for name in names:
            found.extend(self._written(name) if isinstance(name, tuple) else [self.index(name)])
        return tuple(found)


def tied(term: T.Term, pairs: list) -> T.Term:
    """``term`` times the compound deltas, summed over the compounds: ``y[(i,j)]`` is
    ``sum_c delta[c,(i,j)] y[c]``."""
    if not pairs:
        return term
    return T.Prod((term, *pairs), tuple(p.c for p in pairs))
