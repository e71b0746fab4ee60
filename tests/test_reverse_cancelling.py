"""Text that cancels, differentiated in reverse mode: the named form is simplified.

``W t - W t`` walked term by term gave each term its own adjoint, named apart (``t2 = -t1``),
so the simplifier never saw them cancel: ``show(cse=True)`` wrote ``t3 (t1 + t2)' + ...`` where
``str`` wrote ``0``. Like terms of a sum are now walked once, with their summed number. The
truth is central differences of plain numpy written here.
"""

import re

import numpy as np

import einderiv as ed
from tests.fd import jacobian_fd
from tests.named_forms import substituted

n = 3
rng = np.random.default_rng(31)
W0, x0 = rng.normal(size=(n, n)) * 0.5, rng.normal(size=n)
WHERE = "W: matrix(n, n); x: vector(n)"


def test_a_sum_that_cancels_is_named_zero():
    # f(W) = sum(tanh(W tanh(W x) - W tanh(W x))) = sum(tanh(0)): df/dW = 0
    text = "sum(tanh(W tanh(W x) - W tanh(W x)))"
    g = ed.diff(text, "W", where=WHERE)
    truth = jacobian_fd(
        lambda W, x: np.sum(np.tanh(W @ np.tanh(W @ x) * 0)), {"W": W0, "x": x0}, "W"
    )
    assert g.show(cse=True) == "0" and g.show(cse=True, format="latex") == "0"
    np.testing.assert_allclose(truth, 0, atol=1e-9)


def _partial(W, x):
    # f(W) = sum(tanh(W h1 - W h1 + W h2)), h1 = tanh(W x), h2 = tanh(W h1)
    h1 = np.tanh(W @ x)
    return np.sum(np.tanh(W @ h1 - W @ h1 + W @ np.tanh(W @ h1)))


def test_the_rest_of_a_sum_that_cancels_is_named_without_the_cancelled_part():
    # df/dW of the part that stays, sum(tanh(W h2)): no name is the negative of another
    text = "sum(tanh(W tanh(W x) - W tanh(W x) + W tanh(W tanh(W x))))"
    g = ed.diff(text, "W", where=WHERE, layout="jacobian")  # dW[i,j] as W: numpy's layout
    named = g.show(cse=True)
    assert not re.search(r"^t\d+ = -t\d+$", named, re.MULTILINE), named
    truth = jacobian_fd(_partial, {"W": W0, "x": x0}, "W")
    back = ed.parse(substituted(named), where=WHERE)
    np.testing.assert_allclose(back(W=W0, x=x0), truth, rtol=1e-6, atol=1e-8)


def test_a_term_written_twice_is_counted_twice():
    # f(x) = u' u, u = (x + x) .* x .* x = 2 x .^ 3: df/dx = 24 x' .^ 5 (the two x of x + x
    # are one object: each is a use, merged into 2 x, neither dropped)
    text = "((x + x) .* x .* x)' ((x + x) .* x .* x)"
    g = ed.diff(text, "x", where=WHERE)
    named = g.show(cse=True)
    truth = jacobian_fd(lambda x: ((x + x) * x * x) @ ((x + x) * x * x), {"x": x0}, "x")
    back = ed.parse(substituted(named), where=WHERE)
    np.testing.assert_allclose(back(x=x0), truth, rtol=1e-6, atol=1e-8)
