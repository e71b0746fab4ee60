"""Shared subexpressions (SPEC section 7): g.show(cse=True), --cse.

A result with its repeated subterms named (t1 = tanh(W1 x), t2 = 1 - t1 .^ 2, ...) must mean
the same function: substituting each definition back (parenthesised, last to first) gives text
that parses to values equal to finite differences of plain numpy; in index notation each
definition is evaluated in turn and passed to the next as a variable.
"""

import itertools
import json
import re

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import hessian_fd, jacobian_fd, to_layout
from tests.named_forms import index_lines, read_lines, substituted

rng = np.random.default_rng(13)
n = 3
W1, W2, W3 = (rng.normal(size=(n, n)) * 0.7 for _ in range(3))
x0 = rng.normal(size=n)


def mlp(x, W1, W2, W3):
    # f = sum(tanh(W3 tanh(W2 tanh(W1 x))))
    return np.sum(np.tanh(W3 @ np.tanh(W2 @ np.tanh(W1 @ x))))


MLP = "sum(tanh(W3 tanh(W2 tanh(W1 x))))"
VALUES = {"x": x0, "W1": W1, "W2": W2, "W3": W3}


def _evaluate_index_lines(text: str, given: dict, where: str = ""):
    """The value of names-then-result index notation: each definition is read, evaluated with
    the values so far, and declared (by its value's shape) for the lines after it."""
    *definitions, result = text.split("\n")
    values, declared = dict(given), [where] if where else []
    for line in definitions:
        name, body = line.split(" = ", 1)
        name = name.split("[")[0]
        value = ed.parse(body, where="; ".join(declared) or None)
        values[name] = value(**{k: v for k, v in values.items() if k in value.variables})
        shape = np.shape(values[name])
        kind = {0: "scalar", 1: f"vector({shape[0] if shape else 1})"}.get(len(shape))
        declared.append(f"{name}: {kind or f'matrix({shape[0]}, {shape[1]})'}")
    final = ed.parse(result, where="; ".join(declared))
    return final(**{k: v for k, v in values.items() if k in final.variables})


def test_mlp_hessian_with_names_reads_back():
    # H = d2 f / dx dx' against the four-point second differences of numpy
    h = ed.hessian(MLP, "x")
    named = h.show(cse=True)
    assert named.count("\n") >= 3 and len(named) < len(str(h)) and str(h) == h.show()
    assert re.match(r"t1 = tanh\(W1 x\)\n", named)
    back = ed.parse(substituted(named))
    expected = hessian_fd(mlp, VALUES, "x")
    np.testing.assert_allclose(back(**VALUES), expected, atol=1e-4)


def test_gradient_with_names_in_every_format():
    # d f / d W1 (numerator layout) against central differences of numpy
    g = ed.diff(MLP, "W1")
    expected = to_layout(jacobian_fd(mlp, VALUES, "W1"), 0, 2, "numerator")
    text = g.show(cse=True, format="text")
    np.testing.assert_allclose(ed.parse(substituted(text))(**VALUES), expected, atol=1e-6)
    # index notation: each definition evaluated and passed on as a variable
    got = _evaluate_index_lines(g.show(cse=True, format="index"), VALUES)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_latex_with_names_reads_back():
    # d/dx (exp(A x) .* exp(A x) + sin(A x)) = (2 diag(exp(A x).^2) + diag(cos(A x))) A
    def f(x, A):
        return np.exp(A @ x) ** 2 + np.sin(A @ x)

    A = rng.normal(size=(n, n))
    g = ed.diff("exp(A x) .* exp(A x) + sin(A x)", "x")
    latex = g.show(cse=True, format="latex")
    assert latex.startswith("t_{1} = ")
    back = ed.parse(substituted(latex, r"\left(", r"\right)"))
    expected = jacobian_fd(f, {"x": x0, "A": A}, "x")
    np.testing.assert_allclose(back(x=x0, A=A), expected, atol=1e-6)


def test_nothing_repeated_prints_plain():
    g = ed.diff("x' A x", "x")
    assert g.show(cse=True) == str(g) and g.show(cse=True, format="index") == g.index()
    with pytest.raises(ed.EinderivError, match="format"):
        g.show(format="python")


def test_cli_names_them_by_default_when_it_halves_the_text(capsys):
    # the depth-4 MLP Hessian: named by default, with a note; --no-cse prints it whole
    text = "sum(tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))))"
    assert main(["hessian", text, "--wrt", "x"]) == 0
    captured = capsys.readouterr()
    assert "repeated subexpressions are named" in captured.err
    W4 = rng.normal(size=(n, n)) * 0.7
    values = {**VALUES, "W4": W4}

    def f(x, W1, W2, W3, W4):
        return np.sum(np.tanh(W4 @ np.tanh(W3 @ np.tanh(W2 @ np.tanh(W1 @ x)))))

    back = ed.parse(substituted(captured.out.strip()))
    np.testing.assert_allclose(back(**values), hessian_fd(f, values, "x"), atol=1e-4)
    assert main(["hessian", text, "--wrt", "x", "--no-cse"]) == 0
    whole = capsys.readouterr()
    assert "\n" not in whole.out.strip() and "named" not in whole.err


def test_json_with_cse_adds_the_named_form(capsys):
    # --json keeps the plain forms; --cse adds "named": d f / d W1, against numpy's differences
    assert main(["diff", MLP, "--wrt", "W1", "--json", "--cse"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = to_layout(jacobian_fd(mlp, VALUES, "W1"), 0, 2, "numerator")
    assert out["named"].startswith("t1 = ") and "\n" not in out["text"]
    for text in (out["named"], out["text"]):
        got = ed.parse(substituted(text))(**VALUES)
        np.testing.assert_allclose(got, expected, atol=1e-6)
    assert main(["diff", MLP, "--wrt", "W1", "--json"]) == 0
    assert "named" not in json.loads(capsys.readouterr().out)


def test_order_three_result_with_names_reads_back():
    # d (t t') / dx with t = tanh(W1 x): kron(t, D W1) + kron(D W1, t), D = diag(1 - t .^ 2);
    # its Kronecker form names t and D W1 once, and reads back to finite differences of numpy
    g = ed.diff("tanh(W1 x) tanh(W1 x)'", "x")

    def f(x, W1):
        t = np.tanh(W1 @ x)
        return np.outer(t, t)

    args = {"x": x0, "W1": W1}
    expected = to_layout(jacobian_fd(f, args, "x"), 2, 1, "numerator")
    text = g.show(cse=True)
    assert text.startswith("t1 = tanh(W1 x)\n") and text.count("\n") == 2, text
    assert len(text) < len(str(g))
    back = ed.parse(substituted(text))
    np.testing.assert_allclose(back(**args), expected, atol=1e-6)
    np.testing.assert_allclose(g(**args), expected, atol=1e-6)
    # the same names in index notation: each definition evaluated and passed on
    got = _evaluate_index_lines(g.show(cse=True, format="index"), args)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_a_transpose_written_out_is_the_name_transposed():
    # exp(B' X' A') = exp(A X B)': one name, t1 = exp(A X B), used as t1 and t1'
    where = "A: matrix(n, n); B: matrix(n, n); X: matrix(n, n)"
    f = ed.parse("exp(A X B) + exp(B' X' A')", where=where)
    assert f.show(cse=True) == "t1 = exp(A X B)\nt1 + t1'"
    A, B, X = W1, W2, W3
    back = ed.parse(substituted(f.show(cse=True)), where=where)
    M = np.exp(A @ X @ B)
    np.testing.assert_allclose(back(A=A, B=B, X=X), M + M.T)
    # a product and its transpose: (A X B) .* (B' X' A') + tanh(A X B)
    g = ed.parse("(A X B) .* (B' X' A') + tanh(A X B)", where=where)
    assert g.show(cse=True) == "t1 = A X B\nt1 .* t1' + tanh(t1)"
    P = A @ X @ B
    back = ed.parse(substituted(g.show(cse=True)), where=where)
    np.testing.assert_allclose(back(A=A, B=B, X=X), P * P.T + np.tanh(P))


def test_a_pair_written_both_ways_round_in_a_chain_is_named():
    # D W' C W D = (W D)' C (W D) with D = diag(u + v) symmetric: t1 = W diag(u + v), t1' C t1
    # (diag(u + v), repeated, is named first, then only inside t1: written there)
    where = "u: vector(n); v: vector(n); W: matrix(n, n); C: matrix(n, n)"
    f = ed.parse("diag(u + v) W' C W diag(u + v)", where=where)
    text = f.show(cse=True)
    assert text == "t1 = W diag(u + v)\nt1' C t1", text
    u, v, W, C = x0, x0**2, W1, W2
    D = np.diag(u + v)
    expected = D @ W.T @ C @ W @ D
    values = {"u": u, "v": v, "W": W, "C": C}
    np.testing.assert_allclose(ed.parse(substituted(text), where=where)(**values), expected)
    got = _evaluate_index_lines(f.show(cse=True, format="index"), values, where)
    np.testing.assert_allclose(got, expected)
    # with diag(v), `t1 = W diag(v)` / `t1' C t1` is one character longer than str: not named
    short = ed.parse("diag(v) W' C W diag(v)", where=where)
    assert short.show(cse=True) == str(short) == "diag(v) W' C W diag(v)"


_D = r"(t\d+|diag\(t\d+\))"  # a diagonal factor D2 = diag(1 - t2 .^ 2): named, or written in


def test_the_mlp_hessian_is_written_with_its_jacobians():
    # d2 f/dx dx' = W1' (... + D1 W2' (D2 W3' E W3 D2 + ...) W2 D1) W1 - its chains J' E J:
    # the pairs W3 D2 and W2 D1 are named once each and used as t and t'
    h = ed.hessian(MLP, "x")
    text = h.show(cse=True)
    definitions = dict(line.split(" = ") for line in text.split("\n")[:-1])
    pairs = [k for k, body in definitions.items() if re.fullmatch(rf"W[23] {_D}", body)]
    assert len(pairs) == 2 and all(f"{k}'" in text.split("\n")[-1] for k in pairs), text
    back = ed.parse(substituted(text))
    np.testing.assert_allclose(back(**VALUES), hessian_fd(mlp, VALUES, "x"), atol=1e-4)


def test_a_chain_in_a_factor_of_a_regrouped_chain_is_regrouped_too():
    # d2 f/dx dx' of the depth-4 MLP = -2 W1' (.. + D1 W2' (.. W2 D1 W1 + D2 W3' (D3 W4' E W4
    # D3 + ..) W3 D2 W2 D1 W1)): the chain ending W2 D1 W1 sits in a factor of the chain
    # D1 W2' (..); both regrouped, the outer one was rebuilt from its old factors and the inner
    # one's pair lost (W2 D1 grouped once, never named). Its three pairs are named and used both
    # ways round, J' E J, as at depth 3
    text = "sum(tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))))"
    W4 = rng.normal(size=(n, n)) * 0.7
    values = {**VALUES, "W4": W4}

    def f(x, W1, W2, W3, W4):
        return np.sum(np.tanh(W4 @ np.tanh(W3 @ np.tanh(W2 @ np.tanh(W1 @ x)))))

    named = ed.hessian(text, "x").show(cse=True)
    definitions = dict(line.split(" = ") for line in named.split("\n")[:-1])
    pairs = [k for k, body in definitions.items() if re.fullmatch(rf"W\d {_D}|{_D} W\d'", body)]
    last = named.split("\n")[-1]
    assert len(pairs) == 3 and all(f"{k}'" in last for k in pairs), named
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(back(**values), hessian_fd(f, values, "x"), atol=1e-4)


# Results with no matrix form (index notation) name their shared subterms too: the Hessian of
# logsumexp(softmax^k(x)) is a graph of a few hundred nodes whose tree grows ~2.5x per level;
# from k = 5 on, written out as matrices it would take more than 64 terms: index notation.
def nested_softmax(x, depth):
    # f = logsumexp(softmax(softmax(... softmax(x))))
    for _ in range(depth):
        e = np.exp(x - x.max())
        x = e / e.sum()
    return np.log(np.sum(np.exp(x)))


def _nested_softmax_text(depth: int) -> str:
    return "logsumexp(" + "softmax(" * depth + "x" + ")" * (depth + 1)


def _read_index_lines(text: str, values: dict, where: str | None = None):
    def evaluate(expr, known, last):
        return expr(**{k: v for k, v in known.items() if k in expr.variables})

    return read_lines(ed, text, values, where, evaluate)


@pytest.mark.parametrize("depth", [5, 6])
@pytest.mark.parametrize("form", ["text", "latex"])
def test_index_notation_results_name_their_shared_subterms(depth, form):
    # H = d2 f / dx dx' against the four-point second differences of numpy; in index notation
    h = ed.hessian(_nested_softmax_text(depth), "x")
    assert h.written() is None  # no matrix form: printed in index notation
    text = h.show(cse=True, format=form)
    assert index_lines(text) and len(text) < len(h.latex() if form == "latex" else str(h)) / 3
    x = np.array([0.3, -1.2, 0.8, 0.1])
    got = _read_index_lines(text, {"x": x})
    expected = hessian_fd(lambda x: nested_softmax(x, depth), {"x": x}, "x")
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_a_subterm_met_under_other_index_names_is_one_name():
    # -s[a] s[j] + s[b] delta[c,j] delta[a,b,c] and the same over d: one definition t[i,j],
    # used as t[a,j] and t[d,j] (equal up to the names of its free indices)
    h = ed.hessian(_nested_softmax_text(5), "x")
    *definitions, result = h.show(cse=True, format="index").split("\n")
    matrices = [line.split("[")[0] for line in definitions if re.match(r"t\d+\[i,j\] = ", line)]
    uses = {name: set(re.findall(rf"(?<!\w){name}\[(\w+),(\w+)\]", result)) for name in matrices}
    assert any(len(indices) >= 2 for indices in uses.values()), (definitions, result)


def test_index_names_keep_the_text_linear_in_the_depth():
    # the tree of the Hessian grows exponentially with the depth; the named text linearly
    lengths = {
        depth: len(ed.hessian(_nested_softmax_text(depth), "x").show(cse=True)) for depth in (4, 8)
    }
    plain = len(str(ed.hessian(_nested_softmax_text(5), "x")))
    assert lengths[8] < 2.5 * lengths[4] and plain > 20 * lengths[4], (lengths, plain)


def test_cli_names_an_index_notation_result_by_default(capsys):
    # einderiv hessian prints the named form (it is much shorter) and says so
    assert main(["hessian", _nested_softmax_text(5), "--wrt", "x"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("t1[i] = "), captured.out
    assert "repeated subexpressions are named (t1, t2, ...)" in captured.err


@pytest.mark.parametrize("depth", [2, 3])
def test_a_contracted_third_order_sum_is_written_out_as_matrices(depth):
    # d2/dx2 logsumexp(softmax(u)): the derivative of the Jacobian diag(s) - s s' is a sum over
    # three indices, contracted with vectors; term by term each is a matrix product, so the
    # Hessian has a matrix form, and with names it reads J' (diag(s) - s s') J
    h = ed.hessian(_nested_softmax_text(depth), "x")
    assert h.written() is not None
    x = np.array([0.3, -1.2, 0.8, 0.1])
    expected = hessian_fd(lambda x: nested_softmax(x, depth), {"x": x}, "x")
    np.testing.assert_allclose(ed.parse(str(h))(x=x), expected, atol=1e-6)
    text = h.show(cse=True)
    np.testing.assert_allclose(ed.parse(substituted(text))(x=x), expected, atol=1e-6)
    definitions = dict(line.split(" = ", 1) for line in text.split("\n")[:-1])
    assert not any(re.fullmatch(r"t\d+'?", body) for body in definitions.values()), text
    if depth == 2:
        assert re.search(r"(t\d+)' \(t\d+ - t\d+ t\d+'\) \1(?!\w)", text), text


def test_a_result_too_long_to_write_whole_is_refused_with_the_way_out(capsys):
    # 12 deep, the Hessian is a graph of ~1,000 nodes and a tree of ~3 million: str() says so
    # at once (no hang) and names show(cse=True), which writes it in a few thousand characters
    h = ed.hessian(_nested_softmax_text(12), "x")
    with pytest.raises(ed.EinderivError, match=r"show\(cse=True\)"):
        str(h)
    with pytest.raises(ed.EinderivError, match="tree of"):
        h.latex()
    assert len(h.show(cse=True)) < 10_000
    # the command line prints the named form, and says why; --no-cse is a clear error
    assert main(["hessian", _nested_softmax_text(12), "--wrt", "x"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("t1[i] = ") and "would be a tree of" in captured.err
    assert main(["hessian", _nested_softmax_text(12), "--wrt", "x", "--no-cse"]) != 0
    assert "--cse" in capsys.readouterr().err
    # --json: the forms named, and the note says why (ed.TooLongToWrite is what str raised)
    assert main(["hessian", _nested_softmax_text(12), "--wrt", "x", "--json"]) == 0
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert answer["text"].startswith("t1[i] = ") and answer["index"] == answer["text"]
    assert answer["latex"].startswith(r"\left(t_{1}\right)_{i} = ")
    assert "would be a tree of" in captured.err
    assert issubclass(ed.TooLongToWrite, ed.EinderivError)


def _softmax_hessian_text(depth: int) -> str:
    return "logsumexp(" + "softmax(" * depth + "x" + ")" * (depth + 1)


def _expanded(named: str) -> tuple[frozenset, str]:
    """The definitions of a named form, each with the earlier ones put back, and the result:
    what the names stand for, whatever their numbers."""
    *lines, result = named.split("\n")
    bodies: dict = {}
    for line in lines:
        label, body = line.split(" = ", 1)
        for earlier, text in bodies.items():
            body = re.sub(rf"\b{earlier}\b", f"({text})", body)
        bodies[label] = body
    for earlier, text in reversed(list(bodies.items())):
        result = re.sub(rf"\b{earlier}\b", f"({text})", result)
    return frozenset(bodies.values()), result


@pytest.mark.parametrize(
    "case",
    [
        ("hessian", _softmax_hessian_text(2)),
        ("hessian", _softmax_hessian_text(3)),
        ("hessian", _softmax_hessian_text(4)),
        ("hessian", "sum(tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))))"),
        ("diff", "exp(A X B) + exp(B' X' A') + sin(A X B) .* exp(A X B)"),
    ],
)
def test_names_chosen_several_per_round_are_those_of_one_per_round(case, monkeypatch):
    # a round of the naming counts once and names what naming one subterm at a time (counting
    # again after each) would name: the same definitions and result as one name per round
    kind, text = case
    wrt = "X" if kind == "diff" else "x"
    g = getattr(ed, kind)(text, wrt)
    several = g.show(cse=True)
    from einderiv.notation import cse

    one_per_round = cse._most_repeated
    monkeypatch.setattr(cse, "_most_repeated", lambda *a: one_per_round(*a)[:1])
    one = getattr(ed, kind)(text, wrt).show(cse=True)
    assert several.count("\n") >= 2 and several.count("\n") == one.count("\n")
    assert _expanded(several) == _expanded(one)


def test_named_form_is_the_same_in_every_run():
    # the numbering of definitions does not depend on Python's string hashing (it did: a set
    # of names decided which definition was placed first), so two runs print the same text
    import subprocess
    import sys

    code = (
        "import warnings; warnings.simplefilter('ignore'); import einderiv as ed; "
        f"print(ed.hessian({_softmax_hessian_text(3)!r}, 'x').show(cse=True))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(runs) == 1
    (named,) = runs
    assert named.count("\n") > 5

    # and it means the Hessian: against second differences of plain numpy
    def f(x):
        for _ in range(3):
            x = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
        return np.log(np.sum(np.exp(x)))

    back = ed.parse(substituted(named.strip()))
    np.testing.assert_allclose(back(x=x0), hessian_fd(f, {"x": x0}, "x"), atol=1e-5)


def _softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def test_a_repeated_call_of_a_name_is_named_and_used_transposed():
    # d softmax(s) / dx with s = softmax(x): softmax(x) is written 5 times; it is named once,
    # t1 = softmax(x), and written t1' where transposed (it was left written out, and only its
    # transpose softmax(x)' was named)
    g = ed.diff("softmax(softmax(x))", "x")
    text = g.show(cse=True)
    assert text.count("softmax(x)") == 1, text
    expected = jacobian_fd(lambda x: _softmax(_softmax(x)), {"x": x0}, "x")
    back = ed.parse(substituted(text))
    np.testing.assert_allclose(back(x=x0), expected, atol=1e-6)
    index = g.show(cse=True, format="index")
    assert index.count("softmax(x)") == 1, index
    np.testing.assert_allclose(_evaluate_index_lines(index, {"x": x0}), expected, atol=1e-6)


def test_naming_never_lengthens_a_short_result():
    # d vec(X^6) / d vec(X)' = sum_k kron(X'^k, X^(5-k)): X^2 .. X^5 are each written twice,
    # but t1 is no shorter than X^5 (named, the text grew from 111 to 139 characters)
    where = "X: matrix(3, 3)"
    g = ed.diff("X X X X X X", "X", where=where)
    assert len(g.show(cse=True)) <= len(str(g)), g.show(cse=True)
    X = W1 + 2 * np.eye(n)
    expected = jacobian_fd(lambda X: np.linalg.matrix_power(X, 6), {"X": X}, "X")
    back = ed.parse(substituted(g.show(cse=True)), where=where)
    np.testing.assert_allclose(back(X=X), to_layout(expected, 2, 2, "numerator"), atol=1e-5)


# a scalar definition substituted into an index-notation result sums over indices of its own:
# t1 = W[d,e] W[d,f] x[e] x[f] (= |W x|^2), never over the result's a, b, c. The second
# derivative of f = W x / |W x| by W, read back both ways, against numpy's second differences
def test_scalar_definitions_in_index_notation_substitute_without_clashes():
    where = "W: matrix(m, n); x: vector(n)"
    g = ed.diff(ed.diff("W x / norm2(W x)", "W", where=where, layout="jacobian"), "W")
    text = g.show(cse=True)
    assert not index_lines(text) and "\n" in text  # scalars: substituted, not read by lines
    r = np.random.default_rng(21)
    W, x = r.normal(size=(3, 2)), r.normal(size=2)
    flat = ed.parse(substituted(text), where=where)(W=W, x=x)
    used = set(",".join(re.findall(r"\[([\w,]+)\]", text.split("\n")[-1])).split(","))
    for line in text.split("\n")[:-1]:
        names = set(",".join(re.findall(r"\[([\w,]+)\]", line.split(" = ")[1])).split(","))
        assert not (names - {""}) & used, line

    def f(W):
        y = W @ x
        return y / np.linalg.norm(y)

    fd = np.zeros((3, 3, 2, 3, 2))  # d2 f[a] / dW[b,c] dW[d,e], jacobian layout
    for a in range(3):
        fd[a] = hessian_fd(lambda W, a=a: f(W)[a], {"W": W}, "W")
    # the read-back value's axes are its free index names in order (i, j, k, l, m); match them
    # to the derivative's by sizes and values: one assignment must agree with numpy
    agree = [
        p
        for p in itertools.permutations(range(5))
        if fd.transpose(p).shape == flat.shape and np.allclose(fd.transpose(p), flat, atol=1e-5)
    ]
    assert agree, "the substituted text is not the second derivative"


# the same for a result that has a matrix form, printed in index notation with names: d/dx of
# x .^ (x' x) = diag(x .^ (x'x - 1) (x'x)) + 2 (x .^ (x'x) .* log(x)) x' (numpy here)
def test_scalar_definitions_of_a_matrix_result_in_index_notation_substitute():
    g = ed.diff("x .^ (x' x)", "x", where="x: vector(n)")
    text = g.show(cse=True, format="index")
    definitions, result = text.split("\n")[:-1], text.split("\n")[-1]
    assert definitions and all(
        " = " in line and "[" not in line.split(" = ")[0] for line in definitions
    )
    x = np.array([0.94, 0.77, 0.70])
    fd = jacobian_fd(lambda x: x ** (x @ x), {"x": x}, "x")
    got = ed.parse(substituted(text), where="x: vector(n)")(x=x)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-7)
    assert result  # the result line reads with t1 declared too


@pytest.mark.parametrize(
    ("text", "named"),
    [
        # t1 = kron(A, I) holds an I sized only where it is used, so it is written out; where it
        # was used transposed it is kron(A', I) (kron(P, Q)' = kron(P', Q')), not kron(A, I)'
        ("X' A + X' A'", None),
        # t1 = kron(B', C A) is named, and its transpose is t1' = kron(B, A' C')
        ("C A X B + A' C' X B'", "t1 = kron(B', C A)"),
    ],
)
def test_a_transposed_kronecker_product_is_named_or_written_inward(text, named):
    # d vec(Y) / d vec(X)' of a sum of a Kronecker product and its transpose, read back with
    # its names substituted, = numpy's central differences (numerator layout)
    where = "X: matrix(3, 3)"
    A, B, C = (rng.normal(size=(n, n)) for _ in range(3))
    X = rng.normal(size=(n, n))
    plain = {
        "X' A + X' A'": lambda X: X.T @ A + X.T @ A.T,
        "C A X B + A' C' X B'": lambda X: C @ A @ X @ B + A.T @ C.T @ X @ B.T,
    }[text]
    g = ed.diff(text, "X", where=where)
    shown = g.show(cse=True)
    assert "kron(A, I)'" not in shown and (named is None or shown.startswith(named + "\n"))
    expected = to_layout(jacobian_fd(plain, {"X": X}, "X"), 2, 2, "numerator")
    back = ed.parse(substituted(shown), where=where)
    np.testing.assert_allclose(back(**{k: v for k, v in {"A": A, "B": B, "C": C}.items()
                                      if k in back.variables}), expected, atol=1e-6)  # fmt: skip


def test_a_commutation_matrix_named_in_index_notation_keeps_its_sizes():
    # d/dW d/dW tanh(||W||_F), W 2-by-3: D[j,i,l,k] = H[i,j,k,l], H = d2f / dW[i,j] dW[k,l].
    # Its named index form held commutation(2, 3) as delta[a,(c,d)] delta[b,(d,c)], c and d in
    # nothing else, read back as "?*? = 6 have more than one solution"; now commutation(2, 3)
    W = rng.normal(size=(2, 3))
    g = ed.diff(ed.diff("tanh(norm2(W))", "W", where="W: matrix(2, 3)"), "W")
    text = g.show(cse=True, format="index")
    assert "commutation(2, 3)[a,b]" in text
    expected = hessian_fd(lambda W: np.tanh(np.linalg.norm(W)), {"W": W}, "W")
    got = _evaluate_index_lines(text, {"W": W}, "W: matrix(2, 3)")
    np.testing.assert_allclose(got, expected.transpose(1, 0, 3, 2), atol=1e-6)


def test_a_pair_is_not_named_where_the_result_needs_it():
    # d/dW d/dW logsumexp(vec(W)), W 2-by-3: D[j,i,l,k] = H[i,j,k,l], H = diag(s) - s s' over
    # vec(W), s = softmax(vec(W)). Named t1[i] = softmax(vec(W))[i], read line by line t1 is a
    # vector(6), no pair, and the result's t1[c] delta[c,(j,i)] was refused ("?*? = 6 have more
    # than one solution"); softmax(vec(W))[c] is written where it is used, whose pair sizes (j,i)
    W = rng.normal(size=(2, 3))
    g = ed.diff(ed.diff("logsumexp(vec(W))", "W", where="W: matrix(2, 3)"), "W")
    text = g.show(cse=True, format="index")

    def f(W):
        v = W.ravel(order="F")
        return np.log(np.sum(np.exp(v)))

    expected = hessian_fd(f, {"W": W}, "W")
    got = _evaluate_index_lines(text, {"W": W}, "W: matrix(2, 3)")
    np.testing.assert_allclose(got, expected.transpose(1, 0, 3, 2), atol=1e-6)


def rnn(x, W, depth):
    # f = sum(tanh(W tanh(W ... tanh(W x)))), the same W at every step (an unrolled RNN)
    for _ in range(depth):
        x = np.tanh(W @ x)
    return np.sum(x)


def _rnn_text(depth: int) -> str:
    return "sum(" + "tanh(W " * depth + "x" + ")" * depth + ")"


def test_an_unrolled_rnn_is_named_asking_of_each_node_once(monkeypatch):
    # d f / d W of the unrolled RNN, named, against central differences of numpy; naming it
    # asked whether each factor may be a row by walking its whole argument, again for every
    # chain holding it: 101,780 such questions 20 deep (60 deep took 57 s), now each node once
    from einderiv.notation import transposing

    W = rng.normal(size=(n, n)) * 0.7
    values = {"W": W, "x": x0}
    named = ed.diff(_rnn_text(6), "W").show(cse=True)
    expected = to_layout(jacobian_fd(lambda x, W: rnn(x, W, 6), values, "W"), 0, 2, "numerator")
    np.testing.assert_allclose(ed.parse(substituted(named))(**values), expected, atol=1e-6)
    asked = [0]
    row_like = transposing._row_like

    def counted(e, vectors):
        asked[0] += 1
        return row_like(e, vectors)

    monkeypatch.setattr(transposing, "_row_like", counted)
    ed.diff(_rnn_text(20), "W").show(cse=True)
    assert asked[0] < 20_000, asked[0]
