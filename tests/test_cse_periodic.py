"""Chains of period two named in linear time (issue 13 item 6: printing linear).

d tr((A X B X')^n) / dX (and tr((A X B X)^n)): the backpropagated gradient is two chains of 4n
factors. ``notation.cse_transposed.transposes_of`` pairs each subterm with its transpose written
out, looked for only among subterms of one signature (a sum of hashes blind to the factors'
order); a periodic chain's subchains share signatures by the hundred, and each was transposed
whole (built, hash-consed) to be compared: 51,366 transposes for 326 subterms at n = 80, named
in 0.5 s (2.1 s at n = 160). A chain of names and transposed names is now compared by the
numbers of its transpose's factors, none built. The named text reads back to central
differences of plain numpy.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.notation import transposing
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(3102)
A0, B0 = rng.normal(size=(2, 3, 3)) * 0.5
X0 = rng.normal(size=(3, 3)) * 0.5


def chain(n: int, pattern: str) -> str:
    return "tr(" + " ".join([pattern] * n) + ")"


def period_two_trace(A, B, X, n, transposed):
    # tr((A X B X')^n) (or tr((A X B X)^n)): a loop of matrix products
    second = X.T if transposed else X
    P = np.eye(len(A))
    for _ in range(n):
        P = P @ A @ X @ B @ second
    return np.trace(P)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("n", [2, 5])
def test_period_two_named_reads_back_to_numpy(n, transposed):
    # d tr((A X B X')^n) / dX, named (definitions put back), against central differences
    g = ed.diff(chain(n, "A X B X'" if transposed else "A X B X"), "X")
    named = g.show(cse=True)
    values = {"A": A0, "B": B0, "X": X0}
    fd = jacobian_fd(lambda A, B, X: period_two_trace(A, B, X, n, transposed), values, "X")
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(back(**values), to_layout(fd, 0, 2, "numerator"), rtol=1e-6)


def transposes_made(text: str) -> int:
    """How many factors are transposed (``transposing.transpose`` calls, each factor of a chain
    transposed in turn) naming ``text``'s gradient by X; the gradient is taken first."""
    g = ed.diff(text, "X")
    calls = [0]
    inner = transposing.transpose

    def counted(*args, **kw):
        calls[0] += 1
        return inner(*args, **kw)

    transposing.transpose = counted
    try:
        g.show(cse=True)
    finally:
        transposing.transpose = inner
    return calls[0]


@pytest.mark.parametrize("pattern", ["A X B X", "A X B X'"])
def test_period_two_transposes_grow_linearly(pattern):
    # each subchain transposed whole: 4n subchains of length up to 4n, quadratic (at n = 20 and
    # 40: 3,160 and 12,720 calls; 6,335 and 25,455 with X'); now 0, and 77 and 157 with X'
    small, large = (transposes_made(chain(n, pattern)) for n in (20, 40))
    assert large <= 2.5 * small + 50, (small, large)
