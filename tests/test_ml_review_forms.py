"""Printed forms of ML losses and layers (a review as an ML engineer uses them): each result is
compared with central finite differences of plain numpy written here, reads back to the same
values, and is no longer than the textbook form.
"""

import numpy as np

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(23)


def _layer_norm(x, eps):
    c = x - x.mean()
    return c / np.sqrt(np.mean(c**2) + eps)


def test_a_quotient_by_a_scalar_is_transposed_inside():
    # (A / s)' = A' / s: the Jacobian of layer norm, symmetric, prints alike in both layouts,
    # (I - ones ones' / n) / sigma - ..., not (I - (ones ones' / len(x))') / sigma - ...
    where = "x: vector(n); eps: scalar"
    f = "(x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + eps)"
    x, eps = rng.normal(size=5), 0.1
    jac = jacobian_fd(_layer_norm, {"x": x, "eps": eps}, "x")
    texts = {}
    for layout in ("numerator", "denominator"):
        g = ed.diff(f, "x", where=where, layout=layout)
        expected = to_layout(jac, 1, 1, layout)
        np.testing.assert_allclose(g(x=x, eps=eps), expected, rtol=1e-6, atol=1e-8)
        again = ed.parse(str(g), where=where, shape=g.shape)
        np.testing.assert_allclose(again(x=x, eps=eps), expected, rtol=1e-6, atol=1e-8)
        texts[layout] = str(g)
    assert texts["denominator"].count("'") == texts["numerator"].count("'")
    # a plain matrix over a scalar: (A x / s)' by x is A' / s, one transpose
    g = ed.diff("A x / s", "x", where="s: scalar", layout="denominator")
    A, s = rng.normal(size=(3, 4)), 1.7
    np.testing.assert_allclose(g(A=A, s=s), A.T / s)
    assert str(g).count("'") == 1
