"""A Kronecker claim whose compound indices split the sizes otherwise than the derivative's.

Input: the verdict of a claim ``d vec(Y) / d vec(X)' = R`` (``kron_claim.entry_claim``), its
judge (``verdict._Judge``: probes, the claim's sizes), the derivative and the read claim, and
``again(split)``: the same claim judged with its Kronecker chains regrouped.
Output: ``regrouped``: the verdict, "undecided" where a "wrong shape" rests only on the split
(``kron(I, kron(p', B))`` for ``kron(kron(I, p'), B)``), or "right" where a regrouping of its
chains (``kron_claim.reassociated``: the same matrix, exactly) is proved right.
Invariants: "wrong" stays only where the claim is not the derivative's matrix at any size of
its one open size (solved from the matrix's size, never taken from an axis it stands on);
"right" only by a proof of a regrouping, never by the probes that compare the matrices, and
never where two unsized I (ones, ones') stand apart in one chain (``open_split``: their sizes
are fixed only as a product, kron(I, kron(p', kron(I, B))) of 12 rows is I_4, I_1 or I_2, I_2).
``unreadable_entry``: whether a claim's shape error is only einderiv's indexing of a Kronecker
R that reads as written (then unpaired sizes, undecided; never "wrong" for that alone).
``read_entry``: the claim read (a Kronecker claim indexed by compound pairs); where vec pairs a
size 1, a plain R again as kron(I_1, R) (``A`` for d vec(A x)/d vec(x)'), and c I as c
commutation(m, 1) (``I`` for d vec(X')/d vec(X)' of an m-by-1 X): the same matrices; a claim
whose pairs nest one flat size otherwise (``kron(vec(A), I_m)``: m by n*k for m*n by k) is
re-indexed through that flat position (``kron_flat``), the same matrix.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from einderiv.api import Expr, parse
from einderiv.check.claim_sizes import paired
from einderiv.check.claims import declarations_of, read_claim
from einderiv.check.kron_claim import (  # (_identity_times: c when R is c I)
    EQUAL,
    _identity_times,
    as_entry,
    is_kronecker,
    regroupings,
    same_count,
    undecided,
    units_moved,
)
from einderiv.check.kron_flat import repaired
from einderiv.check.probes import close, probe_sizes
from einderiv.errors import EinderivError, ShapeError, UnpairedSizes
from einderiv.frontend.parse import parse_expression
from einderiv.ir import matrix_ir as M
from einderiv.ir.kron_chains import open_split
from einderiv.ir.matrix_ops import KRON
from einderiv.ir.node import dim_factors, dim_size

__all__ = ["read_entry", "regrouped", "unreadable_entry"]


def read_entry(f: Expr, wrt: str, claim, expected: Expr, order: int, split: int = 0) -> tuple:
    """``read_claim`` of the claim (a Kronecker claim as its ``as_entry``, its size-1 axes
    moved, ``units_moved``): (the read claim, its text). Where vec pairs a size 1, a plain R
    that does not index by the derivative's pairs (``A`` for d vec(A x) / d vec(x)' of an
    m-by-1 x: A's p rows are no pairs) is read again as kron(I_1, R), c I whose rows
    pair otherwise than its columns (``I`` for d vec(X')/d vec(X)' of an m-by-1 X) as c
    commutation(m, 1), and a claim naming commutation(m, 1) or commutation(1, m) that does
    not type-check as pairs with each of them I_m (``unit_commutations``) -- the same
    matrices; when that fails too, the first error stands (``UnpairedSizes`` of the last:
    the claim reads, its pairs do not, so undecided)."""
    try:
        return _read_entry(f, wrt, claim, expected, order, split)
    except UnpairedSizes:
        raise
    except ShapeError as error:
        other = unit_commutations(claim)
        if other is None:
            raise
        try:
            return _read_entry(f, wrt, other, expected, order, split)
        except UnpairedSizes:
            raise
        except EinderivError:
            raise error from None


# commutation(m, 1) or commutation(1, m): K_{m,1} = K_{1,m} = I_m (vec of a column or a row
# is the vector itself)
_UNIT_COMMUTATION = re.compile(r"\bcommutation\(\s*(?:1\s*,\s*(?P<a>\w+)|(?P<b>\w+)\s*,\s*1)\s*\)")


def unit_commutations(claim) -> str | None:
    """The Kronecker claim ``claim`` with each commutation(m, 1) and commutation(1, m) of its
    right side written I_{m}, the same matrix (its pairs 1 by m and m by 1 are the plain m,
    which a product with kron(A, I) may need: kron(A, I) commutation(1, 2) with A 1-by-2,
    kron(A, I_1) I_2 = A); None when it names none or is no Kronecker claim."""
    if not is_kronecker(claim):
        return None
    left, right = claim.split("=", 1)
    written = _UNIT_COMMUTATION.sub(lambda m: f"I_{{{m.group('a') or m.group('b')}}}", right)
    return None if written == right else f"{left}={written}"


def _read_entry(f: Expr, wrt: str, claim, expected: Expr, order: int, split: int) -> tuple:
    """``read_entry`` of one writing of the claim."""
    entry = as_entry(f, wrt, claim, expected, order, split)
    try:
        read = read_claim(f, expected, *entry)
        return _paired(f, expected, *read) if is_kronecker(claim) else read
    except UnpairedSizes as error:
        other = None if entry[1] is None else _as_commutation(claim, expected)
        if other is None:
            raise
        try:
            read = read_claim(f, expected, *as_entry(f, wrt, other, expected, order, split))
            return _paired(f, expected, *read)
        except EinderivError:
            raise error from None
    except ShapeError as error:
        if entry[1] is None or not any(axis.dim == 1 for axis in expected.axes):
            raise
        right, wrap = entry
        try:
            read = read_claim(f, expected, right, lambda tree: wrap(_beside_one(tree)))
            return _paired(f, expected, *read)  # UnpairedSizes: a column for a row
        except EinderivError:
            raise error from None


def _paired(f: Expr, expected: Expr, claimed: Expr, text) -> tuple:
    """A read claim's size-1 axes where the derivative's are; ``UnpairedSizes`` when its pairs
    cannot stand for the derivative's (``claim_sizes.paired``). Pairs that nest the same flat
    size otherwise (m by n*k for m*n by k) are re-indexed by the derivative's (``kron_flat``)."""
    try:
        moved = units_moved(claimed, expected)
    except UnpairedSizes:
        if (flat := repaired(claimed, expected)) is None:
            raise
        moved = flat
    if [a.dim for a in moved.axes] != [a.dim for a in expected.axes]:
        moved = repaired(moved, expected) or moved  # 3 by 4 for 6 by 2: one 12 both ways
    paired(f, moved, expected)
    return moved, text


def _as_commutation(claim: str, expected: Expr) -> str | None:
    """``d vec(Y) / d vec(X)' = c I`` written ``c commutation(a, b)`` where vec(X) pairs a by b
    and vec(Y) b by a, a or b of size 1: K_{a,1} = K_{1,a} = I_a, the same matrix, paired as
    the derivative is (``I`` pairs its rows as its columns); else None."""
    origin = expected._origin
    if origin is None:
        return None
    _, y_axes, target, *_ = origin
    rows, columns = [i.dim for i in y_axes], [i.dim for i in target.indices]
    if len(columns) != 2 or rows != columns[::-1] or 1 not in columns:
        return None
    left, right = claim.split("=", 1)
    tree = _tree(right)
    scale = None if tree is None else _identity_times(tree)
    if scale is None:
        return None
    return f"{left}= ({scale}) commutation({columns[0]}, {columns[1]})"


def _beside_one(tree: M.MExpr) -> M.MExpr:
    """kron(I_1, R): the matrix R, its rows and columns pairs of R's sizes by 1."""
    return M.Call(KRON.name, (M.Identity(1), tree))


def regrouped(result, judge, expected: Expr, claimed: Expr, again: Callable | None = None):
    """``_regrouped``'s verdict, "undecided" where a "right" rests on a split of sizes the
    claim leaves open (``open_split``: right as einderiv sized its I, not at another split)."""
    found = _regrouped(result, judge, expected, claimed, again)
    if found.verdict != "right":
        return found
    tree = _tree(result.claim_text)
    if tree is None or not open_split(tree):
        return found
    why = (
        f"{found.reason} as einderiv sized its I (or ones), but two of them in one Kronecker "
        "chain, apart, have their sizes fixed only as a product (I_4 and I_1, or I_2 and I_2)"
    )
    return replace(found, verdict="undecided", reason=f"undecided: {why}", diagnosis=_WRITE)


def _regrouped(result, judge, expected: Expr, claimed: Expr, again: Callable | None = None):
    """A Kronecker claim of the "wrong shape" whose compounds split vec(Y)'s or vec(X)'s size
    otherwise than the derivative's (``kron(I_2, kron(I_2, A))``: rows 2*2 by 2, the
    derivative's 2 by 4; ``K(2,3) K(3,2)``: 3*2 where I_6 is 2*3). Column-major positions do
    not depend on how a compound is nested (a + 2 b2 + 4 b1 is a + 2 (b2 + 2 b1)), so both
    are compared as the matrix they index, at probes (``judge``): equal there, the claim is
    "undecided" (not proved; its entry form cannot be lined up with the derivative's); not
    equal, or not the same matrix size, it stays "wrong". The claim's one size nothing fixes
    (a bare ``I`` or ``ones``) is the one that gives it the matrix's size (``_fitting_size``),
    never the derivative's axis it happens to stand on; two or more leave it undecided.
    Undecided so, each regrouping of its Kronecker chains (``again(split)``) is judged: one
    proved right makes it right (kron(A, kron(B, C)) = kron(kron(A, B), C) exactly)."""
    found = _compared(result, judge, expected, claimed)
    if found is result or found.verdict != "undecided" or again is None:
        return found
    for split in _splits(result.claim_text):
        try:
            other = again(split)
        except EinderivError:
            continue
        if other.verdict == "right":  # the same matrix, its compounds split as the derivative's
            return other
    return found


def _compared(result, judge, expected: Expr, claimed: Expr):
    """``result``, or undecided where the claim and the derivative are one matrix at probes or
    the claim's sizes leave that open (``regrouped``)."""
    origin = expected._origin
    if origin is None or not result.reason.startswith("wrong shape"):
        return result
    order = [i.name for i in (*origin[1], *origin[2].indices)]  # each compound fastest first
    names = [a.name for a in expected.axes]  # the claim's axes stand where these do
    if sorted(order) != sorted(names) or len(claimed.axes) != len(names):
        return result
    rows, axes = len(origin[1]), [names.index(name) for name in order]

    def matrix(a: np.ndarray) -> np.ndarray:  # the compounds' positions, column-major
        a = a.transpose(axes)
        return a.reshape((int(np.prod(a.shape[:rows])), -1), order="F")

    # sizes of the claim that nothing fixes (an I, ones): with two or more open, another
    # choice may fit (kron(I, kron(p', I)) for kron(kron(I, p'), I)), so a "wrong shape" rests
    # on that choice and is undecided; one is solved from the matrix's size (kron(I, kron(p',
    # B)) for kron(kron(I_2, p'), B): I is 2, wherever the claim's axes put it), and one that
    # no size fixes (only in a sum, tr(I)) leaves it undecided; kron(A, I) for kron(I, A) stays
    free = judge.free_dims
    why_open = "the claim's sizes that nothing fixes (I, ones) may be chosen otherwise"
    kept = undecided(result, why_open, _WRITE) if len(free) > 1 else result  # when not equal
    row_at = [names.index(name) for name in order[:rows]]  # the claim's axes of vec(Y)
    try:
        for k in range(3):
            probe = judge.draw(k)
            if len(free) == 1:
                solved = _fitting_size(judge, probe, expected, claimed, row_at, *free)
                if solved is None:  # no size of it makes the matrix's: wrong at every size
                    return result
                if solved is _OPEN:
                    return undecided(result, why_open, _WRITE)
                judge.sized = {next(iter(free)): solved}
            want, got = judge.values(probe)
            if want.ndim != len(order) or got.ndim != len(order):
                return kept
            want, got = matrix(want), matrix(got)
            if want.shape != got.shape or not close(got, want):  # (I_q (x) p' (x) I_r: q = m,
                return kept  # r = n, or the other way)
    except EinderivError:
        return kept
    finally:
        judge.sized = {}
    why = "as matrices of vec(Y) by vec(X) the two are equal at every probe, " + EQUAL
    return undecided(result, why, _WRITE)


def _splits(text) -> list[int]:
    """The regroupings of the claim ``text`` to judge (``kron_claim.regroupings``)."""
    tree = _tree(text)
    return [] if tree is None else regroupings(tree)


def _tree(text) -> M.MExpr | None:
    """The parsed right side R of the claim ``text`` (None: it does not parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_expression(str(text).split("=", 1)[-1], what="claim")
    except EinderivError:
        return None


_WRITE = "write it with the derivative's sizes in each factor"
_OPEN = object()  # a size of the claim that the matrix's size does not fix


def _fitting_size(judge, probe: dict, expected: Expr, claimed: Expr, row_at: list, free: str):
    """The one size ``free`` of the claim that makes it a matrix of vec(Y)'s by vec(X)'s size
    at ``probe`` (its rows: the claim's axes ``row_at``, its columns the others): an int;
    None when no size does (the claim's shape is wrong at every size); ``_OPEN`` when the
    matrix's size does not fix it (free in neither the rows nor the columns)."""
    sizes = probe_sizes(judge.f, probe)
    solved = set()
    for part in (row_at, [k for k in range(len(claimed.axes)) if k not in row_at]):
        factors = [f for k in part for f in dim_factors(claimed.axes[k].dim)]
        named = [f for k in part for f in dim_factors(expected.axes[k].dim)] + factors
        if any(isinstance(f, str) and f != free and f not in sizes for f in named):
            return _OPEN  # a size the probe does not give: nothing to solve with
        want = math.prod(dim_size(expected.axes[k].dim, sizes.__getitem__) for k in part)
        power = factors.count(free)
        known = math.prod(f if isinstance(f, int) else sizes[f] for f in factors if f != free)
        if not power:
            if known != want:
                return None
            continue
        root = round((want / known) ** (1 / power)) if want % known == 0 else 0
        if root < 1 or known * root**power != want:
            return None
        solved.add(root)
    if len(solved) > 1:
        return None
    return solved.pop() if solved else _OPEN


def unreadable_entry(f: Expr, wrt: str, claim, expected: Expr, order: int) -> bool:
    """Whether a Kronecker claim's R reads as written, with as many entries as the derivative:
    a shape error is then einderiv's indexing of it by compound pairs (sizes of 1: kron(I_1,
    kron(K, I_3)) kron(vec(B'), I)), not the claim's."""
    try:
        entry = as_entry(f, wrt, claim, expected, order)
        if entry[1] is None:
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = parse(entry[0], where=declarations_of(f) or None, what="claim")
    except EinderivError:
        return False
    return len(plain.shape) == 2 and same_count(plain.shape, expected.shape)
