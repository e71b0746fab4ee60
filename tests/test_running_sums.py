"""Long sums are accumulated while their terms are made (``backend/plan_sums.py``).

d/dX tr(A1 X A2 X ... Ak X) = sum_p (Suf(p+1) Pre(p))' with Pre(p) = A1 X ... Ap and
Suf(p+1) = A_{p+1} X ... Ak X (the product rule; the leave-one-out products of the cycle).
A hand-written gradient keeps the k prefixes and walks the suffixes backwards, adding each term
as it is made; the compiled gradient does the same, so it holds about k matrices at once, not
its k terms and k suffixes as well. Values are compared with finite differences of numpy.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.plan import make_plan
from tests.fd import assert_close, jacobian_fd, to_layout
from tests.test_release import _args as chain_args
from tests.test_release import _value as _chain_value

RNG = np.random.default_rng(61)


def _chain(k):
    text = "tr(" + " ".join(f"A{j} X" for j in range(1, k + 1)) + ")"
    where = "X: matrix(n, n); " + "; ".join(f"A{j}: matrix(n, n)" for j in range(1, k + 1))
    return text, where


def _most_alive(plan) -> int:
    """The most step values alive at once when the plan runs (each released after its last
    reader, ``steps.releases``)."""
    alive: set = set()
    peak = 0
    for step, frees in zip(plan.steps, plan.frees):
        alive.add(step.name)
        peak = max(peak, len(alive))
        alive -= set(frees)
    return peak


@pytest.mark.parametrize("k", [3, 8, 12])
def test_chain_gradient_matches_finite_differences(k):
    text, where = _chain(k)
    g = ed.diff(text, "X", where=where)
    args = chain_args(k, 4)
    want = to_layout(jacobian_fd(_chain_value, args, "X"), 0, 2, "numerator")
    assert_close(g(**args), want, what="executor")
    assert_close(g.compile()(**args), want, what="compiled")
    namespace: dict = {}
    exec(ed.codegen(g, name="grad"), namespace)  # noqa: S102
    params = inspect.signature(namespace["grad"]).parameters
    assert_close(namespace["grad"](**{a: v for a, v in args.items() if a in params}), want)


@pytest.mark.parametrize("k", [16, 32])
def test_chain_gradient_holds_about_k_matrices(k):
    # the hand-written gradient holds k prefixes, the running gradient and one suffix
    text, where = _chain(k)
    g = ed.diff(text, "X", where=where)
    assert _most_alive(make_plan(g.term, g.axes)) <= k + 2


def test_value_and_grad_of_a_chain_runs_its_sum_too():
    # one program for tr(A1 X ... A12 X) and its gradient: values as numpy's, the gradient
    # as finite differences, and about k matrices alive at once
    k = 12
    text, where = _chain(k)
    fn = ed.value_and_grad(text, ["X"], where=where)
    args = chain_args(k, 4)
    value, grads = fn(**args)
    assert_close(value, _chain_value(**args))
    want = to_layout(jacobian_fd(_chain_value, args, "X"), 0, 2, "denominator")
    assert_close(grads["X"], want)
    plan = fn.compiled.plan
    assert any(step.op == "add" and len(step.args) == 2 for step in plan.steps)


def test_short_sums_and_broadcast_sums_are_left_alone():
    # x' A x + sum(A) - tr(A) ... fewer than eight terms: one sum, values as numpy's
    g = ed.diff("x' A x + sum(A .* A) - tr(A) + sum(x)", "A", where="x: vector(n)")
    n = 5
    args = {"A": RNG.standard_normal((n, n)), "x": RNG.standard_normal(n)}

    def f(A, x):
        return x @ A @ x + np.sum(A * A) - np.trace(A) + np.sum(x)

    want = to_layout(jacobian_fd(f, args, "A"), 0, 2, "numerator")
    assert_close(g.compile()(**args), want)
    assert sum(step.op == "add" for step in make_plan(g.term, g.axes).steps) <= 2


def test_a_latex_sum_runs_on_over_the_product_that_uses_its_counter():
    # Cookbook (89): d a' X^k b / dX = sum_{r=0}^{k-1} (X^r)' a b' (X^(k-1-r))'; as the Cookbook
    # prints it the sum's bracket holds only (X^r), and a paper's \sum runs on over the
    # product: r after the bracket is this counter (it was "not well-formed", so "wrong")
    rng = np.random.default_rng(89)
    X, a, b, k = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3), 3
    mp = np.linalg.matrix_power
    grad = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = 1e-6
            grad[i, j] = (a @ mp(X + E, k) @ b - a @ mp(X - E, k) @ b) / 2e-6
    cookbook = sum(mp(X, r).T @ np.outer(a, b) @ mp(X, k - 1 - r).T for r in range(k))
    assert np.allclose(grad, cookbook, atol=1e-6)
    pasted = r"\sum_{r=0}^{k-1}(X^r)^T a b^T (X^{k-1-r})^T"
    where = "X: matrix(n,n); a: vector(n); b: vector(n); k: integer"
    f = ed.parse(pasted, where=where)
    assert np.allclose(f(X=X, a=a, b=b, k=k), cookbook)
    assert np.allclose(ed.parse(str(f), where=where)(X=X, a=a, b=b, k=k), cookbook)
    r = ed.check("a' X^k b", "X", claim=pasted, where=where, layout="denominator")
    assert r.verdict != "wrong", r.reason
    # plain text keeps its rule, the body is the bracket: the message says to widen it
    with pytest.raises(ed.ShapeError, match="put the whole summand in that bracket"):
        ed.parse("sum_{r=0}^{k-1}(X^r)' a b' (X^(k-1-r))'", where=where)


def test_a_latex_sum_keeps_its_bracket_when_the_rest_has_no_counter():
    # sum_r (X^r) A + B: (sum_r X^r) A + B and sum_r (X^r A) + B are equal, and the rest is
    # not summed; two sums with one counter name are two sums: (I + X + X^2) (I + X)
    rng = np.random.default_rng(3)
    X, A, B = (rng.normal(size=(3, 3)) for _ in range(3))
    mp = np.linalg.matrix_power
    s3 = sum(mp(X, r) for r in range(3))
    f = ed.parse(r"\sum_{r=0}^{2}(X^r) A + B")
    assert np.allclose(f(X=X, A=A, B=B), s3 @ A + B)
    g = ed.parse(r"\sum_{r=0}^{2}(X^r) \sum_{r=0}^{1}(X^r)")
    assert np.allclose(g(X=X), s3 @ (np.eye(3) + X))
    h = ed.parse(r"\sum_{r=0}^{2}\left(X^r\right) X^{2 r} + X")  # X^r X^(2 r) summed, + X
    assert np.allclose(h(X=X), sum(mp(X, 3 * r) for r in range(3)) + X)


def test_a_latex_sum_runs_on_inside_bars_only():
    # |sum_{r=0}^{2} (s^r) r| t = |s^0 0 + s 1 + s^2 2| t: the body runs on to the closing bar
    # and no further (it ran past it: "unexpected '|'")
    s, t = -2.0, 3.0
    truth = abs(sum(s**r * r for r in range(3))) * t
    for text in (r"|\sum_{r=0}^{2}(s^r) r| t", r"\left|\sum_{r=0}^{2}(s^r) r\right| t"):
        f = ed.parse(text, where="s: scalar; t: scalar")
        assert float(f(s=s, t=t)) == truth
