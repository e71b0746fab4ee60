"""How ``einderiv diff`` and ``einderiv hessian`` print one result (SPEC sections 4, 7, 9).

Input: the parsed arguments (``--format``, ``--steps``, ``--cse``, ``--json``), a result
(``Expr``) and the variable it is by. Output: ``text_block``: the result's text as ``--format``
asks, preceded by its steps (``--steps``; a Hessian's show both differentiations,
``Expr.steps``) and by a ``# d/dX`` line when there are several variables; ``json_forms``: the
extra keys of its ``--json`` object. Notes for stderr are appended to ``args.notes``.
Invariants: only the public API is used (``import einderiv as ed``); nothing is printed here.
"""

from __future__ import annotations

import argparse
import re
import sys

import einderiv as ed
from einderiv.cli_args import PROG
from einderiv.ir import index_ir as T


def _steps(g) -> list[str]:
    """The derivation's lines and a blank line (a remark on stderr if there are none)."""
    try:
        return [g.steps().rstrip("\n"), ""]  # Expr.steps: one text
    except NotImplementedError:
        print(f"{PROG}: note: --steps is not available; showing the result only", file=sys.stderr)
        return []


def function_name(base: str, wrt: str, several: bool) -> str:
    """``grad``, or ``grad_W1`` when there are several variables (``X[i,j]``: ``grad_X_i_j``)."""
    return f"{base}_{re.sub(r'[^0-9A-Za-z_]+', '_', wrt).strip('_')}" if several else base


def json_forms(args: argparse.Namespace, wrt: str, several: bool) -> dict:
    """The extra JSON keys that --format and --steps ask for (text, latex, index always)."""
    forms = {}
    name = function_name("hessian" if args.command == "hessian" else "grad", wrt, several)
    if args.format in ("differential", "kronecker"):
        forms[args.format] = getattr(ed.Expr, args.format)
    elif args.format == "einsum":  # the function as --format python names it
        forms["einsum"] = lambda g: g.einsum(name)
    elif args.format == "python":
        forms["python"] = lambda g: ed.codegen(g, name=name)
    if args.cse:  # the plain forms stay; the named one is added, as the web page has it
        fmt = args.format if args.format in ("latex", "index") else "text"
        forms["named"] = lambda g: g.show(cse=True, format=fmt)
    if args.steps:  # with --format latex, the steps in LaTeX, as the text output has them
        latex = args.format == "latex"
        forms["steps"] = (lambda g: g.latex(steps=True)) if latex else ed.Expr.steps
    return forms


def text_block(args: argparse.Namespace, g, wrt: str, several: bool, where=None) -> str:
    """One result as --format asks, preceded by its steps (--steps) and, when there are several
    variables, by a line ``# d/dX``; with a note when its text needs a declaration that the
    expression did not (a scalar by use that the result no longer shows as one)."""
    header = f"# hessian by {wrt}" if args.command == "hessian" else f"# d/d{wrt}"
    lines = [header] if several else []
    latex_steps = args.steps and args.format == "latex" and hasattr(g, "stages")
    if args.steps and not latex_steps:
        lines += _steps(g)
    elementwise = "[" in wrt  # its natural form is index notation: no remark
    zero = isinstance(getattr(g, "term", None), T.Zero)  # zero prints as 0 at every order
    no_form = hasattr(g, "matrix") and g.matrix() is None and not zero
    # text and LaTeX both write an order-4 result in Kronecker form when it has one (SPEC 7)
    kron_text = args.format in ("text", "latex") and no_form and g.kronecker_matrix() is not None
    if args.format in ("text", "latex") and no_form and not elementwise and not kron_text:
        args.notes.append(f"{_no_matrix_form(g)}; shown in index notation")
    if latex_steps:  # the derivation in LaTeX, one display line per step (SPEC 7)
        out = g.latex(steps=True)
    elif args.format in ("text", "latex", "index"):
        out = _shown(args, g)
    elif args.format == "einsum":  # a standalone function, each product one np.einsum
        base = "hessian" if args.command == "hessian" else "grad"
        out = g.einsum(function_name(base, wrt, several))
    elif args.format == "differential":  # d f = tr(G dX) (SPEC section 7)
        out = g.differential()
    elif args.format == "kronecker":  # d vec(Y) / d vec(X)' = kron(B', A) (SPEC section 7)
        out = g.kronecker()
    else:  # python
        base = "hessian" if args.command == "hessian" else "grad"
        out = ed.codegen(g, name=function_name(base, wrt, several))
    lines.append(str(out).rstrip("\n"))
    if args.format not in ("einsum", "python") and hasattr(g, "variables"):
        _note_kinds(args, g, where)
    return "\n".join(lines)


def _note_kinds(args: argparse.Namespace, g, where: str | None) -> None:
    from einderiv.readback import readback_note

    try:
        note = readback_note(g, str(g), where)
    except ed.TooLongToWrite:  # written with names: its text is not one expression
        return
    if note:
        args.notes.append(note)


def _shown(args: argparse.Namespace, g) -> str:
    """The result in text, latex or index form; with shared subexpressions named when --cse
    asks, or by default when naming them at least halves the text (said in a note)."""
    try:
        plain = str(g) if args.format == "text" else getattr(g, args.format)()
    except ed.TooLongToWrite as error:  # too long to write whole: named, unless --no-cse
        if args.cse is False or not hasattr(g, "show"):
            raise
        named = g.show(cse=True, format=args.format)
        if not args.cse:
            whole = str(error).split(";")[0]  # written out whole, ... a tree of N nodes ...
            args.notes.append(f"repeated subexpressions are named (t1, t2, ...): {whole}")
        return named
    if args.cse is False or (args.cse is None and len(plain) < 80) or not hasattr(g, "show"):
        return plain
    named = g.show(cse=True, format=args.format)
    if args.cse or 2 * len(named) <= len(plain):
        if not args.cse:
            args.notes.append(
                f"repeated subexpressions are named (t1, t2, ...): {len(named)} characters "
                f"instead of {len(plain)}; --no-cse prints the result whole"
            )
        return named
    return plain


def _no_matrix_form(g) -> str:
    """Why a result is printed in index notation (one line)."""
    from einderiv.ir import index_ir as T

    order = len(g.axes)
    term = g.term
    factors = term.factors if isinstance(term, T.Prod) else (term,)
    kronecker = (
        order == 4
        and not getattr(term, "summed", ())
        and sum(len(T.free(f)) for f in factors if not isinstance(f, T.Num)) == 4
        and all(len(T.free(f)) in (0, 2) for f in factors)
    )
    if kronecker:
        return "the order-4 result is a Kronecker product, which matrix notation cannot write"
    if order <= 2:  # a matrix, but its terms do not chain (or would fill too many terms)
        return "einderiv finds no matrix form for this result (its terms do not chain as matrices)"
    return f"the result has order {order}, which matrix notation cannot write"
