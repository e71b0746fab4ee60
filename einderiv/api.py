"""The public API: ``parse``, ``diff``, ``hessian`` and the ``Expr`` they return.

Input: expression text (or an ``Expr``), ``where`` declarations, the variable and the layout.
Output: ``Expr`` objects that evaluate, print and differentiate again.
Invariants:
- An ``Expr`` is immutable: an index-IR term, the ordered axes of its value, and the variables'
  kinds and dimensions (a copy or a pickle is made by ``__init__``); a derivative is one too.
- Layouts only order axes: numerator = Y's axes + X's reversed; denominator = all reversed;
  jacobian = Y's axes + X's.
- Every error a user can cause is an ``EinderivError``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from einderiv.backend.binding import bind, positional_message
from einderiv.backend.execute import evaluate
from einderiv.calculus.differentiate import Wrt
from einderiv.calculus.reverse import Adjoints, reverse
from einderiv.calculus.simplify import simplify
from einderiv.errors import EinderivError, EvaluationError, guarded, with_readings
from einderiv.expr_ops import ExprAlgebra
from einderiv.forms import differential_of
from einderiv.frontend.lower import is_user_index
from einderiv.frontend.shapes import VarInfo
from einderiv.index_readback import readable_index, readable_index_latex
from einderiv.ir import flat_pickle
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.kron_readback import closed, readable_kronecker
from einderiv.notation import kronecker as kron_forms
from einderiv.notation.algebra import zero_if_cancelled
from einderiv.notation.chain_powers import powered
from einderiv.notation.matrix_latex import matrix_latex
from einderiv.notation.recontract import recontract
from einderiv.pipeline import (
    LAYOUTS,  # noqa: F401 (einderiv.api.LAYOUTS, re-exported)
    Deferred,
    Slots,
    derive,
    front,
    place,
    shape_given,
)


class Expr(ExprAlgebra):
    """A matrix or index expression, or a derivative: evaluates, prints, differentiates.

    Immutable (attributes cannot be set or deleted). Builds others with ``+ - * @ /``, unary
    ``-``, ``.T`` (``*`` is the matrix product, as ``@``; ``emul`` elementwise); ``==`` and
    ``hash`` compare canonical forms (``expr_ops``)."""

    __slots__ = (
        "__weakref__",  # backend caches (binding) hold an Expr weakly, never write into it
        "_adjoints",
        "_invented",
        "_kronecker",
        "_layout",
        "_origin",
        "_term",
        "axes",
        "index_dims",
        "readings",
        "slots",
        "source",
        "variables",
    )

    _term: T.Term | Deferred  # (``term``: a Deferred one derived on first use)
    axes: tuple[T.Index, ...]
    variables: dict[str, VarInfo]
    index_dims: dict[str, M.Dim]
    source: M.MExpr | None
    slots: Slots | None
    _origin: tuple | None
    _layout: str | None
    _kronecker: tuple  # (kronecker_matrix's matrix, whether its entry reads back), when asked
    readings: tuple[str, ...]  # other readings said when its text was read (check: undecided)
    _invented: frozenset[str]  # the size names einderiv gave undeclared sizes (check: unbound)
    _adjoints: Adjoints | None  # a gradient's shared adjoints (``show(cse=True)`` writes them)

    def __init__(
        self,
        term: T.Term | Deferred,
        axes: tuple[T.Index, ...],
        variables: dict[str, VarInfo],
        index_dims: dict | None = None,
        source: M.MExpr | None = None,
        origin: tuple | None = None,
        layout: str | None = None,
        slots: Slots | None = None,
        readings: tuple[str, ...] = (),
        invented: frozenset[str] = frozenset(),  # sizes einderiv named (undeclared): check
    ) -> None:
        put = object.__setattr__  # an Expr is immutable: set once, here
        put(self, "_term", term)  # a Deferred one: derived when first used (``term``)
        put(self, "_adjoints", term.adjoints if type(term) is Deferred else None)
        put(self, "axes", tuple(axes))
        put(self, "variables", dict(variables))
        put(self, "index_dims", dict(index_dims or {}))
        put(self, "source", source)
        put(self, "_origin", origin)  # what derive() needs to replay the derivation's trace
        put(self, "_layout", layout)
        put(self, "slots", slots)  # (row index, column index) of the matrix form; None: index
        put(self, "readings", tuple(readings))
        put(self, "_invented", frozenset(invented))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"an Expr is immutable: cannot set {name}; build a new one")

    def __reduce__(self) -> tuple:  # made again by __init__ (caches are not kept; adjoints are)
        term = self._term if self._adjoints is None else Deferred.kept(self._term, self._adjoints)
        fields: tuple = (term, self.axes, self.variables, self.index_dims, self.source)
        fields += (self._origin, self._layout, self.slots, self.readings, self._invented)
        return (flat_pickle.rebuilt, (Expr, flat_pickle.dumps(fields)))  # deep terms: no recursion

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"an Expr is immutable: cannot delete {name}")

    @property
    def term(self) -> T.Term:
        """The index-IR term of the value (a gradient kept as adjoints is derived when first
        asked for: ``show(cse=True)`` writes the adjoints without it)."""
        term = self._term
        if isinstance(term, Deferred):
            term = term.derived()
            object.__setattr__(self, "_term", term)
        return term

    @property
    def layout(self) -> str | None:
        """A derivative's layout (``numerator``, ``denominator``, ``jacobian``), else None."""
        return self._layout

    # -- shape and evaluation ---------------------------------------------------------------

    @property
    def shape(self) -> tuple[M.Dim, ...]:
        """Dimension names (or sizes) of the value's axes; ``()`` for a scalar."""
        return tuple(i.dim for i in self.axes)

    @property
    def free_indices(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.axes)

    @guarded
    def __call__(self, /, *args: object, **values: Any) -> np.ndarray:
        if args:
            raise EvaluationError(positional_message(self))
        arrays, dims, ints = bind(self, values)
        return evaluate(self.term, self.axes, arrays, dims, ints)

    # -- printing ----------------------------------------------------------------------------

    @guarded
    def __str__(self) -> str:
        return self.index() if (form := self.written()) is None else M.show(form)

    @guarded
    def written(self) -> M.MExpr | None:
        """What ``str`` and ``latex`` print, as matrix IR: the matrix form, else (order 3 or
        4) the Kronecker form indexed, ``kron(B', A)[(i,j),(l,k)]``; None: index notation."""
        kronecker = self.kronecker_matrix() if (matrix := self.matrix()) is None else None
        if kronecker is not None and self._kronecker[1]:  # SPEC 7, where its entry reads back
            matrix = kron_forms.kronecker_entry(kronecker, self.axes, self._origin, self.variables)
        return None if matrix is None else powered(matrix, self.variables)  # (A X)^3 A

    @guarded
    def matrix(self) -> M.MExpr | None:
        """The matrix-notation form (matrix IR), or None when there is none (order > 2)."""
        if self.source is not None or self.slots is None:
            return self.source
        row, col = self.slots
        if isinstance(self.term, T.Zero):  # zero prints as 0; parse("0", shape=...) reads it
            return M.Number(Fraction(0))
        return zero_if_cancelled(recontract(self.term, row, col, self.variables))  # not 0 a

    def __repr__(self) -> str:
        return f"Expr({str(self)!r}, shape={self.shape})"

    @guarded
    def show(self, cse: bool = False, format: str = "text") -> str:
        """The result as ``format`` (text, latex, index); with ``cse``, every repeated subterm
        named once (``t1 = tanh(W1 x)``), then the result in terms of them (SPEC 7)."""
        from einderiv.show import show  # loaded when asked for, like codegen

        return show(self, cse, format)

    @guarded
    def index(self) -> str:
        """Index notation, readable back by ``parse`` (free indices in alphabetical order)."""
        return readable_index(self.term, self.axes, self.shape, self.variables)

    @guarded
    def latex(self, steps: bool = False) -> str:
        """LaTeX of the result; with ``steps``, the derivation in LaTeX, one display line per
        step (``\\text{1. the indexed sum:} \\quad ...``), the result last."""
        if steps:
            from einderiv.show import latex_steps

            return latex_steps(self)
        form = self.written()  # (B^T \otimes A)_{(i,j),(l,k)} at order 4, as str(g)
        if form is None:
            return readable_index_latex(self.term, self.axes, self.shape, self.variables)
        return matrix_latex(form)

    @guarded
    def kronecker(self) -> str:
        """The Kronecker form (SPEC section 7): ``d vec(Y) / d vec(X)' = kron(B', A)``, the
        numerator-layout Jacobian of vec(Y) by vec(X) (whatever this result's layout), with
        ``commutation(m, n)`` where X appears transposed. Its right side parses back to that
        matrix (``ed.parse(text.split("=", 1)[1])``)."""
        matrix = self.kronecker_matrix()
        if matrix is None and isinstance(self.term, T.Zero):  # SPEC 7: zero is 0
            matrix = kron_forms.zero_kronecker(self._origin)
        if matrix is None:
            raise EinderivError(
                "this result has no Kronecker form (it is written for a matrix or vector by a "
                "matrix, or a matrix by a vector, whose terms are Kronecker products)"
            )
        assert self._origin is not None  # a Kronecker form exists only for a derivative
        matrix = powered(closed(matrix, self.variables), self.variables)  # kron((A X)^2, B)
        return kron_forms.kronecker_text(matrix, self._origin[2].name)

    def kronecker_matrix(self) -> M.MExpr | None:
        """The right side of ``kronecker()`` as matrix IR, or None when there is none."""
        found: tuple | None = getattr(self, "_kronecker", None)  # (matrix, its entry reads)
        if found is None:
            found, origin = (None, False), self._origin  # none wrt X[i,j]; one that reads
            if origin is not None and not any(is_user_index(i) for i in origin[2].indices):
                args = (self.term, origin[1], origin[2].indices, self.variables, simplify)
                found = readable_kronecker(kron_forms.kronecker_form(*args), self.variables)
            object.__setattr__(self, "_kronecker", found)  # a cache: the value never changes
        return found[0]

    @guarded
    def differential(self) -> str:
        """The differential (SPEC section 7): ``d f = tr(G dX)`` for a scalar f and a matrix X,
        ``d f = G dx`` for a vector or scalar x, with G the numerator-layout derivative (so the
        text shows the identification rule); ``dY = A dX B + ...`` for a vector or matrix Y.
        ``read_differential`` reads either back to the numerator-layout derivative."""
        return differential_of(self)

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    @guarded
    def einsum(self, name: str = "f") -> str:
        """The einsum contractions that evaluate this expression: a standalone numpy function
        ``name(A, X, ...)``, one ``np.einsum`` per product, in this expression's axes."""
        from einderiv.backend.emit import einsum_program  # the code generator, when asked for

        return einsum_program(self, name)

    @property
    @guarded
    def stages(self) -> tuple:
        """The trace of ``derive`` for this derivative: the indexed sum, the elementwise
        derivative with Kronecker deltas, the deltas contracted (empty if not a derivative)."""
        if self._origin is None:
            return ()
        term, axes, target, result_axes, *_ = self._origin
        symmetric = _symmetric(self.variables)
        return derive(term, axes, target, result_axes, trace=True, symmetric=symmetric).stages

    @guarded
    def steps(self) -> str:
        """The derivation, stage by stage (only for derivatives), from ``derive``'s trace; a
        stage too long to write whole has its shared subexpressions named."""
        from einderiv.show import text_steps  # loaded when asked for, like show

        return text_steps(self)

    @guarded
    def compile(self, backend: str = "numpy") -> Callable[..., Any]:
        """A fast callable ``fn(**arrays)`` with the same value: contraction paths planned once,
        shared subterms computed once per call (``backend``: "numpy", "torch" or "jax").
        It pickles (as its plan: data), so it goes to other processes."""
        from einderiv.backend.compiled import compile_expr  # the plan: built when asked for

        return compile_expr(self, backend)

    @property
    def term_count(self) -> int:
        return len(self.term.terms) if isinstance(self.term, T.Add) else 1


@guarded
def parse(
    text: str | Expr,
    where: str | None = None,
    *,
    what: str = "expression",
    shape: tuple[M.Dim | None, M.Dim | None] | None = None,
    wrap: Callable[[M.MExpr], M.MExpr] | None = None,
) -> Expr:
    """Read an expression in matrix or index notation (SPEC section 1).

    ``shape``, a (rows, columns) pair of dimensions (None for an absent axis), or the ``shape``
    of a scalar or vector ``Expr`` (``()``; ``(n,)``, a row or a column), requires the
    expression to have that shape. The text ``0`` with a ``shape`` -- that pair, or the
    ``shape`` of an ``Expr`` (any order) -- is a zero of that shape: how a zero result, which
    prints as ``0``, reads back (``parse(str(g), shape=g.shape)``, for any ``g``). ``wrap``
    (check's) makes the parsed tree another before it is typed (``pipeline.front``).
    """
    if isinstance(text, Expr):
        if where:
            raise EinderivError("`where` applies to text; this expression is already parsed")
        return text
    if not isinstance(text, str):
        raise EinderivError(f"expected expression text, got {type(text).__name__}")
    if where is not None and not isinstance(where, str):
        raise EinderivError("where= takes declarations as text, such as 'X: matrix(m, n); "
                            f"a: scalar', not a {type(where).__name__}")  # fmt: skip
    shape = shape_given(shape)  # a tuple of sizes (b"n" was read as 110)
    if shape is not None and text.strip() == "0":
        return _zero(where, what, shape)
    # ‖X‖_2 read as Frobenius, h(x) as a product: kept with the Expr (check makes it undecided)
    (typed, lowered), readings = with_readings(front, text, where, what, shape, wrap)
    fields = (lowered.term, lowered.axes, typed.variables, typed.index_dims, typed.tree)
    return Expr(*fields, slots=lowered.slots, readings=readings, invented=typed.invented)


def _zero(where: str | None, what: str, shape: tuple) -> Expr:
    """A zero of ``shape``: a (rows, columns) pair with None for an absent axis, or the axes'
    dimensions (an ``Expr``'s ``shape``)."""
    shape = tuple(shape)
    typed, _ = front("0", where, what)
    slots: Slots | None
    if len(shape) == 2 and None in shape:  # a matrix-notation pair: a row or a column vector
        row, col = (None if d is None else T.fresh(d) for d in shape)
        slots = (row, col)
        axes = tuple(i for i in slots if i is not None)
    else:
        axes = tuple(T.fresh(d) for d in shape)
        padded = (*axes, None, None)
        slots = (padded[0], padded[1]) if len(axes) <= 2 else None
    if any(d is None or (isinstance(d, int) and d < 1) for d in (i.dim for i in axes)):
        raise EinderivError(f"shape={shape!r}: give dimension names or positive sizes")
    return Expr(T.Zero(axes), axes, typed.variables, typed.index_dims, slots=slots)


@guarded
def diff(expr: str | Expr, wrt: str, where: str | None = None, layout: str = "numerator") -> Expr:
    """The derivative of ``expr`` by ``wrt`` (``"X"`` or ``"X[i,j]"``) in ``layout``."""
    return _diff(parse(expr, where), wrt, layout, trace=False)


@guarded
def hessian(expr: str | Expr, wrt: str, where: str | None = None, layout: str = "jacobian") -> Expr:
    """``H[I, J] = d2 f / dX[I] dX[J]`` of a scalar ``f``; shape S_X + S_X (SPEC §2). ``layout``
    is that of both differentiations: "jacobian" (default) S_X + S_X; "numerator" (the
    numerator gradient's) reversed(S_X) + reversed(S_X); "denominator" S_X + reversed(S_X)."""
    f = parse(expr, where)
    if f.axes or isinstance(wrt, str) and "[" in wrt:
        from einderiv.gradients import hessian_refusal

        raise hessian_refusal(f, wrt)
    gradient = _diff(f, wrt, layout, trace=False)
    return _diff(gradient, wrt, layout, trace=False)


def _symmetric(variables: dict) -> frozenset:  # the names of the symmetric variables
    return frozenset(n for n, v in variables.items() if v.kind == "symmetric")


def _diff(f: Expr, wrt: str, layout: str, trace: bool) -> Expr:
    name, indices, elementwise, result_axes, slots = place(f, wrt, layout)
    target = Wrt(name, indices, symmetric=f.variables[name].kind == "symmetric")
    symmetric = _symmetric(f.variables)
    lowered = f.source is not None  # parsed: lowered text, its binders named apart (no shadows)
    arguments = (f.term, f.axes, target, result_axes, trace, symmetric, lowered)
    # a gradient whose chain rule shares parts (an RNN's steps) is kept as adjoints, derived late
    plain = lowered and not trace and not symmetric and slots is not None
    shared = reverse(f.term, target) if plain else None
    if shared is None:
        term: T.Term | Deferred = derive(*arguments).term
    else:
        term = Deferred(partial(derive, *arguments), shared)
    index_dims = f.index_dims  # Expr copies it; only X[i,j] names new indices (fresh ones: no)
    if elementwise:
        index_dims = {**index_dims, **{i.name: i.dim for i in indices if is_user_index(i)}}
    origin = (f.term, f.axes, target, result_axes, f.slots, f)  # f: a Hessian's gradient
    fields = (term, tuple(result_axes), f.variables, index_dims, None, origin, layout, slots)
    return Expr(*fields, f.readings)


def __getattr__(name: str) -> Any:  # codegen, value_and_grad, read_differential: einderiv.gradients
    if name in ("codegen", "value_and_grad", "read_differential"):
        from einderiv import gradients

        return getattr(gradients, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
