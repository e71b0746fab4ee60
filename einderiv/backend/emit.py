"""The einsum form of an expression (``Expr.einsum()``, ``--format einsum``): a standalone
numpy function whose every product is one ``np.einsum`` call.

Input: an ``Expr`` and a function name.
Output: ``einsum_program(expr, name)``, the source of ``def name(A, X, ...)``, importing only
numpy, returning the value in the expression's axes (a derivative's layout).
Invariants:
- It is ``codegen``'s program (the same plan: shared subterms computed once, sizes read from
  the arrays, helpers defined in the source) with the contractions written as einsum strings
  instead of BLAS products, so it runs as printed and its value is the expression's.
- The subscripts come from ``opt_einsum.get_symbol``; the output subscripts follow the result's
  axes, so no transpose is left implicit.
"""

from __future__ import annotations

from einderiv.backend.codegen import codegen


def einsum_program(expr, name: str = "f") -> str:
    """The source of ``def name(...)`` computing ``expr`` with one einsum per product."""
    return codegen(expr, name, einsum=True)
