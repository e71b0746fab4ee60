"""The pipeline: parse -> lower -> differentiate -> simplify, as pure passes with a trace.

Input: expression text (or an already lowered term) and the variable to differentiate by.
Output: ``Derivation``: the simplified derivative term, the axes of its value, and -- when asked
for -- the stages a student would write down: the indexed sum, the elementwise derivative with
Kronecker deltas, the deltas contracted.
Invariants: each pass is a pure function of the previous stage; ``derive`` is the only place
the passes are chained, and ``--steps`` prints exactly its trace.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from einderiv.calculus.differentiate import Wrt, derivative
from einderiv.calculus.reverse import Adjoints
from einderiv.calculus.simplify import simplify, tidy
from einderiv.calculus.symmetry import compound_power, orient
from einderiv.errors import (
    AbsentVariable,
    EinderivError,
    ParseError,
    ReadAsProduct,
    SeveralSizes,
    ShapeError,
    caret_context,
    closest,
    guarded,
)
from einderiv.frontend.conventions import check_conventions
from einderiv.frontend.latex import is_latex
from einderiv.frontend.letters import split_letters
from einderiv.frontend.lexing import CALLED_NAMES, RESERVED
from einderiv.frontend.lower import Lowered, lower, user_free
from einderiv.frontend.name_uses import name_uses
from einderiv.frontend.parse import parse_declarations, parse_expression
from einderiv.frontend.shapes import Typed, VarInfo, infer
from einderiv.frontend.zero_divisors import refuse_zero_divisors
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.names_used import variable_names
from einderiv.ir.node import fast_init

_NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Stage:
    """One step of a derivation: a title and the index-IR term at that point."""

    title: str
    term: T.Term


@fast_init
@dataclass(frozen=True, slots=True)
class Derivation:
    term: T.Term
    axes: tuple[T.Index, ...]
    stages: tuple[Stage, ...] = ()


def front(
    text: str, where: str | None, what: str = "expression", root=None, wrap=None
) -> tuple[Typed, Lowered]:
    """parse -> infer kinds and shapes -> lower. ``wrap``, when given, makes the parsed tree
    another before its shapes are inferred (check indexes a Kronecker claim's right side so:
    its sizes as written, ``I_{3}``, stay with it)."""
    decls = parse_declarations(where) if where else ()
    declared = frozenset([d.name for d in decls]) if decls else _NOTHING
    integers = frozenset(d.name for d in decls if d.kind == "integer") if decls else _NOTHING
    tree: M.MExpr = parse_expression(text, declared=declared, what=what, integers=integers)
    refuse_zero_divisors(tree, text, what)  # x' x / 0, inv(0 I): no value, said where
    kinds = {d.name: d.kind for d in decls} if decls else {}
    uses = name_uses(tree, kinds)  # one walk for the names: letters and shapes need them
    latex_text = isinstance(text, str) and is_latex(text)  # \mathrm{lr}: one name, as written
    split, notes = (tree, ()) if latex_text else split_letters(tree, declared, uses.names)
    if split is not tree:  # names were split: the new tree's uses are its own
        tree, uses = split, None
    if wrap is not None:
        tree, uses = wrap(tree), None
    for note in notes:  # x'Ax is x' A x: said, never silent (SPEC 6.3)
        warnings.warn(note, ReadAsProduct, stacklevel=4)
    try:
        typed = infer(tree, decls, root, uses)
    except ShapeError as error:
        span = getattr(error, "span", None)  # a misused function knows where it was written
        if span is None or not isinstance(text, str):
            raise
        line = text.count("\n", 0, span[0]) + 1
        column = span[0] - (text.rfind("\n", 0, span[0]) + 1) + 1
        raise ShapeError(f"{error}\n{caret_context(text, line, column)}") from None
    check_conventions(typed, text, declared)  # e^{A} of a matrix, ‖X‖_2, x - \mu
    lowered = lower(typed)
    if root is not None and typed.index_dims and typed.shape(typed.tree) == (None, None):
        # index notation: the required shape is that of its free indices, sorted by name
        wanted = [d for d in root if d is not None] if len(root) == 2 else list(root)
        if len(lowered.axes) != len(wanted):
            raise ShapeError(
                f"`{text}` has {len(lowered.axes)} free indices; the required shape has "
                f"{len(wanted)} {'axis' if len(wanted) == 1 else 'axes'}"
            )
        pinned = {i.name: d for i, d in zip(lowered.axes, wanted) if d is not None}
        if pinned:  # sized as required: a second pass with the axes' sizes given
            try:
                typed = infer(tree, decls, None, uses, pinned)
            except SeveralSizes:
                raise  # n*m = 6 even with the axes sized: several solutions, not another order
            except ShapeError as error:  # g.shape of a result whose axes are in another order
                order = ", ".join(i.name for i in lowered.axes)
                raise ShapeError(
                    f"{error}\n(the axes of a text in index notation are its free indices in "
                    f"alphabetical order, {order}: give the shape in that order)"
                ) from None
            lowered = lower(typed)
    elif root is not None and len(root) > 2 and len(lowered.axes) != len(root):
        raise ShapeError(  # an Expr's shape of order 3 or more: index notation, its axes counted
            f"`{text}` has {len(lowered.axes)} axes; the required shape has {len(root)}"
        )
    return typed, lowered


def shape_given(shape: Any) -> tuple | None:
    """``parse``'s ``shape=`` as a tuple: None, a name or a whole number for each axis (numpy's
    ``np.int64(3)`` an int). Anything else is an ``EinderivError`` (a text or bytes was read
    letter by letter, ``b"n"`` a size of 110; an int was a TypeError)."""
    if shape is None:
        return None
    if isinstance(shape, (tuple, list)):
        sizes: list = []
        for d in shape:
            if d is None or isinstance(d, str):
                sizes.append(d)
            elif (isinstance(d, numbers.Integral) and not isinstance(d, bool)) or (
                isinstance(d, float) and d.is_integer()
            ):
                if not 0 < d:
                    raise EinderivError(f"shape={_shown(shape)}: a size is a positive whole "
                                        "number")  # fmt: skip
                sizes.append(int(d))
            else:
                break
        else:
            return tuple(sizes)
    raise EinderivError(
        f"shape={_shown(shape)}: give a tuple with a size (a number or a name) or None for each "
        "axis, such as (3,), ('m', 'n') or (None, 'n')"
    )


def _shown(shape: Any) -> str:
    text = repr(shape)
    return text if len(text) <= 60 else f"{text[:57]}..."


@dataclass(frozen=True)
class Deferred:
    """A derivative not derived yet: ``make()`` (``derive``) when its term is first asked for;
    meanwhile its ``adjoints`` (``calculus.reverse``), which ``show(cse=True)`` writes."""

    make: Callable[[], Derivation]  # derive(...) with its arguments bound
    adjoints: Adjoints

    @guarded  # asked for after diff returned: with the room for nesting diff had
    def derived(self) -> T.Term:
        return self.make().term

    @staticmethod
    def kept(term: T.Term | Deferred, adjoints: Adjoints) -> Deferred:
        """``term`` (derived already, or not) with its ``adjoints``: what a copy is made of, so
        that its ``show(cse=True)`` writes them too."""
        if isinstance(term, Deferred):
            return term
        return Deferred(partial(Derivation, term, ()), adjoints)


def derive(
    term: T.Term,
    axes: tuple[T.Index, ...],
    wrt: Wrt,
    result_axes: tuple[T.Index, ...],
    trace: bool = False,
    symmetric: frozenset = frozenset(),
    lowered: bool = False,
) -> Derivation:
    """differentiate -> simplify (-> orient the entries of the ``symmetric`` variables), with
    the stages recorded when ``trace`` is set. ``lowered``: ``term`` is lowered from text, so
    it and its derivative mention no canonical binder name (only ``canon`` makes those), and
    ``simplify`` need not ``unbind`` them."""
    stages = [Stage("the indexed sum", tidy(term))] if trace else []
    raw = derivative(term, wrt)
    if raw is T.ZERO:
        zero = T.Zero(tuple(result_axes))
        return Derivation(zero, tuple(result_axes), tuple(stages + [Stage("zero", zero)] * trace))
    if trace:
        stages.append(Stage("the elementwise derivative, by Kronecker-delta rules", tidy(raw)))
    simple = simplify(raw, unbound=lowered)
    if trace:
        stages.append(Stage("the deltas contracted and like terms merged", simple))
    # S[a,i] x[a] + S[i,a] x[a] -> 2 S[i,a] x[a]; likewise ((X' X)^-1)[a,i]
    oriented = orient(simple, symmetric, compound_power(term))
    if oriented is not simple:
        simple = oriented
        if trace:
            stages.append(Stage("symmetric matrices' indices ordered, like terms merged", simple))
    return Derivation(simple, tuple(result_axes), tuple(stages))


# ---------------------------------------------------------------------------------------------
# Layout and slots: where a derivative's axes go (SPEC 2), and where they sit in its matrix form.
# ``f`` below is any object with ``term``, ``axes``, ``variables`` and ``slots`` (an ``Expr``).

LAYOUTS = ("numerator", "denominator", "jacobian")
NAME = r"[A-Za-z][A-Za-z0-9_]*"
_SIMPLE_WRT = re.compile(
    rf"\s*(?P<name>{NAME})\s*(?:\[(?P<indices>\s*{NAME}\s*(?:,\s*{NAME}\s*)*)\])?\s*"
)


Slots = tuple[T.Index | None, T.Index | None]


def _slots(
    f: Any,
    info: VarInfo,
    indices: tuple[T.Index, ...],
    layout: str,
    axes: tuple[T.Index, ...],
) -> Slots | None:
    """Where the derivative's indices sit in its matrix form, or None if it has none.

    A matrix result is printed as its value is laid out: rows on the first axis, columns on the
    second. Only a vector result needs a choice of orientation -- numerator: Y's shape with X's
    transposed into it (d(a'x)/dx = a', a row); denominator: that transposed; jacobian: Y's
    shape with X's as it is.
    """
    y = f.slots
    if y is None and len(f.axes) <= 2:  # index notation, A[i,j] x[j]: its free indices, a column
        y = (f.axes + (None, None))[:2]
    if y is None or len(axes) > 2:
        return None
    if len(axes) == 2:
        return (axes[0], axes[1])
    x_slots = iter(indices)
    x = tuple(None if d is None else next(x_slots) for d in info.shape)
    if layout == "jacobian":
        return _combine(y, x)
    made = _combine(y, (x[1], x[0]))
    return made if layout == "numerator" else (made[1], made[0])


def _combine(y: tuple, x: tuple) -> Slots:
    return tuple(a if a is not None else b for a, b in zip(y, x))


def _absent(f: Any, name: str) -> None:
    """Warn when ``name`` is declared but not written, and a name like it is: the derivative
    is 0 (SPEC 2), but ``W1`` declared and ``W_1`` written (LaTeX) is a slip, not a constant."""
    used = variable_names(f.term)
    if name in used:
        return
    hint = closest(name, sorted(v for v in used if f.variables[v].kind != "integer"))
    if hint:
        warnings.warn(
            f"{name} is declared but does not occur in the expression, so the derivative by it "
            f"is 0; did you mean {hint}, which occurs?",
            AbsentVariable,
            stacklevel=7,
        )


def _read_wrt(f: Any, wrt: object) -> tuple[str, tuple[T.Index, ...], bool]:
    if not isinstance(wrt, str):
        raise EinderivError(f"wrt must be a variable name such as 'X' or 'X[i,j]', not {wrt!r}")
    simple = _SIMPLE_WRT.fullmatch(wrt)
    if simple:  # "X" or "X[i,j]": no need for the parser (nor for a tree)
        name, given = simple.group("name", "indices")
        given = tuple(i.strip() for i in given.split(",")) if given is not None else None
    else:
        try:
            tree = parse_expression(wrt, what="variable to differentiate by")
        except ParseError as error:
            raise EinderivError(f"cannot read wrt={wrt!r}: {error}") from None
        match tree:
            case M.Name(name=name):
                given = None
            case M.Entry(base=M.Name(name=name), indices=given):
                pass
            case _:
                raise EinderivError(f"wrt={wrt!r}: give a variable (X) or one entry of it (X[i,j])")
    if name not in f.variables:
        known = sorted(v for v, i in f.variables.items() if i.kind != "integer")
        hint = closest(name, known)
        said = f"{name} is not a variable of the expression" + (
            f"; did you mean {hint}?" if hint else ""
        )
        if name in CALLED_NAMES or name in RESERVED:  # exp is no misspelt x: it is not a name
            said = f"{name} is {RESERVED.get(name, 'a function')}, not a variable"
        raise EinderivError(said + (f" (its variables: {', '.join(known)})" if known else ""))
    info = f.variables[name]
    _absent(f, name)
    if info.kind == "integer":
        raise EinderivError(
            f"{name} is an integer (a name only in exponents of powers is one, unless the base "
            f"is written as a scalar: 2^{name}); einderiv differentiates by real variables only: "
            f"declare `{name}: scalar` for a real exponent of a scalar"
        )
    dims = tuple(d for d in info.shape if d is not None)
    if given is None:
        return name, tuple(T.fresh(d) for d in dims), False
    if len(given) != len(dims):
        if not dims:  # a[i] of a scalar
            raise EinderivError(f"{name} is a scalar, with no index: write wrt={name!r}")
        count = "1 index" if len(dims) == 1 else f"{len(dims)} indices"
        raise EinderivError(f"{name} has {count}, but wrt={wrt!r} gives {len(given)}")
    if len(set(given)) != len(given):
        raise EinderivError(f"wrt={wrt!r}: use distinct index names")
    used = {i.name for i in user_free(f.term)} | {i.name for i in f.axes}
    clash = [g for g in given if g in used or g in f.variables]  # sum(x) / i by x[i]
    if clash:
        what = "a variable" if clash[0] in f.variables else "already a free index"
        raise EinderivError(
            f"wrt={wrt!r}: the index {clash[0]} is {what} of the expression; pick another name"
        )
    return name, tuple(T.Index(g, d) for g, d in zip(given, dims)), True


def place(f: Any, wrt: object, layout: str) -> tuple:
    """``(name, indices, elementwise, result_axes, slots)`` of the derivative of ``f`` by
    ``wrt`` ("X" or "X[i,j]") in ``layout``: the variable, its indices, whether they were named
    by the user (an elementwise derivative), the result's axes in order, and its matrix slots."""
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise EinderivError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    name, indices, elementwise = _read_wrt(f, wrt)
    info = f.variables[name]
    if elementwise and layout == "denominator":  # its axes are Y's, then the ones written
        raise EinderivError(
            f"the derivative by {wrt} has the expression's axes, then {wrt}'s indices as "
            "written (SPEC 2): a layout does not apply; drop the layout, or differentiate by "
            f"{name} in denominator layout"
        )
    if elementwise:
        result_axes = f.axes + indices
    elif layout == "numerator":
        result_axes = f.axes + indices[::-1]
    elif layout == "denominator":
        result_axes = (f.axes + indices[::-1])[::-1]
    else:
        result_axes = f.axes + indices
    slots = None if elementwise else _slots(f, info, indices, layout, result_axes)
    return name, indices, elementwise, result_axes, slots
