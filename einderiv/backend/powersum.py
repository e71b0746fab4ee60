"""Symbolic sums of matrix powers in closed form, by doubling (the derivative of ``X^k``).

Input: a ``SumOver`` -- counter ``r``, count ``N``, body -- whose body is a product in which ``r``
appears only in the exponents of matrix powers, each ``r + c`` or ``c - r`` with a base free of
``r`` and two different indices (``d X^k / dX = sum_{r<k} X^r (x) X^(k-1-r)``).
Output: ``split(var, body)`` -> a ``PowerSum`` (the powers and the other factors) or None;
``_powsum(powers, count)`` -> the value of the powers' part of the sum, a plain numpy array.
Invariants:
- ``_powsum`` is plain numpy (generated code copies its source, ``runtime.DEFINED``), or any
  library given as ``np`` with numpy's names (torch and jax through ``runtime``, so that their
  transforms trace it: jax.jit, torch autograd), in the bases' dtype; it takes
  O(log |N|) products of the Kronecker products of the bases: with P = (x) P_j, Q = (x) Q_j and
  S(m) = sum_{r<m} P^r (x) Q^(m-1-r),
  S(2m) = S(m) (I (x) Q^m) + (P^m (x) I) S(m) and S(m+1) = S(m) (I (x) Q) + P^m (x) I.
- A backward sum (``N < 0``) is ``-sum_{r=N}^{-1}``, as ``SumOver`` defines it; an empty sum is 0
  without computing any power (so a singular base is never inverted for it). The range is cut
  where an exponent changes sign, so a base is inverted only where the sum itself inverts it and
  powers of M and of inv(M) are never multiplied together (that loses all precision).
- A sum whose closed form is too large (``CLOSED_FORM_ENTRIES``) or whose body does not have
  this form is left to a loop, which refuses more than ``MAX_SUM_TERMS`` terms (README, "Limits").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from einderiv.ir import index_ir as T

__all__ = ["CLOSED_FORM_ENTRIES", "MAX_SUM_TERMS", "PowerSum", "_powsum", "split"]

MAX_SUM_TERMS = 100_000  # terms a symbolic sum without a closed form may run (loops)
CLOSED_FORM_ENTRIES = 1 << 22  # entries of the doubling state (P (x) Q) beyond which we loop


@dataclass(frozen=True)
class Power:
    """``base^(sign r + const)`` with ``indices`` (row, column); ``bound`` orders the base."""

    base: T.Term
    bound: tuple
    sign: int
    const: T.Affine
    indices: tuple


@dataclass(frozen=True)
class PowerSum:
    """A sum's body split into its powers of the counter and the other factors, with the
    product's summed indices."""

    powers: tuple[Power, ...]
    rest: tuple[T.Term, ...]
    summed: tuple


@lru_cache(maxsize=4096)
def split(var: str, body: T.Term) -> PowerSum | None:
    """The closed-form reading of ``sum_var body``, or None when the body has another form."""
    factors, summed = _flat(body)
    powers, rest = [], []
    for f in factors:
        if var not in T.int_names(f):
            rest.append(f)
            continue
        if not isinstance(f, T.MatPow) or var in T.int_names(f.base):
            return None
        a, b = f.indices
        coeffs = dict(zip(f.exponent.names, f.exponent.coeffs))
        sign = coeffs.pop(var)
        if a == b or sign not in (1, -1):
            return None
        const = T.Affine(f.exponent.const, tuple(coeffs), tuple(coeffs.values()))
        powers.append(Power(f.base, f.bound, sign, const, (a, b)))
    if not powers:
        return None
    return PowerSum(tuple(powers), tuple(rest), tuple(summed))


def _flat(body: T.Term) -> tuple[tuple, tuple]:
    """The factors and summed indices of ``body``, nested products spliced in where their
    summed indices meet no other factor (``x[a] (A^r)[a,b] x[b]`` is one product)."""
    if not isinstance(body, T.Prod):
        return (body,), ()
    factors, summed = [], list(body.summed)
    for k, f in enumerate(body.factors):
        if isinstance(f, T.Prod):
            inner, bound = _flat(f)
            others = set(summed)
            for g in body.factors[:k] + body.factors[k + 1 :]:
                others |= T.free(g)
            if not others & set(bound):
                factors += inner
                summed += bound
                continue
        factors.append(f)
    return tuple(factors), tuple(summed)


def closed_form_entries(sizes: list[int]) -> int:
    """Entries of the doubling state for bases of these sizes: (prod sizes)^2."""
    total = 1
    for n in sizes:
        total *= n * n
    return total


def _powsum(powers, count, np=np):
    """sum_{r<count} of the outer product of M^(sign r + c) for (M, sign, c) in powers (for
    count < 0, minus the sum over count <= r < 0), by doubling. Axes: row and column of each
    power in turn. The range is cut where an exponent changes sign: on each piece every power is
    a nonnegative power of M or of inv(M) (never M^s times a negative power of M)."""
    count = int(count)
    lo, hi, sign = (0, count - 1, 1.0) if count >= 0 else (count, -1, -1.0)
    shape = tuple(d for m, _, _ in powers for d in m.shape)
    dtype = powers[0][0].dtype
    total = np.zeros(shape, dtype=dtype)
    if 0 in shape:  # a 0-by-0 base: the sum has no entries (and nothing to reshape)
        return total
    cuts = {lo, hi + 1}
    for _, s, c in powers:  # the first r at which s r + c changes sign
        cut = -c if s > 0 else c + 1
        if lo < cut <= hi:
            cuts.add(cut)
    inverses: dict = {}
    bounds = sorted(cuts)
    # the pieces a <= r < b (zip, not itertools.pairwise: generated code imports only numpy)
    for a, b in zip(bounds, bounds[1:]):  # noqa: RUF007
        increasing, decreasing = [], []  # (position, base, exponent at the piece's end)
        for j, (m, s, c) in enumerate(powers):
            if s * a + c < 0:  # negative on the whole piece: a power of inv(M)
                if j not in inverses:
                    inverses[j] = np.linalg.inv(m)
                m, s, c = inverses[j], -s, -c
            if s > 0:  # M^(r + c) = M^(r - a) M^(a + c)
                increasing.append((j, m, s * a + c))
            else:  # M^(c - r) = M^(b - 1 - r) M^(c - b + 1)
                decreasing.append((j, m, c - b + 1))
        total = total + _doubling(increasing, decreasing, b - a, len(powers), np)
    return sign * total


def _doubling(increasing, decreasing, n, count, np=np):
    """sum_{s<n} (x)_inc P_j^s P_j^e_j (x)_dec Q_j^(n-1-s) Q_j^e_j, axes in position order."""

    dtype = (increasing + decreasing)[0][1].dtype

    def kron(ms):
        out = np.ones((1, 1), dtype=dtype)
        for m in ms:
            out = np.kron(out, m)
        return out

    p = kron([m for _, m, _ in increasing])
    q = kron([m for _, m, _ in decreasing])
    size_p, size_q = p.shape[0], q.shape[0]
    s = np.zeros((size_p, size_p, size_q, size_q), dtype=dtype)  # S(m), m = 0
    pm, qm = np.eye(size_p, dtype=dtype), np.eye(size_q, dtype=dtype)
    eye_q = np.eye(size_q, dtype=dtype)
    shape = s.shape

    def right(s, m):  # the last axis of s times m, as one matrix product
        return (s.reshape(-1, size_q) @ m).reshape(shape)

    for bit in bin(n)[2:]:
        s = right(s, qm) + (pm @ s.reshape(size_p, -1)).reshape(shape)  # m -> 2m
        pm, qm = pm @ pm, qm @ qm
        if bit == "1":  # m -> m + 1
            s = right(s, q) + pm[:, :, None, None] * eye_q
            pm, qm = pm @ p, qm @ q
    mats = increasing + decreasing
    rows = tuple(m.shape[0] for _, m, _ in mats)
    k_inc = len(increasing)
    s = s.reshape(rows[:k_inc] * 2 + rows[k_inc:] * 2)
    # axes: rows of the increasing, their columns, rows of the decreasing, their columns
    axes = [0] * (2 * count)
    for slot, (j, _, _) in enumerate(mats):
        if slot < k_inc:
            row, col = slot, k_inc + slot
        else:
            row = 2 * k_inc + (slot - k_inc)
            col = row + len(decreasing)
        axes[2 * j], axes[2 * j + 1] = row, col
    s = np.transpose(s, axes)
    for j, m, e in mats:  # the constant factor M^e (e >= 0) on the column of power j
        if e:
            c = np.linalg.matrix_power(m, e)
            s = np.moveaxis(np.tensordot(s, c, axes=([2 * j + 1], [0])), -1, 2 * j + 1)
    return s
