"""The registry of vector functions (SPEC 6.1): softmax, logsumexp and log_softmax, each once.

Input: nothing (a table built at import). Output: ``ROW``, name -> ``RowFunction`` record: its
implementations (numpy; torch and jax through ``array_api``), LaTeX, whether it reduces a row
to a scalar, the constant sum of a row when it has one, and its ``definition`` with exp and log
(what ``check`` proves claims with). ``ir.ops`` re-exports ``ROW``; the derivative rules are in
``calculus/differentiate.py``.
Invariants: one record per function; the implementations are stable (shifted by the row's
maximum); ``definition`` is equal to the function for every real row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from einderiv.ir import index_ir as T

__all__ = ["ROW", "RowFunction"]


# ---------------------------------------------------------------------------------------------
# Vector functions (SPEC 6.1): of a vector, or of each row of a matrix. In the index IR each is
# one ``RowFunc`` atom (its name kept, so derivatives print as softmax(x)); the derivative rules
# are in calculus/differentiate.py (d logsumexp = softmax' du, d softmax = (diag(s) - s s') du,
# d log_softmax = (I - ones s') du). The implementations shift by the row's maximum, so
# logsumexp([1000, 1000]) = 1000 + log 2 and softmax never overflows.


@dataclass(frozen=True)
class RowFunction:
    """A function of a vector, applied along the last axis of an array (the rows of a matrix)."""

    name: str
    reduces: bool  # True: a scalar per row (logsumexp); False: a vector per row
    numpy: Callable  # implementation on the last axis of a numpy array
    array_api: Callable  # xp -> the implementation in array namespace xp (torch, jax.numpy)
    latex: str  # LaTeX of the function's name
    row_sum: int | None = None  # the sum of a row of its values, when constant (softmax: 1)
    # t -> the RowFunc t written with exp and log (the formula in the comment above each
    # record); check's exact proof uses it, so softmax(x) and exp(x) / sum(exp(x)) are equal
    definition: Callable[[T.RowFunc], T.Term] | None = None


def _row_parts(t: T.RowFunc) -> tuple[T.Term, T.Term]:
    """(exp of t's entry, the sum of exp over t's row): ``exp(x[i])``, ``sum_s exp(x[s])``."""
    s = T.fresh(t.bound.dim, "s")
    total = T.Prod((T.Func("exp", T.rename(t.base, {t.bound: s})),), (s,))
    entry = T.Func("exp", T.rename(t.base, {t.bound: t.indices[0]})) if t.indices else total
    return entry, total


def _log_softmax_definition(t: T.RowFunc) -> T.Term:
    """``x[i] - log(sum_s exp(x[s]))``, the second term broadcast over the entry's index (an
    Add's terms have equal free indices)."""
    entry = T.rename(t.base, {t.bound: t.indices[0]})
    log_total = T.Func("log", _row_parts(t)[1])
    spread = sorted(T.free(entry) - T.free(log_total), key=lambda i: i.name)
    return T.Add((entry, T.Prod((T.MINUS_ONE, log_total, *map(T.Ones, spread)))))


def _logsumexp(x):
    x = np.asarray(x, dtype=float)
    top = np.max(x, axis=-1, keepdims=True, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0.0)  # all -inf, an inf or an empty row: no shift
    # (so the logsumexp of an empty row is log 0 = -inf, as in torch and scipy)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(x - top), axis=-1)) + top[..., 0]


def _softmax(x):
    x = np.asarray(x, dtype=float)  # an empty row has the maximum -inf: its softmax is empty
    e = np.exp(x - np.max(x, axis=-1, keepdims=True, initial=-np.inf))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax(x):
    x = np.asarray(x, dtype=float)  # x - logsumexp(x), written out: generated code copies it
    shifted = x - np.max(x, axis=-1, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore"):  # an empty row: log 0, broadcast to no entries
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _xp_row(name: str, fallback: Callable) -> Callable:
    """xp -> the library's own stable implementation along the last axis (torch, jax), or the
    numpy one (for the numpy-backed test namespace)."""

    def implementation(xp):
        module = getattr(xp, "__name__", "")
        if module == "torch":
            return lambda x: getattr(xp, name)(x, -1)
        if module == "jax.numpy":
            import jax.nn
            import jax.scipy.special

            own = jax.scipy.special if name == "logsumexp" else jax.nn
            return lambda x: getattr(own, name)(x, axis=-1)
        return fallback

    return implementation


ROW: dict[str, RowFunction] = {
    r.name: r
    for r in (
        # logsumexp(x) = log(sum(exp(x))) = m + log(sum(exp(x - m))), m = max(x)
        RowFunction(
            "logsumexp",
            True,
            _logsumexp,
            _xp_row("logsumexp", _logsumexp),
            r"\operatorname{logsumexp}",
            definition=lambda t: T.Func("log", _row_parts(t)[1]),
        ),
        # softmax(x) = exp(x) / sum(exp(x)) = exp(x - logsumexp(x)); sum(softmax(x)) = 1
        RowFunction(
            "softmax",
            False,
            _softmax,
            _xp_row("softmax", _softmax),
            r"\operatorname{softmax}",
            row_sum=1,
            definition=lambda t: T.Prod((_row_parts(t)[0], T.Pow(_row_parts(t)[1], T.MINUS_ONE))),
        ),
        # log_softmax(x) = x - logsumexp(x)
        RowFunction(
            "log_softmax",
            False,
            _log_softmax,
            _xp_row("log_softmax", _log_softmax),
            r"\operatorname{log\_softmax}",
            definition=lambda t: _log_softmax_definition(t),
        ),
    )
}
