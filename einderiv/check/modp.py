"""Linear algebra modulo a prime, on numpy object arrays of Python ints: the exact evaluator's
matrix products, inverses and determinants (``check.exact``).

Input: square matrices of residues mod ``p`` (any ints: reduced here) and the prime ``p``.
Output: the product, the inverse (``Undefined`` for a singular matrix) or the determinant, mod p;
``square_root`` of a residue (``NonResidue`` when it has none).
Invariants: exact (Gauss-Jordan elimination over the field of integers mod p); cubic in the
number of rows, which the caller bounds (``exact.MAX_MATRIX``).
"""

from __future__ import annotations

import numpy as np


class Undefined(Exception):
    """A denominator is zero at this point (redraw the point)."""


class NonResidue(Exception):
    """A value that has no square root mod p (for a root taken exactly: redraw the point)."""


def matmul(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    return np.dot(a, b) % p


def inverse(matrix: np.ndarray, p: int) -> np.ndarray:
    """Gauss-Jordan elimination mod p; ``Undefined`` for a singular matrix."""
    n = matrix.shape[0]
    work = [
        [int(x) % p for x in row] + [int(i == j) for j in range(n)] for i, row in enumerate(matrix)
    ]
    for col in range(n):
        pivot = next((r for r in range(col, n) if work[r][col]), None)
        if pivot is None:
            raise Undefined
        work[col], work[pivot] = work[pivot], work[col]
        scale = pow(work[col][col], -1, p)
        work[col] = [x * scale % p for x in work[col]]
        for r in range(n):
            if r != col and work[r][col]:
                factor = work[r][col]
                work[r] = [(x - factor * y) % p for x, y in zip(work[r], work[col])]
    return np.array([row[n:] for row in work], dtype=object).reshape(n, n)


def determinant(matrix: np.ndarray, p: int) -> int:
    n = matrix.shape[0]
    work = [[int(x) % p for x in row] for row in matrix]
    det = 1
    for col in range(n):
        pivot = next((r for r in range(col, n) if work[r][col]), None)
        if pivot is None:
            return 0
        if pivot != col:
            work[col], work[pivot] = work[pivot], work[col]
            det = -det
        det = det * work[col][col] % p
        scale = pow(work[col][col], -1, p)
        for r in range(col + 1, n):
            if work[r][col]:
                factor = work[r][col] * scale % p
                work[r] = [(x - factor * y) % p for x, y in zip(work[r], work[col])]
    return det % p


def square_root(v: int, p: int) -> int:
    """A square root of ``v`` mod the odd prime ``p`` (Tonelli-Shanks); ``NonResidue`` if none."""
    v %= p
    if v == 0:
        return 0
    if pow(v, (p - 1) // 2, p) != 1:
        raise NonResidue
    q, s = p - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    z = next(z for z in range(2, p) if pow(z, (p - 1) // 2, p) == p - 1)
    m, c, t, r = s, pow(z, q, p), pow(v, q, p), pow(v, (q + 1) // 2, p)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % p, i + 1
        b = pow(c, 1 << (m - i - 1), p)
        m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
    return r
