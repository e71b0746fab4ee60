"""The steps of a Hessian show both differentiations (SPEC section 7: ``--steps``,
``g.steps()``, ``g.latex(steps=True)``), and its differential names what it differentiates.

A Hessian is the derivative of the gradient; its steps showed only the second differentiation
(from the gradient's indexed sum), so the reader never saw where the gradient came from. Now the
first differentiation comes first (the indexed sum of f, ..., the gradient), then the second
(numbered on). Every formula line is judged by its value: the first stage equals f in numpy, the
first differentiation's later stages equal f's central differences, the second's equal nested
central differences of f (``tests.fd``, plain numpy).
"""

import json
import re

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import hessian_fd, jacobian_fd

rng = np.random.default_rng(28)
WHERE = "A: matrix(n, n); x: vector(n); b: vector(n)"
A, x, b = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)

CASES = [
    # d2 (x' A x) / dx dx' = A + A'
    ("x' A x", lambda x, A, b: x @ A @ x),
    # d2 sum(exp(A x)) / dx dx' = A' diag(exp(A x)) A
    ("sum(exp(A x))", lambda x, A, b: np.sum(np.exp(A @ x))),
    # d2 (b' x)^2 / dx dx' = 2 b b'
    ("(b' x)^2", lambda x, A, b: (b @ x) ** 2),
]


def _formulas(text: str, latex: bool) -> list[tuple[str, str]]:
    """(title, formula) of each numbered step; the headings (no formula) left out."""
    if latex:
        found = [re.fullmatch(r"\\text\{\d+\. ([^}]*):\} \\quad (.*)", s) for s in text.split("\n")]
        return [m.groups() for m in found if m]
    lines, out = text.split("\n"), []
    for k, line in enumerate(lines):
        if re.fullmatch(r"\d+\. .*:", line):
            out.append((line.split(". ", 1)[1][:-1], lines[k + 1].strip()))
    return out


@pytest.mark.parametrize("latex", [False, True], ids=["text", "latex"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_step_of_a_hessian_has_the_right_value(case, latex):
    text, fn = case
    h = ed.hessian(text, "x", where=WHERE)
    values = {"x": x, "A": A, "b": b}
    value = fn(**values)
    gradient = jacobian_fd(fn, values, "x")
    hessian = hessian_fd(fn, values, "x")
    shown = h.latex(steps=True) if latex else h.steps()
    steps = _formulas(shown, latex)
    n1 = len(ed.diff(text, "x", where=WHERE, layout="jacobian").stages) + 1
    assert len(steps) == n1 + len(h.stages) + 1, shown
    assert steps[n1 - 1][0] == "the gradient" and steps[-1][0] == "the result", shown
    heads = [s for s in shown.split("\n") if "differentiation" in s]
    assert len(heads) == 2 and "First" in heads[0] and "Second" in heads[1], shown
    for k, (title, formula) in enumerate(steps):
        want = value if k == 0 else gradient if k <= n1 else hessian  # step n1 + 1: its sum
        back = ed.parse(formula, where=WHERE)
        got = back(**{v: values[v] for v in back.variables})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{title}: {formula}")


def test_cli_hessian_steps_show_both_differentiations(capsys):
    assert main(["hessian", "x' A x", "--wrt", "x", "--where", WHERE, "--steps"]) == 0
    out = capsys.readouterr().out
    assert out.index("First differentiation") < out.index("Second differentiation")
    # the result, after a blank line, is A + A' (the Hessian of x' A x)
    back = ed.parse(out.strip().split("\n")[-1], where=WHERE)
    np.testing.assert_allclose(back(A=A), hessian_fd(lambda x: x @ A @ x, {"x": x}, "x"),
                               atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_json_hessian_steps_show_both_differentiations(capsys, fmt):
    args = ["hessian", "x' A x", "--wrt", "x", "--where", WHERE, "--steps", "--json"]
    assert main([*args, "--format", fmt]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps.index("First differentiation") < steps.index("Second differentiation")
    assert "the gradient" in steps


def test_a_first_derivative_has_no_headings():
    # one differentiation: the steps as before (no "First differentiation" line)
    g = ed.diff("x' A x", "x", where=WHERE)
    assert "differentiation" not in g.steps() and "differentiation" not in g.latex(steps=True)


# A Hessian's differential is that of the gradient: d(df/dx) = H dx (Magnus & Neudecker's
# identification rule, applied to the gradient g = df/dx: dg = H dx for every dx exactly when H is
# the Hessian). It wrote dy = (A + A') dx, not saying that y is the gradient; it is named now, and
# read back by check (order=2) and by read_differential.
DIFFERENTIAL_CASES = [
    ("x' A x", "x", "d(df/dx) = (A + A') dx", lambda x, A, b: x @ A @ x),
    (
        "sum(exp(A x))",
        "x",
        "d(df/dx) = A' (exp(A x) .* (A dx))",
        lambda x, A, b: np.sum(np.exp(A @ x)),
    ),
]


@pytest.mark.parametrize("case", DIFFERENTIAL_CASES, ids=[c[0] for c in DIFFERENTIAL_CASES])
def test_a_hessians_differential_names_the_gradient_and_reads_back(case):
    text, wrt, written, fn = case
    values = {"x": x, "A": A, "b": b}
    hessian = hessian_fd(fn, values, "x")
    h = ed.hessian(text, wrt, where=WHERE)
    assert h.differential() == written
    # read back: the derivative of the (column) gradient it states, by dx, is the Hessian
    back = ed.read_differential(written, wrt, where=WHERE)
    got = back(**{v: values[v] for v in back.variables if v in values})  # dx: not used
    np.testing.assert_allclose(got, hessian, rtol=1e-5, atol=1e-5)
    # check takes it as a claim for the Hessian in each layout it is written in
    for layout in ("jacobian", "numerator", "denominator"):
        claim = ed.hessian(text, wrt, where=WHERE, layout=layout).differential()
        assert claim.startswith("d(df/dx) = ")
        result = ed.check(text, wrt, claim=claim, where=WHERE, layout=layout, order=2)
        assert result.verdict == "right", (layout, claim, result)


def test_a_wrong_hessian_differential_is_wrong():
    # d(df/dx) = 2 A dx is the Hessian 2 A, which differs from A + A' (A not symmetric)
    assert not np.allclose(2 * A, A + A.T)
    result = ed.check("x' A x", "x", claim="d(df/dx) = 2 A dx", where=WHERE, order=2)
    assert result.verdict == "wrong"


def test_cli_hessian_differential_checks_back(capsys):
    assert main(["hessian", "x' A x", "--wrt", "x", "--format", "differential"]) == 0
    written = capsys.readouterr().out.strip()
    assert written == "d(df/dx) = (A + A') dx"
    assert main(["check", "x' A x", "--wrt", "x", "--hessian", "--claim", written]) == 0


def test_a_hessian_by_a_scalar_names_the_derivative_too():
    # d2 (a^3 + a x'x) / da2 = 6 a: its differential d(df/da) = 6 a da (it wrote d f = 6 a da,
    # which reads as f's own differential, stating df/da = 6 a)
    a, xv = 0.7, rng.normal(size=3)
    h = ed.hessian("a^3 + a x' x", "a", where="a: scalar; x: vector(n)")
    written = h.differential()
    assert written == "d(df/da) = 6 a da"
    second = lambda t: t**3 + t * xv @ xv
    eps = 1e-4
    want = (second(a + eps) - 2 * second(a) + second(a - eps)) / eps**2
    back = ed.read_differential(written, "a", where="a: scalar")
    np.testing.assert_allclose(back(a=a), want, rtol=1e-5)
    right = ed.check("a^3 + a x' x", "a", claim=written, where="a: scalar; x: vector(n)", order=2)
    assert right.verdict == "right"


def test_a_zero_hessians_differential_is_checked_and_read():
    # d2 (b' x) / dx2 = 0: d(df/dx) = 0 is right as a claim, and read alone it is the zero of
    # the Hessian's shape (it was refused: its shape unsaid; the gradient of a scalar f by x
    # has x's, as d(df/dx) = (A + A') dx reads to n-by-n)
    assert ed.hessian("b' x", "x", where=WHERE).differential() == "d(df/dx) = 0"
    assert ed.check("b' x", "x", claim="d(df/dx) = 0", where=WHERE, order=2).verdict == "right"
    assert ed.check("x' x", "x", claim="d(df/dx) = 0", where=WHERE, order=2).verdict == "wrong"
    zero = ed.read_differential("d(df/dx) = 0", "x", where=WHERE)
    nonzero = ed.read_differential("d(df/dx) = (A + A') dx", "x", where=WHERE)
    assert zero.shape == nonzero.shape == ("n", "n")
    np.testing.assert_array_equal(zero(x=rng.normal(size=3)), np.zeros((3, 3)))
    # by a matrix X (n-by-m): X's axes, then X's reversed, as the nonzero one reads
    where = "X: matrix(n, m); A: matrix(n, n)"
    zero = ed.read_differential("d(df/dX) = 0", "X", where=where)
    assert zero.shape == ed.read_differential("d(df/dX) = (A + A') dX", "X", where).shape
    np.testing.assert_array_equal(zero(X=rng.normal(size=(3, 2))), np.zeros((3, 2, 2, 3)))
    with pytest.raises(ed.EinderivError, match="a Hessian's by x, not y"):
        ed.read_differential("d(df/dx) = 0", "y")
