"""Chains of Kronecker products in matrix IR, and the sizes a chain's bare ``I`` leaves open.

Input: a matrix-IR tree (a claim's right side, or a Kronecker form the engine prints).
Output: ``links(e)``: the factors of the chain ``e`` (kron(A, kron(B, C)): [A, B, C]; any
other node: [e]); ``open_split(e)``: whether some chain of ``e`` holds two unsized ``I`` apart
(two ``ones``, two ``ones'``; or all three kinds), so that its rows and columns fix their sizes
only as a product: kron(I, kron(p, I)) of 12 rows and 4 columns (p of length 3) is I_4 (x) p
(x) I_1, I_2 (x) p (x) I_2 or I_1 (x) p (x) I_4, three matrices.
Invariants: adjacent unsized ``I`` (or ``ones``, ``ones'``) of a kind are one (kron(I_a, I_b) =
I_ab); an ``I`` and a ``ones`` are apart fixed (a b rows, a columns); a size written (``I_2``,
``I_{n}``) closes its factor. Read only: nothing is rewritten.
"""

from __future__ import annotations

from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import KRON

__all__ = ["links", "open_split"]


def _kron_call(e: M.MExpr) -> bool:
    return isinstance(e, M.Call) and e.fn == KRON.name and len(e.args) == 2


def links(e: M.MExpr) -> list:
    """The factors of the Kronecker chain ``e``, however nested, in order."""
    return [f for a in e.args for f in links(a)] if _kron_call(e) else [e]


def open_split(tree: M.MExpr) -> bool:
    """Whether a Kronecker chain of ``tree`` holds two unsized ``I`` apart (module docstring)."""
    parts = links(tree)
    if len(parts) > 1:
        kinds: list = []
        for part in parts:
            kind = _open_kind(part)
            if kind is None or not kinds or kinds[-1] != kind:
                kinds.append(kind)
        named = [k for k in kinds if k is not None]
        if len(named) != len(set(named)) or len(named) > 2:
            return True
        return any(open_split(part) for part in parts)
    found: list = []
    M.map_children(tree, lambda c: found.append(open_split(c)) or c)
    return any(found)


def _open_kind(e: M.MExpr) -> str | None:
    """``I``, ``ones`` or ``ones'`` with no size written (None: any other factor)."""
    if isinstance(e, M.Transpose) and isinstance(e.operand, M.Ones) and e.operand.dim is None:
        return "ones'"
    if isinstance(e, M.Transpose):
        e = e.operand
    if isinstance(e, (M.Identity, M.Ones)) and e.dim is None:
        return type(e).__name__
    return None
