"""A long flat sum or product is one level of nesting, not hundreds (``frontend.depth``).

A sum of more than 400 terms (``a0' x + a1' x + ...``) and a chain of more than 400 factors
were refused as "nested too deeply", since the parser builds them left-nested and counted each
link as a level. Nesting (``-(-(...))``) keeps its limit of 400; a flat chain counts once, up to
a height at which every later pass has room (``MAX_HEIGHT``). Truth: the sums and products
computed with numpy here, and their gradients by central differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EinderivError
from einderiv.frontend.depth import MAX_DEPTH, MAX_HEIGHT
from tests.fd import central_gradient

RNG = np.random.default_rng(2929)
N = 3


@pytest.mark.parametrize("terms", [500, 2000])
def test_a_long_flat_sum_parses_and_derives(terms):
    # d (sum_k a_k' x) / dx = sum_k a_k', with 7 distinct a_k repeated
    text = " + ".join(f"a{k % 7}' x" for k in range(terms))
    a = {f"a{j}": RNG.normal(size=N) for j in range(7)}
    x = RNG.normal(size=N)
    f = ed.parse(text)
    np.testing.assert_allclose(f(x=x, **a), sum(a[f"a{k % 7}"] @ x for k in range(terms)))
    g = ed.diff(f, "x")
    want = central_gradient(lambda v: sum(a[f"a{k % 7}"] @ v for k in range(terms)), x)
    np.testing.assert_allclose(g(x=x, **a), want, rtol=1e-6, atol=1e-6)
    # a sum and a difference of the same terms: x' x + x' x - x' x ... (500 terms)
    mixed = "x' x" + "".join(f" {'+-'[k % 2]} x' x" for k in range(terms - 1))
    count = 1 + sum(1 if k % 2 == 0 else -1 for k in range(terms - 1))
    np.testing.assert_allclose(ed.diff(mixed, "x")(x=x), 2 * count * x, rtol=1e-12)


def test_a_long_chain_of_factors_parses_and_derives():
    # d (a' A_0 A_1 ... A_499 x) / dx = a' A_0 ... A_499, the A_k scaled to keep it finite
    mats = {f"A{j}": np.eye(N) + 0.1 * RNG.normal(size=(N, N)) for j in range(5)}
    a, x = RNG.normal(size=N), RNG.normal(size=N)
    names = [f"A{k % 5}" for k in range(500)]
    g = ed.diff("a' " + " ".join(names) + " x", "x")
    row = a.copy()
    for name in names:
        row = row @ mats[name]
    np.testing.assert_allclose(g(x=x, a=a, **mats), row, rtol=1e-9)
    # sum(x .* x .* ... .* x), 500 factors of x near 1: d/dx = 500 x .^ 499
    x = np.array([1.0, 0.999, 1.001])
    g = ed.diff("sum(" + " .* ".join(["x"] * 500) + ")", "x")
    np.testing.assert_allclose(g(x=x), central_gradient(lambda v: np.sum(v**500), x), rtol=1e-5)


def test_nesting_keeps_its_limit_and_a_chain_has_one():
    # 400 nested negations are 401 levels: refused, as before
    with pytest.raises(EinderivError, match=r"nested too deeply \(depth 401; the limit is 400"):
        ed.parse("-(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    # a chain longer than MAX_HEIGHT: refused, saying how to group it
    with pytest.raises(EinderivError, match="too long a chain .* group it in parentheses"):
        ed.parse(" + ".join(["x' x"] * (MAX_HEIGHT + 1)))
    # grouped, it is two chains of half the length: read, d/dx = 2 (MAX_HEIGHT + 1) x'
    half = " + ".join(["x' x"] * ((MAX_HEIGHT + 1) // 2))
    x = RNG.normal(size=N)
    g = ed.diff(f"({half}) + ({half}) + x' x", "x")
    np.testing.assert_allclose(g(x=x), 2 * (MAX_HEIGHT + 1) * x, rtol=1e-12)
    # nesting inside a long sum: 390 negations, then 2,000 terms
    text = "-(" * 390 + "x' x" + ")" * 390 + " + x' x" * 2000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(ed.diff(text, "x")(x=x), 2 * 2001 * x, rtol=1e-12)


def test_a_flat_sum_is_one_sum_of_its_terms():
    # a + b + c lowers to one sum of three terms, not a sum of a sum: simplifying the nested
    # sums of a 2,000-term sum was quadratic (d/dx of sum_k a_k' x: 4.95 s, now 0.15 s)
    from einderiv.ir import index_ir as T

    f = ed.parse("a' x + b' x - c' x + d' x")
    assert type(f.term) is T.Add and len(f.term.terms) == 4
    a, b, c, d, x = (RNG.normal(size=N) for _ in range(5))
    np.testing.assert_allclose(f(a=a, b=b, c=c, d=d, x=x), a @ x + b @ x - c @ x + d @ x)
