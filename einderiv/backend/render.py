"""Rendering a planned program to Python source.

Input: the live steps of a ``plan.Planner`` and the name holding the result; the sizes of the
named dimensions (or nominal sizes, for code that works at any size); a backend namespace.
Output: ``Render.body(steps, result)``, the lines of the function body. Contractions go to
``@`` (BLAS, with free transposes), broadcasting, ``tensordot`` or ``einsum``, pairwise along
the path opt_einsum plans for the sizes.
Invariants:
- The same expression text is the same value (SSA): it is computed once.
- Every name the body makes starts with ``_`` and a digit, or is a helper of ``runtime``; user
  names appear only as the parameters ``plan_values.safe_name`` made.
"""

from __future__ import annotations

import itertools
import math
import re

import opt_einsum as oe

from einderiv.backend.plan_values import align, dim_local, literal, pair_order, safe_name, var_names
from einderiv.backend.runtime import HELPER_NAMES
from einderiv.errors import EvaluationError
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, dim_size, is_compound


class Render:
    """Renders planned steps to the body of a Python function.

    ``generic=False``: for one shape signature; sizes are literal numbers and contraction paths
    are planned for them. ``generic=True``: for any sizes (``ed.codegen``); a size is the local
    ``_<dim>`` and ``sizes`` holds nominal values used only to choose contraction orders.
    """

    def __init__(self, backend, sizes: dict, ns: dict, *, generic=False, first_temp=0):
        self.backend = backend
        self.sizes = sizes
        self.ns = ns
        self.generic = generic
        self.lines: list[str] = []
        self.names = itertools.count(first_temp)  # temporaries: _<k>, after the steps' names
        self.seen: dict = {}
        self.used_dims: dict = {}  # generic: named sizes the body reads
        self.on_fallback = None  # generic: renders a symbolic sum (set by codegen)

    def size(self, dim) -> int:
        return dim_size(dim, self._named_size)

    def _named_size(self, dim) -> int:
        value = self.sizes.get(dim)
        if value is None:
            raise EvaluationError(
                f"the size {dim} is not fixed by any array; pass it as a keyword ({dim}=...)"
            )
        return value

    def size_text(self, dim) -> str:
        if isinstance(dim, int) or not self.generic:
            return str(self.size(dim))
        if is_compound(dim):
            return "(" + " * ".join(map(self.size_text, dim_factors(dim))) + ")"
        self.used_dims.setdefault(dim, None)
        return dim_local(dim, HELPER_NAMES)

    def shape_text(self, dims) -> str:
        parts = [self.size_text(d) for d in dims]
        return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"

    def float_text(self, dims) -> str:
        """The product of sizes as a float literal (or expression, when generic)."""
        if not self.generic or all(isinstance(d, int) for d in dims):
            return literal(math.prod(self.size(d) for d in dims))
        return f"float({' * '.join(self.size_text(d) for d in dims)})"

    def temp(self, expr: str) -> str:
        if expr in self.seen:  # the same text is the same value (SSA): compute it once
            return self.seen[expr]
        name = f"_{next(self.names)}"
        self.seen[expr] = name
        self.lines.append(f"    {name} = {expr}")
        return name

    def fallback(self, t, order) -> str:
        """A symbolic sum: its body depends on the loop, so the uncompiled evaluator runs it
        (generic code: a Python loop, written by ``on_fallback``)."""
        if self.generic:
            return self.on_fallback(self, t, order)
        self.ns.setdefault("_fallbacks", []).append((t, order))
        k = len(self.ns["_fallbacks"]) - 1
        arrays = ", ".join(f"{n!r}: {safe_name(n)}" for n in sorted(var_names(t)))
        ints = ", ".join(f"{n!r}: {safe_name(n)}" for n in sorted(T.int_names(t)))
        return f"_asarray(_evaluate(*_fallbacks[{k}], {{{arrays}}}, {self.sizes!r}, {{{ints}}}))"

    def contract(self, specs, order, coef, scalars, sizes) -> str:
        scale = [literal(coef)] if coef != 1.0 else []
        scale += list(scalars)
        if math.prod(self.size(d) for d in sizes) != 1 or self.generic and sizes:
            scale.append(self.float_text(sizes))
        if not specs:
            return " * ".join(scale) or "1.0"
        factor = " * ".join(scale) if scale else None
        ops = [(name, classes) for name, classes in specs]
        keep = set(order)
        numel = [math.prod(self.size(i.dim) for i in cl) for _, cl in ops]
        out_numel = math.prod(self.size(i.dim) for i in order)
        if factor is not None and min(numel) < out_numel:  # scale the smallest operand
            k = numel.index(min(numel))
            ops[k] = (_times(factor, ops[k][0]), ops[k][1])
            factor = None
        if len(ops) == 1:
            text, classes = self.single(ops[0][0], ops[0][1], keep)
        elif len(ops) == 2:
            text, classes = self.pair(ops[0], ops[1], keep, order)
        else:
            text, classes = self.many(ops, keep, order)
        text = align(text, tuple(classes), order)
        if factor is None:
            return text
        return _times(factor, text)[1:-1]

    def symbols(self, *groups) -> dict:
        table: dict = {}
        for classes in groups:
            for i in classes:
                table.setdefault(i, oe.get_symbol(len(table)))
        return table

    def einsum(self, ops, out) -> str:
        table = self.symbols(*[cl for _, cl in ops], out)
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        spec += "->" + "".join(table[i] for i in out)
        if len(ops) > 2 and self.generic:
            return f"_einsum('{spec}', {', '.join(name for name, _ in ops)}, optimize=True)"
        if self.backend == "numpy" and len(ops) > 2:
            shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
            key = f"_ce{len(self.ns)}"
            self.ns[key] = oe.contract_expression(spec, *shapes)
            return f"{key}({', '.join(name for name, _ in ops)})"
        return f"_einsum('{spec}', {', '.join(name for name, _ in ops)})"

    def single(self, name, classes, keep):
        out = tuple(dict.fromkeys(c for c in classes if c in keep))
        if len(set(classes)) < len(classes):
            return self.einsum([(name, classes)], out), out
        summed = tuple(k for k, c in enumerate(classes) if c not in keep)
        if summed:
            axes = summed[0] if len(summed) == 1 else summed
            return f"_sum({name}, {axes})", out
        return name, classes

    def pair(self, a, b, keep, want=None):
        (x, ca), (y, cb) = a, b
        if len(set(ca)) < len(ca) or len(set(cb)) < len(cb):
            out = tuple(dict.fromkeys(c for c in ca + cb if c in keep))
            return self.einsum([a, b], out), out
        sa, sb = set(ca), set(cb)
        drop_a = tuple(k for k, c in enumerate(ca) if c not in sb and c not in keep)
        if drop_a:
            x, ca = self.single(x, ca, keep | sb)
        drop_b = tuple(k for k, c in enumerate(cb) if c not in sa and c not in keep)
        if drop_b:
            y, cb = self.single(y, cb, keep | sa)
        ca, cb = tuple(ca), tuple(cb)
        order = pair_order(ca, cb, keep)
        if want is not None and set(want) == set(order):
            order = tuple(want)
        if not ca or not cb:
            return f"{x} * {y}", ca + cb
        shared = [c for c in ca if c in sb]
        kept = [c for c in shared if c in keep]
        summed = [c for c in shared if c not in keep]
        only_a = [c for c in ca if c not in sb]
        only_b = [c for c in cb if c not in sa]
        if not shared:  # outer product
            numel = math.prod(self.size(i.dim) for i in order)
            if self.backend == "numpy" and len(ca) == len(cb) == 1 and numel >= OUTER_EINSUM_MIN:
                # numpy's einsum writes a large outer product of two vectors 25-35% faster than
                # broadcasting; below ~150 x 150, and for higher-rank outer products (measured
                # on the n^4 Hessians), broadcasting is faster
                return self.einsum([(x, ca), (y, cb)], order), order
            return f"{align(x, ca, order)} * {align(y, cb, order)}", order
        if not kept:
            if len(ca) <= 2 and len(cb) <= 2 and len(summed) == 1:  # BLAS: (I,K) @ (K,J)
                xa = x if ca[-1] == summed[0] else f"{x}.T"
                yb = y if cb[0] == summed[0] else f"{y}.T"
                return f"{xa} @ {yb}", tuple(only_a + only_b)
            axes = (tuple(ca.index(c) for c in summed), tuple(cb.index(c) for c in summed))
            return f"_tensordot({x}, {y}, {axes})", tuple(only_a + only_b)
        if not summed:  # broadcasting (Hadamard, diagonal scaling)
            return f"{align(x, ca, order)} * {align(y, cb, order)}", order
        return self.einsum([(x, ca), (y, cb)], order), order

    def many(self, ops, keep, want):
        table = self.symbols(*[cl for _, cl in ops])
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        out = "".join(table[i] for i in table if i in keep)
        shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
        path, _ = oe.contract_path(f"{spec}->{out}", *shapes, shapes=True, optimize="auto")
        ops = list(ops)
        for positions in path:
            picked = [ops[k] for k in sorted(positions)]
            for k in sorted(positions, reverse=True):
                del ops[k]
            later = set(keep)
            for _, cl in ops:
                later.update(cl)
            if len(picked) == 1:
                text, classes = self.single(picked[0][0], picked[0][1], later)
            elif len(picked) == 2:
                text, classes = self.pair(picked[0], picked[1], later, None if ops else want)
            else:
                classes = tuple(dict.fromkeys(c for _, cl in picked for c in cl if c in later))
                text = self.einsum(picked, classes)
            ops.append((self.temp(text), tuple(classes)))
        return ops[0]

    def body(self, steps, result) -> list[str]:
        """The lines of the function body: one assignment per step, then the return. A result
        that is a parameter, or a view of one (``X.T``, ``A[:, None]``, a diagonal), is copied:
        the caller's array is never handed back."""
        for step in steps:
            expr = step.render(self)
            self.lines.append(f"    {step.name} = {_unwrapped(self.seen.get(expr, expr))}")
            self.seen.setdefault(expr, step.name)
        lines = _drop_aliases(self.lines + [f"    return {result}"])
        returned = lines[-1].removeprefix("    return ")
        defs = dict(m.groups() for line in lines if (m := _ASSIGN.fullmatch(line)))
        if _views_a_parameter(returned, defs):
            lines[-1] = f"    return _copy({returned})"
        return lines


_ASSIGN = re.compile(r"    (_\d+) = (.*)")
_VIEWS = (  # expressions that may share memory with their one array operand
    re.compile(r"\(?(\w+)\)?(?:\.T|\[[^\]]*\])*"),  # X, (X), X.T, X[:, None]
    re.compile(r"_perm\((\w+), .*\)"),  # a transpose
    re.compile(r"_asarray\((\w+)\)"),  # torch.as_tensor shares numpy's memory
    re.compile(r"_einsum\('[^']*', (\w+)\)"),  # one operand: a diagonal is a view
)


def _views_a_parameter(expr: str, defs: dict) -> bool:
    """Whether ``expr`` may be a parameter or a view of one (generated names start with ``_``,
    parameters never do)."""
    for pattern in _VIEWS:
        match = pattern.fullmatch(expr)
        if match:
            name = match.group(1)
            if name in defs:
                return _views_a_parameter(defs[name], defs)
            return not name.startswith("_") and not name[0].isdigit()
    return False


OUTER_EINSUM_MIN = 1 << 15  # entries of an outer product from which einsum writes it

_NAME = re.compile(r"(?<![\w.])_\d+\b")
_ALIAS = re.compile(r"    (_\d+) = (_\d+)")


def _times(factor: str, expr: str) -> str:
    """``(factor * expr)``; a factor of -1 is a negation (cheaper than a float product)."""
    expr = f"({expr})" if " " in expr else expr
    return f"(-{expr})" if factor == "-1.0" else f"({factor} * {expr})"


def _unwrapped(expr: str) -> str:
    """``(2.0 * x)`` -> ``2.0 * x`` when the parentheses enclose the whole expression."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    for k, ch in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and k < len(expr) - 1:
            return expr  # the first parenthesis closes early: (a) * (b)
    inner = expr[1:-1]
    return expr if "," in inner and "(" not in inner else inner


def _drop_aliases(lines) -> list[str]:
    """``_5 = _3`` at the top level of the body is dropped and later uses of ``_5`` read ``_3``
    (names are assigned once there; a loop's accumulator is final once the loop has run)."""
    alias: dict = {}
    kept = []
    for line in lines:
        line = _NAME.sub(lambda m: alias.get(m.group(0), m.group(0)), line) if alias else line
        match = _ALIAS.fullmatch(line)
        if match:
            alias[match.group(1)] = match.group(2)
            continue
        kept.append(line)
    return kept


def live_steps(steps, result):
    """The steps the result depends on, in program order."""
    needed = {result}
    live = []
    for step in reversed(steps):
        if step.name in needed:
            live.append(step)
            needed.update(step.deps)
    return live[::-1]
