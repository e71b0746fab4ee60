"""Every compiled backend (numpy, torch, jax, dask) gives the same value as plain numpy or math
written here, or the same einderiv error: sizes inside functions, determinants at extreme
scales, unusual dtypes. A backend whose library is missing is skipped, saying which install.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import need, precise

BACKENDS = ["numpy", "torch", "jax", "dask"]


def _run(fn, backend, **arrays):
    """``fn`` called with the arrays as the backend's own (float64), the value as numpy."""
    with precise(backend):
        if backend == "torch":
            torch = need("torch")
            arrays = {k: torch.tensor(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        elif backend == "jax":
            jnp = need("jax.numpy")
            arrays = {k: jnp.asarray(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        elif backend == "dask":
            da = need("dask.array")
            arrays = {k: da.from_array(np.asarray(v, dtype=float)) for k, v in arrays.items()}
        out = fn(**arrays)
        out = out.compute() if backend == "dask" else out
        return np.asarray(out, dtype=float)


@pytest.mark.parametrize("backend", BACKENDS)
def test_functions_of_a_size(backend):
    # f = tanh(sum(x) / sqrt(n)), n = len(x); df/dx = (1 - f^2) / sqrt(n) in every entry
    x = np.array([1.0, 2.0])
    f = ed.parse("tanh(sum(x) / sqrt(len(x)))")
    value = math.tanh(3 / math.sqrt(2))
    assert _run(f.compile(backend=backend), backend, x=x) == pytest.approx(value, rel=1e-14)
    g = ed.diff(f, "x").compile(backend=backend)
    np.testing.assert_allclose(_run(g, backend, x=x), (1 - value**2) / math.sqrt(2), rtol=1e-14)
    # d/dx x'x sigmoid(norm2(1 + 0 y)) = 2 x' sigmoid(sqrt(m)), m = len(y) = 3
    h = ed.diff("x' x sigmoid(norm2(1 + 0 y))", "x").compile(backend=backend)
    got = _run(h, backend, x=x, y=np.array([3.0, 4.0, 5.0]))
    np.testing.assert_allclose(got, 2 * x / (1 + math.exp(-math.sqrt(3))), rtol=1e-14)
    # exp, log, sigmoid of sizes: x exp(n) + x log(n) + x sigmoid(n), n = len(x)
    k = ed.parse("x exp(len(x)) + x log(len(x)) + x sigmoid(len(x))").compile(backend=backend)
    expected = x * (math.exp(2) + math.log(2) + 1 / (1 + math.exp(-2)))
    np.testing.assert_allclose(_run(k, backend, x=x), expected, rtol=1e-14)
