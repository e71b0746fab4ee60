"""Plan steps as data: the records a plan is made of, and the helpers every reader of them shares.

Input: nothing of its own; ``plan.Planner`` builds ``Step`` records from the index IR.
Output: ``Step`` (one assignment: an op, its arguments, its parameters), ``Plan`` (the steps of a
program and the name of its result), and the helpers both readers of a plan use -- the renderer
(``render.Render``, Python text) and the executor (``execute.Executor``, values):
``size_of`` (a dimension's size), ``integer_value`` (an integer affine form), ``align_spec``
(how a value's axes become a target's), ``matpow`` (a matrix power through an inverse).
Invariants:
- A ``Step`` is frozen and holds only data: names (str), constants (float), indices, dims and
  tuples of them -- never a closure, never user text as code.
- An argument is a step name, a parameter name (``plan_values.safe_name``), a loop variable
  (a step name too), or a float constant.
- ``op`` is a key of the renderer's and of the executor's tables (a test checks both cover
  every op). A ``loop`` step holds its body: the steps that depend on the loop variable, in
  order; everything else the body needs is computed before the loop (hoisted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from einderiv.errors import EvaluationError
from einderiv.ir.canon import format_affine
from einderiv.ir.index_ir import affine
from einderiv.ir.node import dim_size

EINSUM_LETTERS = 52  # einsum names each index of one product by a letter: a-z, A-Z


def _max_axes() -> int:
    """The most axes a numpy array may have: 64 from numpy 2, 32 before."""
    try:
        np.empty((1,) * 64)
    except ValueError:
        return 32
    return 64


MAX_AXES = _max_axes()

OPS = (
    "const",  # params (value,): a float scalar
    "integer",  # params (const, ((name, coeff), ...)): an integer affine form, as a float
    "size",  # params (dims,): the product of sizes, as a float
    "load",  # args (parameter,): an input array on the backend
    "diagonal_var",  # args (array,), params (spec,): X[a,a] -> the diagonal (one-operand einsum)
    "align",  # args (core,), params (order, target, scale): transposed / scaled
    "broadcast",  # args (core,), params (order, target, scale, ties): lazy value materialised
    "add",  # args (cores...), params (((order, scale), ...), target, constant)
    "contract",  # args (operands..., scalars...), params (classes, order, coef, sizes)
    "func",  # args (core,), params (name, scale): an elementwise function
    "power",  # args (core,), params (scale, exponent): u .^ p, p a constant
    "pow",  # args (base, exponent), params (border, bscale, eorder, escale, order)
    "matrix_function",  # args (matrix,), params (name,): the registry's det or logdet
    "matpow",  # args (matrix,), params (const, terms, diagonal): X^k (k = -1: inv)
    "pair",  # params (dim_i, dim_j): delta[c,(i,j)] as an (m n, m, n) array
    "reshape",  # args (array,), params (dims,): the same entries, C order, shape of ``dims``
    "row",  # args (rows,), params (name,): a row function on the last axis
    "powsum",  # args (matrices...), params (((sign, const, terms), ...), const, terms)
    "loop",  # params (var, const, terms, order, body, result, closed): a symbolic sum
)


@dataclass(frozen=True, slots=True)
class Step:
    """``name = op(args; params)``. ``args`` are what the step reads (names or floats)."""

    name: str
    op: str
    args: tuple = ()
    params: tuple = ()

    @property
    def deps(self) -> tuple:
        """The names the step reads; for a loop, the names its body reads from outside."""
        if self.op != "loop":
            return tuple(a for a in self.args if isinstance(a, str))
        return self.args


@dataclass(frozen=True, slots=True)
class Plan:
    """A program: its live steps in order and the name holding the result (axes ``axes``)."""

    steps: tuple
    result: str
    vars: tuple  # the variables it reads (sorted)
    ints: tuple  # the integers it reads (sorted)
    dims: tuple  # the named dimensions it uses
    first_temp: int  # temporaries a renderer makes are numbered from here
    frees: tuple = ()  # per step, the temporaries last read by it (``releases``)
    overflows: tuple = ()  # what its constants past float64's range say at each run


def releases(steps, keep=()) -> tuple:
    """For each step, the names (temporaries, ``_<k>``) last read by it: they can be released
    right after it. ``keep``: names never released (the result)."""
    last: dict = {}
    for k, step in enumerate(steps):
        for name in step.deps:
            last[name] = k
    frees: list = [[] for _ in steps]
    for name, k in last.items():
        if name.startswith("_") and name not in keep:
            frees[k].append(name)
    return tuple(tuple(f) for f in frees)


def size_of(sizes: dict, dim) -> int:
    """The size of ``dim`` (a number, a name, or a compound ``m*n``) given named sizes."""

    def named(dim):
        value = sizes.get(dim)
        if value is None:
            raise EvaluationError(
                f"the size {dim} is not fixed by any array; pass it as a keyword ({dim}=...)"
            )
        return value

    return dim_size(dim, named)


def too_many_terms(count: int, const: int, terms) -> EvaluationError:
    """The error of a symbolic sum (without closed form) past ``powersum.MAX_SUM_TERMS``."""
    from einderiv.backend.powersum import MAX_SUM_TERMS

    user = all(name[:1].isalpha() for name, _ in terms)  # not a sum's counter
    said = ""
    if user and terms:
        said = f" (with {format_affine(affine(const, dict(terms)))} = {count})"
    return EvaluationError(
        f"a symbolic sum of {abs(count):,} terms{said} has no closed form here, and "
        f"einderiv sums at most {MAX_SUM_TERMS:,} terms per evaluation (README, Limits)"
    )


def integer_value(const: int, terms, ints: dict) -> int:
    """``const + sum(coeff * ints[name])``."""
    total = const
    for name, coeff in terms:
        if name not in ints:
            raise EvaluationError(f"no value for the integer {name}; pass {name}=...")
        total += coeff * ints[name]
    return total


def align_spec(order, target) -> tuple:
    """(perm, slots) taking a value with axes ``order`` to ``target``: ``perm`` transposes it to
    the target's order of the axes it has (None: already in order); ``slots`` index it from the
    first axis it has on (True: an axis it has, False: a new axis; None: nothing to index)."""
    order, target = tuple(order), tuple(target)
    if order == target:  # already aligned: each of a long sum's terms, mostly
        return None, None
    present = [i for i in target if i in order]
    perm = None
    if len(order) > 1 and list(order) != present:
        perm = tuple(order.index(i) for i in present)
    slots = None
    if present:
        first = target.index(present[0])
        marks = [i in order for i in target[first:]]
        while marks and marks[-1]:
            marks.pop()
        if not all(marks):
            slots = tuple(marks)
    return perm, slots


def loop_range(count: int) -> tuple:
    """(sign, values) of ``sum_{r=0}^{count-1}``: backwards (``-sum_{r=count}^{-1}``) when
    ``count < 0``, so that ``sum_{r<n} 1 = n`` for every integer n."""
    return (1.0, range(count)) if count >= 0 else (-1.0, range(count, 0))
