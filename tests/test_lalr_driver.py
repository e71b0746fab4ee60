"""``frontend.lalr``: lark's tables run by einderiv's loop read every text as lark's own loop does.

The truth is lark's ``Lark.parse`` on the same grammar, callbacks and post-lexer (built here,
untuned): for each text, the same tree (every node and its source span) or the same error
(class, message, line, column, expected tokens), and the same notes said while reading it.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
import warnings

import pytest
from lark import Lark

from einderiv.errors import EinderivError
from einderiv.frontend.grammar_file import grammar_text
from einderiv.frontend.parse import parse_declarations, parse_expression
from einderiv.ir import matrix_ir as M

P = importlib.import_module("einderiv.frontend.parse")

TEXTS = [
    "tr(A X B X' C)",
    "det(X' A X) + log|X| - |A B|",
    "(x' a)^2 + x' A x / 2",
    "||X||_F^2 + ‖x‖_1 + |a' x|",
    "sum_{r=0}^{k-1}(X^r A X^(k-1-r))",
    "exp(-y .* (X w)) ./ (1 + exp(-y .* (X w)))",
    "A[i,j] B[j,k] + delta[i,k] + vec(X)[c] delta[c,(i,j)]",
    "kron(A, B) vec(X) + A ⊗ B",
    "X^-T + X^T + X^{-1} + a(b + c) + X⁻¹ + Xᵀ + X²",
    "softmax(W x)' log_softmax(z) + logsumexp(z)",
    "1/2 x' A x + lambda/2 w' w",
    "σ(z) + λ x' x",
    # errors: at the end, in the middle of a reduction, after several
    "tr(X",
    "A +",
    "A + * B",
    "x' x )",
    "tr(X, Y)",
    "(a + b",
    "a b c (",
    "|X",
    "log|X|^2",
    "foo(x)",
    "X^",
    "sum_{r=0}^{k-1} X",
    "A $ B",
    "1e400",
    "delta[i]",
    "X^{(1)}",
    "a ** 2",
    ",",
    ")",
]

PIECES = ["x", "A", "X", "'", "+", "-", " ", "(", ")", "tr(", "|", "^", "2", ".*", "/", ",", "log"]


def _soup(r: random.Random) -> str:
    return "".join(r.choice(PIECES) for _ in range(r.randint(1, 9)))


def _spans(e):
    """Every node of ``e`` with its span, in a fixed order (spans are not compared by ==)."""
    found, todo = [], [e]
    while todo:
        node = todo.pop()
        found.append((type(node).__name__, getattr(node, "span", None)))
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, M.MExpr):
                todo.append(value)
            elif isinstance(value, tuple):
                todo.extend(v for v in value if isinstance(v, M.MExpr))
    return found


def _outcome(fn, text):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            made = fn(text)
            result = ("ok", repr(made), _spans(made) if isinstance(made, M.MExpr) else None)
        except EinderivError as error:
            where = (getattr(error, "line", None), getattr(error, "column", None))
            result = (type(error).__name__, str(error), where, getattr(error, "expected", None))
    return result, [(type(w.message).__name__, str(w.message)) for w in said]


@pytest.fixture
def lark_loop(monkeypatch):
    """Installs the parser as lark builds it, called through lark's own ``Lark.parse``."""
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
    return lambda: monkeypatch.setattr(P, "_LARK", plain)


def test_einderiv_loop_reads_as_lark_loop(lark_loop):
    r = random.Random(3701)
    texts = TEXTS + [_soup(r) for _ in range(400)]
    declarations = ["X: matrix(m, n); S: symmetric(n)\nk: integer", "X: matrix(m, n", "x: vectr"]
    ours = [_outcome(parse_expression, t) for t in texts]
    ours += [_outcome(parse_declarations, d) for d in declarations]
    lark_loop()
    theirs = [_outcome(parse_expression, t) for t in texts]
    theirs += [_outcome(parse_declarations, d) for d in declarations]
    for text, a, b in zip(texts + declarations, ours, theirs):
        assert a == b, text
    kinds = {o[0][0] for o in ours}
    assert "ok" in kinds and "ParseError" in kinds  # both paths were exercised


def test_the_loop_is_einderivs(monkeypatch):
    # a text that parses never reaches lark's own per-token step (only a token with no action
    # is handed to it, to raise lark's error)
    from lark.parsers.lalr_parser_state import ParserState

    assert P._RUN is not None and P._LARK is P._TUNED

    def refuse(*_):
        raise AssertionError("lark's loop ran")

    monkeypatch.setattr(ParserState, "feed_token", refuse)
    assert isinstance(parse_expression("tr(A X B X' C) + log|X|"), M.Add)
