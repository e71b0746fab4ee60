"""A named form is never longer than the plain one (issue 13: names never lengthen a result).

``g.show(cse=True, format=f)`` prints the definitions and the result only when that text is
no longer than ``g.show(format=f)`` (``str(g)``, ``g.latex()``, ``g.index()``); else the plain
text. Once, 53 of the 546 forms of the grid below were named longer than plain (d tr(A X B X A
X) / dX: ``t1 = B X A`` / ``t1 X A + A X (t1 + A X B)``, 36 characters, str 31). Every name is
used at least twice (a name whose other uses a later name took in is written where it is
used). What is printed named still means the derivative: read back against central
differences of plain numpy.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given

import einderiv as ed
from einderiv.show import compares_plain
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted
from tests.strategies import FACTOR, Case, cases, hypothesis_profile

WHERE = (
    "A: matrix(n, n); B: matrix(n, n); C: matrix(n, n); X: matrix(n, n); x: vector(n); "
    "y: vector(n); W: matrix(n, n); V: matrix(n, n); v: vector(n); b: vector(n); c: vector(n)"
)
# a symmetric variable declared: no gradient is kept as adjoints (reverse mode), all forward
FORWARD = WHERE + "; S: symmetric(n)"


def _rnn(depth: int) -> str:
    return "sum(" + "tanh(W " * depth + "x" + ")" * depth + ")"


BY_X = [
    "tr(A X B X')", "tr(A X B X' C)", "tr(A X B X' A X B X')", "tr(X A X')", "tr(A X B X)",
    "tr(A X B X C X)", "tr(X' A X B)", "tr(A X B X' C X)", "x' X' A X x", "tr(A X A X)",
    "tr(A X A X A X)", "tr(X A X B X C)", "tr(A X B X A X B X)", "tr(X X' A)",
    "tr(X' X A X' X)", "tr(A X X' B)", "x' X A X' x", "y' X A X x", "tr(inv(X) A)",
    "tr(inv(X) A inv(X) B)", "logdet(X' A X)", "det(X A X')", "tr(exp(A X) B)",
    "sum(exp(A X B))", "sum(tanh(A X B) .* tanh(A X B))", "tr(A X B) * tr(A X B)",
    "tr(A X B)^2", "norm2(A X B)", "norm2(A X x)", "x' X' X x", "tr(X A X B X' C)",
    "tr((A X B + C)' (A X B + C))", "sum((A X - B) .^ 2)", "tr(X A X B) + tr(X B X A)",
    "tr(A X' B X)", "x' A X B X' A' x", "sum(X A X)", "tr(X X X)", "tr(X X X X)",
    "tr(A X A X' A X)", "tr(B X B X')", "x' X B X' x", "tr(A X B X' B X' A)",
    "tr(A X B X A X)", "tr(X A X A X B)", "sum(exp(X A X))", "sum(tanh(W X) .* (W X))",
    "sum(sigmoid(A X x))", "logsumexp(A X x)", "x' X x * y' X y", "tr(X A) tr(X B)",
    "tr(X' A X) * tr(X' B X)", "norm2(X A X')", "tr(inv(X A X'))", "logdet(A + X B X')",
    "tr(A X A X A X A X)", "tr(A X B X C X A X)", "sum(tanh(X tanh(X x)))",
    "sum(tanh(X tanh(A X x)))", "logsumexp(X tanh(X x))", "sum(sigmoid(X x) .* tanh(X y))",
    "norm2(tanh(X x) - y)",
]  # fmt: skip
GRID = [(text, "X") for text in BY_X]
GRID += [(_rnn(depth), "W") for depth in (2, 3, 5, 7)] + [(_rnn(5), "x")]
GRID += [("sum(tanh(C tanh(B tanh(A x + b) + c)))", w) for w in ("A", "B", "x", "b")]
GRID += [("logsumexp(V tanh(W tanh(W x + b) + c))", w) for w in ("V", "W", "x")]
GRID += [("sum(tanh(W x + V tanh(W y + V v)))", w) for w in ("W", "V", "v")]


def _uses(named: str) -> dict[str, int]:
    """How often each defined name is written after its definition line."""
    lines = named.split("\n")
    out = {}
    for k, line in enumerate(lines[:-1]):
        name = line.split(" = ", 1)[0]
        out[name] = sum(
            len(re.findall(rf"{re.escape(name)}(?!\w)", rest)) for rest in lines[k + 1 :]
        )
    return out


@pytest.mark.parametrize("text, wrt", GRID, ids=[f"{t} by {w}" for t, w in GRID])
def test_a_named_form_is_never_longer_than_the_plain_one(text, wrt):
    for where in (WHERE, FORWARD):
        g = ed.diff(text, wrt, where=where)
        for format in ("text", "latex", "index"):
            named, plain = g.show(cse=True, format=format), g.show(format=format)
            assert len(named) <= len(plain), (format, named, plain)
            if "\n" in named and format == "text":  # each name used twice at least
                assert min(_uses(named).values()) >= 2, named


def _numerator(f, X: np.ndarray) -> np.ndarray:
    # d f / dX in the numerator layout: d f / dX[i,j] at [j,i]
    return to_layout(jacobian_fd(lambda X: f(X), {"X": X}, "X"), 0, 2, "numerator")


rng = np.random.default_rng(31)
n = 3
A0, B0, C0 = (rng.normal(size=(n, n)) for _ in range(3))
X0, x0, y0 = rng.normal(size=(n, n)) * 0.6, rng.normal(size=n), rng.normal(size=n)


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


READ = [
    # d log det(A + X B X') = tr((A + X B X')^-1 (X (B + B') dX')-ish: A = 3 I + .., B = B0 B0'
    (
        "logdet(A + X B X')",
        lambda X: np.linalg.slogdet(3 * np.eye(n) + A0 * 0.1 + X @ B0 @ B0.T @ X.T)[1],
        {"A": 3 * np.eye(n) + A0 * 0.1, "B": B0 @ B0.T},
    ),
    ("sum(tanh(X tanh(A X x)))", lambda X: np.sum(np.tanh(X @ np.tanh(A0 @ X @ x0))), {"A": A0}),
    ("norm2(tanh(X x) - y)", lambda X: np.linalg.norm(np.tanh(X @ x0) - y0), {}),
    (
        "sum(sigmoid(X x) .* tanh(X y))",
        lambda X: np.sum(_sigmoid(X @ x0) * np.tanh(X @ y0)),
        {},
    ),
    ("tr(X' X A X' X)", lambda X: np.trace(X.T @ X @ A0 @ X.T @ X), {"A": A0}),
]


@pytest.mark.parametrize("text, f, values", READ, ids=[r[0] for r in READ])
def test_what_is_printed_named_reads_back_to_numpy(text, f, values):
    # these are named (shorter than str); put back, each reads to numpy's central differences
    expected = _numerator(f, X0)
    for where in (WHERE, FORWARD):
        g = ed.diff(text, "X", where=where)
        named = g.show(cse=True)
        assert "\n" in named and len(named) < len(str(g)), named
        back = ed.parse(substituted(named), where=where)
        args = {"X": X0, "x": x0, "y": y0, **values}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = back(**{k: v for k, v in args.items() if k in back.variables})
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=named)


@pytest.mark.parametrize("depth", [6, 12])
def test_a_plain_form_longer_than_the_named_one_is_not_written(depth, monkeypatch):
    # the Hessian of logsumexp(softmax^k(x)): a tree growing ~2.5x a level (12 deep, millions
    # of nodes: str refuses it). Its tree has more nodes than the named text has characters, and
    # a node prints a character at least, so the plain text is longer: never written (the cost
    # stays linear in the graph and the text printed)
    h = ed.hessian("logsumexp(" + "softmax(" * depth + "x" + ")" * (depth + 1), "x")
    if depth == 12:
        with pytest.raises(ed.TooLongToWrite):
            str(h)

    def refused(self, *args, **kwargs):
        raise AssertionError("the plain form was written")

    for method in ("__str__", "index", "latex"):
        monkeypatch.setattr(ed.Expr, method, refused)
    for format in ("text", "latex", "index"):
        assert len(h.show(cse=True, format=format)) < 20_000


PROFILE = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


@hypothesis_profile(100, FACTOR, PROFILE)
@given(cases())
def test_random_expressions_and_derivatives_are_never_named_longer(case: Case):
    # tests/strategies.py's expressions and their first derivatives, in every format; but a
    # gradient kept as adjoints whose plain (forward) form is not derived (show._forward_cheap)
    f = ed.parse(case.text, where=case.where)
    results = [f]
    for name in case.real_vars:
        g = ed.diff(f, name)
        if compares_plain(g):
            results.append(g)
    for g in results:
        for format in ("text", "latex", "index"):
            try:
                plain = g.show(format=format)
            except ed.EinderivError:  # (no plain form: nothing to compare)
                continue
            named = g.show(cse=True, format=format)
            assert len(named) <= len(plain), (case.text, format, named, plain)
