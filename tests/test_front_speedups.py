"""The front end's speed-ups change nothing a user sees.

``lalr.plain_rule_names`` makes lark's rule names plain strings and passes the one child of a
single-symbol rule up in C; ``lexing.PostLexer`` leaves
out stages with nothing to change;
``shapes.Typed`` keys shapes by node identity; ``dimensions.resolve_names`` names every cell.
Each is checked against the untuned path: same trees, same errors (message, line, column,
expected tokens).
"""

from __future__ import annotations

import importlib
from operator import itemgetter

import pytest
from lark import Lark

import einderiv as ed
from einderiv.errors import EinderivError
from einderiv.frontend.grammar_file import grammar_text
from einderiv.frontend.parse import parse_declarations, parse_expression
from einderiv.ir import matrix_ir as M
from einderiv.pipeline import front

P = importlib.import_module("einderiv.frontend.parse")

TEXTS = [
    "tr(X)",
    "a' x",
    "x' A x + 2 log|X| - |A B|",
    "||X| A|",
    "sum_{r=0}^{k-1}(X^r A X^(k-1-r))",
    "sum_{r=0}^n(X^r)",
    "A[i,j] B[j,k] + delta[i,k]",
    "inv(X)' .* (A ./ B) .^ 2 / 3",
    "X^-T + X^T + X^{-1} + a(b + c)",
    "exp(-y .* (X w))",
    # errors
    "tr(X",
    "A +",
    "|X",
    "foo(x)",
    "X^",
    "A B )",
    "tr(X, Y)",
    "sum_{r=0}^{k-1} X",
    "A $ B",
    "1e400",
    "delta[i]",
    "",
    "  \n ",
]

DECLARATIONS = [
    "X: matrix(m, n); S: symmetric(n)\nk: integer",
    "X, Y: matrix(n, n)",
    "X: matrx(n, n)",
    "X: matrix(n)",
    "I: scalar",
    "x: vector(n); x: scalar",
    "X: matrix(m, n",
]


def _outcome(fn, text):
    try:
        return "ok", repr(fn(text))
    except EinderivError as error:
        where = (getattr(error, "line", None), getattr(error, "column", None))
        return type(error).__name__, str(error), where, getattr(error, "expected", None)


@pytest.fixture
def untuned(monkeypatch):
    """The parser as lark builds it, called through ``Lark.parse``."""
    plain = Lark(
        grammar_text(),
        start=["expression", "declarations"],
        parser="lalr",
        lexer="contextual",
        transformer=P._Build(),
        postlex=P.PostLexer(),
        keep_all_tokens=True,
        maybe_placeholders=False,
    )

    def install():
        monkeypatch.setattr(P, "_LARK", plain)

    return install


def test_tuned_parses_and_errors_match_lark(untuned):
    fast = [_outcome(parse_expression, t) for t in TEXTS]
    fast += [_outcome(parse_declarations, d) for d in DECLARATIONS]
    untuned()
    slow = [_outcome(parse_expression, t) for t in TEXTS]
    slow += [_outcome(parse_declarations, d) for d in DECLARATIONS]
    assert fast == slow
    assert any(o[0] == "ParseError" for o in fast) and any(o[0] == "ok" for o in fast)


def test_single_symbol_rules_pass_their_child_up_in_c():
    # ?sum: dotted -- lark's ExpandSingleChild (a Python call per reduction) is itemgetter(0)
    # there, only for rules of one symbol (their one child); the trees are lark's (above)
    callbacks = P._LARK.parser.parser.parser.callbacks
    swapped = [rule for rule, callback in callbacks.items() if isinstance(callback, itemgetter)]
    assert swapped and all(len(rule.expansion) == 1 for rule in swapped)


def test_spans_of_a_parenthesised_product():
    tree = parse_expression("(a' x)")
    assert isinstance(tree, M.MatMul) and tree.span == (1, 5)


def test_every_node_has_a_shape_and_every_cell_a_name():
    typed, _ = front("x' A x + tr(X) + sum_{r=0}^{2}(y' B^r y)", None)
    assert typed.shape(typed.tree) == (None, None)
    a_rows, a_cols = typed.variables["A"].dims
    assert a_rows == a_cols == typed.variables["x"].dims[0]
    dims = {d for info in typed.variables.values() for d in info.dims}
    assert None not in dims and all(isinstance(d, str) for d in dims)


def test_derivatives_by_name_and_by_entry():
    assert str(ed.diff("a' x", "x")) == "a'"
    assert str(ed.diff("tr(X)", "X")) == "I"
    assert str(ed.diff("tr(X)", " X [ i , j ] ")) == str(ed.diff("tr(X)", "X[i,j]"))
    g = ed.diff("A[i,j] x[j]", "x[k]")
    assert "k" in g.index_dims and "i" in g.index_dims
    with pytest.raises(EinderivError, match="give a variable"):
        ed.diff("tr(X)", "X'")
