"""Contractions of exact tensors (``exact``): einsum over object arrays of Python integers.

Input: tensors, each a pair of its indices (index-IR ``Index``) and an object array with one
axis per index; the indices to keep; the prime ``p``.
Output: the contracted array (residues mod ``p`` for ``contract_all``).
Invariants: ``contract`` is one ``np.einsum`` (numpy's optimised einsum is not used: it turns a
0-d object intermediate into a Python int and fails on it); ``contract_all`` contracts a
product's factors two at a time, each time the pair whose result is smallest, reducing mod p
after each step, so a product of k factors over n-sized indices costs what its pairwise
contractions cost, never the n^(all indices) of one einsum over every index at once (a trace
of ``inv(X^2 (X^2)' + I)``'s derivative took 14 s that way).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

__all__ = ["contract", "contract_all"]


def contract(parts: list, out: tuple) -> np.ndarray:
    """One einsum of ``parts`` (objects with ``indices`` and ``array``) onto ``out``."""
    letters: dict = {}
    for part in parts:
        for i in part.indices:
            letters.setdefault(
                i, chr(97 + len(letters)) if len(letters) < 26 else chr(39 + len(letters))
            )
    spec = ",".join("".join(letters[i] for i in part.indices) for part in parts)
    spec += "->" + "".join(letters[i] for i in out)
    return np.einsum(spec, *[np.asarray(part.array, dtype=object) for part in parts])


class _Part:
    __slots__ = ("array", "indices")

    def __init__(self, indices: tuple, array):
        self.indices, self.array = indices, array


def contract_all(parts: list, out: tuple, p: int) -> np.ndarray:
    """The product of ``parts`` onto ``out``, mod ``p``: pairs in a greedy order (two numbers
    first, then the pair whose result is smallest), each pair's cost found from how many parts
    hold each index, so k factors cost k^3 steps, not k^4 (60 nested sqrt: minutes)."""
    work = [_Part(part.indices, part.array) for part in parts]
    sizes = {i: n for part in work for i, n in zip(part.indices, np.shape(part.array))}
    kept = set(out)
    while len(work) > 2:
        numbers = [k for k, q in enumerate(work) if not q.indices]
        if len(numbers) > 1:  # two numbers: a product of cost 1, the least there is
            best = (1, numbers[0], numbers[1], ())
        else:
            best = None
            held = Counter(i for q in work for i in set(q.indices))  # parts holding i
            for a in range(len(work)):
                for b in range(a + 1, len(work)):
                    ia, ib = work[a].indices, work[b].indices
                    both = ia + ib
                    keep = tuple(
                        dict.fromkeys(
                            i for i in both if i in kept or held[i] > (i in ia) + (i in ib)
                        )
                    )
                    cost = math.prod(sizes[i] for i in keep)
                    if best is None or cost < best[0]:
                        best = (cost, a, b, keep)
        _, a, b, keep = best
        made = _Part(keep, contract([work[a], work[b]], keep) % p)
        work = [q for k, q in enumerate(work) if k != a and k != b] + [made]
    return contract(work, out) % p
