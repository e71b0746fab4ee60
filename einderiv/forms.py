"""More output (SPEC section 7): the differential of a vector or matrix result.

Input: the function's index term, its axes and matrix slots, the variable, its kind and dims.
Output: ``differential_of`` (``Expr.differential``): ``d f = tr(G dX)`` or
``dY = A dX B + ...``: the differential in matrix notation, as Magnus & Neudecker write
it (Y or y named apart from the variables: ``dy_1``); ``read_differential``
(``einderiv.gradients``) reads it back.
Invariants: dY[I] = sum_J dY[I]/dX[J] dX[J] -- the elementwise derivative (by a plain, not
symmetric, X: dX is then any matrix of X's kind) contracted with the entries of ``dX`` and
simplified by the same rules as any derivative, then re-contracted with Y's slots; so the text is
linear in ``dX`` and exact. This module sits beside ``pipeline`` (it chains calculus and
notation), below ``api``.
"""

from __future__ import annotations

from einderiv.calculus.differentiate import Wrt, derivative
from einderiv.calculus.simplify import simplify
from einderiv.errors import EinderivError
from einderiv.frontend.lower import is_user_index
from einderiv.frontend.shapes import VarInfo
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.chain_powers import powered
from einderiv.notation.differential import differential_text
from einderiv.notation.recontract import recontract
from einderiv.notation.transposing import own_transposes, transpose


def differential_term(term: T.Term, name: str, dims: tuple, d: str) -> T.Term:
    """``sum_J d term / d name[J] * d[J]``, simplified (``T.ZERO`` when it does not depend)."""
    indices = tuple(T.fresh(x) for x in dims)
    raw = derivative(term, Wrt(name, indices))
    if raw is T.ZERO:
        return T.ZERO
    return simplify(T.Prod((raw, T.Var(d, indices)), indices))


def matrix_differential(
    term: T.Term, slots, variables: dict[str, VarInfo], wrt: str, name: str | None = None
) -> str:
    """``dY = ...`` (``dy`` for a vector result) of the function ``term`` with matrix slots
    ``slots`` (rows, columns; None for an absent axis) by the variable ``wrt``; ``name``: what
    the function is, when it is a derivative (a Hessian's gradient: ``d(df/dx) = ...``)."""
    info = variables[wrt]
    d = f"d{wrt}"
    if d in variables:
        raise EinderivError(f"the expression has a variable named {d}; the differential needs it")
    dims = tuple(x for x in info.dims if x is not None)
    left = (
        f"d({name})" if name else f"d{_function_name('Y' if None not in slots else 'y', variables)}"
    )
    done = differential_term(term, wrt, dims, d)
    if done is T.ZERO or isinstance(done, T.Zero):
        return f"{left} = 0"
    known = {**variables, d: VarInfo(d, info.kind, info.dims)}
    tree = recontract(done, *slots, known)
    if tree is None:
        raise EinderivError("this differential has no matrix form; see the index form (.index())")
    return f"{left} = {M.show(powered(tree, known))}"  # dY = (A X)^2 dX + ...


def _function_name(name: str, variables: dict[str, VarInfo]) -> str:
    """``Y`` (``y``), or ``Y_1``, ``Y_2``, ... when a variable has that name: ``dy = 0`` by P
    of ``(P - P) (x + y)`` read back as the zero of the variable y's shape, and by y it named
    the variable's own differential."""
    taken = set(variables) | {n[1:] for n in variables if n.startswith("d")}
    found, k = name, 0
    while found in taken:
        k += 1
        found = f"{name}_{k}"
    return found


def derivative_name(f) -> str | None:
    """``df/dx`` when the ``Expr`` ``f`` is the derivative of a scalar by x (``d(df/dx)/dy``
    when it is a derivative of one, ``dY/dX`` of a vector or matrix); None when ``f`` is no
    derivative. The left side of its differential, ``d(df/dx) = ...``, as the readers take it
    (``check.forms``, ``notation.differential.split_differential``)."""
    origin = getattr(f, "_origin", None)
    if origin is None:
        return None
    inner = derivative_name(origin[5]) if len(origin) > 5 else None
    inner = f"({inner})" if inner else ("f" if not origin[1] else "Y")
    return f"d{inner}/d{origin[2].name}"


def differential_of(g) -> str:
    """The differential (SPEC section 7): ``d f = tr(G dX)`` for a scalar f and a matrix X,
    ``d f = G dx`` for a vector or scalar x, with G the numerator-layout derivative (so the
    text shows the identification rule); ``dY = A dX B + ...`` for a vector or matrix Y.
    ``read_differential`` reads either back to the numerator-layout derivative."""
    if g._origin is None:
        raise EinderivError("only a derivative (from diff) has a differential form")
    f_term, f_axes, target, _, f_slots, *_ = g._origin
    name = derivative_name(g._origin[-1])  # a Hessian's: df/dx, its gradient
    if f"d{target.name}" in g.variables:  # d f = dx' dx: which dx is which?
        raise EinderivError(f"a variable is named d{target.name}, which a differential by "
                            f"{target.name} writes for d {target.name}: rename it")  # fmt: skip
    if f_axes:
        if f_slots is None or any(is_user_index(i) for i in target.indices):
            raise EinderivError(
                "only a vector or matrix function by a whole variable has a differential "
                "dY = ...; this one is in index notation"
            )
        return matrix_differential(f_term, f_slots, g.variables, target.name, name)
    if g.slots is None:
        raise EinderivError("an elementwise derivative (wrt X[i,j]) has no differential form")
    kind = g.variables[target.name].kind
    if isinstance(g.term, T.Zero):
        return f"d({name}) = 0" if name else "d f = 0"
    matrix = g.matrix()
    if matrix is None:
        raise EinderivError("this derivative has no matrix form, so no differential form")
    if g._layout != "numerator":  # a scalar's other layouts are the transpose
        vectors = {n for n, v in g.variables.items() if v.kind == "vector"}
        scalars = {n for n, v in g.variables.items() if v.kind in ("scalar", "integer")}
        matrix = transpose(matrix, own_transposes(g.variables), vectors, scalars=scalars)
    return differential_text(powered(matrix, g.variables), target.name, kind, name)
