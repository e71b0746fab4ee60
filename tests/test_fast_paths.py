"""The derivation fast paths (issue 5) agree with the general code they short-cut."""

from __future__ import annotations

import dataclasses
import gc
from fractions import Fraction

import pytest

from einderiv.ir import canon
from einderiv.ir import index_ir as T
from einderiv.ir.matrix_ir import Call, Name
from einderiv.ir.node import InternedMeta
from einderiv.notation.algebra import Piece, factor


def _i(name: str) -> T.Index:
    return T.Index(name, "n")


def test_canonical_product_with_one_summed_index_is_name_independent():
    i, j = _i("i"), _i("j")
    made = []
    for s in (_i("_7"), _i("_99"), _i("zz")):
        term = T.Prod((T.Var("B", (j, s)), T.Var("A", (s, i))), (s,))
        made.append(canon.canonical(term))
    assert made[0] is made[1] is made[2]
    assert [x.name for x in made[0].summed] == ["%0.0"]
    assert (
        canon.key(made[0])
        == "\u03a3{\u2039%0.0\u203a}(A[\u2039%0.0\u203a,\u2039i\u203a] B[\u2039j\u203a,\u2039%0.0\u203a])"
    )


def test_canonical_keeps_an_unused_summed_index_out_of_the_fast_path():
    i = _i("i")
    s = _i("_5")
    term = T.Prod((T.Var("x", (i,)),), (s,))  # sum over an index no factor uses
    assert canon.canonical(term) == canon.canonical(term)  # the general walk handles it


def test_free_and_children_by_node_type():
    i, j, p, q = _i("i"), _i("j"), *T.bound_pair("n")
    x = T.Var("X", (i, j))
    assert T.free(x) == {i, j}
    assert T.free(T.Prod((x, T.Var("y", (j,))), (j,))) == {i}
    assert T.free(T.MatPow(T.Var("X", (p, q)), (p, q), T.affine(-1), (i, j))) == {i, j}
    assert T.free(T.Det(T.Var("X", (p, q)), (p, q))) == frozenset()
    assert T.free(T.Num(Fraction(2))) == frozenset()
    assert T.children(T.Pow(x, T.ONE)) == (x, T.ONE)
    assert T.children(x) == ()


def test_interned_nodes_leave_the_table_when_they_die():
    name = "Zq_fast_path_test"
    node = T.Var(name, ())
    assert T.Var(name, ()) is node
    assert any(k[0] is T.Var and k[1] == (name, ()) for k in InternedMeta._table)
    del node
    gc.collect()
    assert not any(k[0] is T.Var and k[1] == (name, ()) for k in InternedMeta._table)


def test_scope_empties_memo_tables():
    table = canon.memo_table()
    with canon.scope():
        table["k"] = 1
        with canon.scope():
            pass
        assert table  # only the outermost scope empties
    assert not table


def test_factor_of_one_term():
    one = Piece(Fraction(2), (), (Name("A"),))
    assert factor([one]) == [one]
    zero = Piece(Fraction(0), (), (Name("A"),))  # 0 A keeps the shape of A (a bare 0 would not)
    assert factor([zero]) == [zero]
    assert factor([one, one.replace(coeff=Fraction(-2))]) == [zero]  # 2 A - 2 A -> 0 A


def test_node_hash_and_equality_are_structural():
    a, b = Name("X"), Name("X")
    assert a is not b and a == b and hash(a) == hash(b)
    assert Name("X") != Name("Y")


def test_node_constructors_set_the_fields_and_validate():
    # a node's generated __init__ takes the dataclass's parameters (by position or name, with
    # its defaults), sets every field, runs __post_init__ (the validation), and stays frozen
    i, j = _i("i"), T.Index("j", "m")
    assert T.Var("X", (i,)) is T.Var(name="X", indices=(i,)) and T.Var("x").indices == ()
    assert T.Prod((T.Var("x", (i,)),), summed=(i,)).summed == (i,)
    assert Name("X", span=(0, 1)).span == (0, 1) and Name("X").span is None
    with pytest.raises(ValueError, match="different dimensions"):
        T.Delta(i, j)
    with pytest.raises(ValueError, match="summed twice"):
        T.Prod((T.Var("x", (i,)),), (i, i))
    with pytest.raises(ValueError, match="unknown function"):
        Call("nope", (Name("X"),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        i.name = "k"  # type: ignore[misc]


NESTED = [  # nested products along which one summed index runs through every level
    ("logsumexp(softmax(softmax(softmax(W x))))", "x"),
    ("sum(tanh(W tanh(V tanh(W x))))", "x"),
    ("-y' log_softmax(W softmax(V x)) + x' S x", "x"),
    ("tr(inv(W) V W) + exp(sum(softmax(W x) .* sigmoid(V x)))", "W"),
]


def test_canonical_renamed_down_the_levels_equals_renamed_then_canonical(monkeypatch):
    # the fast path passes a renaming down sums, functions and products; the general code
    # renames the factor first, then canonicalises it: the same forms, on raw derivatives
    import einderiv as ed
    from einderiv.calculus.differentiate import Wrt, derivative
    from einderiv.ir.memo import scope
    from einderiv.ir.unbind import unbind

    where = "W, V: matrix(n, n); x, y: vector(n); S: symmetric(n)"
    raws = []
    for text, wrt in NESTED:
        f = ed.parse(text, where=where)
        g = ed.diff(f, wrt)
        name = f.variables[wrt]
        raws.append(derivative(f.term, Wrt(wrt, tuple(T.fresh(d) for d in name.dims))))
        raws.append(derivative(unbind(g.term), Wrt(wrt, tuple(T.fresh(d) for d in name.dims))))
    with scope():
        fast = [canon.canonical(r) for r in raws]
    monkeypatch.setattr(
        canon, "_canonical_renamed", lambda t, m, d: canon._canonical(canon._rename(t, m), d)
    )
    with scope():
        slow = [canon.canonical(r) for r in raws]
    assert fast == slow
    assert any(len(canon.key(f)) > 200 for f in fast)  # terms with nested products, not trivia


def test_small_records_construct_as_dataclasses_do():
    # View, Piece, Derivation and Wrt take the node __init__ (fast_init): same fields, same
    # defaults, frozen, equal when their fields are
    from einderiv.calculus.differentiate import Wrt
    from einderiv.notation.views import View
    from einderiv.pipeline import Derivation

    i = _i("i")
    assert Wrt("X", (i,)) == Wrt(name="X", indices=(i,), symmetric=False)
    assert Derivation(T.ZERO, ()).stages == ()
    view = View((Name("A"),), i, None)
    assert (view.chain, view.row, view.col) == ((Name("A"),), i, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.row = None  # type: ignore[misc]
    assert Piece(Fraction(2), (), (Name("A"),)).replace(coeff=Fraction(1)).coeff == 1


def _board_solve(views, summed, row, col, rc):
    """``views.solve`` by the board alone (its general path, step by step)."""
    from einderiv.notation import views as V

    board = V.Board(list(views), summed)
    while summed or len(board.views) > 1:
        if not (V._contract_one(board, rc) or V._combine_one(board, rc)):
            break
    ordered = [v for _, v in board.ordered()]
    scalars = [
        V.product(v.chain, 0, rc.vectors) for v in ordered if v.row is None and v.col is None
    ]
    rest = [v for v in ordered if v.row is not None or v.col is not None]
    return [s for s in scalars if not V.is_one(s)], V._assemble(rest, row, col, rc)


def test_two_views_over_one_index_solve_as_the_board_does():
    # sum_c P[.,c] Q[c,.]: solve multiplies the two views at once (x' A x, a' x, A x, tr(A' B),
    # diag(A' B)); the board takes that one step and finds nothing more: the same result
    import itertools

    from einderiv.frontend.shapes import VarInfo
    from einderiv.notation import views as V
    from einderiv.notation.recontract import _Recontractor

    variables = {n: VarInfo(n, "matrix", ("n", "n")) for n in "AB"}
    variables |= {"S": VarInfo("S", "symmetric", ("n", "n")), "x": VarInfo("x", "vector", ("n",))}
    rc = _Recontractor(variables)
    a, b, c = _i("a"), _i("b"), _i("c")
    parts = [Name("A"), Name("S"), Call("exp", (Name("B"),)), Name("x")]
    with canon.scope():
        for p, q, (e1, e2) in itertools.product(parts, parts, [(a, b), (a, None), (None, a)]):
            for flip1, flip2 in itertools.product((False, True), repeat=2):
                one = V.View((p,), c, None if p == Name("x") else e1)
                two = V.View((q,), c, None if q == Name("x") else e2)
                one, two = (V.flip(one, rc) if flip1 else one), (V.flip(two, rc) if flip2 else two)
                ends = [i for v in (one, two) for i in (v.row, v.col) if i not in (None, c)]
                row, col = (ends + [None, None])[:2]
                try:
                    want = _board_solve([one, two], {c}, row, col, rc)
                except V.NoMatrixForm:
                    want = None
                try:
                    got = V.solve([one, two], {c}, row, col, rc)
                except V.NoMatrixForm:
                    got = None
                assert got == want, (one, two)
