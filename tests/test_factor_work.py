"""Factoring a long sum is one walk: the work grows with the sum's terms, not their square.

``notation.algebra.factor`` takes groups greedily (a shared scalar, then a shared left or right
factor, then a coefficient). It took one group, then factored the terms left afresh: merging
and regrouping them again, so a sum that factors into n pairs was merged on 2n, 2n - 2, ...
terms (d/dx of sum_k exp(a_k' x) (b_k' x): 20,000 terms merged at n = 80, 78,000 at 160). Now
the counts of the shared scalars are kept in a heap and the sides' groups sorted once: each term
is merged once, and the printed text is the same, term for term.
"""

import numpy as np

import einderiv as ed
from einderiv.notation import algebra

rng = np.random.default_rng(30)


def _text(n: int) -> str:
    return " + ".join(f"exp(a{k}' x) (b{k}' x)" for k in range(1, n + 1))


def _merged(monkeypatch, n: int) -> int:
    merged = []
    plain = algebra._merge_equal

    def counted(terms):
        merged.append(len(terms))
        return plain(terms)

    monkeypatch.setattr(algebra, "_merge_equal", counted)
    g = ed.diff(_text(n), "x")
    str(g)
    return sum(merged)


def test_a_sum_of_pairs_is_merged_once(monkeypatch):
    # 2n terms, n pairs exp(a_k' x) ((b_k' x) a_k' + b_k'): about 2n terms merged, not n^2
    small, large = _merged(monkeypatch, 40), _merged(monkeypatch, 80)
    assert large <= 8 * 80  # before: 6,640 (2n, 2n - 2, ... terms merged)
    assert large <= 2.2 * small  # doubling the sum doubles the work


def test_the_factored_sum_reads_back_to_numpy():
    # d/dx sum_k exp(a_k' x) (b_k' x) = sum_k exp(a_k' x) ((b_k' x) a_k' + b_k') (a row)
    n, size = 6, 4
    values = {"x": rng.normal(size=size) * 0.3}
    for k in range(1, n + 1):
        values[f"a{k}"] = rng.normal(size=size)
        values[f"b{k}"] = rng.normal(size=size)
    x = values["x"]
    want = sum(
        np.exp(values[f"a{k}"] @ x) * ((values[f"b{k}"] @ x) * values[f"a{k}"] + values[f"b{k}"])
        for k in range(1, n + 1)
    )
    g = ed.diff(_text(n), "x")
    for text in (str(g), g.show(cse=True)):
        assert text.count("exp(") == n  # each pair factored: exp(a_k' x) written once
        np.testing.assert_allclose(ed.parse(text)(**values), want, rtol=1e-10)
