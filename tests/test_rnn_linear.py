"""The unrolled RNN's gradient: stages that looked at each factor once per step of their loop
(issue 13: no benchmark family growing faster than N^1.3).

f = sum(tanh(W tanh(W ... tanh(W x)))), n steps: its gradient by W is n products, the k-th a
chain through every later step, so its index form holds about n^2 factors. Three stages did more
than a constant amount of work per factor: ``add_collect`` read every factor of every term of
each intermediate sum (n^3 in all), the re-contraction board counted every view's ends before
each elementwise step of a product (quadratic in the product), and re-contraction re-did each
``1 - tanh(...)^2`` once per product it recurs in, under that product's index name. Counted
here by calls (no timings: speed is for benchmarks/); the printed text, the same with the fast
paths as without them, reads back to central differences of a numpy loop.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir import index_ir as T
from tests.fd import jacobian_fd, to_layout
from tests.test_cse_rnn import rnn, rnn_text  # sum(tanh(W ... tanh(W x))) and its numpy loop

rng = np.random.default_rng(28)
W0 = rng.normal(size=(3, 3)) * 0.6
x0 = rng.normal(size=3)

CASES = [
    ("x' diag(x) x", "x"),
    ("tanh(W x)", "W"),
    ("sum(tanh(W2 tanh(W1 x)))", "W1"),
    ("sum(log(1 + exp(-y .* (X w))))", "w"),
    ("tr(A X B X' C)", "X"),
    ("sum(sigmoid(A x) .* exp(B x))", "x"),
]


def counted(monkeypatch, module, name, steps_list):
    """The calls of ``module.name`` while deriving and re-contracting the RNN of each length."""
    calls = [0]
    original = getattr(module, name)

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    counts = []
    for steps in steps_list:
        calls[0] = 0
        ed.diff(rnn_text(steps), "W").written()
        counts.append(calls[0])
    return counts


def test_rnn_gradient_in_matrix_form_reads_back_to_numpy():
    # d f / d W (numerator layout): the matrix form printed, parsed back, against central
    # differences of the numpy loop
    steps = 6
    g = ed.diff(rnn_text(steps), "W")
    expected = to_layout(
        jacobian_fd(lambda x, W: rnn(x, W, steps), {"x": x0, "W": W0}, "W"), 0, 2, "numerator"
    )
    np.testing.assert_allclose(ed.parse(str(g))(x=x0, W=W0), expected, atol=1e-6)


def test_add_collect_reads_the_factors_of_few_terms(monkeypatch):
    # the terms of each intermediate sum are products of different lengths: none can merge,
    # seen from their lengths alone; _free_places (every factor read) is called a few times
    # per step, not once per term per step (148, 498 calls for 10, 20 steps before)
    from einderiv.calculus import sums

    few, more = counted(monkeypatch, sums, "_free_places", (10, 20))
    assert more <= 2.2 * few


@pytest.mark.parametrize("text,wrt", CASES + [(rnn_text(5), "W")])
def test_add_collect_shape_test_changes_no_result(text, wrt, monkeypatch):
    from einderiv.calculus import sums

    tested = ed.diff(text, wrt)
    monkeypatch.setattr(sums, "_shape", lambda t: None)  # never skipped on shapes
    untested = ed.diff(text, wrt)
    assert str(tested) == str(untested) and tested.index() == untested.index()


def test_elementwise_steps_look_at_the_crowded_indices_only(monkeypatch):
    # a product of the RNN's gradient combines its views elementwise about once per step: each
    # combination looked at the ends of every view (about 24 ends per combination at 10 steps,
    # 45 at 40 before), now at those of the views holding the indices it changes
    from einderiv.notation import board as B
    from einderiv.notation import views as V

    looking = [False]
    ends, combine = V.ends, V._combine_one
    counts = {"ends": 0, "combine": 0}

    def counted_ends(v):
        counts["ends"] += looking[0]
        return ends(v)

    def counted_combine(board, rc):
        looking[0] = True
        counts["combine"] += 1
        try:
            return combine(board, rc)
        finally:
            looking[0] = False

    monkeypatch.setattr(V, "ends", counted_ends)
    monkeypatch.setattr(B, "ends", counted_ends)
    monkeypatch.setattr(V, "_combine_one", counted_combine)
    per_step = []
    for steps in (10, 40):
        counts.update(ends=0, combine=0)
        ed.diff(rnn_text(steps), "W").written()
        per_step.append(counts["ends"] / counts["combine"])
    assert per_step[1] <= 1.4 * per_step[0]


def _old_combine_one(board, rc):
    """``views._combine_one`` as it was: the crowded indices found by counting every view's
    ends, in the order a scan of the views by id meets them (the reference order)."""
    from einderiv.notation import views as V

    counts: dict = {}
    for _, v in board.ordered():
        for i in V.ends(v):
            counts[i] = counts.get(i, 0) + 1
    summed = board.summed
    crowded = [
        i for i, n in counts.items() if (i in summed and n > 2) or (i not in summed and n > 1)
    ]
    return any(V._combine_at(board, i, rc) for i in crowded)


@pytest.mark.parametrize("text,wrt", CASES + [(rnn_text(6), "W")])
def test_crowded_indices_come_in_scan_order(text, wrt, monkeypatch):
    # the heap of crowded indices yields them in the order the full count met them: the same
    # elementwise and diag steps, the same text
    from einderiv.notation import views as V

    fast = ed.diff(text, wrt)
    fast_text = (str(fast), fast.show(cse=True))
    monkeypatch.setattr(V, "_combine_one", _old_combine_one)
    slow = ed.diff(text, wrt)
    assert fast_text == (str(slow), slow.show(cse=True))


def test_a_recurring_factor_is_recontracted_once(monkeypatch):
    # 1 - tanh(W t_j) .^ 2 recurs in every product below step j under that product's name for
    # its index (%0.3 in one, %0.7 in another): its view is made once, for %0.0, and renamed
    # (2457 views of such factors at 40 steps before: quadratic)
    from einderiv.notation import recontract as R

    few, more = counted(monkeypatch, R._Recontractor, "_view", (10, 20))
    monkeypatch.undo()
    outer = [0]
    view = R._Recontractor._view

    def counting(self, f):
        outer[0] += any(i.name.startswith("%0.") for i in T.free(f))
        return view(self, f)

    monkeypatch.setattr(R._Recontractor, "_view", counting)
    for steps, most in ((10, 45), (40, 170)):
        outer[0] = 0
        ed.diff(rnn_text(steps), "W").written()
        assert outer[0] <= most
    assert more < 3 * few


@pytest.mark.parametrize("text,wrt", CASES + [(rnn_text(6), "W")])
def test_views_of_patterns_change_no_text(text, wrt, monkeypatch):
    from einderiv.notation import recontract as R

    fast = ed.diff(text, wrt)
    fast_text = (str(fast), fast.show(cse=True), fast.latex())
    monkeypatch.setattr(R, "pattern", lambda f: None)
    slow = ed.diff(text, wrt)
    assert fast_text == (str(slow), slow.show(cse=True), slow.latex())


def test_a_pattern_keeps_the_order_of_names():
    # f = 1 - tanh(W[%0.7,%1.0] x[%1.0])^2 with i beside: %0.7 -> %0.0, i kept (both sort as
    # before against every other name), and the renaming back maps %0.0 to %0.7
    from einderiv.notation.free_pattern import pattern

    n = "n"
    a, inner, i = T.Index("%0.7", n), T.Index("%1.0", n), T.Index("i", n)
    arg = T.Prod((T.Var("W", (a, inner)), T.Var("x", (inner,))), (inner,))
    f = T.Prod((T.Func("tanh", arg), T.Var("y", (i,))), ())
    made, back = pattern(f)
    zero = T.Index("%0.0", n)
    assert T.free(made) == {zero, i} and back == {zero: a}
    assert pattern(made) is None and pattern(T.Var("W", (a, i))) is None


def test_a_sum_is_searched_for_deltas_once(monkeypatch):
    # prod_distribute_delta asks each sum factor of each product whether a term holds a delta on
    # a summed index; 1 - tanh(W t_k) .^ 2 is a factor of every product below step k, so the
    # answer is kept per sum (1,578 questions, 58 sums at 20 steps)
    from einderiv.calculus import rewriting, rules

    kept: dict = {}
    monkeypatch.setattr(rewriting, "_DELTAS", kept)
    asked = [0]
    original = rules.delta_indices

    def counting(f):
        asked[0] += 1
        return original(f)

    monkeypatch.setattr(rules, "delta_indices", counting)
    ed.diff(rnn_text(20), "W")
    assert asked[0] >= 10 * len(kept)


@pytest.mark.parametrize(
    "text,wrt", [(rnn_text(4), "W"), ("tanh(W x)", "W"), ("sum(tanh(W2 tanh(W1 x)))", "W1")]
)
def test_delta_indices_answer_as_the_terms_say(text, wrt, monkeypatch):
    # a term of the sum has a delta on a summed index (itself a delta, or a product with a
    # delta factor) iff the sum's delta indices meet the summed ones: checked on every sum met
    from einderiv.calculus import rules

    original = rules.delta_indices
    met = [0]

    def checked(f):
        found = original(f)
        for i in {i for x in f.terms for i in T.free(x)}:
            holds = any(
                type(g) is T.Delta and i in (g.a, g.b)
                for x in f.terms
                for g in (x.factors if type(x) is T.Prod else (x,))
            )
            assert holds == (i in found)
        met[0] += 1
        return found

    monkeypatch.setattr(rules, "delta_indices", checked)
    assert ed.diff(text, wrt).term is not None  # (kept as adjoints: derived when asked)
    assert met[0] > 0
