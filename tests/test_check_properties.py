"""Property tests of ``check`` on random expressions (tests/strategies.py): never a false "right".

* Random WRONG claims: the engine's derivative of a random expression, perturbed so that it is
  wrong somewhere on the domain: a sign, a factor of 2, a relative change of 1e-7, a transpose
  (of a square derivative that the finite differences show is not symmetric), a size-dependent
  factor (``sum(v .^ 0)`` minus the case's own size, plus 1: right at this size, wrong at every
  other), a factor that depends on the integer symbol (right at this k and the next, wrong
  elsewhere). Each is only used when the derivative is non-zero at the case's point, by finite
  differences of the case's own numpy evaluator (so the perturbed claim is really wrong there or,
  for the size and integer terms, at other sizes and integers). ``check`` must never call one
  right; the test counts how many are wrong and how many undecided.
* Random RIGHT claims: the derivative's printed form, transposed twice, and written as
  ``3 g - 2 g``: never wrong; the test counts how many are proved right (the rest: undecided).

``EINDERIV_CHECK_EXAMPLES`` sets the number of random expressions (default 40);
``EINDERIV_CHECK_STATS=path`` writes the counters as JSON.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from strategies import Case, cases, hypothesis_profile, stats_at_exit

import einderiv as ed

EXAMPLES = int(os.environ.get("EINDERIV_CHECK_EXAMPLES", "40"))
STATS: Counter = Counter()
stats_at_exit(STATS, "EINDERIV_CHECK_STATS")

PROFILE = hypothesis_profile(
    EXAMPLES, 1, [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
)


def fd_derivative(case: Case, name: str) -> np.ndarray:
    """d(case)/d(name) in numerator layout, by central differences of the case's evaluator."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        jac = case.jacobian_fd(name)
    nx = np.ndim(case.env[name])
    axes = list(range(jac.ndim - nx)) + list(reversed(range(jac.ndim - nx, jac.ndim)))
    return np.transpose(jac, axes)


def sizes_of(case: Case, name: str) -> tuple:
    return np.shape(case.env[name])


def wrong_claims(case: Case, name: str, claim: str, truth: np.ndarray) -> list[tuple[str, str]]:
    """(kind, claim) pairs that differ from the derivative somewhere on the domain."""
    out = [
        ("sign", f"-({claim})"),
        ("factor", f"2 * ({claim})"),
        ("relative", f"1.0000001 * ({claim})"),
    ]
    square = truth.ndim == 2 and truth.shape[0] == truth.shape[1] and truth.shape[0] > 1
    atol = 1e-4 * np.max(np.abs(truth))
    if square and not np.allclose(truth, truth.T, rtol=1e-4, atol=atol):  # not symmetric
        out.append(("transpose", f"({claim})'"))
    symbolic = [v for v in case.real_vars if case.variables[v].ty.kind != "S" and "d" in case.where]
    for v in symbolic[:1]:  # only symbolic sizes can differ from the case's
        count = int(np.prod(sizes_of(case, v)))
        out.append(("size", f"(1 + sum({v} .^ 0) - {count}) * ({claim})"))
    for v, var in case.variables.items():
        if var.role == "k":
            k = int(case.env[v])
            out.append(("integer", f"(1 + ({v} - {k}) ({v} - {k + 1})) * ({claim})"))
    return out


def derivatives(case: Case):
    """(name, printed derivative, its finite-difference value) for each real variable."""
    for name in case.real_vars:
        try:
            g = ed.diff(case.text, name, where=case.where)
            if g.matrix() is None:
                continue  # index notation only: the perturbations are written in matrix form
            printed = str(g)
        except ed.EinderivError:
            continue
        yield name, printed, fd_derivative(case, name)


@PROFILE
@given(cases())
def test_random_wrong_claims_are_never_right(case: Case):
    for name, claim, truth in derivatives(case):
        if not truth.size or np.max(np.abs(truth)) < 1e-3:
            continue  # zero here: a perturbation may be right
        for kind, wrong in wrong_claims(case, name, claim, truth):
            try:
                r = ed.check(case.text, name, claim=wrong, where=case.where)
            except ed.EinderivError:
                STATS[f"wrong claims: error ({kind})"] += 1
                continue
            STATS["wrong claims tried"] += 1
            STATS[f"wrong claims: {r.verdict}"] += 1
            STATS[f"wrong claims: {r.verdict} ({kind})"] += 1
            assert r.verdict != "right", f"false right ({kind}): {case!r}\n{r}"


@PROFILE
@given(cases())
def test_random_right_claims_are_never_wrong(case: Case):
    for name, claim, _truth in derivatives(case):
        for kind, right in [
            ("printed", claim),
            ("twice transposed", f"(({claim})')'"),
            ("3 g - 2 g", f"3 * ({claim}) - 2 * ({claim})"),
        ]:
            try:
                r = ed.check(case.text, name, claim=right, where=case.where)
            except ed.EinderivError:
                STATS[f"right claims: error ({kind})"] += 1
                continue
            STATS["right claims tried"] += 1
            STATS[f"right claims: {r.verdict}"] += 1
            assert r.verdict != "wrong", f"false wrong ({kind}): {case!r}\n{r}"
