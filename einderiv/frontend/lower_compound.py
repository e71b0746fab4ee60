"""Lowering of compound indices, ``vec`` and ``kron`` (a mixin of ``lower._Lowerer``).

Input: matrix-IR calls ``vec(X)``, ``kron(A, B)`` and index notation with compound indices
``y[(i,j)]``, ``delta[c,(i,j)]``. Output: index-IR terms with ``Pair`` factors.
Invariants: a compound index over the pairs (i, j) of m by n is c = i + m j (i fastest, as vec
stacks columns); ``kron(A, B)`` has rows (b, a) and columns (d, c), B's index fastest, as
``numpy.kron``; every compound written in index notation is a fresh index tied by
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

    def _kron(self, x: M.MExpr, y: M.MExpr, out: tuple) -> T.Term:
        """``kron(A, B)[(b,a),(d,c)] = A[a,c] B[b,d]``: each axis of the result is the pair of
        B's and A's (B's fastest, as numpy.kron), or the one axis that is there."""
        sx, sy = self.typed.shape(x), self.typed.shape(y)
        ax, ay, pairs, summed = [], [], [], []
        for k, o in enumerate(out):
            if sx[k] is not None and sy[k] is not None:
                i, j = T.fresh(sy[k]), T.fresh(sx[k])
                pairs.append(T.Pair(o, i, j))
                summed += [j, i]
                ax.append(j)
                ay.append(i)
            else:
                ax.append(o if sx[k] is not None else None)
                ay.append(o if sy[k] is not None else None)
        factors = (self.lo(x, tuple(ax)), self.lo(y, tuple(ay)), *pairs)
        return T.Prod(factors, tuple(summed))

    def _commutation(self, e: M.MExpr, out: tuple) -> T.Term:
        """``commutation(m, n)[(j,i),(k,l)] = delta[j,l] delta[i,k]``: K vec(X) = vec(X')."""
        r, s = out
        fast, slow = (T.fresh(self.typed.shape(x)[0]) for x in e.args)  # over m and n
        return T.Prod((T.Pair(r, slow, fast), T.Pair(s, fast, slow)), (fast, slow))


def tied(term: T.Term, pairs: list) -> T.Term:
    """``term`` times the compound deltas, summed over the compounds: ``y[(i,j)]`` is
    ``sum_c delta[c,(i,j)] y[c]``."""
    if not pairs:
        return term
    return T.Prod((term, *pairs), tuple(p.c for p in pairs))
