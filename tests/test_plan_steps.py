"""Plans are data: one list of step records, run by one executor and written by one renderer.

Every value here is compared with finite differences of plain numpy written in the test.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fd import assert_close, jacobian_fd, to_layout

import einderiv as ed
from einderiv.backend import powersum
from einderiv.backend.compiled import compile_expr
from einderiv.backend.execute import RUN
from einderiv.backend.plan import make_plan
from einderiv.backend.render import TEXT
from einderiv.backend.steps import OPS, Step
from einderiv.ir import index_ir as T

rng = np.random.default_rng(11)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _run_codegen(g, **args):
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="grad"), "<codegen>", "exec"), namespace)  # noqa: S102
    return namespace["grad"](**args)


def _walk(steps):
    for step in steps:
        yield step
        if step.op == "loop":
            yield from _walk(step.params[4])


def _data_only(value) -> bool:
    if isinstance(value, (str, float, int, bool, T.Index, Step)) or value is None:
        return True
    return isinstance(value, tuple) and all(_data_only(v) for v in value)


def test_every_op_has_a_text_and_a_meaning():
    # the renderer and the executor read the same records: each op is in both tables
    assert set(RUN) == set(OPS)
    assert set(TEXT) | {"loop"} == set(OPS)


@pytest.mark.parametrize(
    "text, wrt, where",
    [
        ("sum(sigmoid(X^k x))", "X", "k: integer"),
        ("tr(X' A X)", "X", None),
        ("sum(log(1 + exp(-y .* (X w))))", "w", "X: matrix(m, n)"),
        ("log|X| + tr(inv(X) A)", "X", None),
    ],
)
def test_steps_are_frozen_records_of_data(text, wrt, where):
    # a step holds names, numbers and indices, never a closure; records cannot be changed
    g = ed.diff(text, wrt, where=where)
    plan = make_plan(g.term, g.axes)
    steps = list(_walk(plan.steps))
    assert steps and all(s.op in OPS for s in steps)
    for step in steps:
        assert _data_only(step.args) and _data_only(step.params), step
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.name = "other"  # type: ignore[misc]
    hash(plan.steps)


def _chain_value(X, x, k):
    # f(X) = sum(sigmoid(X^k x)), k >= 0
    return _sigmoid(np.linalg.matrix_power(X, k) @ x).sum()


def test_loop_invariant_work_is_hoisted(monkeypatch):
    # d/dX sum(sigmoid(X^k x)) = sum_{r<k} (X^r)' (sigmoid'(X^k x) x' (X^(k-1-r))'):
    # X^k and sigmoid(X^k x) do not depend on r, so they are computed once, before the loop
    # (the loop, not the closed form: no room for the doubling state)
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    g = ed.diff("sum(sigmoid(X^k x))", "X", where="k: integer")
    src = compile_expr(g).source(n=3)
    head, loop = src.split("    for ", 1)
    assert "_sigmoid(" in head and "_sigmoid(" not in loop, src
    assert "_matpow(X, k)" in head and "_matpow(X, k)" not in loop, src
    code = ed.codegen(g)  # generated code: both forms, chosen when it runs
    head, loop = code.split("def f(", 1)[1].split("    if _n", 1)  # after the shape check
    assert "_sigmoid(" in head and "_sigmoid(" not in loop, code


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_loop_values_in_every_reader(k, closed, monkeypatch):
    # the executor (g(...)), the compiled program and the generated code agree with
    # finite differences of the numpy function (numerator layout: the gradient transposed)
    if not closed:
        monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    g = ed.diff("sum(sigmoid(X^k x))", "X", where="k: integer")
    X = 0.5 * rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    args = {"X": X, "x": x, "k": k}
    want = to_layout(jacobian_fd(_chain_value, args, "X"), 0, 2, "numerator")
    assert_close(g(**args), want, what="executor")
    assert_close(compile_expr(g)(**args), want, what="compiled")
    assert_close(_run_codegen(g, **args), want, what="codegen")


def test_two_loops_share_nothing_computed_inside_either(monkeypatch):
    # d/dA tr(A^k B A^k) has two symbolic sums over the same variable name; each loop's body
    # is its own, and the gradient matches finite differences for k = 2 and k = 0
    monkeypatch.setattr(powersum, "CLOSED_FORM_ENTRIES", 0)
    g = ed.diff("tr(A^k B A^k)", "A", where="k: integer")
    for k in (0, 2):
        A = np.eye(3) + 0.3 * rng.standard_normal((3, 3))
        B = rng.standard_normal((3, 3))
        args = {"A": A, "B": B, "k": k}

        def f(A, B, k):
            P = np.linalg.matrix_power(A, k)
            return np.trace(P @ B @ P)

        want = to_layout(jacobian_fd(f, args, "A"), 0, 2, "numerator")
        assert_close(g(**args), want, what="executor")
        assert_close(compile_expr(g)(**args), want, what="compiled")
        assert_close(_run_codegen(g, **args), want, what="codegen")
