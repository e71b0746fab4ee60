"""Temporaries are released after their last use: in compiled programs, in generated code and in
the executor. Values are checked against finite differences of plain numpy; memory against a
hand-written numpy gradient (tracemalloc sees numpy's allocations)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fd import assert_close, jacobian_fd, to_layout
from peak import peak_bytes

import einderiv as ed

rng = np.random.default_rng(7)


def _chain(k: int) -> str:
    return "tr(" + " ".join(f"A{j} X" for j in range(1, k + 1)) + ")"


def _args(k: int, n: int) -> dict:
    args = {"X": rng.standard_normal((n, n)) / np.sqrt(n)}
    args |= {f"A{j}": rng.standard_normal((n, n)) / np.sqrt(n) for j in range(1, k + 1)}
    return args


def _value(X, **As):
    # f(X) = tr(A1 X A2 X ... Ak X)
    m = np.eye(X.shape[0])
    for j in range(1, len(As) + 1):
        m = m @ As[f"A{j}"] @ X
    return np.trace(m)


def _hand_gradient(X, **As):
    # d tr(A1 X ... Ak X) / dX (numerator layout) = sum_j S_j P_j, P_j = A1 X ... A_j and
    # S_j = A_{j+1} X ... Ak X: prefix products kept, suffixes walked backwards
    k = len(As)
    prefix = [As["A1"]]
    for j in range(2, k + 1):
        prefix.append(prefix[-1] @ X @ As[f"A{j}"])
    grad = np.zeros_like(X)
    suffix = np.eye(X.shape[0])
    for j in range(k, 0, -1):
        grad += suffix @ prefix[j - 1]
        suffix = As[f"A{j}"] @ X @ suffix
    return grad


def test_chain_gradient_in_every_reader():
    # the gradient of tr(A1 X ... A5 X) against finite differences (numerator layout)
    g = ed.diff(_chain(5), "X")
    args = _args(5, 4)
    want = to_layout(jacobian_fd(lambda **a: _value(**a), args, "X"), 0, 2, "numerator")
    assert_close(_hand_gradient(**args), want, what="the hand-written reference")
    assert_close(g(**args), want, what="executor")
    assert_close(g.compile()(**args), want, what="compiled")
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="grad"), "<codegen>", "exec"), namespace)  # noqa: S102
    assert_close(namespace["grad"](**args), want, what="codegen")


@pytest.mark.parametrize("reader", ["compiled", "executor"])
def test_long_chain_peak_memory_is_near_hand_written(reader):
    # without releasing, the compiled gradient of a 16-factor chain holds every product it made
    # (~13x the hand-written peak at n = 80); released after last use, it stays within 3x
    k, n = 16, 80
    g = ed.diff(_chain(k), "X")
    args = _args(k, n)
    fn = g.compile() if reader == "compiled" else g
    np.testing.assert_allclose(fn(**args), _hand_gradient(**args), rtol=1e-8, atol=1e-10)
    assert peak_bytes(fn, args) <= 3 * peak_bytes(_hand_gradient, args)


def test_generated_code_deletes_what_it_no_longer_needs():
    # the logistic Hessian's temporaries are deleted after their last use; the code still
    # equals finite differences of the gradient written in numpy
    g = ed.hessian("sum(log(1 + exp(-y .* (X w))))", "w", where="X: matrix(m, n)")
    source = ed.codegen(g, name="h")
    assert "    del _" in source, source
    X, y, w = rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal(3)

    def gradient(X, y, w):  # d/dw sum(log(1 + exp(-y .* (X w)))) = -X' (y .* sigmoid(-y .* Xw))
        return -X.T @ (y / (1.0 + np.exp(y * (X @ w))))

    namespace: dict = {}
    exec(compile(source, "<codegen>", "exec"), namespace)  # noqa: S102
    want = jacobian_fd(gradient, {"X": X, "y": y, "w": w}, "w")
    assert_close(namespace["h"](X=X, y=y, w=w), want, what="codegen Hessian")
