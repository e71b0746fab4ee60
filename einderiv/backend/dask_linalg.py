"""The linear algebra compiled programs call on the dask backend, lazily.

Input: dask arrays (a matrix chunked any way).
Output: lazy dask arrays: ``inv``, ``det``, ``slogdet`` (a pair of 0-d arrays) and
``matrix_power``, the functions ``runtime._generic_namespace`` reads from a ``linalg``;
``einsum``, the dask namespace's ``_einsum``.
Invariants:
- Nothing is computed here: every function adds tasks to the graph.
- dask has no ``det`` or ``slogdet``, and its ``inv`` wants square chunks: these three rechunk
  the matrix to ONE block and run numpy's function on it (a matrix function of an n x n matrix
  needs the whole matrix on one worker anyway; contractions stay blockwise).
- ``matrix_power`` is repeated squaring with ``@``, blockwise.
- ``einsum`` gives the axes an operand repeats an index on (a diagonal, ``aa->a``) the same
  chunks first: dask's einsum takes the diagonal block by block and needs them equal.
"""

from __future__ import annotations

import dask.array as da
import numpy as np
import opt_einsum as oe

from einderiv.errors import EvaluationError


def to(x):
    """A dask array of ``x`` (a dask array is returned as it is)."""
    return x if isinstance(x, da.Array) else da.asarray(x)


def _one_block(m):
    return to(m).rechunk(-1)


def _scalar(fn, m, dtype):
    """A 0-d dask array of ``fn`` applied to the one-block matrix ``m``."""
    block = _one_block(m)
    return block.map_blocks(
        lambda b: np.asarray(fn(b), dtype=dtype).reshape(()), drop_axis=[0, 1], dtype=dtype
    )


def _inv_block(b):
    try:
        return np.linalg.inv(b)
    except np.linalg.LinAlgError as error:
        raise EvaluationError(f"cannot invert a singular matrix ({error})") from None


def inv(m):
    block = _one_block(m)
    return block.map_blocks(_inv_block, dtype=block.dtype)


def det(m):
    return _scalar(np.linalg.det, m, to(m).dtype)


def slogdet(m):
    dtype = to(m).dtype
    return _scalar(lambda b: np.linalg.slogdet(b)[0], m, dtype), _scalar(
        lambda b: np.linalg.slogdet(b)[1], m, dtype
    )


def matrix_power(m, power: int):
    """``m`` to a non-negative integer power by repeated squaring (blockwise ``@``)."""
    m = to(m)
    result = None
    while power:
        if power & 1:
            result = m if result is None else result @ m
        power >>= 1
        if power:
            m = m @ m
    if result is None:
        # the identity, chunked as m (da.eye takes one chunk size, not m's tuple of them)
        return da.from_array(np.eye(m.shape[0], dtype=m.dtype), chunks=m.chunks)
    return result


def einsum(spec: str, *operands):
    """``opt_einsum.contract(spec, *operands)`` on dask arrays, the axes of an operand that
    share an index (its diagonal) rechunked to the chunks of the first of them."""
    inputs = spec.split("->")[0].split(",")
    aligned = []
    for letters, x in zip(inputs, operands):
        if len(set(letters)) < len(letters):
            x = to(x)
            first = {c: letters.index(c) for c in letters}
            x = x.rechunk({k: x.chunks[first[c]] for k, c in enumerate(letters)})
        aligned.append(x)
    return oe.contract(spec, *aligned, backend="dask")


def elementwise(fn):
    """A registry function's numpy implementation applied block by block (lazily)."""

    def apply(x):
        x = to(x)
        return x.map_blocks(lambda b: np.asarray(fn(b), dtype=b.dtype), dtype=x.dtype)

    return apply


def rowwise(fn, reduces: bool):
    """A function of each row (softmax, logsumexp): the last axis in one chunk, then blocks."""

    def apply(x):
        x = to(x)
        if x.ndim == 0:
            return x
        x = x.rechunk({x.ndim - 1: -1})
        if reduces:
            return x.map_blocks(
                lambda b: np.asarray(fn(b), dtype=b.dtype), drop_axis=x.ndim - 1, dtype=x.dtype
            )
        return x.map_blocks(lambda b: np.asarray(fn(b), dtype=b.dtype), dtype=x.dtype)

    return apply
