"""Derivatives built on ``diff``: ``ed.codegen``, ``ed.value_and_grad``, ``ed.read_differential``.

Input: an expression (text or ``Expr``) and the variables to differentiate by; or a
differential's text (``d f = tr(G dX)``) and its variable.
Output: Python source of a standalone numpy function (``codegen``), a compiled function
``fn(**arrays) -> (value, {name: gradient})`` (``value_and_grad``), or the numerator-layout
derivative a differential states (``read_differential``, an ``Expr``).
Invariants: gradients are in denominator layout (shaped like each variable); the backend's
compiler and code generator are imported only when these are called, so ``import einderiv``
does not load them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from einderiv.api import Expr, diff, parse
from einderiv.errors import EinderivError, guarded
from einderiv.frontend.parse import parse_declarations
from einderiv.frontend.shapes import VarInfo
from einderiv.ir.node import is_compound
from einderiv.notation.differential import declaration, split_differential
from einderiv.pipeline import NAME


@guarded
def codegen(
    expr: str | Expr,
    name: str = "f",
    *,
    wrt: str | list[str] | None = None,
    value: bool = False,
    where: str | None = None,
) -> str:
    """Python source of a standalone numpy function ``name(...)`` that evaluates ``expr``;
    with ``wrt`` (a name or a list of names), of its gradients as ``ed.value_and_grad``
    computes them: ``(value, {name: gradient})`` with ``value=True``, else ``{name: gradient}``
    (a name given as a string: the gradient itself)."""
    from einderiv.backend.codegen import codegen as write  # the compiler loads only when asked

    f = parse(expr, where)  # an Expr as it is (with where=: refused, as by diff)
    if wrt is None:
        if value:
            raise EinderivError("value=True writes the value with gradients: pass wrt=[...]")
        return write(f, name=name)
    from einderiv.backend.joint import CompiledJoint

    names, grads, single = _gradients(f, wrt)
    return write(f, name=name, compiled=CompiledJoint(f, names, grads, value=value, single=single))


@guarded
def value_and_grad(
    f: str | Expr, wrt: str | list[str], where: str | None = None, *, backend: str = "numpy"
) -> Callable[..., tuple]:
    """One compiled function ``fn(**arrays) -> (value, {name: gradient})`` of a scalar ``f``:
    gradients in denominator layout (shaped like each variable), the forward pass and the work
    they share computed once. ``wrt`` a single name (a string): ``(value, gradient)``."""
    from einderiv.backend.joint import compile_joint

    f = parse(f, where)  # an Expr as it is (with where=: refused, as by diff)
    names, grads, single = _gradients(f, wrt)
    return compile_joint(f, names, grads, backend, single=single)


def hessian_refusal(f: Expr, wrt: str) -> EinderivError:
    """Why ``hessian(f, wrt)`` is refused: f is not a scalar, or wrt is an entry."""
    if f.axes:
        return not_scalar(f, "hessian needs a scalar expression")
    return EinderivError(f"hessian is by a variable, not {wrt}: diff by x[i], then by x[j]")


def not_scalar(f: Expr, what: str) -> EinderivError:
    """``what; `A x` is a column vector of length n``: the shape in words, never ('n',)."""
    from einderiv.check.diagnose import describe_array_shape

    return EinderivError(f"{what}; `{f}` is {describe_array_shape(f)}")


def _gradients(f: Expr, wrt: str | list[str]) -> tuple[list, list, bool]:
    if f.axes:
        raise not_scalar(f, "gradients are of a scalar function")
    single = isinstance(wrt, str)
    if not single and not isinstance(wrt, (list, tuple)):
        raise EinderivError(f"wrt: a variable name or a list of names, not {type(wrt).__name__}")
    names: list[str] = [wrt] if single else list(wrt)
    if not names or not all(isinstance(n, str) for n in names):
        raise EinderivError("wrt: a variable name or a list of names")
    if len(set(names)) != len(names):
        raise EinderivError(f"wrt names a variable twice: {names}")
    for n in names:
        info = f.variables.get(n)
        if info is None:
            raise EinderivError(f"{n} is not a variable of the expression")
        if info.kind == "integer":
            raise EinderivError(f"{n} is an integer; gradients are by real variables")
    return names, [diff(f, n, layout="denominator") for n in names], single


@guarded
def read_differential(text: str, wrt: str, where: str | None = None) -> Expr:
    """Read a differential ``d f = tr(G dX)`` (or ``d f = g dx``, or ``dY = A dX B + ...``)
    and return the numerator-layout derivative by ``wrt`` that it states (Magnus & Neudecker's
    identification rule): its right side, linear in ``dX``, differentiated by ``dX``. ``d f =
    0`` is the zero derivative of a scalar; ``dY = 0`` of ``Y`` as ``where`` declares it (the
    text alone does not say Y's shape); a Hessian's ``d(df/dx) = 0`` the zero of the shape a
    nonzero one, ``d(df/dx) = (A + A') dx``, reads to (x's axes, then x's reversed)."""
    if not isinstance(wrt, str) or not re.fullmatch(NAME, wrt):
        raise EinderivError(f"wrt must be a variable name such as 'X', not {wrt!r}")
    right = split_differential(text, wrt)
    d = f"d{wrt}"
    if where and any(decl.name == d for decl in parse_declarations(where)):
        raise EinderivError(
            f"{d} is declared as a variable, and in a differential it is the differential of "
            f"{wrt}: rename the variable {d}"
        )
    if right.strip() == "0" and (hessian := _HESSIAN.match(text)):  # d(df/dx) = 0
        if hessian.group(2) != wrt:
            raise EinderivError(f"{text.strip()!r} is a Hessian's by {hessian.group(2)}, not {wrt}")
        right = f"0 {d}"  # the differential of a gradient has x's shape, as (A + A') dx
    elif right.strip() == "0":
        zero = _zero_differential(text, wrt, where)
        if zero is not None:
            return zero
        right = f"0 sum({d})"  # d f = 0: the zero derivative of a scalar (of dX's shape)
    probe = parse(re.sub(rf"\b{d}\b", wrt, right), where)  # dX has X's kind and dimensions
    if wrt not in probe.variables:
        raise EinderivError(f"{wrt} is not a variable of the differential {text!r}")
    info = probe.variables[wrt]
    dims = tuple(x for x in info.dims if x is not None)
    declared = _declared(d, info.kind, dims)
    if not (where and any(decl.name == wrt for decl in parse_declarations(where))):
        declared += f"; {_declared(wrt, info.kind, dims)}"  # dx / len(x): x and dx one size
    g = diff(parse(right, f"{where}; {declared}" if where else declared), d)
    by_kind = declared.startswith(f"{d}: {info.kind};")  # a size a product: by kind alone
    return _tied(g, wrt, d) if by_kind and not re.search(rf"\b{wrt}\b", right) else g


def _tied(g: Expr, wrt: str, d: str) -> Expr:
    """``g`` whose ``wrt``, declared by kind alone (a size a product) and not written in the
    text, has ``d``'s sizes: ``dY = dA kron(I, p)`` by A is then sized by the A passed (X's
    axes are dA's), as a declared ``A: matrix(m, n)`` would be."""
    if d not in g.variables or wrt not in g.variables:
        return g
    variables = {**g.variables, wrt: VarInfo(wrt, g.variables[wrt].kind, g.variables[d].dims)}
    return Expr(
        g.term,
        g.axes,
        variables,
        g.index_dims,
        g.source,
        g._origin,
        g._layout,
        g.slots,
        g.readings,
        g._invented,
    )


def _declared(name: str, kind: str, dims: tuple) -> str:
    """``declaration``, or the kind alone when a size is a product (``p*m``, which a
    declaration cannot state: dV of V (m p)-by-n, inferred from use, as V's is)."""
    if kind != "scalar" and any(is_compound(x) for x in dims):
        return f"{name}: {kind}"
    return declaration(name, kind, dims)


# d(df/dx) = ...: a Hessian's differential (``Expr.differential``), of f's gradient by x
_HESSIAN = re.compile(r"\s*d\s*\(\s*d\s*(\w*)\s*/\s*d\s*(\w+)\s*\)\s*=")


def _zero_differential(text: str, wrt: str, where: str | None) -> Expr | None:
    """``dY = 0`` with Y declared: the zero of Y's dimensions then X's reversed (numerator
    layout); None for ``d f = 0`` or a declared scalar (a zero gradient); an error for an
    undeclared Y, whose shape the text does not say."""
    name = re.match(r"\s*d\s*(\w*)", text).group(1)
    declared = {decl.name: decl for decl in parse_declarations(where)} if where else {}
    decl = declared.get(name)
    if (decl is None and name == "f") or (decl is not None and decl.kind in ("scalar", "integer")):
        return None  # d f = 0 (f undeclared, as einderiv prints a scalar's): a zero gradient
    if decl is None:
        raise EinderivError(
            f"{text.strip()!r} does not say the shape of {name or 'the function'}: declare it "
            f"(where='{name or 'y'}: vector(m)', or '{name or 'y'}: scalar' for a gradient), "
            "or check the claim against its expression with check"
        )
    variable = parse(wrt, where).variables.get(wrt)
    dims = (*decl.dims, *reversed([x for x in variable.dims if x is not None]))
    return parse("0", where, shape=dims if len(dims) != 2 else (dims[0], dims[1]))
