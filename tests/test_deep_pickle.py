"""Pickling and copying of deep expressions (session 30; ``ir/flat_pickle``).

Python's pickler nests one level per IR node: an ``Expr`` deeper than about 300 (199 steps of
``tanh(W ...)``, a sum of 1,000 terms, a chain of 1,000 factors) raised a raw RecursionError,
and ``==`` of a deep copy did too. A pickle or copy must be the same function: its values are
compared with plain numpy (and central differences of it for a derivative).
"""

import copy
import pickle

import numpy as np

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(30)
W0 = rng.normal(size=(3, 3)) * 0.5
x0 = rng.normal(size=3)
STEPS = 199  # tanh(W ...) is two levels: the most the reader accepts (400)


def chain_text(steps: int) -> str:
    text = "x"
    for _ in range(steps):
        text = f"tanh(W {text})"
    return text


def rnn(x, W, steps):
    # h_k = tanh(W h_{k-1}), h_0 = x
    h = x
    for _ in range(steps):
        h = np.tanh(W @ h)
    return h


def round_trips(e):
    return [pickle.loads(pickle.dumps(e)), copy.deepcopy(e), copy.copy(e)]


def test_a_chain_of_199_steps_pickles_to_the_same_function():
    # tanh(W tanh(W ... tanh(W x))), 199 steps: the numpy loop's value
    e = ed.parse(chain_text(STEPS))
    for back in round_trips(e):
        np.testing.assert_allclose(back(W=W0, x=x0), rnn(x0, W0, STEPS), rtol=1e-12)
        assert back == e and hash(back) == hash(e)


def test_a_sum_of_2000_terms_pickles_to_the_same_function():
    # a0' x + a1' x + ... + a1999' x = sum_k a_k' x
    n = 2000
    e = ed.parse(" + ".join(f"a{k}' x" for k in range(n)), where="x: vector(3)")
    a = {f"a{k}": rng.normal(size=3) for k in range(n)}
    back = pickle.loads(pickle.dumps(e))
    assert back == e
    np.testing.assert_allclose(back(x=x0, **a), sum(v @ x0 for v in a.values()), rtol=1e-10)


def test_a_chain_of_1000_factors_pickles_and_compares():
    # A0 A1 ... A999 x: the product of the matrices applied to x
    n = 1000
    e = ed.parse(" ".join(f"A{k}" for k in range(n)) + " x", where="x: vector(2)")
    mats = {f"A{k}": np.eye(2) + 0.01 * rng.normal(size=(2, 2)) for k in range(n)}
    expected = x0[:2]
    for k in reversed(range(n)):
        expected = mats[f"A{k}"] @ expected
    back = pickle.loads(pickle.dumps(e))
    assert back == e  # was a RecursionError (the canonical form, outside guarded)
    np.testing.assert_allclose(back(x=x0[:2], **mats), expected, rtol=1e-10)


def test_the_gradient_of_a_199_step_rnn_pickles_before_and_after_it_is_derived():
    # d sum(h_199) / dW (numerator layout) against central differences of the numpy loop. Kept
    # as adjoints (derived when first evaluated); a copy of it derived keeps them too, so its
    # named form is the one written before (it was the forward derivative's)
    g = ed.diff(f"sum({chain_text(STEPS)})", "W")
    expected = to_layout(
        jacobian_fd(lambda x, W: np.sum(rnn(x, W, STEPS)), {"x": x0, "W": W0}, "W"),
        0,
        2,
        "numerator",
    )
    named = g.show(cse=True)
    before = pickle.loads(pickle.dumps(g))
    assert before.show(cse=True) == named
    np.testing.assert_allclose(before(x=x0, W=W0), expected, atol=1e-6)  # derived here
    after = pickle.loads(pickle.dumps(before))
    np.testing.assert_allclose(after(x=x0, W=W0), expected, atol=1e-6)
    assert after.show(cse=True) == named


def test_a_derived_gradient_keeps_its_adjoints_in_a_copy():
    # the same at 5 steps: g's term derived before g is copied
    g = ed.diff(f"sum({chain_text(5)})", "W")
    g.term  # noqa: B018 (derived now)
    expected = to_layout(
        jacobian_fd(lambda x, W: np.sum(rnn(x, W, 5)), {"x": x0, "W": W0}, "W"), 0, 2, "numerator"
    )
    for back in round_trips(g):
        np.testing.assert_allclose(back(x=x0, W=W0), expected, atol=1e-6)
        assert back.show(cse=True) == g.show(cse=True)
