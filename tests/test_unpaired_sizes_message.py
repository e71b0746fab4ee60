"""A size over a pair with a factor 1 against a plain size (``kron(x, u)`` for u of length 1,
``1*2`` against ``2``). Such text was refused, saying ``(2 vs 2)`` (found reading back a printed
derivative, ``print_fuzz --kron`` seed 2804: ``tanh(A') B'``); the message then named the pair
(``(1*2 vs 2)``), and since the reader checks a number against a compound without making it
that pair (``frontend/dimensions``, session 28) the text reads, to numpy's value.
"""

import numpy as np

import einderiv as ed


def test_a_pair_with_a_factor_one_reads_to_its_value():
    # kron(x, u)' y + tanh(x)' y is a number for x, y of length 2 and u of length 1 (numpy)
    x, y, u = np.array([0.3, -1.2]), np.array([0.5, 2.0]), np.array([1.5])
    expected = np.kron(x, u) @ y + np.tanh(x) @ y
    where = "x: vector(2); u: vector(1); y: vector(2)"
    e = ed.parse("kron(x, u)' y + tanh(x)' y", where=where)
    np.testing.assert_allclose(e(x=x, u=u, y=y), expected, rtol=1e-12)
    # d/dx (kron(x, u)' y + tanh(x)' y) = u[0] y' + (y .* (1 - tanh(x) .^ 2))'
    g = ed.diff("kron(x, u)' y + tanh(x)' y", "x", where=where)
    h = 1e-6
    fd = [
        (
            (np.kron(x + h * d, u) @ y + np.tanh(x + h * d) @ y)
            - (np.kron(x - h * d, u) @ y + np.tanh(x - h * d) @ y)
        )
        / (2 * h)
        for d in np.eye(2)
    ]
    np.testing.assert_allclose(np.ravel(g(x=x, u=u, y=y)), fd, rtol=1e-6)
