"""A two-layer network's gradients are planned as one contraction each: no temporary holds the
product of the batch, the input, the hidden and the class sizes (session 29's user review:
the gradient by the first layer built an N x d x h x c array, 65.6 MB and 130 ms at N = 64,
d = 100, h = 64, c = 10, where backpropagation in numpy takes 0.1 MB and 0.2 ms). Values are
checked against finite differences of the loss written in numpy; memory against backpropagation
written in numpy (tracemalloc sees numpy's allocations)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fd import assert_close, jacobian_fd
from peak import peak_bytes

import einderiv as ed

LOSS = "-sum(Y .* log_softmax(relu(X W1 + ones b1') W2))"
WHERE = "X: matrix(N, d); W1: matrix(d, h); b1: vector(h); W2: matrix(h, c); Y: matrix(N, c)"
rng = np.random.default_rng(29)


def _args(N: int, d: int, h: int, c: int) -> dict:
    return {
        "X": rng.standard_normal((N, d)),
        "W1": rng.standard_normal((d, h)) / np.sqrt(d),
        "b1": rng.standard_normal(h),
        "W2": rng.standard_normal((h, c)),
        "Y": np.eye(c)[rng.integers(0, c, N)],
    }


def _loss(X, W1, b1, W2, Y):
    # -sum(Y .* log_softmax(relu(X W1 + b1) W2)), the softmax of each row
    Z = np.maximum(X @ W1 + b1, 0) @ W2
    Z = Z - Z.max(axis=1, keepdims=True)
    return -np.sum(Y * (Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))))


def _backprop_W1(X, W1, b1, W2, Y):
    # dZ = sum(Y, 2) .* softmax(Z) - Y; d/dW1 = X' ((dZ W2') .* [X W1 + b1 > 0])
    A = X @ W1 + b1
    Z = np.maximum(A, 0) @ W2
    S = np.exp(Z - Z.max(axis=1, keepdims=True))
    S /= S.sum(axis=1, keepdims=True)
    dZ = Y.sum(axis=1, keepdims=True) * S - Y
    return X.T @ ((dZ @ W2.T) * (A > 0))


@pytest.mark.parametrize("wrt", ["W1", "b1", "W2"])
def test_mlp_gradients_equal_finite_differences(wrt):
    args = _args(5, 3, 4, 3)
    want = jacobian_fd(lambda **a: _loss(**a), args, wrt)  # shaped like the variable
    g = ed.diff(LOSS, wrt, where=WHERE, layout="denominator")
    assert_close(g(**args), want, what="executor")
    assert_close(g.compile()(**args), want, what="compiled")


@pytest.mark.parametrize("reader", ["compiled", "executor", "value_and_grad"])
def test_first_layer_gradient_peak_memory_is_near_backpropagation(reader):
    args = _args(64, 100, 64, 10)
    g = ed.diff(LOSS, "W1", where=WHERE, layout="denominator")
    if reader == "value_and_grad":
        joint = ed.value_and_grad(LOSS, ["W1"], where=WHERE)

        def fn(**a):
            return joint(**a)[1]["W1"]

    else:
        fn = g.compile() if reader == "compiled" else g
    np.testing.assert_allclose(fn(**args), _backprop_W1(**args), rtol=1e-9, atol=1e-9)
    # an N x d x h x c temporary is 32.8 MB here; backpropagation's peak is ~0.1 MB
    assert peak_bytes(fn, args) <= 20 * peak_bytes(_backprop_W1, args)
