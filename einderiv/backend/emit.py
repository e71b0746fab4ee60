"""The einsum program of a term: the contractions that evaluate it, as text (``Expr.einsum()``).

Input: a term and the ordered axes of its value.
Output: ``einsum_program(term, axes)``, one line per product (innermost first), each an
``einsum('ij,jk->ik', ...)`` whose subscripts come from ``opt_einsum.get_symbol``.
Invariants:
- A subterm is written once (named ``t0``, ``t1``, ...) however often it occurs.
- This is a description for reading; values are computed by ``execute`` (and compiled
  programs by ``render``), from the plan.
"""

from __future__ import annotations

import opt_einsum as oe

from einderiv.backend.execute import evaluate
from einderiv.backend.runtime import _pair as pair_array
from einderiv.ir import index_ir as T
from einderiv.ir.canon import format_affine
from einderiv.ir.matrix_ops import BY_ATOM

# evaluate: the plan's executor; pair_array: delta[c,(i,j)] as an array (runtime's); both kept
# importable here
__all__ = ["einsum_program", "evaluate", "pair_array"]


def einsum_program(term: T.Term, axes) -> list[str]:
    """The contractions that evaluate ``term``, innermost first, one line per product."""
    lines: list[str] = []
    names: dict = {}

    def describe(t: T.Term) -> str:
        match t:
            case T.Var(name=name):
                return name
            case T.Num(value=value):
                return str(value)
            case T.Delta():
                return "I"
            case T.Pair():
                return "pair"
            case T.Ones():
                return "ones"
        if t not in names:
            names[t] = f"t{len(names)}"
            lines.append(f"{names[t]} = {render(t)}")
        return names[t]

    def render(t: T.Term) -> str:
        match t:
            case T.Prod(factors=factors):
                symbols: dict = {}
                specs, args = [], []
                for f in factors:
                    order = _order_of(f)
                    for i in order:
                        symbols.setdefault(i, oe.get_symbol(len(symbols)))
                    specs.append("".join(symbols[i] for i in order))
                    args.append(describe(f))
                out = "".join(symbols[i] for i in sorted(T.free(t), key=lambda i: i.name))
                return f"einsum('{','.join(specs)}->{out}', {', '.join(args)})"
            case T.Add(terms=terms):
                return " + ".join(describe(x) for x in terms)
            case T.Func(name=name, arg=arg):
                return f"{name}({describe(arg)})"
            case T.Pow(base=base, exponent=exponent):
                return f"{describe(base)} ** {describe(exponent)}"
            case T.MatPow(base=base, exponent=e):
                return f"matrix_power({describe(base)}, {format_affine(e)})"
            case T.Det(base=base) | T.LogDet(base=base):
                return f"{BY_ATOM[type(t)].name}({describe(base)})"
            case T.RowFunc(name=name, base=base):
                return f"{name}({describe(base)}, rows)"
            case T.SumOver(var=var, count=count, body=body):
                return f"sum({describe(body)} for {var} in range({format_affine(count)}))"
        return describe(t)

    result = describe(term)
    if not lines or not lines[-1].startswith(f"{result} ="):
        lines.append(f"result = {result}")
    return lines


def _order_of(t: T.Term) -> tuple:
    if isinstance(t, T.Var):
        return tuple(dict.fromkeys(t.indices))
    if isinstance(t, T.Delta):
        return (t.a, t.b)
    if isinstance(t, T.Pair):
        return (t.c, t.i, t.j)
    if isinstance(t, T.Ones):
        return (t.index,)
    return tuple(sorted(T.free(t), key=lambda i: i.name))
