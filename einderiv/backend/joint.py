"""Value and gradients in one program (``ed.value_and_grad``, ``ed.codegen(..., value=True)``).

Input: a scalar ``Expr`` f, the names of variables and their gradients (``Expr``s in
denominator layout, shaped like each variable), a backend.
Output: ``CompiledJoint``, a ``compiled.CompiledExpr`` whose plan's result is
``(value, {name: gradient})`` (or ``(value, gradient)`` for one name given as a string; without
the value, the dict or the gradient alone); ``compile_joint`` wraps it as a callable.
Invariants:
- ONE planner plans every output, so the forward pass (``W1 x``, ``tanh(W1 x)``, ...) and any
  work the gradients share are computed once per call: subterms equal up to renaming of their
  indices share one step (the planner's structural keys), and chains of products go through
  ``chains.share_chains`` (prefix and suffix products).
- Calls are checked and converted as every compiled call is (``CompiledExpr.call``); a
  returned array is never one of the caller's arrays.
"""

from __future__ import annotations

from einderiv.backend.chains import share_chains
from einderiv.backend.compiled import CompiledExpr, as_callable
from einderiv.backend.overflows import overflows_of
from einderiv.backend.plan import Planner, live_steps
from einderiv.backend.plan_sums import running_sums
from einderiv.backend.runtime import namespace
from einderiv.backend.steps import MAX_AXES, Plan
from einderiv.errors import EinderivError, EvaluationError

# ops whose value may share memory with a parameter (returned outputs of these are copied)
_VIEWS = frozenset({"load", "align", "diagonal_var"})


class CompiledJoint(CompiledExpr):
    """A ``CompiledExpr`` with several outputs: f's value (optional) and gradients."""

    def __init__(self, f, names, grads, backend: str = "numpy", *, value=True, single=False):
        outputs = ([f] if value else []) + list(grads)
        if any(len(e.axes) > MAX_AXES for e in outputs):
            raise EinderivError(f"a gradient with more than {MAX_AXES} axes")
        self.expr, self.names = f, tuple(names)
        self.backend = backend
        self._ns_base = namespace(backend)
        planner = Planner(f.term, backend)
        results = []
        for e in outputs:
            _, val, _ = planner.comp(share_chains(e.term), tuple(e.axes))
            for i in e.axes:
                planner.use_dim(i.dim)
            results.append(planner.materialize(val, tuple(e.axes)))
        ops = {step.name: step.op for step in planner.steps}
        texts = [
            f"_copy({r})" if not r.startswith("_") or ops.get(r) in _VIEWS else r for r in results
        ]
        head, tail = (texts[:1], texts[1:]) if value else ([], texts)
        if single:
            body = tail[0]
        else:
            body = "{" + ", ".join(f"{n!r}: {g}" for n, g in zip(names, tail)) + "}"
        steps = running_sums(live_steps(planner.steps, *results), planner.new_name)
        self.plan = Plan(
            steps,
            f"({head[0]}, {body})" if head else body,
            tuple(sorted(planner.vars)),
            tuple(sorted(planner.ints)),
            tuple(planner.dims),
            planner.count,
            overflows=overflows_of(steps),  # said at every run (CompiledExpr._program)
        )
        self.dim_names = self.plan.dims
        self.vars = self.plan.vars
        self.ints = self.plan.ints
        self.cache: dict = {}

    def made(self):
        """The callable, a method ``evaluate`` of this (``joint_callable``)."""
        return joint_callable(self)


def compile_joint(f, names, grads, backend="numpy", *, value=True, single=False):
    """``fn(**arrays)`` -> ``(value, {name: gradient})`` (see the module docstring)."""
    return CompiledJoint(f, names, grads, backend, value=value, single=single).made()


def joint_callable(compiled: CompiledJoint):
    """The callable of a planned ``CompiledJoint`` (``compile_joint``; unpickling, as a
    ``CompiledExpr``'s)."""

    def fn(_compiled, /, *args, **values):
        if args:
            raise EvaluationError("pass the values by keyword")
        return compiled.call(values)

    doc = f"value and gradients by {', '.join(compiled.names)} ({compiled.backend}), one program"
    return as_callable(fn, compiled, doc)
