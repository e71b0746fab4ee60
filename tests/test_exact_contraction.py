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


@pytest.mark.parametrize("seed", range(4))
def test_greedy_contraction_with_many_numbers_equals_einsum(seed):
    # 40 numbers (the derivative of 40 nested sqrt is a product of ~40 scalar factors), a
    # matrix chain and a vector: the numbers are multiplied first, the rest by pairs (numpy)
    rng = np.random.default_rng(seed)
    a, b, c = (T.Index(name, 3) for name in "abc")
    factors = [()] * 40 + [(a, b), (b, c), (c,)]
    arrays = [rng.integers(-9, 9, size=[3] * len(f)) for f in factors]
    p = 2**61 - 1
    parts = [_Tensor(f, np.asarray(x, dtype=object)) for f, x in zip(factors, arrays)]
    got = contract_all(parts, (a,), p)
    product = 1
    for x in arrays[:40]:
        product *= int(x)  # Python integers: exact
    chain = np.einsum("ab,bc,c->a", *[x.astype(object) for x in arrays[40:]])
    assert [int(v) for v in got] == [int(v) * product % p for v in chain]
