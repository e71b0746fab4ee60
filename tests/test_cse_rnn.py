"""Shared subexpressions of an unrolled RNN's gradient (issue 13: naming in one walk a round).

f = sum(tanh(W tanh(W ... tanh(W x)))), n steps with one W: its gradient by W has n terms, each
a chain through the later steps, so the same tanh(W t_k) and 1 - t_k .^ 2 recur in all of them.
The named form must read back (each definition put back, parenthesised) to values equal to
central differences of plain numpy, and a round of the naming, which walks the graph once,
must name what naming one subterm per round (counting again after each) names.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(27)
W0 = rng.normal(size=(3, 3)) * 0.6
x0 = rng.normal(size=3)


def rnn_text(steps: int) -> str:
    text = "x"
    for _ in range(steps):
        text = f"tanh(W {text})"
    return f"sum({text})"


def rnn(x, W, steps):
    # f = sum(h_n), h_k = tanh(W h_{k-1}), h_0 = x
    h = x
    for _ in range(steps):
        h = np.tanh(W @ h)
    return np.sum(h)


@pytest.mark.parametrize("steps", [2, 3, 5, 8])
def test_rnn_gradient_with_names_reads_back_to_numpy(steps):
    # d f / d W (numerator layout) = sum_k (delta_k h_{k-1}')' with delta_k the backpropagated
    # error: against central differences of the numpy loop
    g = ed.diff(rnn_text(steps), "W")
    named = g.show(cse=True)
    assert named.startswith("t1 = tanh(W x)") and len(named) < len(str(g))
    expected = to_layout(
        jacobian_fd(lambda x, W: rnn(x, W, steps), {"x": x0, "W": W0}, "W"), 0, 2, "numerator"
    )
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(back(x=x0, W=W0), expected, atol=1e-6)


def test_rnn_names_each_step_once():
    # each hidden state h_k = tanh(W h_{k-1}) is written once, as its definition: t1 = tanh(W x),
    # t2 = tanh(W t1), ..., and its derivative factor 1 - h_k .^ 2 at most once too
    steps = 12
    named = ed.diff(rnn_text(steps), "W").show(cse=True)
    lines = named.split("\n")[:-1]
    states = [line for line in lines if " = tanh(W " in line]
    assert len(states) == steps - 1  # the last state only inside 1 - tanh(W t11) .^ 2
    assert named.count("tanh(") == steps
    assert len(named) < 80 * steps  # (the tree written out is quadratic in the steps)


@pytest.mark.parametrize("steps", [4, 7])
def test_rnn_names_of_one_walk_rounds_are_those_of_one_per_round(steps, monkeypatch):
    # a round names several subterms from one count of the graph, pushing each name's lost
    # copies down to what it holds; naming one per round and counting again gives the same text
    several = ed.diff(rnn_text(steps), "W").show(cse=True)
    from einderiv.notation import cse

    one_per_round = cse._most_repeated
    monkeypatch.setattr(cse, "_most_repeated", lambda *a: one_per_round(*a)[:1])
    one = ed.diff(rnn_text(steps), "W").show(cse=True)
    assert several.count("\n") >= steps and several == one


def test_rnn_states_are_named_in_one_round(monkeypatch):
    # the states h_k and their factors 1 - h_k .^ 2 (written transposed too: (1 - t4 .^ 2)')
    # are named in one walk: naming such a factor pairs no two subterms as transposes here, so
    # the round goes on (it ended at each, about one round per step); the rest (pairs grouped
    # in their chains, t' D t) takes a round or two each. Same text as one name per round,
    # and it reads back to central differences of the numpy loop.
    steps = 10
    named, rounds = _named_in_rounds(monkeypatch, steps)
    assert len(rounds) <= 4  # (10 before)
    _same_as_one_per_round_and_read_back(monkeypatch, named, steps)


def test_rnn_pairs_are_grouped_and_named_in_one_round(monkeypatch):
    # after the states, the chains hold pairs written both ways round (t W, W' t: the J' D J of
    # each step); they are grouped all at once (none overlapping another) and named in one round
    # (naming a pair pairs no two other subterms anew): 20 steps take 5 rounds (17 when one pair
    # was grouped and named per round), the text is that of one name per round, and it reads
    # back to central differences of the numpy loop
    steps = 20
    named, rounds = _named_in_rounds(monkeypatch, steps)
    assert len(rounds) <= 6
    _same_as_one_per_round_and_read_back(monkeypatch, named, steps)


def _named_in_rounds(monkeypatch, steps: int):
    """The RNN's named gradient, and one entry per round of naming."""
    from einderiv.notation import cse

    rounds = []
    several_per_round = cse._most_repeated
    monkeypatch.setattr(cse, "_most_repeated", lambda *a: rounds.append(1) or several_per_round(*a))
    return ed.diff(rnn_text(steps), "W").show(cse=True), rounds


def _same_as_one_per_round_and_read_back(monkeypatch, named: str, steps: int):
    # the text of one name per round, and central differences of the numpy loop
    from einderiv.notation import cse

    several_per_round = cse._most_repeated
    monkeypatch.setattr(cse, "_most_repeated", lambda *a: several_per_round(*a)[:1])
    assert named == ed.diff(rnn_text(steps), "W").show(cse=True)
    expected = to_layout(
        jacobian_fd(lambda x, W: rnn(x, W, steps), {"x": x0, "W": W0}, "W"), 0, 2, "numerator"
    )
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(back(x=x0, W=W0), expected, atol=1e-6)
