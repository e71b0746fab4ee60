"""The differential form of a derivative (SPEC section 7), and a reader for it.

Input: for ``differential_text``, the numerator-layout derivative G of a scalar f by X in matrix
form, and the names of f's variable; for ``read_differential``, the text, the variable and the
declarations.
Output: ``d f = tr(G dX)`` (X a matrix), ``d f = G dx`` (x a vector: G is a row; or a scalar);
and back from such a text, the numerator-layout derivative as an ``Expr``.
Invariants: the identification rule of Magnus & Neudecker: d f = tr(G dX) for every dX exactly
when G is the numerator-layout derivative, so reading a differential is differentiating its right
side (linear in dX) by dX, which the engine does exactly. ``dX`` takes X's kind and dimensions.
"""

from __future__ import annotations

import re

from einderiv.errors import EinderivError
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import TR


def differential_text(gradient: M.MExpr, wrt: str, kind: str, name: str | None = None) -> str:
    """``d f = tr(G dX)`` for a matrix X, ``d f = G dx`` for a vector or scalar x; ``name``:
    what f is, when it is a derivative (``d(df/da) = 6 a da``: a Hessian by a scalar a)."""
    step = M.MatMul(gradient, M.Name(f"d{wrt}"))
    right = M.Call(TR.name, (step,)) if kind in ("matrix", "symmetric") else step
    return f"{f'd({name})' if name else 'd f'} = {M.show(right)}"


def split_differential(text: str, wrt: str) -> str:
    """The right side of ``d f = ...`` (checked to be a differential by ``wrt``)."""
    if not isinstance(text, str):
        raise EinderivError(f"expected a differential such as 'd f = tr(G dX)', got {text!r}")
    left, sep, right = text.partition("=")
    if not sep or not re.fullmatch(r"\s*d\s*(?:\w*|\(\s*d[\s\w()/]*\))\s*", left):  # d(df/dx)
        raise EinderivError(
            f"a differential is written 'd f = tr(G d{wrt})' (or 'd f = g d{wrt}' for a vector); "
            f"got {text!r}"
        )
    if right.strip() != "0" and not re.search(rf"\bd{re.escape(wrt)}\b", right):  # d f = 0
        raise EinderivError(f"the differential {text!r} does not mention d{wrt}")
    return right


def declaration(name: str, kind: str, dims: tuple) -> str:
    """``dX: matrix(m, n)``: a where-declaration giving ``name`` this kind and these dims."""
    if kind == "scalar" or not dims:
        return f"{name}: scalar"
    return f"{name}: {kind}({', '.join(str(d) for d in dims)})"
