"""A Kronecker claim read as plain matrices, where einderiv's pairing of its sizes fails.

Input: the expression, the variable, the engine's derivative (``expected``, with ``_origin``),
the claim ``d vec(Y) / d vec(X)' = R`` as text and the question. Called where einderiv's own
reading of R, which pairs Kronecker and vec sizes factor by factor, meets a shape error:
``kron(X, I) commutation(2, 3)`` for a 2-by-3 X pairs kron(X, I)'s columns ?*3 with K's rows
3*2, though as plain matrices (I = I_2) they are 4-by-6 and 6-by-6; ``kron(A, I_1)
commutation(1, 3)`` pairs 1*3 with 3*1, the same positions (a size-1 factor adds none).
Output: ``plain_verdict(...)``: a ``CheckResult`` on R's plain value -- ``np.kron``, K_{m,n}
vec(A) = vec(A') (column-major), products, sums, transposes, inverses, numbers, I, ones, vec
-- against the derivative's matrix of vec(Y) by vec(X) (column-major); None where R holds
anything else, or no size of its bare ``I`` and ``ones`` is found that makes it that matrix's
size (the caller's verdict stands: "not well-formed", or undecided).
Invariants:
- "wrong" needs a witness: a probe of the expression's domain where R, its bare I sized the one
  way that makes it vec(Y)-by-vec(X) there, differs from the derivative beyond rounding; or,
  where einderiv's own reading failed, a proof that no size of its bare I and ones makes it
  vec(Y)-by-vec(X) at a probe's sizes (``plain_sizes``: the shapes' equations contradict);
- "right" needs a proof: every size a declared number, one sizing of R's bare I, and R equal to
  the derivative by exact arithmetic mod each of two large primes at a random point (R is a
  polynomial in the variables' entries, the derivative rational: Schwartz-Zippel, as
  ``exact``); a derivative that is not rational, sizes by name, or an inverse in R (it may be
  undefined where the derivative is not) leave it "undecided";
- several sizings of R's bare I that fit: "undecided" (its value may depend on which);
- R's plain value is its meaning whatever pairs einderiv gives its sizes;
- a matrix of more than ``proof.MAX_ENTRIES`` entries is not read so (None).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from einderiv.api import Expr
from einderiv.check import exact as X
from einderiv.check import plain_values as P
from einderiv.check.claim_sizes import said
from einderiv.check.plain_sizes import NONE, solve
from einderiv.check.probes import close, exact_point, probe_sizes
from einderiv.check.proof import MAX_ENTRIES
from einderiv.check.result import CheckResult
from einderiv.check.sampling import Sampler
from einderiv.errors import EinderivError
from einderiv.frontend.parse import parse_expression
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_size

__all__ = ["plain_verdict", "plainly"]


def plain_verdict(f: Expr, wrt: str, expected: Expr, text, question: str, error=None, read=None):
    """R's verdict as plain matrices (module docstring), or None; ``error``: einderiv's own
    reading's shape error, quoted when undecided; ``read``: the claim as read (``text`` as
    written, shown)."""
    origin = expected._origin
    if not isinstance(text, str) or origin is None or not origin[1] or not origin[2].indices:
        return None
    names = [a.name for a in expected.axes]
    order = [i.name for i in (*origin[1], *origin[2].indices)]  # each compound fastest first
    tree = _right_side(read if isinstance(read, str) else text)
    if tree is None or sorted(order) != sorted(names) or not P.plain(tree, f):
        return None
    if isinstance(tree, M.Number) and tree.value == 0:  # = 0, a zero of any shape: not 1-by-1
        return None
    if any(v.kind in ("integer", "tensor") for v in f.variables.values()):
        return None
    axes, rows = [names.index(n) for n in order], len(origin[1])

    def matrix(value) -> np.ndarray:  # the derivative's entries as vec(Y) by vec(X)'
        a = np.transpose(np.asarray(value), axes)
        return a.reshape((math.prod(a.shape[:rows]), -1), order="F")

    def result(verdict: str, why: str, method: str = "", **extra) -> CheckResult:
        fields = (verdict, expected, None, text, why, method)
        return CheckResult(*fields, question=question, **extra)

    ours = "" if error is None else f"; einderiv's own reading of it: {said(error)}"
    judge, fits = Sampler(f, expected, expected, wrt), []
    for k in range(max(3, len(judge.rounds))):  # every size round: inv(X' X) of m < n has none
        try:
            probe = judge.draw(k)
        except EinderivError:
            continue
        sizes = probe_sizes(f, probe)
        shape = tuple(
            math.prod(dim_size(i.dim, sizes.__getitem__) for i in part)
            for part in (origin[1], origin[2].indices)
        )
        if shape[0] * shape[1] > MAX_ENTRIES:  # a 3600-by-4200 claim: minutes, gigabytes
            return None
        matrix_of = f"the {shape[0]}-by-{shape[1]} matrix of vec(Y) by vec(X)'"
        fits = _fits(tree, f, sizes, shape)
        if fits is None:  # no size of its bare I fits (a proof): where einderiv's pairing failed
            if error is None:
                return None
            why = f"{_SHAPE.rstrip()}, no size of its bare I (or ones) makes it {matrix_of}{ours}"
            return result("wrong", why)
        if not fits:  # no size fits (or too many to try): the caller's verdict stands, unless
            misfit = P.misfit(tree, f, sizes, shape)  # R has no bare I: its shape is wrong
            return None if misfit is None else result("wrong", f"{_SHAPE}{misfit} {matrix_of}")
        want = matrix(judge.call(expected, probe))
        try:
            got = [P.Floats(f, probe, sizes, fit).run(tree) for fit in fits]
        except P.Unknown:  # an inverse singular at the probe: no reading of R here
            return None
        if any(not close(value, got[0]) for value in got[1:]):  # kron(I, I): one I_3, both ways
            ways = " or ".join(_said(tree, fit)[2:-1] for fit in fits[:2])
            why = (
                "undecided: read as plain matrices, the claim's bare I (or ones) can be sized "
                f"in more than one way to make {matrix_of}, each another matrix ({ways}); write "
                f"their sizes{ours}"
            )
            return result("undecided", why)
        if not close(got[0], want):
            probe, claimed, want = _small(judge, k, probe, tree, fits, matrix, (got[0], want))
            why = (
                f"the claim is wrong: read as plain matrices{_said(tree, fits[0])} it is "
                f"{matrix_of}, as the derivative is, but its entries differ"
            )
            values = {"counterexample": probe, "claimed_value": claimed, "expected_value": want}
            return result("wrong", why, **values)
    if not fits:
        return None
    proved = {_proved(f, expected, tree, fit, matrix, judge.used) for fit in fits}
    plain = f"read as plain matrices{_said(tree, fits[0])}"
    if proved == {"equal"}:
        return result("right", "the claim is right", method=f"{plain.rstrip(',')}, {EXACT}")
    proved.discard("equal")
    why = {"named": "its sizes are names", "differ": _DIFFER, "inverse": _INVERSE}
    why = why.get(min(proved), _OPAQUE)
    agree = f"{plain} the claim equals the derivative at every probe, but {why}"
    return result("undecided", f"undecided: {agree}, so einderiv cannot prove it{ours}")


_SHAPE = "the claim is wrong: read as plain matrices "
EXACT = "proved by exact arithmetic at random points"
_DIFFER = "not by exact arithmetic (a difference below float rounding)"
_OPAQUE = "the derivative is not a rational function"
_INVERSE = "its inverses may be undefined where the derivative is defined"


def plainly(result: CheckResult, f: Expr, wrt: str, expected: Expr, text, question, read=None):
    """``result`` of a Kronecker claim that einderiv read, or its plain verdict where that
    decides more: where ``result`` is undecided or a wrong shape (einderiv's entry form pairs
    the sizes otherwise: ``kron(A, I)`` for d vec(A x) / d vec(x)', I = I_1), a plain "right"
    or "wrong" (a proof, a witness), and a plain "undecided" over a wrong shape."""
    if result.verdict == "right":
        return result
    if result.verdict == "wrong" and not result.reason.startswith("wrong shape"):
        return result
    plain = plain_verdict(f, wrt, expected, text, question, read=read)
    if plain is None or plain.verdict == result.verdict == "undecided":
        return result
    return plain


def _fits(tree: M.MExpr, f: Expr, sizes: dict, shape: tuple) -> list | None:
    """The sizings of R's bare I and ones that make it ``shape``: the one the shapes force
    (``plain_sizes``), else those found by search (none when too many to try); None when the
    shapes prove that none does."""
    solved = solve(tree, f, sizes, shape)
    if solved == NONE:
        return None
    if solved is not None:
        try:
            if P.Shapes(f, {}, sizes, solved).run(tree) == shape:
                return [solved]
        except P.Misfit:
            pass
    return P.sizings(tree, f, sizes, shape)


def _has_inverse(e: M.MExpr) -> bool:
    found = []

    def visit(c: M.MExpr) -> M.MExpr:
        found.append(isinstance(c, M.Inverse))
        M.map_children(c, visit)
        return c

    visit(e)
    return any(found)


def _right_side(text: str) -> M.MExpr | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_expression(text.split("=", 1)[-1], what="claim")
    except EinderivError:
        return None


def _said(tree: M.MExpr, sizing: tuple) -> str:
    """How R's bare I and ones were sized: ", with I_2 and I_2 for its I,", or ""."""
    kinds = P.bare(tree)
    if not sizing:
        return ""
    written = " and ".join(f"{kind}_{n}" for kind, n in zip(kinds, sizing))
    return f", with {written} for its {' and '.join(sorted(set(kinds)))},"


def _small(judge: Sampler, k: int, probe: dict, tree, fits, matrix, values) -> tuple:
    """A probe of small integers at the failing probe's sizes where R (at each of its sizings
    ``fits``) and the derivative differ, with their values; else the failing float probe's."""
    sizes = probe_sizes(judge.f, probe)
    for j in range(1, 9):
        try:
            small = judge.draw(j, integer=True, sizes=judge.rounds[k % len(judge.rounds)])
        except EinderivError:
            break
        if probe_sizes(judge.f, small) != sizes or not judge.acceptable(small):
            continue
        want = matrix(judge.call(judge.expected, small))
        try:
            got = [P.Floats(judge.f, small, sizes, fit).run(tree) for fit in fits]
        except P.Unknown:  # a small integer point where R's inverse is singular
            continue
        if not any(close(value, want) for value in got):
            return small, got[0], want
    return (probe, *values)


def _proved(f: Expr, expected: Expr, tree, sizing: tuple, matrix, used: dict) -> str:
    """ "equal" when R equals the derivative mod each prime at a random point, every size a
    number; "named" with sizes by name; "differ" at a point where they differ; "opaque" when
    the derivative is not rational (or a denominator vanishes at every point drawn)."""
    if any(not isinstance(d, int) for v in f.variables.values() for d in v.dims):
        return "named"
    if _has_inverse(tree):  # equal where R's inverses exist, which may be less than the domain
        return "inverse"
    rng = np.random.default_rng(29)
    for p in X.PRIMES:
        for _ in range(4):
            values, _ = exact_point(rng, used, {}, p)
            try:
                want = X.evaluate(expected.term, {}, {}, values, p).aligned(tuple(expected.axes))
            except X.Undefined:
                continue
            except (X.NotRational, KeyError):
                return "opaque"
            evaluator = P.Mod(f, values, {}, sizing)
            evaluator.p = p
            if np.any((matrix(want) - evaluator.run(tree)) % p != 0):
                return "differ"
            break
        else:
            return "opaque"
    return "equal"
