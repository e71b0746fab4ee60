"""The derivation in LaTeX (SPEC section 7): g.latex(steps=True), --steps --format latex.

One display line per stage of ``pipeline.derive``'s trace, then the result. Each line is judged
by its value: the indexed sum equals f in numpy, every later stage equals the finite-difference
derivative; each line is read back by the LaTeX reader itself (``A_{a,b} \\, x_{b}`` in index
notation, the result in matrix notation).
"""

import re

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from einderiv.show import text_steps as show_steps
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(11)
WHERE = "X: matrix(m, n); A: matrix(m, m); x: vector(m); a: scalar"
X, A, x = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=3)

CASES = [
    # d tr(X' A X) / dX = X' (A + A')  (numerator layout)
    ("tr(X' A X)", "X", lambda X, A: np.trace(X.T @ A @ X), {"X": X, "A": A}),
    # d x' A x / dx = x' (A + A')
    ("x' A x", "x", lambda x, A: x @ A @ x, {"x": x, "A": A}),
    # d sum(exp(A x)) / dx = exp(A x)' A
    ("sum(exp(A x))", "x", lambda x, A: np.sum(np.exp(A @ x)), {"x": x, "A": A}),
    # d mean(x .^ 2) / dx = 2 x' / len(x): each index step divides (\frac{..}{len(x)})
    ("mean(x .^ 2)", "x", lambda x: np.mean(x**2), {"x": x}),
    # d a sum(A + 3 I) / da = sum(A) + 3 m: the indexed sum wrote 3 delta[b,c] summed over b, c
    # as 3 (the size m lost); its delta is kept now (3 delta[b,c] ones[b] ones[c])
    ("a sum(A + 3 I)", "a", lambda a, A: a * np.sum(A + 3 * np.eye(3)), {"a": 0.7, "A": A}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_latex_step_has_the_right_value(case):
    text, wrt, fn, values = case
    g = ed.diff(text, wrt, where=WHERE)
    lines = g.latex(steps=True).split("\n")
    assert len(lines) == len(g.stages) + 1
    expected = to_layout(jacobian_fd(fn, values, wrt), 0, np.ndim(values[wrt]), "numerator")
    for k, line in enumerate(lines):
        title, formula = re.fullmatch(r"\\text\{(\d+\. [^}]*):\} \\quad (.*)", line).groups()
        if k == len(lines) - 1:
            assert title.endswith("the result")
        back = ed.parse(formula, where=WHERE)  # the LaTeX reader reads every step
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        want = fn(**values) if k == 0 else expected
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=line)


def test_cli_steps_in_latex(capsys):
    assert main(["diff", "tr(X' A X)", "--wrt", "X", "--steps", "--format", "latex"]) == 0
    out = capsys.readouterr().out.strip().split("\n")
    assert all(line.startswith(r"\text{") for line in out) and len(out) == 4
    back = ed.parse(out[-1].split(r"\quad ", 1)[1])
    np.testing.assert_allclose(back(X=X, A=A), X.T @ (A + A.T), atol=1e-9)


def test_json_steps_in_latex_are_latex(capsys):
    # --json --steps --format latex: the "steps" key holds the LaTeX lines (it held plain text)
    import json

    assert main(["diff", "tr(X' A X)", "--wrt", "X", "--steps", "--format", "latex", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"].split("\n")
    assert all(line.startswith(r"\text{") for line in steps) and len(steps) == 4, steps
    back = ed.parse(steps[-1].split(r"\quad ", 1)[1])
    np.testing.assert_allclose(back(X=X, A=A), X.T @ (A + A.T), atol=1e-9)


def test_a_parsed_expression_has_no_steps():
    f = ed.parse("x' A x")
    assert f.latex(steps=True) == f.latex()


def test_text_steps_write_sizes_as_len():
    # the size of y in every step is len(y), as in the result (was ((ones[c]) .^ 0 ones[c]))
    text = "-sum(y .* log(sigmoid(X w)) + (1 - y) .* log(1 - sigmoid(X w))) / len(y)"
    where = "X: matrix(m, n); y: vector(m); w: vector(n)"
    g = ed.diff(text, "w", where=where)
    steps = show_steps(g)
    assert ".^ 0" not in steps and steps.count("/ len(y)") == len(g.stages) + 1
    Xv, yv, wv = rng.normal(size=(4, 3)), rng.uniform(size=4), rng.normal(size=3)
    sig = 1 / (1 + np.exp(-Xv @ wv))
    expected = (sig - yv) @ Xv / 4  # the textbook gradient, checked against differences

    def loss(w):
        p = 1 / (1 + np.exp(-Xv @ w))
        return -np.mean(yv * np.log(p) + (1 - yv) * np.log(1 - p))

    np.testing.assert_allclose(jacobian_fd(lambda w: loss(w), {"w": wv}, "w"), expected, atol=1e-6)
    last_index = steps.split("\n")[-3].strip()  # the deltas contracted, in index notation
    back = ed.parse(last_index, where=where, shape=g.shape)
    np.testing.assert_allclose(back(X=Xv, y=yv, w=wv), expected, atol=1e-9)


def test_a_sum_counter_past_v_reads_back_in_latex():
    # d2/dS2 det(log_softmax(S)) tr(S S) (S symmetric, numerator layout): the elementwise step
    # uses every letter r..v for indices, so its finite sum's counter was r1, which LaTeX reads
    # as r times 1 (a ParseError); it is r_1 now. Every LaTeX step reads back to the Hessian,
    # which equals nested finite differences of numpy's function.
    from tests.fd import hessian_fd

    where = "S: symmetric(n)"
    S = rng.normal(size=(3, 3))
    S = S + S.T

    def f(S):
        e = np.exp(S - S.max(axis=1, keepdims=True))
        return np.linalg.det(np.log(e / e.sum(axis=1, keepdims=True))) * np.trace(S @ S)

    g = ed.diff("det(log_softmax(S)) tr(S S)", "S", where=where)
    h = ed.diff(g, "S")
    expected = hessian_fd(f, {"S": S}, "S", sym=True)
    np.testing.assert_allclose(h(S=S), expected, rtol=1e-4, atol=1e-5)
    lines = h.latex(steps=True).split("\n")
    assert any(r"\sum_{r_1=0}" in line for line in lines)
    # the second differentiation's lines (the first's, of f and its gradient, come before)
    second = lines[next(k for k, line in enumerate(lines) if "Second differentiation" in line) :]
    for line in second[2:]:
        back = ed.parse(line.split(r"\quad ", 1)[1], where=where, shape=h.shape)
        np.testing.assert_allclose(back(S=S), expected, rtol=1e-4, atol=1e-5)


def test_a_determinant_of_a_finite_sum_is_latex_in_every_step():
    # d det(sum_{r=0}^{1} A^r) / dA = det(I + A) (I + A)^-T (denominator; numerator transposed):
    # the steps wrote det(sum_{r=0}^{1}((A^r)[i,j])) as plain text inside the LaTeX (and in
    # index notation inside det, its i, j clashing with the result's); now det of the matrix
    # sum_{r=0}^{1}(A^r). Every step after the first reads back to finite differences.
    where = "A: matrix(n, n)"
    M = rng.normal(size=(3, 3))

    def f(A):
        return np.linalg.det(np.eye(3) + A)

    expected = to_layout(jacobian_fd(f, {"A": M}, "A"), 0, 2, "numerator")
    g = ed.diff("det(sum_{r=0}^{1}(A^r))", "A", where=where)
    for text in (g.latex(steps=True), g.steps()):
        steps = [line for line in text.split("\n") if line.startswith((r"\text", "   "))][1:]
        assert steps and not any("det(sum" in line for line in steps if r"\text" in line)
        for line in steps:
            formula = line.split(r"\quad ", 1)[1] if r"\quad" in line else line.strip()
            back = ed.parse(formula, where=where, shape=g.shape)
            np.testing.assert_allclose(back(A=M), expected, rtol=1e-5, atol=1e-7)
