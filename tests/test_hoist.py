"""Loop-invariant products are hoisted out of symbolic sums (issue 11, item 3).

d/dX tr(C X^k) = sum_{r<k} (X^r C X^(k-1-r))' (notes: the product rule on X^k). With C = A B
the loop body is A B X^r X^(k-1-r): A B does not depend on r, so it is contracted once, before
the loop, and each iteration does two matrix products instead of three. Values are compared
with finite differences of plain numpy written here.
"""

from __future__ import annotations

import inspect
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fd import assert_close, jacobian_fd, to_layout

import einderiv as ed
from einderiv.backend import execute, powersum
from einderiv.backend.compiled import compile_expr
from einderiv.backend.plan import Planner

rng = np.random.default_rng(31)
WHERE = "k: integer; A: matrix(n, n); B: matrix(n, n); x: vector(n)"


def _power(X, k):
    return np.linalg.matrix_power(X, k)


CASES = {  # text -> the same function in numpy
    "tr(A B X^k)": lambda A, B, X, x, k: np.trace(A @ B @ _power(X, k)),
    "tr(A X^k B)": lambda A, B, X, x, k: np.trace(A @ _power(X, k) @ B),
    "sum(A B X^k x)": lambda A, B, X, x, k: np.sum(A @ B @ _power(X, k) @ x),
    "x' A X^k B x": lambda A, B, X, x, k: x @ A @ _power(X, k) @ B @ x,
}


def _args(k, n=4):
    return {
        "A": rng.standard_normal((n, n)),
        "B": rng.standard_normal((n, n)),
        "X": 0.4 * rng.standard_normal((n, n)),
        "x": rng.standard_normal(n),
        "k": k,
    }


def _products(g, args) -> int:
    """Pairwise products the executor runs for ``g(**args)`` (a contract step of m operands
    is m - 1 of them), counted by wrapping its ``contract`` op."""
    count = [0]
    contract = execute.RUN["contract"]

    def counted(ex, step):
        count[0] += max(len(step.params[0]) - 1, 0)
        return contract(ex, step)

    execute.RUN["contract"] = counted
    try:
        g(**args)
    finally:
        execute.RUN["contract"] = contract
    return count[0]


@pytest.mark.parametrize("k", [0, 1, 3])
@pytest.mark.parametrize("text", list(CASES))
def test_hoisted_loops_match_finite_differences(text, k, monkeypatch):
    # the loop (no closed form) with invariant products hoisted: executor, compiled program
    # and generated code all equal finite differences of the numpy function
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    g = ed.diff(text, "X", where=WHERE)
    args = _args(k)
    want = to_layout(jacobian_fd(CASES[text], args, "X"), 0, 2, "numerator")
    assert_close(g(**args), want, what="executor")
    assert_close(compile_expr(g)(**args), want, what="compiled")
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="grad"), "<codegen>", "exec"), namespace)  # noqa: S102
    params = inspect.signature(namespace["grad"]).parameters
    given = {name: value for name, value in args.items() if name in params}
    assert_close(namespace["grad"](**given), want, what="codegen")


def test_invariant_product_is_computed_once(monkeypatch):
    # sum_{r<k} A[a,b] B[b,c] (X^r)[c,j] (X^(k-1-r))[i,a]: A B once, then two products per
    # iteration (2k + 1 in all); recomputed per iteration it would be 3k
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    k = 6
    args = _args(k)
    hoisted = _products(ed.diff("tr(A B X^k)", "X", where=WHERE), args)
    monkeypatch.setattr(Planner, "hoist_invariant", lambda self, specs, out: specs)
    execute._plan.cache_clear()
    plain = _products(ed.diff("tr(A B X^k)", "X", where=WHERE), args)
    execute._plan.cache_clear()
    assert hoisted <= 2 * k + 1 < plain, (hoisted, plain)


def test_invariant_product_precedes_the_loop(monkeypatch):
    # in the compiled program the product of A and B is written before the `for`, not in it
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    g = ed.diff("tr(A B X^k)", "X", where=WHERE)
    head, loop = compile_expr(g).source(n=4).split("    for ", 1)
    assert any("A" in line and "B" in line and "@" in line for line in head.splitlines())
    assert not any("A" in line or "B" in line for line in loop.splitlines()), loop


def test_outer_products_of_vectors_stay_in_the_loop(monkeypatch):
    # sum_r u[i] v[j] (X^r)[j,l] ...: u v' would turn two vectors into a matrix, so it is not
    # hoisted; the value is still the finite-difference gradient of u' X^k v
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    where = "k: integer; u: vector(n); v: vector(n)"
    g = ed.diff("u' X^k v", "X", where=where)
    n, k = 4, 3
    args = {
        "u": rng.standard_normal(n),
        "v": rng.standard_normal(n),
        "X": 0.4 * rng.standard_normal((n, n)),
        "k": k,
    }

    def f(u, v, X, k):
        return u @ _power(X, k) @ v

    want = to_layout(jacobian_fd(f, args, "X"), 0, 2, "numerator")
    assert_close(g(**args), want, what="executor")
    assert_close(compile_expr(g)(**args), want, what="compiled")
