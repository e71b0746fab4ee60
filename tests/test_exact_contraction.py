"""Exact contractions for ``check`` (review AH): a product's factors are contracted two at a
time in a greedy order, mod p. Compared with numpy's integer einsum of the same product."""

import numpy as np
import pytest

from einderiv.check.contract import contract_all
from einderiv.ir import index_ir as T


class _Tensor:
    def __init__(self, indices, array):
        self.indices, self.array = indices, array


@pytest.mark.parametrize("seed", range(6))
def test_greedy_contraction_equals_einsum(seed):
    # sum over the shared indices of A[a,b] B[b,c] C[c,a] x[d] y[d] z[e]: numpy's einsum
    rng = np.random.default_rng(seed)
    a, b, c, d, e = (T.Index(name, 3 + k % 2) for k, name in enumerate("abcde"))
    shapes = {a: 3, b: 4, c: 3, d: 4, e: 3}
    factors = [(a, b), (b, c), (c, a), (d,), (d,), (e,)]
    arrays = [rng.integers(-50, 50, size=[shapes[i] for i in f]) for f in factors]
    p = 2**61 - 1
    parts = [_Tensor(f, np.asarray(x, dtype=object)) for f, x in zip(factors, arrays)]
    got = contract_all(parts, (e,), p)
    expected = np.einsum("ab,bc,ca,d,d,e->e", *arrays)  # int64: no overflow at these sizes
    assert [int(v) for v in got] == [int(v) % p for v in expected]
