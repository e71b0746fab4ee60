"""Invariants the fast derivation path relies on (no timings here: speed is for benchmarks/).

- Interning: positional, keyword and defaulted construction give the identical node.
- Memo tables of ``canon`` live within one derivation: nothing is remembered across calls.
- Rule gating (``Rule.needs``) only skips rules that cannot fire: the gated driver and a driver
  that tries every rule reach the same simplified form.
- ``signature.signature`` is equal for terms equal up to the names of their summed indices; the
  refined signature also sees which factors are neighbours.
- ``unbind`` renames, node for node: a shared subterm stays shared, and no ``%`` name is left
  bound by a product.
- Differentiation builds flat products: the derivative of a product of matrices (whose
  arguments it does not copy into bases or function arguments) has no product nested in one.
"""

from fractions import Fraction

import numpy as np
import pytest

import einderiv as ed
from einderiv.calculus import simplify
from einderiv.ir import canon
from einderiv.ir import index_ir as T
from einderiv.ir.signature import anchored_signature, signature

n = "n"
i, j, k, m = (T.Index(name, n) for name in ("i", "j", "k", "m"))

CASES = [
    ("a' x", "x"),
    ("x' A x", "x"),
    ("tr(X' A X)", "X"),
    ("tr(A X B X' C)", "X"),
    ("tr(inv(X) A)", "X"),
    ("tr(X^5)", "X"),
    ("tr((X + A)^4)", "X"),
    ("det(X' A X)", "X"),
    ("sum(log(1 + exp(-y .* (X w))))", "w"),
    ("x' diag(x) x", "x"),
]


def test_interning_is_identity_whatever_the_call_form():
    assert T.Prod((T.Var("X", (i, j)),)) is T.Prod((T.Var("X", (i, j)),), ())
    assert T.Var("X", (i, j)) is T.Var(name="X", indices=(i, j))
    assert T.Var("X", (i, j)).replace(indices=(j, i)) is T.Var("X", (j, i))
    assert T.Num(Fraction(2)) is T.num(2)


def test_canon_memo_is_emptied_after_each_derivation():
    for text, wrt in CASES:
        str(ed.diff(text, wrt))
        assert not canon._KEYS and not canon._CANON


class _Ungated(simplify._Table):
    def rules_for(self, t, kids):
        return self.by_kind.get(type(t), ())


@pytest.mark.parametrize("text,wrt", CASES)
def test_gated_driver_reaches_the_same_form(text, wrt, monkeypatch):
    gated = ed.diff(text, wrt)
    monkeypatch.setattr(simplify, "_ALL", _Ungated(simplify.RULES))
    ungated = ed.diff(text, wrt)
    assert str(gated) == str(ungated)
    assert gated.index() == ungated.index()


@pytest.mark.parametrize(
    "text", ["tr(X)", "tr(inv(X) A)", "det(X' A X)", "log|A X|", "x' inv(A + B) x", "tr(X^3)"]
)
def test_compound_power_is_whether_a_power_has_a_compound_base(text):
    # orient's walk is skipped unless the function has B^e, det(B) or logdet(B), B compound
    from einderiv.calculus.symmetry import compound_power

    term = ed.parse(text).term
    assert compound_power(term) == bool(T.compound_bases(term))


def test_same_base_fast_path_agrees_with_the_general_rule():
    # prod_same_base returns None at once for a product of entries with no factor twice; a
    # factor twice (x[i] x[i] -> x[i]^2) or a power still goes the general way
    from einderiv.calculus.same_base import prod_same_base

    x, a = T.Var("x", (i,)), T.Var("A", (i, j))
    assert prod_same_base(T.Prod((x, a))) is None
    merged = prod_same_base(T.Prod((x, x, a)))
    assert merged is not None and T.Pow(x, T.num(2)) in merged.factors
    assert prod_same_base(T.Prod((T.Pow(x, T.num(3)), x))) is not None


def test_free_places_are_blind_to_summed_names_and_factor_order():
    # sum_k A[i,k] X[k,j] and sum_m X[m,j] A[i,m]: equal up to the summed name and the order,
    # so add_collect's first test may not tell them apart; A[k,i] X[k,j] holds i elsewhere
    from einderiv.calculus.sums import _free_places

    one = T.Prod((T.Var("A", (i, k)), T.Var("X", (k, j))), (k,))
    two = T.Prod((T.Var("X", (m, j)), T.Var("A", (i, m))), (m,))
    other = T.Prod((T.Var("A", (k, i)), T.Var("X", (k, j))), (k,))
    assert _free_places(one) == _free_places(two) != _free_places(other)


@pytest.mark.parametrize("text,wrt", CASES)
def test_add_collect_first_test_changes_no_result(text, wrt, monkeypatch):
    from einderiv.calculus import sums

    tested = ed.diff(text, wrt)
    monkeypatch.setattr(sums, "_free_places", lambda t: 0)  # every term alike: never skipped
    untested = ed.diff(text, wrt)
    assert str(tested) == str(untested) and tested.index() == untested.index()


def test_rule_needs_are_node_types():
    for r in simplify.RULES:
        assert r.needs is None or all(kind in T.NODE_TYPES for kind in r.needs), r.name


def test_signature_ignores_summed_names_and_factor_order():
    one = T.Prod((T.Var("A", (i, k)), T.Var("X", (k, j)), T.Delta(k, m)), (k,))
    two = T.Prod((T.Delta(m, j), T.Var("X", (j, j)), T.Var("A", (i, j))), (j,))
    assert signature(one) != signature(two)  # X[k,j] keeps j free; X[j,j] does not
    three = T.Prod((T.Delta(m, m), T.Var("X", (m, j)), T.Var("A", (i, m))), (m,))
    four = T.Prod((T.Var("A", (i, k)), T.Var("X", (k, j)), T.Delta(k, k)), (k,))
    assert signature(three) == signature(four)
    assert canon.key(canon.canonical(three)) == canon.key(canon.canonical(four))


def _nested(t):
    if isinstance(t, T.Prod) and any(isinstance(f, T.Prod) for f in t.factors):
        return True
    return any(_nested(c) for c in T.children(t))


@pytest.mark.parametrize("text,wrt", CASES[:7])
def test_derivatives_are_built_flat(text, wrt):
    from einderiv.calculus.differentiate import Wrt, derivative
    from einderiv.pipeline import _read_wrt

    f = ed.parse(text)
    name, indices, _ = _read_wrt(f, wrt)
    assert not _nested(derivative(f.term, Wrt(name, indices)))


def test_refined_signature_sees_the_order_of_a_chain():
    # X[i,a] A1[a,b] X[b,j] X[.] and X[i,a] A2[a,b] X[b,j] ... : in (X A1 X A2 X)[i,j] and
    # (X A2 X A1 X)[i,j] every factor has the same description (cheap signatures equal), but
    # the X that carries i sits next to A1 in one and next to A2 in the other
    a, b, c, d = (T.Index(name, n) for name in "abcd")

    def chain(first, second, names=(a, b, c, d)):
        p, q, r, s = names
        factors = (X(i, p), T.Var(first, (p, q)), X(q, r), T.Var(second, (r, s)), X(s, j))
        return T.Prod(factors, names)

    one, two = chain("A1", "A2"), chain("A2", "A1")
    assert signature(one) == signature(two)
    assert signature(one, refined=True) != signature(two, refined=True)
    # ... and is still blind to the names of summed indices and the order of factors
    e, f, g, h = (T.Index(name, n) for name in "efgh")
    same = chain("A1", "A2", (e, f, g, h))
    same = T.Prod(same.factors[::-1], same.summed[::-1])
    assert signature(one, refined=True) == signature(same, refined=True)


def X(p, q):
    return T.Var("X", (p, q))


def _nodes(t, seen=None):
    seen = set() if seen is None else seen
    if t not in seen:
        seen.add(t)
        for c in T.children(t):
            _nodes(c, seen)
    return seen


def _binds_canonical_name(t):
    if isinstance(t, T.Prod) and any(s.name.startswith("%") for s in t.summed):
        return True
    if isinstance(t, T.SumOver) and t.var.startswith("%"):
        return True
    return any(_binds_canonical_name(c) for c in T.children(t))


@pytest.mark.parametrize("text", ["sum(tanh(W3 tanh(W2 tanh(W1 x))))", "tr(X^k) + x' inv(X) x"])
def test_unbind_keeps_shared_subterms_shared(text):
    from einderiv.ir.unbind import unbind

    g = ed.diff(text, "x" if "x" in text.split("(")[-1] else "X", where="k: integer")
    with canon.scope():
        fresh = unbind(g.term)
        assert not _binds_canonical_name(fresh)
        assert len(_nodes(fresh)) == len(_nodes(g.term))  # a renaming, node for node
        assert canon.key(canon.canonical(fresh)) == canon.key(g.term)


def test_anchored_signature_is_blind_to_summed_names_and_order():
    # the factors that carry the free indices i, j and their neighbours: the same whatever the
    # summed indices are called and however the factors are ordered; and different when the
    # neighbour of the factor carrying i is another matrix
    a, b, c, d = (T.Index(name, n) for name in "abcd")
    one = T.Prod(
        (X(i, a), T.Var("A1", (a, b)), X(b, c), T.Var("A2", (c, d)), X(d, j)), (a, b, c, d)
    )
    same = T.Prod(
        (X(d, j), T.Var("A2", (c, d)), X(b, c), T.Var("A1", (a, b)), X(i, a)), (d, c, b, a)
    )
    other = T.Prod(
        (X(i, a), T.Var("A2", (a, b)), X(b, c), T.Var("A1", (c, d)), X(d, j)), (a, b, c, d)
    )
    assert anchored_signature(one) == anchored_signature(same)
    assert anchored_signature(one) != anchored_signature(other)


def test_the_garbage_collector_is_as_the_user_left_it():
    # a derivation pauses the cyclic collector while it runs (its nodes are acyclic); outside
    # it the user's setting holds, whether on or off, also after an error inside
    import gc

    assert gc.isenabled()
    str(ed.hessian("sum(tanh(W2 tanh(W1 x)))", "x"))
    assert gc.isenabled()
    with pytest.raises(ed.EinderivError):
        ed.diff("x' A x", "nothere")
    assert gc.isenabled()
    gc.disable()
    try:
        str(ed.diff("x' A x", "x"))
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("depth", [10, 40])
def test_repeated_bases_merge_in_one_pass(depth, monkeypatch):
    # d norm2(norm2(..(x)..)) / dx = (x' x)^(-1/2) x': the chain rule gives a product of 4 n
    # factors, n of them (x' x)^(-1/2) and n (x' x)^(1/2); merged at once, the product is
    # rewritten a fixed number of times however deep the nesting (merged a pair per rewrite,
    # the driver visited 54,567 nodes at depth 160; now about 20 per level)
    calls = []
    run = simplify._Driver.run
    monkeypatch.setattr(simplify._Driver, "run", lambda self, t: calls.append(1) or run(self, t))
    text = "norm2(" * depth + "x" + ")" * depth
    g = ed.diff(text, "x")
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(g(x=x), x / np.linalg.norm(x))  # d |x| / dx = x' / |x|
    assert len(calls) < 25 * depth


def _graph_size(t: T.Term) -> int:
    seen, stack = set(), [t]
    while stack:
        u = stack.pop()
        if id(u) not in seen:
            seen.add(id(u))
            stack.extend(T.children(u))
    return len(seen)


def _nested_norms(depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = f"norm2({text}) x"
    return f"norm2({text})"


def test_a_norm_of_a_vector_lowers_its_argument_once():
    # norm2(u) = (u[a] u[a])^(1/2): both factors are the one lowered u, so norm2(norm2(..) x)
    # nested n deep is a graph of about 8 n nodes (lowered twice, it had 2^(n+2) - 4: depth 20
    # took gigabytes and minutes to derive)
    sizes = [_graph_size(ed.parse(_nested_norms(depth)).term) for depth in (5, 10, 20)]
    assert sizes[2] - sizes[1] == 2 * (sizes[1] - sizes[0])  # linear in the depth
    assert sizes[2] < 400


@pytest.mark.parametrize("depth", [1, 3, 20])
def test_nested_norms_of_vectors_derive_as_numpy_says(depth):
    # f = |u_n|, u_0 = x, u_k = |u_(k-1)| x  (so f = |x|^(n+1))
    def f(x):
        u = x
        for _ in range(depth):
            u = np.linalg.norm(u) * x
        return np.linalg.norm(u)

    x = np.array([0.3, -0.7, 0.5])
    g = ed.diff(_nested_norms(depth), "x")
    h = 1e-6 * np.linalg.norm(x)
    numeric = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(np.ravel(g(x=x)), numeric, rtol=1e-6)
    back = ed.parse(str(g), where="x: vector(3)")
    np.testing.assert_allclose(np.ravel(back(x=x)), numeric, rtol=1e-6)
