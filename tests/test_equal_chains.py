"""A chain written twice: one chain of adjoints, and equal matrix forms compared once.

An RNN language model's loss ``logsumexp(U h) - y' U h`` writes the last state h twice; lowering
names the two copies' indices apart. Reverse mode (``calculus.reverse``) takes nodes alike up to
a renaming of their indices (``ir/alpha.py``) as one: the adjoints of the copies are summed,
d f / d h = U' (softmax(U h) - y), and backpropagated once, d_k = W' (d_{k+1} .* (1 - h_k .^ 2)),
so ``show(cse=True)`` writes one chain (two before, and twice the text).

Structural equality of matrix IR remembers what it proved (``ir/node.py``, ``Linked``): comparing
the k-th levels of two equal chains of N levels, for every k, costs about N node comparisons,
not N^2 / 2 (``notation.algebra.factor`` compared the two chains' forms level by level).
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir import matrix_ir as M
from tests.fd import central_gradient
from tests.named_forms import read_lines, substituted
from tests.test_reverse import _h, _lse

rng = np.random.default_rng(30)
N = 3


def _chain(steps: int) -> list[M.MExpr]:
    """The levels of tanh(W tanh(W ... x)), made anew: equal to another call's, not the same."""
    level: M.MExpr = M.Name("x")
    levels = [level]
    for _ in range(steps):
        level = M.Call("tanh", (M.MatMul(M.Name("W"), level),))
        levels.append(level)
    return levels


def _comparisons(run) -> int:
    """How many matrix-IR node comparisons ``run()`` makes (``__eq__`` calls, nested too)."""
    calls = [0]
    plain = M.MExpr.__eq__

    def counted(self, other):
        calls[0] += 1
        return plain(self, other)

    M.MExpr.__eq__ = counted
    try:
        run()
    finally:
        M.MExpr.__eq__ = plain
    return calls[0]


def test_equal_chains_compared_level_by_level_cost_their_size_once():
    # a_k == b_k for k = 0..N (two equal chains of 80 levels, distinct trees): each pair of
    # nodes is compared about once (9,801 before: each level walked again; 321 now)
    a, b = _chain(80), _chain(80)
    assert all(x is not y for x, y in zip(a, b))

    def run():
        for x, y in zip(a, b):
            assert x == y

    assert _comparisons(run) < 10 * 80


def test_linked_nodes_keep_telling_unequal_trees_apart():
    # tanh(W ... x) and tanh(W ... z) differ at the bottom only: unequal, before and after
    # their equal parts (W, the calls' names) were compared and linked
    a, b = _chain(50), _chain(50)
    z = M.Name("z")
    c = z
    for _ in range(50):
        c = M.Call("tanh", (M.MatMul(M.Name("W"), c),))
    assert a[-1] == b[-1]
    assert a[-1] != c and c != b[-1]
    assert a[-1] == b[-1] and hash(a[-1]) == hash(b[-1])
    assert {a[-1]: 1}.get(c) is None


def _state(steps: int, leaf: str = "x") -> str:
    text = leaf
    for _ in range(steps):
        text = f"tanh(W {text})"
    return text


def _lm_values() -> dict:
    return {
        "W": rng.normal(size=(N, N)) * 0.5,
        "U": rng.normal(size=(N, N)),
        "x": rng.normal(size=N),
        "y": rng.normal(size=N),
    }


def _lm_gradient(values: dict, steps: int) -> np.ndarray:
    """d/dW (logsumexp(U h) - y' U h), h = h_steps, by central differences of numpy, in
    numerator layout (W's shape transposed)."""

    def loss(W):
        last = _h(W, values["x"], steps)
        return _lse(values["U"] @ last) - values["y"] @ values["U"] @ last

    return central_gradient(loss, values["W"]).T


def test_a_long_language_model_loss_names_and_reads_back():
    # d/dW (logsumexp(U h_40) - y' U h_40), h_k = tanh(W h_(k-1)), h_0 = x: the named form
    # reads back to central differences of numpy
    h, values = _state(40), _lm_values()
    want = _lm_gradient(values, 40)
    g = ed.diff(f"logsumexp(U {h}) - y' U {h}", "W")
    named = g.show(cse=True)  # read line by line: substituted, its text is 500,000 long

    def evaluate(e, known, last):
        return e(**{k: v for k, v in known.items() if k in e.variables})

    np.testing.assert_allclose(read_lines(ed, named, values, None, evaluate), want, atol=1e-6)
    np.testing.assert_allclose(g(**values), want, atol=1e-6, rtol=1e-6)


def test_the_loss_writes_one_chain_of_adjoints():
    # d/dW (logsumexp(U h_3) - y' U h_3): the copies' adjoints are summed at h_3, so each step
    # is backpropagated once (W' once per step below the top: twice before, one chain per copy)
    h = _state(3)
    g = ed.diff(f"logsumexp(U {h}) - y' U {h}", "W")
    named = g.show(cse=True)
    assert named.count("W'") == 1 and "softmax(U t3) - y" in named
    values = _lm_values()
    want = _lm_gradient(values, 3)
    np.testing.assert_allclose(ed.parse(substituted(named))(**values), want, atol=1e-6)
    np.testing.assert_allclose(g(**values), want, atol=1e-6)


def _softmax_rows(u):
    e = np.exp(u - np.max(u, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


H = _state(3)
M2 = _state(2, "X")
# (text, the same function of W in numpy, given the values); each writes a state twice
TWICE = [
    # sum(h) + y' h: the copies' adjoints are 1 (the same for every entry: ones) and y
    (f"sum({H}) + y' {H}", lambda W, v: np.sum(_h(W, v["x"], 3)) + v["y"] @ _h(W, v["x"], 3)),
    # sum(h) sum(h): a product of two copies, each the other's gain
    (f"sum({H}) sum({H})", lambda W, v: np.sum(_h(W, v["x"], 3)) ** 2),
    # h' h: the copies meet in one product over their shared index
    (f"({H})' ({H})", lambda W, v: _h(W, v["x"], 3) @ _h(W, v["x"], 3)),
    # a matrix state twice, its two indices renamed onto the first copy's
    (
        f"tr(Y' {M2}) + sum({M2} .* {M2})",
        lambda W, v: np.sum(v["Y"] * _h(W, v["X"], 2)) + np.sum(_h(W, v["X"], 2) ** 2),
    ),
    # H' A H: one copy's rows are the other's, through A
    (
        f"tr(({M2})' A ({M2}))",
        lambda W, v: np.trace(_h(W, v["X"], 2).T @ v["A"] @ _h(W, v["X"], 2)),
    ),
    # a copy inside a row function, another beside it
    (
        f"sum(softmax({M2}) .* {M2})",
        lambda W, v: np.sum(_softmax_rows(_h(W, v["X"], 2)) * _h(W, v["X"], 2)),
    ),
]


@pytest.mark.parametrize("text,fn", TWICE, ids=[c[0] for c in TWICE])
def test_copies_share_one_chain_and_read_back_to_numpy(text, fn):
    # the named form (one chain of adjoints) and g(...) against central differences of the
    # numpy function
    values = {
        "W": rng.normal(size=(N, N)) * 0.5,
        "A": rng.normal(size=(N, N)),
        "x": rng.normal(size=N),
        "y": rng.normal(size=N),
        "X": rng.normal(size=(N, 2)),
        "Y": rng.normal(size=(N, 2)),
    }
    g = ed.diff(text, "W")
    named = g.show(cse=True)
    steps = named.count("tanh(")  # each state written once
    assert steps == (2 if "X" in text else 3)
    # the result is one term per use of W (before: a sum of each copy's, t1 (t5 + t5)' + ...)
    assert named.rsplit("\n", 1)[1].count(" + ") == steps - 1
    want = central_gradient(lambda W: fn(W, values), values["W"]).T
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(
        back(**{k: v for k, v in values.items() if k in back.variables}), want, atol=1e-6
    )
    mine = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**mine), want, atol=1e-6)


def test_alike_means_equal_up_to_a_renaming_of_indices():
    # ir/alpha: X[a,b] Y[b,c] (summed b) is X[d,e] Y[e,f] (summed e) renamed, a -> d, c -> f;
    # not X[a,b] Y[c,b], X[a,a] Y[a,c], an elementwise product, another size, Y X
    from einderiv.ir import index_ir as T
    from einderiv.ir.alpha import Shapes

    a, b, c, d, e, f = (T.Index(k, "n") for k in "abcdef")

    def prod(x, y, summed):
        return T.Prod((T.Var("X", x), T.Var("Y", y)), summed)

    shapes = Shapes()
    one = shapes(prod((a, b), (b, c), (b,)))
    other = shapes(prod((d, e), (e, f), (e,)))
    assert one.id == other.id and one.order == (a, c) and other.order == (d, f)
    unlike = [
        prod((a, b), (c, b), (b,)),
        prod((a, a), (a, c), (a,)),
        prod((a, b), (b, c), ()),
        prod((a, b), (b, T.Index("c", "m")), (b,)),
        T.Prod((T.Var("Y", (a, b)), T.Var("X", (b, c))), (b,)),
    ]
    assert all(shapes(t).id != one.id for t in unlike)
