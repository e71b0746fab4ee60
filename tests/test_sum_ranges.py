"""Conditions inside finite sums, judged with the range of the counter (``check.sum_ranges``).

Truth: the terms of each sum enumerated in plain Python (a counter r of sum_{r=0}^{c-1} runs over
0 .. c - 1, or backwards over c .. -1 for c < 0), and the Matrix Cookbook's identity (89)
against numpy central differences.
"""

import random

import numpy as np
import pytest

import einderiv as ed
from einderiv.check.sum_ranges import outside
from einderiv.ir import index_ir as T
from tests.fd import jacobian_fd


def _terms(count: int) -> range:
    return range(count) if count >= 1 else range(count, 0)


def _value(a: T.Affine, **values) -> int:
    return a.const + sum(c * values[n] for n, c in a.terms().items())


@pytest.mark.parametrize("exact", [False, True])
def test_a_condition_in_a_sum_holds_where_some_term_needs_it(exact):
    # "e < 0 at some term" implies f < 0 (f as wide as the truth or wider), and is exactly
    # f < 0 when an exact answer is asked for (what the expression imposes); f = None: nowhere
    rng = random.Random(89)
    decided = 0
    for _ in range(1500):
        e = T.affine(rng.randint(-5, 5), {"r": rng.choice([-2, -1, 1, 2]), "k": rng.randint(-3, 3)})
        count = T.affine(rng.randint(-4, 4), {"k": rng.randint(-2, 2)})
        f = outside(e, {"r": count}, exact=exact)
        if f is not None and "r" in f.names:
            assert f == e  # undecided: the condition as it was
            continue
        decided += 1
        for k in range(-30, 31):
            holds = any(_value(e, r=r, k=k) < 0 for r in _terms(_value(count, k=k)))
            says = f is not None and _value(f, k=k) < 0
            assert says == holds if exact else (says or not holds), (e, count, f, k)
    assert decided > 400


def test_the_cookbooks_power_sum_is_right():
    # (89) d a' X^k b / dX = sum_{r=0}^{k-1} (X^r)' a b' (X^(k-1-r))' (denominator layout): its
    # powers r and k - 1 - r are never negative for k >= 1, and for k <= -1 the expression
    # itself needs X invertible, so the claim is defined wherever the derivative is
    rng = np.random.default_rng(89)
    mp = np.linalg.matrix_power
    for k in (1, 2, 3, 4):
        X, a, b = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
        f = lambda X, a, b, k: a @ mp(X, k) @ b
        truth = jacobian_fd(f, {"X": X, "a": a, "b": b, "k": k}, "X")  # the gradient's shape
        claim = sum(mp(X, r).T @ np.outer(a, b) @ mp(X, k - 1 - r).T for r in range(k))
        assert np.allclose(claim, truth, atol=1e-6)
    where = "X: matrix(n,n); a: vector(n); b: vector(n); k: integer"
    pasted = r"\sum_{r=0}^{k-1}(X^r)^T a b^T (X^{k-1-r})^T"
    result = ed.check("a' X^k b", "X", claim=pasted, where=where, layout="denominator")
    assert result.verdict == "right", result.reason
    # X^(r-1) at r = 0 needs X invertible for every k >= 1, where a' X^k b does not: not right
    needs = r"\sum_{r=0}^{k-1}(X^{r-1})^T X^T a b^T (X^{k-1-r})^T"
    result = ed.check("a' X^k b", "X", claim=needs, where=where, layout="denominator")
    assert result.verdict != "right"


def test_a_condition_naming_a_counter_covers_no_claim_over_another_range():
    # d/dt sum_{r=0}^{2} t s^(k-r) = sum_{r=0}^{2} s^(k-r): defined at s = 0 for every k >= 2.
    # A claim adding sum_{r=0}^{c-1} (s^(k-r) - s^(k-r)) with c = 6 or 2k + 2 needs s != 0 at
    # k = 3 (its term r = 4 is 0^-1): its condition reads as the expression's ("s != 0 where
    # k - r0 < 0", counters named alike) but holds over a longer range, so it is not right
    where = "s: scalar; t: scalar; k: integer"
    f = "sum_{r=0}^{2}(t s^(k-r))"
    zero = np.float64(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        derivative = sum(zero ** (3 - r) for r in range(3))
        longer = derivative + sum(zero ** (3 - r) - zero ** (3 - r) for r in range(6))
    assert np.isfinite(derivative) and not np.isfinite(longer)
    for count in ("5", "2k+1"):
        claim = f"sum_{{r=0}}^{{2}}(s^(k-r)) + sum_{{r=0}}^{{{count}}}(s^(k-r) - s^(k-r))"
        assert ed.check(f, "t", claim=claim, where=where).verdict != "right", claim
    # the derivative as its own sum needs s != 0 where k < 2, exactly as the expression does
    claim = "sum_{r=0}^{2}(s^(k-r))"
    for k, s in ((-2, 0.7), (1, -1.3), (4, 0.4)):
        g = lambda s, t, k: sum(t * s ** (k - r) for r in range(3))
        truth = jacobian_fd(g, {"s": np.array(s), "t": np.array(0.3), "k": k}, "t")
        assert np.isclose(sum(s ** (k - r) for r in range(3)), truth)
    assert ed.check(f, "t", claim=claim, where=where).verdict == "right"
