"""Signs a term's structure shows (``1 + exp(u) > 0``, ``x[a] x[a] >= 0``): ``ir.signs``, which
lowering uses too (``norm2(x' x)`` is ``x' x``), named here for the checks that ask it.

Input: an index-IR term. Output: ``sign_of(t)``: "positive", "nonnegative", or None.
"""

from __future__ import annotations

from einderiv.ir.signs import sign_of

__all__ = ["sign_of"]
