"""A size over a pair with a factor 1 against a plain size (``kron(x, u)`` for u of length 1,
``1*2`` against ``2``): einderiv pairs the factors of Kronecker and vec sizes one by one and
refuses such text (left: docs/robustness.md). Its message said ``(2 vs 2)``, two equal sizes,
when it arose in a product (found reading back a printed derivative, ``print_fuzz --kron``
seed 2804: ``tanh(A') B'`` ... ``(2 vs 2)``); it now names the pair and says why.
"""

import numpy as np
import pytest

import einderiv as ed


def test_a_pair_with_a_factor_one_is_named_in_the_refusal():
    # kron(x, u)' y + tanh(x)' y is a number for x, y of length 2 and u of length 1 (numpy)
    x, y, u = np.array([0.3, -1.2]), np.array([0.5, 2.0]), np.array([1.5])
    assert np.isfinite(np.kron(x, u) @ y + np.tanh(x) @ y)
    where = "x: vector(2); u: vector(1); y: vector(2)"
    with pytest.raises(ed.ShapeError) as caught:
        ed.parse("kron(x, u)' y + tanh(x)' y", where=where)
    message = str(caught.value)
    assert "(2 vs 2)" not in message
    assert "(1*2 vs 2)" in message and "pairs the factors of Kronecker and vec sizes" in message
