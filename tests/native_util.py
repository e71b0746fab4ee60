"""Test helpers for the optional array libraries (torch, jax, dask).

``precise(backend)``: a context in which the backend computes in float64 -- jax only with
``jax_enable_x64``, which einderiv never turns on itself (SPEC 9), so the tests turn it on
locally (``jax.enable_x64`` restores the setting on exit).
``need(module)``: the module, or the test skips saying which install it needs.
``as_native(backend, x)``: a numpy array as the backend's own array.
"""

from __future__ import annotations

import contextlib

import pytest

INSTALL = {
    "torch": "pip install torch==2.13.0 (a CPU wheel)",
    "jax": "pip install jax jaxlib",
    "dask": "pip install 'dask[distributed]'",
    "distributed": "pip install 'dask[distributed]'",
}


def need(module: str):
    root = module.split(".")[0]
    return pytest.importorskip(module, reason=f"{root} is not installed ({INSTALL[root]})")


def precise(backend: str):
    if backend != "jax":
        return contextlib.nullcontext()
    import jax

    return jax.enable_x64(True)


def as_native(backend: str, x):
    """The numpy array ``x`` as the backend's own array (torch in float64; jax as its default
    float, float64 inside ``precise``); numpy's as it is."""
    if backend == "torch":
        import torch

        return torch.tensor(x, dtype=torch.float64)
    if backend == "jax":
        import jax.numpy as jnp

        return jnp.asarray(x)
    return x


def fd_gradient(f, x0, eps: float = 1e-6):
    """d f / d x by central differences of the plain numpy function ``f``: shaped like x0."""
    import numpy as np

    x0 = np.array(x0, dtype=float)
    out = np.zeros(x0.shape)
    for k in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[k] += eps
        down[k] -= eps
        out[k] = (f(up) - f(down)) / (2 * eps)
    return out
