"""Named gradients kept as adjoints compared with str when the chain rule tree is small.

A gradient kept as adjoints (reverse mode) past 120 nodes was never compared with its plain
form (the forward form str writes, quadratic to derive for a long chain), so its named text
could be longer: d (x' A X A X ... A X y) / dX, 14 factors A X, was named in 344 characters
where str writes 301 (``y x' (A X)^13 A + A X (y x' (A X)^12 A + ...)``). The forward form
is now derived when the tree the adjoints stand for (the chain rule written out, what deriving
it walks) has at most 3 nodes a character of the named text (``show._forward_cheap``): the
work stays linear in the text printed. Each named text, its definitions put back, reads back
to central differences of plain numpy.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(3517)


def power_chain(k: int) -> str:
    return " ".join(["A X"] * k)


def numpy_chain(A, X, k):
    # (A X)^k, a loop of matrix products
    out = np.eye(A.shape[0])
    for _ in range(k):
        out = out @ A @ X
    return out


CASES = [
    # (expression, numpy function of A, X, x, y, b)
    (f"x' {power_chain(14)} y", lambda A, X, x, y: x @ numpy_chain(A, X, 14) @ y),
    (f"x' {power_chain(12)} y", lambda A, X, x, y: x @ numpy_chain(A, X, 12) @ y),
    (f"sum({power_chain(14)} y)", lambda A, X, x, y: np.sum(numpy_chain(A, X, 14) @ y)),
]


@pytest.mark.parametrize("expr, numpy_f", CASES, ids=[c[0][:24] for c in CASES])
def test_named_no_longer_than_str_and_reads_back(expr, numpy_f):
    # d f / dX against central differences of numpy; the named text no longer than str's
    g = ed.diff(expr, "X")
    assert g._adjoints is not None  # (kept as adjoints: the case this is about)
    named, plain = g.show(cse=True), str(g)
    assert len(named) <= len(plain), (len(named), len(plain))
    given = {
        "A": rng.normal(size=(3, 3)) * 0.5,
        "X": rng.normal(size=(3, 3)) * 0.5,
        "x": rng.normal(size=3),
        "y": rng.normal(size=3),
    }
    used = {k: v for k, v in given.items() if k in ed.parse(expr).variables}

    def f(**kw):
        return numpy_f(kw["A"], kw["X"], kw.get("x"), kw["y"])

    expected = to_layout(jacobian_fd(f, used, "X"), 0, 2, "numerator")
    back = ed.parse(substituted(named), where="A: matrix(n, n); X: matrix(n, n)")
    np.testing.assert_allclose(back(**used), expected, rtol=1e-6, atol=1e-9)


def test_a_long_rnn_derives_no_forward_form(monkeypatch):
    # an RNN of 40 steps: its chain rule tree is 78,681 nodes, 33 a character of its 2,405
    # named ones; its forward form (199,317 characters) is not derived to be compared
    h = "x"
    for _ in range(40):
        h = f"tanh(W {h})"
    g = ed.diff(f"sum({h})", "W")

    def refused(self):
        raise AssertionError("the forward form was derived")

    monkeypatch.setattr(ed.Expr, "written", refused)
    named = g.show(cse=True)
    assert named.count("\n") >= 30


def test_tree_size_counts_the_tree_the_adjoints_stand_for():
    # x' (A X)^9 y by X: the tree with every placeholder written as its body, counted against
    # a plain recursion over it; and capped at the bound
    from einderiv.backprop import tree_size
    from einderiv.ir import index_ir as T

    g = ed.diff(f"x' {power_chain(9)} y", "X")
    bodies = {d.placeholder.name: d.term for d in g._adjoints.definitions}

    def size(t):
        if type(t) is T.Var and t.name in bodies:
            return size(bodies[t.name])
        return 1 + sum(size(c) for c in T.children(t))

    whole = size(g._adjoints.result)
    assert tree_size(g._adjoints, 10**9) == whole
    assert tree_size(g._adjoints, 50) == 51
