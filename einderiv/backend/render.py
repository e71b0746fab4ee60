"""Rendering a plan to Python source: the one writer of program text (``compile``, ``codegen``).

Input: a ``steps.Plan`` (step records and the name holding the result); the sizes of the named
dimensions (or nominal sizes, for code that works at any size); a backend namespace.
Output: ``Render.body(plan)``, the lines of the function body: one assignment per step (the
text of each op is in ``TEXT``), a ``for`` loop per ``loop`` step; contractions are written by
``render_contract.Contractions``.
Invariants:
- The same expression text is the same value (SSA): it is computed once -- except that what a
  loop body computes is not reused after the loop (the loop may run zero times).
- A temporary is released (``del``) after the statement that reads it last.
- Every name the body makes starts with ``_`` and a digit, or is a helper of ``runtime``; user
  names appear only as the parameters ``plan_values.safe_name`` made.
"""

from __future__ import annotations

import itertools
import math
import re

from einderiv.backend import powersum
from einderiv.backend.plan_values import align, dim_local, integer_text, literal, scaled
from einderiv.backend.render_contract import Contractions
from einderiv.backend.runtime import HELPER_NAMES
from einderiv.backend.steps import size_of
from einderiv.ir.node import dim_factors, is_compound


class Render(Contractions):
    """Renders a plan's steps to the body of a Python function.

    ``generic=False``: for one shape signature; sizes are literal numbers and contraction paths
    are planned for them. ``generic=True``: for any sizes (``ed.codegen``); a size is the local
    ``_<dim>`` and ``sizes`` holds nominal values used only to choose contraction orders.
    """

    def __init__(
        self, backend, sizes: dict, ns: dict, *, generic=False, first_temp=0, einsum_only=False
    ):
        self.backend = backend
        self.einsum_only = einsum_only  # every product one einsum call (``Expr.einsum``)
        self.sizes = sizes
        self.ns = ns
        self.generic = generic
        self.lines: list[str] = []
        self.indent = "    "
        self.names = itertools.count(first_temp)  # temporaries: _<k>, after the steps' names
        self.seen: dict = {}
        self.used_dims: dict = {}  # generic: named sizes the body reads

    def size(self, dim) -> int:
        return size_of(self.sizes, dim)

    def size_text(self, dim) -> str:
        if isinstance(dim, int) or not self.generic:
            return str(self.size(dim))
        if is_compound(dim):
            return "(" + " * ".join(map(self.size_text, dim_factors(dim))) + ")"
        self.used_dims.setdefault(dim, None)
        return dim_local(dim, HELPER_NAMES)

    def shape_text(self, dims) -> str:
        parts = [self.size_text(d) for d in dims]
        if not parts:
            return "()"
        return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"

    def float_text(self, dims) -> str:
        """The product of sizes as a float literal (or expression, when generic)."""
        if not self.generic or all(isinstance(d, int) for d in dims):
            return literal(math.prod(self.size(d) for d in dims))
        return f"float({' * '.join(self.size_text(d) for d in dims)})"

    def size_value_text(self, dims) -> str:
        """A ``size`` step: the product of sizes as a scalar of the backend (``_float``), as an
        ``integer`` step's value: torch's functions refuse Python floats (torch.sqrt(2.0))."""
        text = self.float_text(dims)
        return f"_{text}" if text.startswith("float(") else f"_float({text})"

    def temp(self, expr: str) -> str:
        if expr in self.seen:  # the same text is the same value (SSA): compute it once
            return self.seen[expr]
        name = f"_{next(self.names)}"
        self.seen[expr] = name
        self.lines.append(f"{self.indent}{name} = {expr}")
        return name

    def write(self, steps):
        for step in steps:
            if step.op == "loop":
                self.loop(step)
                continue
            expr = TEXT[step.op](self, step)
            self.lines.append(f"{self.indent}{step.name} = {_unwrapped(self.seen.get(expr, expr))}")
            self.seen.setdefault(expr, step.name)

    def loop(self, step):
        """A symbolic sum: its closed form (``powersum``) when the doubling state is small
        enough for the sizes (generic code: decided when it runs), else ``total = 0; for r in
        range(count): total = total + body`` (backwards, negated, for a negative count), at most
        ``powersum.MAX_SUM_TERMS`` terms."""
        closed = step.params[6]
        if closed is None:
            self.write_loop(step)
            return
        dims, steps, result = closed
        if not self.generic:
            if powersum.closed_form_entries([self.size(d) for d in dims]) > (
                powersum.CLOSED_FORM_ENTRIES
            ):
                self.write_loop(step)
                return
            self.branch(steps, f"{step.name} = {result}")
            return
        entries = " * ".join(f"{self.size_text(d)} ** 2" for d in dims)
        self.lines.append(f"{self.indent}if {entries} <= {powersum.CLOSED_FORM_ENTRIES}:")
        self.branch(steps, f"{step.name} = {result}", nested=True)
        self.lines.append(f"{self.indent}else:")
        indent = self.indent
        self.indent += "    "
        self.write_loop(step)
        self.indent = indent

    def branch(self, steps, last: str, nested=False):
        """``steps`` then ``last``; what they compute is not reused after them."""
        seen, indent = dict(self.seen), self.indent
        if nested:
            self.indent += "    "
        self.write(steps)
        self.lines.append(f"{self.indent}{last}")
        self.indent, self.seen = indent, seen

    def write_loop(self, step):
        local, const, refs, order, body, result, _ = step.params
        indent = self.indent
        bound = powersum.MAX_SUM_TERMS
        n = integer_text(const, refs) if refs else str(const)
        if refs:
            self.lines.append(f"{indent}if abs({n}) > {bound}:")
            self.lines.append(f"{indent}    _too_many({n})")
        elif abs(const) > bound:
            self.lines.append(f"{indent}_too_many({n})")
        self.lines.append(f"{indent}{step.name} = _zeros({self.shape_text(i.dim for i in order)})")
        if refs:
            sign = f"_{next(self.names)}"
            self.lines.append(f"{indent}{sign} = 1.0 if {n} >= 0 else -1.0  # backwards if < 0")
            values = f"range({n}) if {n} >= 0 else range({n}, 0)"
            add = f"{step.name} + {sign} * {result}"
        else:
            values = f"range({const})" if const >= 0 else f"range({const}, 0)"
            add = f"{step.name} {'+' if const >= 0 else '-'} {result}"
        self.lines.append(f"{indent}for {local} in {values}:")
        self.indent += "    "
        self.branch(body, f"{step.name} = {add}")
        self.indent = indent

    def body(self, plan) -> list[str]:
        """The lines of the function body: one assignment per step, then the return. A result
        that is a parameter, or a view of one (``X.T``, ``A[:, None]``, a diagonal), is copied:
        the caller's array is never handed back."""
        self.write(plan.steps)
        lines = _drop_aliases(self.lines + [f"    return {plan.result}"])
        returned = lines[-1].removeprefix("    return ")
        defs = dict(m.groups() for line in lines if (m := _ASSIGN.fullmatch(line)))
        if _views_a_parameter(returned, defs):
            lines[-1] = f"    return _copy({returned})"
        return _release(lines)


# ---------------------------------------------------------------------------------------------
# the text of each op (``steps.OPS``): (renderer, step) -> a Python expression


def _arg(a) -> str:
    return a if isinstance(a, str) else literal(a)


def _broadcast_text(r: Render, step) -> str:
    core = _arg(step.args[0])
    order, target, scale, ties = step.params
    shape = r.shape_text(i.dim for i in target)
    if not ties:
        return f"_broadcast({scaled(align(core, order, target), scale)}, {shape})"
    tie = dict(ties)
    reps = [i for i in target if i not in tie]  # one view axis per group
    if r.backend == "numpy":  # written straight into the diagonal of a zero array
        groups = tuple(reps.index(tie.get(i, i)) for i in target)
        return f"_expand({scaled(align(core, order, reps), scale)}, {shape}, {groups})"
    # generic: the core over target where one identity per tied pair is 1, else 0 (a mask, not
    # a product: nan * 0 would fill a row of diag([nan, 1]) with nan)
    eyes = [align(f"_eye({r.size_text(i.dim)})", (rep, i), target) for i, rep in ties]
    value = scaled(align(core, order, target), scale)
    return f"_broadcast(_tied({value}, {' * '.join(eyes)}), {shape})"


def _add_text(r: Render, step) -> str:
    items, order, constant = step.params
    common = items[0][1]
    if not constant and common not in (1.0, -1.0) and all(s == common for _, s in items):
        # s a + s b + s c -> s * (a + b + c): numpy adds into one temporary and scales it
        plain = [(own, 1.0) for own, _ in items]
        return f"{literal(common)} * ({_sum_text(step.args, plain, order, 0)})"
    return _sum_text(step.args, items, order, constant)


def _sum_text(cores, items, order, constant) -> str:
    parts = []
    for core, (own, scale) in zip(cores, items):
        text = align(core, own, order)
        if not parts:
            parts.append(scaled(text, scale))
        elif scale == 1.0:
            parts.append(f"+ {text}")
        elif scale == -1.0:
            parts.append(f"- {text}")
        else:
            parts.append(f"+ {literal(scale)} * {text}")
    if constant and parts[0].startswith("(-"):  # 1 - x rather than (-x) + 1
        parts[0] = f"{literal(constant)} - {parts[0][2:-1]}"
    elif constant:
        parts.append(f"+ {literal(constant)}")
    return " ".join(parts)


def _contract_text(r: Render, step) -> str:
    classes, order, coef, sizes = step.params
    n = len(classes)
    specs = list(zip(step.args[:n], classes))
    return r.contract(specs, order, coef, step.args[n:], sizes)


def _power_text(r: Render, step) -> str:
    scale, e = step.params
    b = scaled(step.args[0], scale)
    if e == 1.0:
        return b
    if e == 2.0:
        return f"_square({b})"
    if e.is_integer() and 2 < e <= 4:
        return " * ".join([b] * int(e))
    return f"_pow({b}, {literal(e)})"


def _pow_text(r: Render, step) -> str:
    border, bscale, eorder, escale, order = step.params
    b = scaled(align(_arg(step.args[0]), border, order), bscale)
    e = scaled(align(_arg(step.args[1]), eorder, order), escale)
    return f"_pow({b}, {e})"


def _matpow_text(r: Render, step) -> str:
    (matrix,) = step.args
    const, refs, diagonal = step.params
    if refs:
        text = f"_matpow({matrix}, {integer_text(const, refs)})"
    elif const == -1:
        text = f"_inv({matrix})"
    elif const == 1:
        text = matrix
    else:
        text = f"_matpow({matrix}, {const})"
    return f"_diagonal({text})" if diagonal else text


def _powsum_text(r: Render, step) -> str:
    powers, const, refs = step.params
    parts = [
        f"({m}, {sign}, {integer_text(c, crefs)})" for m, (sign, c, crefs) in zip(step.args, powers)
    ]
    return f"_powsum([{', '.join(parts)}], {integer_text(const, refs)})"


def _func_text(r: Render, step) -> str:
    name, scale = step.params
    return f"_{name}({scaled(step.args[0], scale)})"


TEXT = {
    "const": lambda r, s: f"np.float64({literal(s.params[0])})",
    "integer": lambda r, s: f"_float({integer_text(*s.params)})",
    "size": lambda r, s: r.size_value_text(s.params[0]),
    "load": lambda r, s: f"_asarray({s.args[0]})",
    "diagonal_var": lambda r, s: f"_einsum('{s.params[0]}', {s.args[0]})",
    "align": lambda r, s: scaled(align(s.args[0], s.params[0], s.params[1]), s.params[2]),
    "broadcast": _broadcast_text,
    "add": _add_text,
    "contract": _contract_text,
    "func": _func_text,
    "power": _power_text,
    "pow": _pow_text,
    "matrix_function": lambda r, s: f"_{s.params[0]}({s.args[0]})",
    "matpow": _matpow_text,
    "pair": lambda r, s: f"_pair({r.size_text(s.params[0])}, {r.size_text(s.params[1])})",
    "row": lambda r, s: f"_{s.params[0]}({s.args[0]})",
    "reshape": lambda r, s: f"{s.args[0]}.reshape({r.shape_text(s.params[0])})",
    "powsum": _powsum_text,
}


_ASSIGN = re.compile(r"    (_\d+) = (.*)")
_VIEWS = (  # expressions that may share memory with their one array operand
    re.compile(r"\(?(\w+)\)?(?:\.T|\[[^\]]*\])*"),  # X, (X), X.T, X[:, None]
    re.compile(r"_perm\((\w+), .*\)"),  # a transpose
    re.compile(r"_asarray\((\w+)\)"),  # torch.as_tensor shares numpy's memory
    re.compile(r"(\w+)\.reshape\(.*\)"),  # a reshape may be a view
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


_NAME = re.compile(r"(?<![\w.])_\d+\b")
_ALIAS = re.compile(r"    (_\d+) = (_\d+)")


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


def _release(lines) -> list[str]:
    """``del`` every temporary assigned at the top level right after the top-level statement
    that reads it last (a loop, or an if/else, is one statement), so that a long program holds
    only the values it still needs, not every value it made."""
    statements: list = []
    for line in lines:
        top = line.startswith("    ") and line[4] != " " and not line.startswith("    else")
        if top or not statements:
            statements.append([line])
        else:
            statements[-1].append(line)
    defined = {m.group(1) for st in statements if (m := _ASSIGNED.match(st[0]))}
    last: dict = {}
    for k, statement in enumerate(statements):
        for line in statement:
            for name in _NAME.findall(line):
                last[name] = k
    dead: list = [[] for _ in statements]
    for name in defined:
        dead[last[name]].append(name)
    out = []
    for k, statement in enumerate(statements):
        out += statement
        if dead[k] and k < len(statements) - 2:  # just before the return: no gain
            out.append(f"    del {', '.join(sorted(dead[k], key=lambda n: int(n[1:])))}")
    return out


_ASSIGNED = re.compile(r"    (_\d+) = ")


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
