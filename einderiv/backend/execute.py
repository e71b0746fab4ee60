"""Executing a plan: the steps of ``plan.make_plan`` run directly on numpy arrays.

Input: a term, the ordered axes of its value, and bound arrays, sizes and integers (as
``binding.bind`` returns them).
Output: ``evaluate(term, axes, values, dims, ints)``, the value as a numpy array (0-D for
scalars) -- what ``Expr.__call__`` returns.
Invariants:
- The plan is the one ``compile`` and ``codegen`` render (made once per term and axes, cached),
  and each op's meaning is the same function of the same runtime helpers (``runtime``'s numpy
  namespace): one plan, one set of helpers, two readers (``render`` writes text, this runs it).
- A ``loop`` step runs its body once per value of its variable; everything hoisted out of the
  body was computed once, before the loop.
- A temporary is dropped after the step that reads it last (``plan.frees``), so a long program
  holds only the values it still needs.
- The caller's arrays are never handed back (a result that shares memory with one is copied).
"""

from __future__ import annotations

import itertools
import math
import os
from functools import lru_cache

import numpy as np
import opt_einsum as oe

from einderiv.backend import powersum
from einderiv.backend.overflows import say_overflows
from einderiv.backend.plan import make_plan
from einderiv.backend.plan_values import safe_name
from einderiv.backend.runtime import namespace
from einderiv.backend.steps import (
    EINSUM_LETTERS,
    MAX_AXES,
    align_spec,
    integer_value,
    loop_range,
    size_of,
    too_many_terms,
)
from einderiv.errors import EvaluationError

_NS = namespace("numpy")


@lru_cache(maxsize=512)
def _plan(term, axes):
    return make_plan(term, axes, "numpy")


@lru_cache(maxsize=1024)
def _expression(spec: str, shapes: tuple):
    return oe.contract_expression(spec, *shapes)


def evaluate(term, axes, values: dict, dims: dict, ints: dict) -> np.ndarray:
    """The value of ``term`` with axes in the order ``axes``."""
    if len(axes) > MAX_AXES:
        raise EvaluationError(
            f"a value with {len(axes)} axes: numpy arrays have at most {MAX_AXES}"
        )
    _refuse_larger_than_memory(axes, dims)
    plan = _plan(term, tuple(axes))
    env: dict = {}
    for name in plan.vars:
        if name not in values:
            raise EvaluationError(f"no value given for {name}")
        env[safe_name(name)] = values[name]
    for name in plan.ints:
        if name not in ints:
            raise EvaluationError(f"no value for the integer {name}; pass {name}=...")
        env[safe_name(name)] = ints[name]
    say_overflows(plan.overflows)  # 10^400 x: at every run, as numpy says an overflow
    Executor(env, dims).run(plan.steps, plan.frees)
    out = np.asarray(env[plan.result], dtype=float)
    if any(np.may_share_memory(out, v) for v in values.values()):
        out = out.copy()  # a variable or a view of one: the caller's array is never handed back
    return out


def _memory() -> int:
    """Bytes of this machine's memory (0 when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0


def _refuse_larger_than_memory(axes, dims: dict) -> None:
    """An ``EvaluationError`` before any work when the value alone (float64) is larger than the
    machine's memory: kron(X, kron(X, X)) of a 60 x 60 X computed a 100 MB kron(X, X) before
    failing on the 373 GB result (and one of 8 GB, which fits, before a 32 GB one)."""
    try:
        entries = math.prod(size_of(dims, i.dim) for i in axes)
    except EvaluationError:  # a size the plan asks for itself, and says so
        return
    memory = _memory()
    if memory and entries * 8 > memory:
        count = f"a number of entries of {len(str(entries))} digits"  # (10^400: no float)
        if entries < 10**30:
            count = f"{entries:,} entries ({entries * 8 / 2**30:,.1f} GiB as float64)"
        raise EvaluationError(
            f"not enough memory: the value has {count}, more than this machine's memory ({memory / 2**30:,.1f} GiB); the "
            "sizes given are too large for this machine"
        )


def align_array(x, order, target):
    """``x`` (axes ``order``) transposed and given new axes to broadcast over ``target``."""
    perm, slots = align_spec(order, target)
    if perm is not None:
        x = np.transpose(x, perm)
    if slots is not None:
        x = x[tuple(slice(None) if s else None for s in slots)]
    return x


class Executor:
    """Runs steps in order; ``env`` maps parameter names, step names and loop variables to
    values."""

    def __init__(self, env: dict, sizes: dict):
        self.env = env
        self.sizes = sizes
        self.terms = 0  # terms of symbolic sums run as loops (at most powersum.MAX_SUM_TERMS)

    def arg(self, a):
        return self.env[a] if isinstance(a, str) else np.float64(a)

    def size(self, dim) -> int:
        return size_of(self.sizes, dim)

    def run(self, steps, frees=()):
        """Run ``steps``; after each, drop the temporaries it read last (``frees``)."""
        env = self.env
        for step, done in itertools.zip_longest(steps, frees, fillvalue=()):
            env[step.name] = RUN[step.op](self, step)
            for name in done:
                del env[name]


def _const(ex: Executor, step):
    return np.float64(step.params[0])


def _integer(ex: Executor, step):
    return float(integer_value(*step.params, ex.env))


def _size(ex: Executor, step):
    return float(math.prod(ex.size(d) for d in step.params[0]))


def _align(ex: Executor, step):
    order, target, scale = step.params
    x = align_array(ex.arg(step.args[0]), order, target)
    return x * scale if scale != 1.0 else x


def _broadcast(ex: Executor, step):
    order, target, scale, ties = step.params
    core = ex.arg(step.args[0])
    shape = tuple(ex.size(i.dim) for i in target)
    if scale != 1.0:
        core = core * scale
    if not ties:
        return _NS["_broadcast"](align_array(core, order, target), shape)
    tie = dict(ties)
    reps = [i for i in target if i not in tie]
    groups = tuple(reps.index(tie.get(i, i)) for i in target)
    return _NS["_expand"](align_array(core, order, reps), shape, groups)


def _add(ex: Executor, step):
    items, order, constant = step.params
    total = None
    for a, (own, scale) in zip(step.args, items):
        x = align_array(ex.arg(a), own, order)
        x = x * scale if scale != 1.0 else x
        total = x if total is None else total + x
    return total + constant if constant else total


def _contract(ex: Executor, step):
    classes, order, coef, sizes = step.params
    n = len(classes)
    scale = coef * math.prod(ex.size(d) for d in sizes)
    for a in step.args[n:]:
        scale = scale * ex.arg(a)
    if not classes:
        return np.float64(scale)
    if len(order) > MAX_AXES:
        raise EvaluationError(
            f"a value with {len(order)} axes: numpy arrays have at most {MAX_AXES}"
        )
    symbols: dict = {}
    for cl in classes + (order,):
        for i in cl:
            symbols.setdefault(i, oe.get_symbol(len(symbols)))
    if len(symbols) > EINSUM_LETTERS:
        operands = [(ex.arg(a), cl) for a, cl in zip(step.args, classes)]
        value = broadcast_product(operands, order)
        return value * scale if np.ndim(scale) != 0 or scale != 1.0 else value
    spec = ",".join("".join(symbols[i] for i in cl) for cl in classes)
    spec += "->" + "".join(symbols[i] for i in order)
    operands = [ex.arg(a) for a in step.args[:n]]
    if n == 1 and classes[0] == order:
        value = operands[0]
    else:  # the path search, and parsing the spec, are costly: one per spec and shapes
        value = _expression(spec, tuple(np.shape(x) for x in operands))(*operands)
    return value * scale if np.ndim(scale) != 0 or scale != 1.0 else value


def _func(ex: Executor, step):
    name, scale = step.params
    x = ex.arg(step.args[0])
    return _NS[f"_{name}"](x * scale if scale != 1.0 else x)


def _power(ex: Executor, step):
    scale, e = step.params
    b = ex.arg(step.args[0])
    b = b * scale if scale != 1.0 else b
    if e == 1.0:
        return b
    return np.square(b) if e == 2.0 else _NS["_pow"](b, e)


def _pow(ex: Executor, step):
    border, bscale, eorder, escale, order = step.params
    b = align_array(ex.arg(step.args[0]), border, order) * bscale
    e = align_array(ex.arg(step.args[1]), eorder, order) * escale
    return _NS["_pow"](b, e)


def _matpow(ex: Executor, step):
    const, refs, diagonal = step.params
    value = _NS["_matpow"](ex.arg(step.args[0]), integer_value(const, refs, ex.env))
    return _NS["_diagonal"](value) if diagonal else value


def _powsum(ex: Executor, step):
    powers, const, refs = step.params
    matrices = [ex.arg(a) for a in step.args]
    made = [(m, s, integer_value(c, crefs, ex.env)) for m, (s, c, crefs) in zip(matrices, powers)]
    return _NS["_powsum"](made, integer_value(const, refs, ex.env))


def _loop(ex: Executor, step):
    local, const, refs, order, body, result, closed = step.params
    count = integer_value(const, refs, ex.env)
    if closed is not None and count != 0:
        dims, steps, made = closed
        entries = powersum.closed_form_entries([ex.size(d) for d in dims])
        if entries <= powersum.CLOSED_FORM_ENTRIES:
            ex.run(steps)
            return ex.env[made]
    ex.terms += abs(count)
    if ex.terms > powersum.MAX_SUM_TERMS:
        raise too_many_terms(count, const, refs)
    sign, values = loop_range(count)
    total = np.zeros(tuple(ex.size(i.dim) for i in order))
    for r in values:
        ex.env[local] = r
        ex.run(body)
        total = total + sign * ex.arg(result)
    ex.env.pop(local, None)
    return total


RUN = {
    "const": _const,
    "integer": _integer,
    "size": _size,
    "load": lambda ex, s: ex.arg(s.args[0]),
    "diagonal_var": lambda ex, s: np.einsum(s.params[0], ex.arg(s.args[0])),
    "align": _align,
    "broadcast": _broadcast,
    "add": _add,
    "contract": _contract,
    "func": _func,
    "power": _power,
    "pow": _pow,
    "matrix_function": lambda ex, s: np.asarray(_NS[f"_{s.params[0]}"](ex.arg(s.args[0]))),
    "matpow": _matpow,
    "pair": lambda ex, s: _NS["_pair"](ex.size(s.params[0]), ex.size(s.params[1])),
    "row": lambda ex, s: _NS[f"_{s.params[0]}"](ex.arg(s.args[0])),
    "reshape": lambda ex, s: np.reshape(ex.arg(s.args[0]), [ex.size(d) for d in s.params[0]]),
    "powsum": _powsum,
    "loop": _loop,
}


def broadcast_product(operands, output) -> np.ndarray:
    """The product of (array, index order) operands summed to ``output``, one operand at a time
    by broadcasting (einsum names indices by letters and has only 52 of them). Greedy order:
    next, among the operands sharing an index with the partial product (any, when none does),
    the one that leaves the smallest partial product. ``holders`` counts, for each
    index, the operands not yet taken that carry it, so one choice costs O(operands x axes)."""
    value, order = np.asarray(1.0), ()
    sizes = {i: n for array, own in operands for i, n in zip(own, np.shape(array))}
    left = list(operands)
    out = set(output)
    holders: dict = {}
    for _, own in left:
        for i in set(own):
            holders[i] = holders.get(i, 0) + 1

    def after(order, own):
        union = order + tuple(dict.fromkeys(i for i in own if i not in order))
        mine = set(own)
        # an index stays if the output or another operand still to come carries it
        kept = tuple(i for i in union if i in out or holders[i] - (i in mine) > 0)
        return math.prod(sizes[i] for i in kept), union, kept

    while left:
        held = set(order)  # operands that share an index with the partial product come first
        near = [k for k, (_, own) in enumerate(left) if not held.isdisjoint(own)]
        best = min(near or range(len(left)), key=lambda k: after(order, left[k][1])[0])
        array, own = left.pop(best)
        _, union, kept = after(order, own)
        for i in set(own):
            holders[i] -= 1
        value = _full_align(value, order, union) * _full_align(array, own, union)
        drop = tuple(n for n, i in enumerate(union) if i not in kept)
        value = value.sum(axis=drop) if drop else value
        order = kept
    return _full_align(value, order, output)


def _full_align(array, order, target):
    """``array`` (axes ``order``) transposed to ``target``, with length-1 axes for the rest."""
    order = list(order)
    missing = [i for i in target if i not in order]
    if missing:
        array = np.reshape(array, np.shape(array) + (1,) * len(missing))
        order = order + missing
    return np.transpose(array, [order.index(i) for i in target])
