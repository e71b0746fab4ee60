"""Sizes a claim names, and claims whose verdict would rest on a naming einderiv made up.

Input: the expression (an ``Expr``, which keeps the size names einderiv gave its undeclared
sizes: ``Expr._invented``), the claim (text: plain, LaTeX, a differential ``d f = ...`` or a
Kronecker form ``d vec(Y) / d vec(X)' = ...``), the engine's derivative and the question.
Output: ``named_sizes(claim)``: the sizes the claim writes (``K_{m,n}``, ``commutation(m, n)``,
``I_n``, ``ones(n)``); ``unit_sizes(right)``: the sizes written on each ``I`` and ``ones``
(None for a bare one); ``hidden_sizes(f, claim, ...)``: an "undecided" ``CheckResult`` when the
claim names a size that nothing fixes while the expression's sizes are einderiv's own names,
else None; ``unpaired(error, ...)``: the "undecided" result of a claim whose Kronecker sizes
einderiv cannot pair (``errors.UnpairedSizes``); ``paired(f, claimed, expected)``: raises it
when an open size of a Kronecker claim's entry form stands on axes of two sizes; ``said(error)``: a claim's shape error as the
user reads it (the claim is read with the expression's kinds and sizes, declared or inferred:
``the expression's `A: matrix(n, m)` ``, never "declared" when nothing was).
Invariants:
- A size is fixed by a declaration or by being written in the expression; an undeclared ``X``
  is n-by-m by einderiv's naming only (SPEC 1), so ``K_{m,n}`` in a claim about it is neither
  right nor wrong by that naming: undecided, with the shapes to declare; so is a claim naming
  a size that is none of the expression's (``1_p`` of an x of size n: p = n is a guess). A
  claim that names no size, or only the expression's fixed sizes, is judged as before.
- A claim that cannot be read is left to the judge (its error is the user's to see).
"""

from __future__ import annotations

import warnings

from einderiv.backend.binding import dim_names
from einderiv.check.result import CheckResult
from einderiv.errors import EinderivError, UnpairedSizes
from einderiv.frontend.name_uses import child_fields
from einderiv.frontend.parse import parse_expression
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION
from einderiv.ir.node import dim_factors

__all__ = ["hidden_sizes", "named_sizes", "paired", "said", "unit_sizes", "unpaired"]


def named_sizes(claim) -> list[str]:
    """The size names ``claim`` writes, in order (numbers are no names); none for a claim that
    is not text or does not parse."""
    if not isinstance(claim, str):
        return []
    found: list[str] = []
    for e in _nodes(claim.rsplit("=", 1)[-1]):  # d vec(Y) / d vec(X)' = R, d f = R: R's
        if isinstance(e, (M.Identity, M.Ones)) and isinstance(e.dim, str):
            found.append(e.dim)
        elif isinstance(e, M.Call) and e.fn == COMMUTATION.name:
            found += [a.name for a in e.args if isinstance(a, M.Name)]
    return list(dict.fromkeys(found))


def unit_sizes(right: str) -> list:
    """The sizes written on the ``I`` and ``ones`` of the text ``right`` (None: none written,
    ``I`` sized by what it meets)."""
    return [e.dim for e in _nodes(right) if isinstance(e, (M.Identity, M.Ones))]


def _nodes(right: str):
    """The nodes of ``right`` as written (before shapes size its ``I``), parent first; none
    when it does not parse (its error is the user's to see where it is read)."""
    try:
        with warnings.catch_warnings():  # its notes are said when the claim itself is read
            warnings.simplefilter("ignore")
            tree = parse_expression(right, what="claim")
    except EinderivError:
        return
    todo = [tree]
    while todo:
        e = todo.pop()
        yield e
        todo += reversed([child for _, child in child_fields(e)])


def _fixed(f) -> set:
    """The size names of ``f`` that a declaration or its text fixes."""
    dims = [d for v in f.variables.values() for d in v.dims] + list(f.index_dims.values())
    names = {p for d in dims if isinstance(d, str) for p in dim_factors(d)}
    return names - f._invented


def hidden_sizes(f, claim, expected, question: str) -> CheckResult | None:
    """ "undecided" when ``claim`` names a size nothing fixes: ``f`` has sizes einderiv named
    itself (its undeclared variables'), or the size is none of ``f``'s; else None."""
    invented = getattr(f, "_invented", frozenset())
    fixed = _fixed(f)
    free = [n for n in named_sizes(claim) if n not in fixed and n not in f.variables]
    # I_{mn} of fixed sizes m and n is their product (as the LaTeX reader reads it)
    free = [n for n in free if not (len(n) > 1 and set(n) <= fixed)]
    if not free or (len(invented) == 1 and len(set(free)) == 1):  # one size: no naming to guess
        return None
    if not invented:  # 1_p of an x declared of size n: p = n would be a guess
        sizes = ", ".join(sorted(_fixed(f))) or "none"
        return CheckResult(
            "undecided",
            expected,
            None,
            claim,
            f"undecided: the claim names the size{'s' * (len(free) > 1)} {', '.join(free)}, "
            f"which is no size of the expression (its sizes: {sizes}) and nothing declares; "
            "write the expression's size, or declare the variables with it",
            question=question,
        )
    own = [(n, v) for n, v in sorted(f.variables.items()) if set(v.dims) & invented]
    names, named = iter(dict.fromkeys(free)), {}  # each invented size one claim's name
    for d in (d for _, v in own for d in v.dims if d in invented and d not in named):
        named[d] = next(names, d)
    example = "; ".join(
        f"{n}: {v.kind}({', '.join(str(named.get(d, d)) for d in v.dims)})" for n, v in own
    )
    shapes = ", ".join(f"{n} {'-by-'.join(map(str, v.dims))}" for n, v in own)
    return CheckResult(
        "undecided",
        expected,
        None,
        claim,
        f"undecided: the claim names the size{'s' * (len(free) > 1)} {', '.join(free)}, which "
        f"nothing declares; einderiv named the undeclared sizes itself ({shapes}), and a "
        f'verdict would rest on that naming: declare the shapes, e.g. where="{example}"',
        question=question,
    )


def unpaired(error: UnpairedSizes, expected, claim, question: str) -> CheckResult:
    """The "undecided" result of a claim whose Kronecker sizes einderiv cannot pair."""
    return CheckResult(
        "undecided",
        expected,
        None,
        str(claim),
        f"undecided: einderiv cannot read the claim's sizes: {said(error)}",
        question=question,
    )


def paired(f, claimed, expected) -> None:
    """``UnpairedSizes`` when a size of the read Kronecker claim ``claimed`` that the expression
    does not fix stands on axes of ``expected`` of sizes s and 1: its entry form
    ``I[(i,j),(l,k)]`` splits both compounds alike (n*m), while d vec(X')/d vec(X)' of a 3-by-1
    X pairs 1*3 with 3*1, where I is right (K_{3,1} = I_3) but the judge would size the claim by
    one pairing. Two sizes neither 1 (``kron(A, I)`` for ``kron(I, A)``) are the judge's."""
    known, on = dim_names(f), {}
    for axis, want in zip(claimed.axes, expected.axes):
        if axis.dim not in known:
            on.setdefault(axis.dim, set()).add(want.dim)
    if any(len(sizes) > 1 for sizes in on.values()) and all(
        len(sizes - {1}) <= 1 for sizes in on.values()
    ):
        pairs = " and ".join(str(sorted(map(str, s))) for s in on.values() if len(s) > 1)
        raise UnpairedSizes(
            f"its entry form pairs the derivative's sizes {pairs} as one (a size 1 may stand "
            "on either side); write the sizes on I and ones, or use index notation"
        )


def said(error: Exception) -> str:
    """``error`` of a claim, its sizes named as the expression's: the claim is read with the
    expression's kinds and sizes (``declarations_of``), declared or inferred."""
    return str(error).replace("declared `", "the expression's `")
