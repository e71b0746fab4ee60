"""The matrix inside an indexed matrix atom (``inv``, ``X^k``, ``softmax``), for ``printing``.

Input: the atom's base (an index term), the indices on its rows and columns, the variables, the
sizes the surrounding text fixes, and the names the text already uses.
Output: ``atom_matrix``, the base as a matrix-IR tree (a repeated block of a chain a power:
``notation.chain_powers``), or None when matrix notation cannot say
it; ``sum_names``, the counters a printed finite sum may take.
Invariants: the reader takes no index notation inside ``inv``, a power or ``softmax``
(``inv(B[i,j])`` is refused), so a finite sum whose body has a matrix form is written as one,
``sum_{r=0}^{k}(B^r)``, also inside a larger base (held as a placeholder variable while the
base is re-contracted; ``recontract`` itself leaves symbolic sums to index notation).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from types import SimpleNamespace

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.chain_powers import powered
from einderiv.notation.recontract import recontract
from einderiv.notation.scalars import affine_tree

_SUM_NAMES = ("r", "s", "t", "u", "v")


def sum_names():
    """Names for the counter of a printed sum: r, s, t, u, v, r_1, r_2, ... (LaTeX reads r1 as
    r times 1, and r_1 as a name)."""
    yield from _SUM_NAMES
    yield from (f"r_{k}" for k in itertools.count(1))


def atom_matrix(base: T.Term, axes, variables: dict, anchored, taken) -> M.MExpr | None:
    """``base`` with rows on ``axes[0]`` and columns on ``axes[1]`` in matrix notation: by
    re-contraction, else with each finite sum in it (``sum_{r<k} body``) written as the sum of
    its body's matrix form (``cos(sum_{r=0}^{k}(B^r) x)``): re-contracted as a placeholder
    variable, then put back. A counter takes a name not in ``taken``, the variables or the
    base's integers."""
    tree = recontract(base, *axes, variables, anchored)
    if tree is not None or not _has_sum(base):
        return None if tree is None else powered(tree, variables)  # inv((A X)^2)[i,j]
    used = set(taken) | set(variables) | T.int_names(base)
    sums: dict[str, M.MExpr] = {}
    known = dict(variables)
    held = _held(base, sums, known, anchored, used)
    tree = None if held is None else recontract(held, *axes, known, anchored)
    return None if tree is None else powered(_put_back(tree, sums), variables)


def _has_sum(t: T.Term) -> bool:
    """Whether a finite sum occurs in ``t`` (a walk of its graph, each shared node once)."""
    stack, seen = [t], set()
    while stack:
        node = stack.pop()
        if type(node) is T.SumOver:
            return True
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(T.children(node))
    return False


def _held(t: T.Term, sums: dict, known: dict, anchored, used: set) -> T.Term | None:
    """``t`` with each finite sum replaced by a placeholder variable of its shape (declared
    in ``known``, its matrix form in ``sums``); None when a sum has no matrix form."""
    if type(t) is not T.SumOver:
        if not _has_sum(t):
            return t
        kids = [_held(c, sums, known, anchored, used) for c in T.children(t)]
        return None if None in kids else T.with_children(t, kids)
    free = sorted(T.free(t), key=lambda i: i.name)
    if len(free) > 2:
        return None
    name = next(n for n in sum_names() if n not in used)
    body = T.subst_int(t.body, t.var, T.affine(0, {name: 1}))
    axes = (*free, None, None)[:2]
    inner = atom_matrix(body, axes, known, anchored, used | {name})
    if inner is None:
        return None
    upper = affine_tree(T.affine_add(t.count, T.affine(1), -1))
    held = f"%sum{len(sums)}"  # no variable's name
    sums[held] = M.FiniteSum(name, M.Number(Fraction(0)), upper, inner)
    kind = ("scalar", "vector", "matrix")[len(free)]
    known[held] = SimpleNamespace(name=held, kind=kind, dims=tuple(i.dim for i in free))
    return T.Var(held, tuple(free))


def _put_back(e: M.MExpr, sums: dict) -> M.MExpr:
    if type(e) is M.Name and e.name in sums:
        return sums[e.name]
    return M.map_children(e, lambda c: _put_back(c, sums))
