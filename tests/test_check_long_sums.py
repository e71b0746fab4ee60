"""``check`` of long sums: products of sums multiplied out prove a claim (check/expanded.py).

x' (A0 + ... + A{N-1}) x by x is x' (S + S') with S the sum; the engine prints it ``x' (A0 +
... + (A0 + ...)')``, one product of a sum, where its derivative holds two products. Exact
arithmetic proved it, evaluating each of the 4N matrices at ten points (the longest part of a
1,000-term check); multiplied out, both sides simplify to one canonical form, a proof as
equal canonical forms are. benchmarks/bench_check.py times it. Truth here: numpy's central
differences of the sum written in numpy, and the claim's value written in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

N = 60  # 4 N matrices in the claim and the derivative: past expanded.LARGE
RNG = np.random.default_rng(3523)
MATS = {f"A{i}": RNG.standard_normal((3, 3)) for i in range(N)}
X = RNG.standard_normal(3)
S = sum(MATS.values())
SUM = " + ".join(f"A{i}" for i in range(N))
EXPR = f"x' ({SUM}) x"


def _gradient():
    """d(x' S x)/dx by central differences, a row (numerator layout)."""
    return jacobian_fd(lambda x: x @ S @ x, {"x": X}, "x")


# (the claim, its value in numpy at X)
CLAIMS = [
    (f"x' ({SUM} + ({SUM})')", X @ (S + S.T)),  # the engine's own form
    (f"x' ({SUM}) + x' ({SUM})'", X @ S + X @ S.T),
    (f"x' ({SUM} + ({SUM})') + 0.001", X @ (S + S.T) + 0.001),
    (
        f"x' ({SUM}) + x' ({' + '.join(f'A{i}' for i in range(1, N))})'",
        X @ S + X @ (S - MATS["A0"]).T,
    ),
    (f"2 x' ({SUM})", 2 * X @ S),
]


@pytest.mark.parametrize("claim, value", CLAIMS)
def test_a_claim_about_a_long_sum_is_decided(claim, value):
    truth = _gradient()
    right = value.shape == truth.shape and np.allclose(value, truth, atol=1e-6)
    r = ed.check(EXPR, "x", claim)
    assert r.verdict == ("right" if right else "wrong"), str(r)


def test_the_engines_form_is_proved_multiplied_out():
    # x' (A0 + .. + (A0 + ..)') and x' (A0 + ..) + x' (A0 + ..)' are one sum of products
    assert np.allclose(X @ (S + S.T), _gradient(), atol=1e-6)
    r = ed.check(EXPR, "x", str(ed.diff(EXPR, "x")))
    assert r.verdict == "right" and "multiplied out" in r.method, str(r)


def test_a_product_of_sums_past_the_limit_is_left_to_exact_arithmetic():
    # (B0 + .. + B29) (C0 + .. + C29) multiplied out is 900 products, past 2 * 240 + 64: exact
    # arithmetic decides (right), as before; the same with a term dropped is wrong
    bs = " + ".join(f"B{i}" for i in range(30))
    cs = " + ".join(f"C{i}" for i in range(30))
    expr = f"x' ({bs}) ({cs}) x"
    mats = {f"{k}{i}": RNG.standard_normal((3, 3)) for k in "BC" for i in range(30)}
    B = sum(mats[f"B{i}"] for i in range(30))
    C = sum(mats[f"C{i}"] for i in range(30))
    truth = jacobian_fd(lambda x: x @ B @ C @ x, {"x": X}, "x")
    assert np.allclose(X @ (B @ C + (B @ C).T), truth, atol=1e-6)
    r = ed.check(expr, "x", f"x' (({bs}) ({cs}) + (({bs}) ({cs}))')")
    assert r.verdict == "right" and "multiplied out" not in r.method, str(r)
    short = " + ".join(f"C{i}" for i in range(29))
    assert not np.allclose(X @ (B @ (C - mats["C29"]) + (B @ C).T), truth, atol=1e-6)
    wrong = ed.check(expr, "x", f"x' (({bs}) ({short}) + (({bs}) ({cs}))')")
    assert wrong.verdict == "wrong", str(wrong)
