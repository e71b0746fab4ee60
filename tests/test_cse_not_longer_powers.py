"""Named gradients of long single-block chains no longer than str (issue 13).

d (x' (A X)^20 y) / dX, the chain written out, was named in 518 characters where str writes
445: past 120 nodes of adjoints the forward form is not derived (quadratic for a long chain),
and the adjoints were named ``t1 = A X y``, ``t2 = A X t1``, ... The backpropagated form is a
product bracketed to the right at every step, ``A X (A X (... y))``, whose block ``A X`` is now
found across the brackets (``(A X)^19 y x' + ...``), and written with no name when that is
shorter than named. Each text, its definitions put back, reads back to central differences of
plain numpy.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(3722)


def numpy_chain(A, X, k):
    # (A X)^k, a loop of matrix products
    out = np.eye(A.shape[0])
    for _ in range(k):
        out = out @ A @ X
    return out


def chain(k: int) -> str:
    return " ".join(["A X"] * k)


CASES = [
    # (expression, numpy function of A, X, x, y)
    (f"x' {chain(20)} y", lambda A, X, x, y: x @ numpy_chain(A, X, 20) @ y),
    (f"x' {chain(30)} y", lambda A, X, x, y: x @ numpy_chain(A, X, 30) @ y),
    (f"sum({chain(30)} y)", lambda A, X, x, y: np.sum(numpy_chain(A, X, 30) @ y)),
    (f"x' {chain(12)} y", lambda A, X, x, y: x @ numpy_chain(A, X, 12) @ y),
]


@pytest.mark.parametrize("expr, numpy_f", CASES, ids=[c[0][:12] + c[0][-6:] for c in CASES])
def test_named_no_longer_than_str_and_reads_back(expr, numpy_f):
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
    for text in (named, g.show(cse=True, format="latex")):
        back = ed.parse(substituted(text), where="A: matrix(n, n); X: matrix(n, n)")
        np.testing.assert_allclose(back(**used), expected, rtol=1e-6, atol=1e-9)
