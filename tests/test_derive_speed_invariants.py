"""Invariants the fast derivation path relies on (no timings here: speed is for benchmarks/).

- Interning: positional, keyword and defaulted construction give the identical node.
- Memo tables of ``canon`` live within one derivation: nothing is remembered across calls.
- Rule gating (``Rule.needs``) only skips rules that cannot fire: the gated driver and a driver
  that tries every rule reach the same simplified form.
- ``canon.signature`` is equal for terms equal up to the names of their summed indices.
- Differentiation builds flat products: the derivative of a product of matrices (whose
  arguments it does not copy into bases or function arguments) has no product nested in one.
"""

from fractions import Fraction

import pytest

import einderiv as ed
from einderiv.calculus import simplify
from einderiv.ir import canon
from einderiv.ir import index_ir as T

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


def test_rule_needs_are_node_types():
    for r in simplify.RULES:
        assert r.needs is None or all(kind in T.NODE_TYPES for kind in r.needs), r.name


def test_signature_ignores_summed_names_and_factor_order():
    one = T.Prod((T.Var("A", (i, k)), T.Var("X", (k, j)), T.Delta(k, m)), (k,))
    two = T.Prod((T.Delta(m, j), T.Var("X", (j, j)), T.Var("A", (i, j))), (j,))
    assert canon.signature(one) != canon.signature(two)  # X[k,j] keeps j free; X[j,j] does not
    three = T.Prod((T.Delta(m, m), T.Var("X", (m, j)), T.Var("A", (i, m))), (m,))
    four = T.Prod((T.Var("A", (i, k)), T.Var("X", (k, j)), T.Delta(k, k)), (k,))
    assert canon.signature(three) == canon.signature(four)
    assert canon.key(canon.canonical(three)) == canon.key(canon.canonical(four))


def _nested(t):
    if isinstance(t, T.Prod) and any(isinstance(f, T.Prod) for f in t.factors):
        return True
    return any(_nested(c) for c in T.children(t))


@pytest.mark.parametrize("text,wrt", CASES[:7])
def test_derivatives_are_built_flat(text, wrt):
    from einderiv.api import _read_wrt
    from einderiv.calculus.differentiate import Wrt, derivative

    f = ed.parse(text)
    name, indices, _ = _read_wrt(f, wrt)
    assert not _nested(derivative(f.term, Wrt(name, indices)))
