"""A factor with its outer summed indices renamed to fixed names, so that re-contraction sees
the one factor that recurs in many products under other names once (``recontract.view``).

Input: an index-IR factor of a canonical product (its summed indices named ``%0.0, %0.1, ...``
by ``canon``, its nested binders ``%1.*`` and deeper). Output: ``pattern(f)``, the factor with
its free ``%0.*`` indices renamed ``%0.0, %0.1`` in the order of their names, and the renaming
back; or None when nothing would change (or ``f`` is a leaf, cheaper done as it is).
Invariants: the renaming keeps the order of names among the factor's free indices and against
every other name in it (only a ``%0.`` name is renamed, to a ``%0.`` name, and a canonical
factor binds none of those), so every choice re-contraction makes by sorting names is the
same: the matrix form of the pattern is that of the factor, its row and column renamed back.
In the unrolled RNN's gradient the k-th product holds ``1 - tanh(...)^2`` of every step above
k, each under the name its product gave it: without this each was re-contracted once per
product (quadratic in the steps), with it once.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T

_LEAVES = (T.Var, T.Delta, T.Ones, T.Zero, T.Num, T.Pair, T.Size, T.Affine)
_OUTER = "%0."


def pattern(f: T.Term) -> tuple[T.Term, dict] | None:
    """``(f renamed, {placeholder: its index})``, or None (a leaf, or nothing to rename)."""
    if type(f) in _LEAVES:
        return None
    outer = sorted((i for i in T.free(f) if i.name.startswith(_OUTER)), key=lambda i: i.name)
    if not outer or len(outer) > 2:
        return None
    mapping = {i: T.Index(f"{_OUTER}{k}", i.dim) for k, i in enumerate(outer)}
    if all(i == j for i, j in mapping.items()):
        return None  # f is its own pattern
    return T.rename(f, mapping), {j: i for i, j in mapping.items()}
