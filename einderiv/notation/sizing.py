"""Identities that carry their size: an ``I`` whose size nothing else in the text fixes.

Input: a matrix-IR expression made by re-contraction (its ``I`` s carry their dimension), the
variables, and the dimensions the surrounding text fixes (``anchored``: by default those of the
names in the expression and of the result's rows and columns).
Output: the same expression, with each ``I`` of a dimension that is not anchored written as
``diag(v .^ 0)`` (v a vector variable of that size) or ``diag(diag(A .^ 0))`` (A square):
``d/da det(a diag(p ./ p))`` is ``tr((a I)^-1) det(a I)`` in which nothing says how large ``I``
is once ``p`` has dropped out, so it reads back only with the size given; it prints
``tr((a diag(p .^ 0))^-1) det(a diag(p .^ 0))``.
``measured_size(dim, variables)``: a size written by the variables that have it (``len(x)``).
``witnesses(variables)``: the variables such a text may name (not ``backprop``'s placeholders).
Invariants: values never change; an expression with no such ``I`` is returned as it is (the
same object), and when no variable has the size the ``I`` stays (reading it back asks for it).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DIAG, LEN
from einderiv.notation.cse_names import map_subterms, subterms

__all__ = ["measured_size", "sized_identities", "witnesses"]


def sized_identities(tree: M.MExpr, variables: dict, anchored=None, ends=()) -> M.MExpr:
    """``tree`` with its unanchored ``I`` s sized (see the module docstring); ``ends``: the
    indices of the result's rows and columns (None for an absent one)."""
    dims, names = set(), set()
    todo, seen = [tree], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:  # a shared subtree is looked at once
            continue
        seen.add(id(e))
        if isinstance(e, M.Identity):
            if e.dim is not None:
                dims.add(e.dim)
        elif isinstance(e, M.Name):
            names.add(e.name)
        else:
            todo.extend(subterms(e))
    if not dims:
        return tree
    if anchored is None:
        anchored = {i.dim for i in ends if i is not None}
        anchored.update(d for n in names if n in variables for d in variables[n].dims)
    forms = {d: _identity_of(d, variables) for d in dims - set(anchored)}
    forms = {d: f for d, f in forms.items() if f is not None}
    if not forms:
        return tree

    def sized(e: M.MExpr):
        return forms.get(e.dim) if isinstance(e, M.Identity) else None

    return map_subterms(tree, sized, {})


def _identity_of(dim, variables: dict) -> M.MExpr | None:
    """An identity matrix of size ``dim`` measured on a variable: ``diag(v .^ 0)`` for a
    vector v of that size, ``diag(diag(A .^ 0))`` for a square A; None if there is none."""
    zero = M.Number(Fraction(0))
    for name, info in sorted(variables.items()):
        if info.kind == "vector" and info.dims == (dim,):
            return M.Call(DIAG.name, (M.ElemPow(M.Name(name), zero),))
    for name, info in sorted(variables.items()):
        if info.kind in ("matrix", "symmetric") and info.dims == (dim, dim):
            ones = M.ElemPow(M.Name(name), zero)
            return M.Call(DIAG.name, (M.Call(DIAG.name, (ones,)),))
    return None


def measured_size(dim, variables: dict, uses: dict | None = None) -> M.MExpr | None:
    """``len(x)`` of a vector of size ``dim`` (x - mean(x): I - ones ones' / len(x)), else
    ``len(A)`` or ``len(A')`` of a matrix (rows, columns), ``m`` itself if ``m: integer``; None
    if none has it. A variable comes before its differential (``dx / len(x)``, not len(dx)),
    then one with more ``uses`` (entries in the text: a layer norm's means are of x, not of
    beta, which has the same size), then by name."""
    if isinstance(dim, str) and getattr(variables.get(dim), "kind", None) == "integer":
        return M.Name(dim)  # m mu' with m: integer and Y m-by-n, not len(Y) mu'
    uses = uses or {}
    named = sorted(
        variables.items(),
        key=lambda item: (item[0][1:] in variables, -uses.get(item[0], 0), item[0]),
    )
    for name, info in named:
        if info.kind == "vector" and info.dims[0] == dim:
            return M.Call(LEN.name, (M.Name(name),))
    for name, info in named:
        if info.kind in ("matrix", "symmetric") and dim in info.dims:
            rows = info.dims[0] == dim
            return M.Call(LEN.name, (M.Name(name) if rows else M.Transpose(M.Name(name)),))
    return None


def witnesses(variables: dict) -> dict:
    """The variables a text may name for a size (``0 x``, ``len(x)``, ``diag(x .^ 0)``): not a
    placeholder (``%a1``: ``calculus.reverse``), which stands for a term that ``backprop``
    writes in for it -- maybe its own, which would then hold itself. No user's name has ``%``."""
    if not any(n[:1] == "%" for n in variables):
        return variables
    return {n: v for n, v in variables.items() if n[:1] != "%"}
