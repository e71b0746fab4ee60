"""Determinants and adjugates on every backend, right at singular matrices and extreme scales.

Input: a square matrix of a backend's array library (numpy, torch, jax; dask: numpy's, block by
block in ``dask_linalg``).
Output: ``_adj`` (numpy, also copied into generated code), ``scaled_det(xp, det)`` and
``autodiff_adj(backend, det)`` (torch, jax), ``signed_logdet(xp, slogdet)``.
Invariants:
- ``adj(X)`` is computed without an inverse, so it is right where ``X`` is singular
  (``adj([[1, 2], [2, 4]]) = [[4, -2], [-2, 1]]``): on numpy by the SVD,
  ``adj(U S V') = det(U) det(V) V adj(S) U'`` with ``adj(S)`` diagonal, each entry the product
  of the other singular values; on torch and jax as the gradient of their own determinant
  (``d det(X)/dX = adj(X)'``), which they differentiate right at singular matrices and again
  for higher derivatives.
- numpy's adj scales rows by powers of two as the determinant below does (no overflow in the
  products of singular values where the value is finite).
- A determinant on torch and jax is that of the matrix with its rows scaled by powers of two
  (exact), times the product of those powers, so it overflows only where the value does, as
  numpy's (diag(1e200, 1e200, 1e-250): 1e150); gradients pass through it unchanged.
"""

from __future__ import annotations

import math

import numpy as np


def _adj(m):
    """The adjugate of a square matrix by its SVD (plain numpy; no inverse). Its rows are
    scaled by powers of two first (D X, exact), and adj(X) = adj(D X) D / det(D) scales the
    columns back by powers of two (``ldexp``: 0 stays 0), so it overflows only where its
    value does."""
    n = m.shape[0]
    _, e = np.frexp(np.max(np.abs(m), axis=-1, initial=0.0))
    try:
        u, s, vt = np.linalg.svd(np.ldexp(m, -e[:, None]))
    except np.linalg.LinAlgError:  # nan or inf entries: no value
        return np.full(m.shape, np.nan)
    before = np.concatenate(([1.0], np.cumprod(s[:-1]))) if n else s
    after = np.concatenate((np.cumprod(s[:0:-1])[::-1], [1.0])) if n else s
    sign = np.linalg.det(u) * np.linalg.det(vt)  # +-1: u and vt are orthogonal
    return np.ldexp((sign * (vt.T * (before * after))) @ u.T, (e.sum() - e)[None, :])


def scaled_det(xp, det):
    """``det`` of the rows scaled to [0.5, 1) by powers of two, times those powers."""

    def scaled(m):
        _, e = xp.frexp(xp.amax(xp.abs(m), -1))
        e = xp.zeros_like(m[0]) + e  # the exponents as floats of m's dtype
        half = xp.floor(xp.sum(e) / 2)  # 2^E in two factors: each stays in range
        return det(m * 2.0 ** (-e[:, None])) * 2.0**half * 2.0 ** (xp.sum(e) - half)

    return scaled


def autodiff_adj(backend: str, det):
    """``adj(X) = (d det(X)/dX)'`` by the library's own differentiation of ``det``."""
    if backend == "torch":
        import torch

        grad = torch.func.grad(det)
        return lambda m: grad(m).mT
    import jax

    grad = jax.grad(det)
    return lambda m: grad(m).T


def signed_logdet(xp, slogdet):
    """log det(X): -inf where singular (log 0), nan where det(X) < 0; no Python branch (jax
    traces it)."""

    def logdet(m):
        sign, logabs = slogdet(m)
        return xp.where(sign > 0, logabs, xp.where(sign == 0, -math.inf, math.nan))

    return logdet
