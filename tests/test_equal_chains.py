"""Two equal chains written apart: equal matrix forms compared once, not once per level.

An RNN language model's loss ``logsumexp(U h) - y' U h`` writes the last state h twice; its
gradient's two chains of adjoints have equal matrix forms that are distinct trees, and
``notation.algebra.factor`` compares them part by part, level by level. Structural equality
of matrix IR remembers what it proved (``ir/node.py``, ``Linked``): comparing the k-th levels of two
equal chains of N levels, for every k, costs about N node comparisons, not N^2 / 2.
"""

import numpy as np

import einderiv as ed
from einderiv.ir import matrix_ir as M
from tests.fd import central_gradient
from tests.named_forms import read_lines

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


def _lse(u):
    return np.log(np.sum(np.exp(u)))


def _h(W, x, steps):
    for _ in range(steps):
        x = np.tanh(W @ x)
    return x


def test_a_long_language_model_loss_names_and_reads_back():
    # d/dW (logsumexp(U h_40) - y' U h_40), h_k = tanh(W h_(k-1)), h_0 = x: the named form
    # reads back to central differences of numpy
    steps = 40
    h = "x"
    for _ in range(steps):
        h = f"tanh(W {h})"
    values = {
        "W": rng.normal(size=(N, N)) * 0.5,
        "U": rng.normal(size=(N, N)),
        "x": rng.normal(size=N),
        "y": rng.normal(size=N),
    }

    def loss(W):
        last = _h(W, values["x"], steps)
        return _lse(values["U"] @ last) - values["y"] @ values["U"] @ last

    want = central_gradient(loss, values["W"]).T  # numerator layout: W's shape transposed
    g = ed.diff(f"logsumexp(U {h}) - y' U {h}", "W")
    named = g.show(cse=True)  # read line by line: substituted, its text is 500,000 long

    def evaluate(e, known, last):
        return e(**{k: v for k, v in known.items() if k in e.variables})

    np.testing.assert_allclose(read_lines(ed, named, values, None, evaluate), want, atol=1e-6)
    np.testing.assert_allclose(g(**values), want, atol=1e-6, rtol=1e-6)
