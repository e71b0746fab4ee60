"""Speed-ups of small derivations change nothing a user sees.

``simplify(t, unbound=True)`` skips ``unbind``: sound when ``t`` mentions no canonical binder
name, as for a term lowered from text and its derivative (what ``diff`` of parsed text passes).
"""

from __future__ import annotations

import pytest

import einderiv as ed
from einderiv.calculus.differentiate import Wrt, derivative
from einderiv.calculus.simplify import simplify
from einderiv.ir import index_ir as T
from einderiv.ir.canon import scope
from einderiv.ir.unbind import unbind
from einderiv.pipeline import place

CASES = [
    ("a' x", "x"),
    ("x' A x", "x"),
    ("tr(X' A X)", "X"),
    ("tr(A X B X' C)", "X"),
    ("tr(inv(X) A) + log|X| + det(A X B)", "X"),
    ("tr(X^5) + tr(X^k)", "X"),
    ("sum_{r=0}^{2}(x' X^r x)", "X"),
    ("sum(softmax(W x)) + logsumexp(W x) + sum(log(1 + exp(-y .* (W x))))", "W"),
    # delta[a,a], the trace n: delta[i,i] beside a free i is refused (i summed and free)
    ("A[i,j] x[j] + delta[a,a]", "x[k]"),
    ("x' diag(x) x + norm2(x)^2", "x"),
]


def _derivative(text: str, wrt: str):
    f = ed.parse(text)
    name, indices, *_ = place(f, wrt, "numerator")
    return f, derivative(f.term, Wrt(name, indices))


@pytest.mark.parametrize(("text", "wrt"), CASES)
def test_lowered_terms_and_their_derivatives_have_nothing_to_unbind(text, wrt):
    f, raw = _derivative(text, wrt)
    assert f.source is not None
    with scope():
        assert unbind(f.term) is f.term
        assert unbind(raw) is raw


@pytest.mark.parametrize(("text", "wrt"), CASES)
def test_unbound_simplifies_alike(text, wrt):
    _, raw = _derivative(text, wrt)
    assert simplify(raw, unbound=True) is simplify(raw)


def test_a_derivative_of_a_derivative_is_unbound_first():
    g = ed.diff("x' A x", "x")
    assert g.source is None  # so diff(g, ...) runs unbind: its term has canonical names
    names = {i.name for i in T.free(g.term)} | {
        s.name
        for t in (g.term.terms if isinstance(g.term, T.Add) else (g.term,))
        if isinstance(t, T.Prod)
        for s in t.summed
    }
    assert any(n.startswith("%") for n in names)
    assert str(ed.hessian("x' A x", "x")) == str(ed.diff(g, "x"))
