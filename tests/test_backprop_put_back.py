"""A placeholder of reverse mode put back where it is used once (``backprop._put_back``) keeps
its own sums apart from the product around it.

d tr(X' sigmoid(W' (X + X) .^ 2)) / dX = sigmoid(Z) + 8 X .* (W (sigmoid(Z) .* sigmoid(-Z)
.* X)), Z = 4 W' X .^ 2 (jacobian layout, X-shaped). The adjoint put back summed over an index
that the product around it also summed inside sigmoid's argument; re-contracted, X .* (W S)
became W S X, a matrix product (unreadable for X n-by-m, a wrong value for X square). The
truth is numpy central differences of the function written here.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd, rng_for
from tests.named_forms import substituted


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("n, m", [(3, 4), (3, 3)])
@pytest.mark.parametrize("text", ["tr(X' (sigmoid(W' ((X + X) .^ 2) / 2)))",
                                  "tr(X' sigmoid(W' (X + X) .^ 2))"])  # fmt: skip
def test_a_placeholder_put_back_keeps_its_sums_apart(text, n, m):
    half = "/ 2" in text

    def fn(X, W):
        z = W.T @ ((X + X) ** 2)
        return np.trace(X.T @ _sigmoid(z / 2 if half else z))

    rng = rng_for(f"{text}{n}{m}")
    X, W = rng.normal(size=(n, m)) / 2, rng.normal(size=(n, n)) / 2
    truth = jacobian_fd(fn, {"X": X, "W": W}, "X").reshape(n, m)
    where = f"X: matrix({n}, {m}); W: matrix({n}, {n})"
    g = ed.diff(text, "X", where=where, layout="jacobian")
    for form in (g.show(cse=True), str(g)):
        got = ed.parse(substituted(form), where=where)(X=X, W=W)
        assert_close(got, truth, rtol=1e-5, what=form)
