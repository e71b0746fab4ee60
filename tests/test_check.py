"""Checking hand derivations: verdicts, diagnoses, counterexamples, and the derivation steps.

Every row is a claim a student might write. Right claims include unusual but equivalent forms;
wrong claims carry the mistake einderiv must name. The steps are checked by reading each printed
stage back and comparing its value with plain numpy (the original) or finite differences.
"""

import re

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

RIGHT = [
    # (DT6) numerator layout: -X^-1 A X^-1, in several spellings
    ("tr(inv(X) A)", "X", "", "numerator", "-inv(X) A inv(X)"),
    ("tr(inv(X) A)", "X", "", "numerator", "-(X^-1 A X^-1)"),
    ("tr(inv(X) A)", "X", "", "denominator", "-X^-T A' X^-T"),
    ("tr(inv(X) A)", "X", "", "denominator", "-(X^-1 A X^-1)'"),
    # (DT5) factored, expanded, or transposed twice
    ("tr(X' A X)", "X", "", "numerator", "X' (A + A')"),
    ("tr(X' A X)", "X", "", "numerator", "X' A + X' A'"),
    ("tr(X' A X)", "X", "", "numerator", "((A + A') X)'"),
    ("tr(X' A X)", "X", "", "denominator", "A X + A' X"),
    # (C7), (C11), (DT1)
    ("x' x", "x", "", "numerator", "2 x'"),
    ("x' x", "x", "", "numerator", "x' + x'"),
    ("x' A x", "x", "", "numerator", "x' A + x' A'"),
    ("tr(X)", "X", "", "numerator", "I"),
    # (DD3); DD1 and DD2 hold only where X is invertible: test_dd1_dd2_where_x_is_invertible
    ("log|X|", "X", "", "numerator", "inv(X)"),
    ("|X| + tr(inv(X))", "X", "", "numerator", "|X| X^-1 - X^-2"),  # X invertible: imposed
    # (DT2) with symbolic k, where X is invertible (log|X| needs it): at k = 0 and a singular
    # X, tr(X^0) = n is flat while k X^(k-1) is undefined (test_check_soundness)
    ("tr(X^k) + log|X|", "X", "k: integer", "numerator", "k X^(k-1) + inv(X)"),
    # elementwise, index notation
    ("tr(X' A X)", "X[i,j]", "", "numerator", "A[k,i] X[k,j] + A[i,k] X[k,j]"),
    # least squares, written with sums of products
    ("norm2(A x - b)^2", "x", "", "denominator", "2 A' A x - 2 A' b"),
]

WRONG = [
    # claim, expected diagnosis (a regular expression), or None when no diagnosis is required
    ("tr(inv(X) A)", "X", "", "numerator", "-X^-T A X^-T", None),  # the notes' DT6
    ("tr(X' A X)", "X", "", "numerator", "(A + A') X", "denominator-layout answer"),
    ("x' A x", "x", "", "numerator", "(A + A') x", "denominator-layout answer"),
    ("a' x", "x", "", "numerator", "a", "denominator-layout answer"),
    ("tr(A X)", "X", "", "numerator", "A'", "denominator-layout answer"),
    ("x' x", "x", "", "numerator", "x'", "off by a factor of 0.5"),
    ("tr(X' A X)", "X", "", "numerator", "2 X' (A + A')", "off by a factor of 2"),
    ("tr(inv(X) A)", "X", "", "numerator", "inv(X) A inv(X)", "sign is wrong"),
    ("tr(A X B)", "X", "", "numerator", "A B", "product order is reversed"),
    ("tr(X A B)", "X", "A: matrix(n, n); B: matrix(n, n)", "numerator", "B A", "reversed"),
    ("x' A x", "x", "", "numerator", "x' A", None),  # missing term (A not symmetric)
    ("tr(X' A X)", "X", "", "numerator", "x'", None),  # not even a matrix: an error below
]


@pytest.mark.parametrize(
    "expr, where, claim, verdict",
    [
        ("|X|", "", "|X| X^-1", "undecided"),
        ("|X|", "", "adj(X)", "right"),
        ("|X^k|", "k: integer", "k |X^k| X^-1", "undecided"),
    ],
)
def test_dd1_dd2_where_x_is_invertible(expr, where, claim, verdict):
    # d|X|/dX = adj(X) exists at singular X too (X = [[1, 2], [2, 4]]: FD gives adj(X) =
    # [[4, -2], [-2, 1]]), where |X| X^-1 does not: not right everywhere, so undecided; adj(X)
    # itself, a polynomial lowered as |X| X^-1, is right (proved where X is invertible, equal
    # at a singular X by continuity: check/smooth.adjugate_only)
    X = np.array([[1.0, 2.0], [2.0, 4.0]])
    eps, fd = 1e-6, np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            E = np.zeros((2, 2))
            E[i, j] = eps
            fd[j, i] = (np.linalg.det(X + E) - np.linalg.det(X - E)) / (2 * eps)
    assert np.allclose(fd, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-6)
    r = ed.check(expr, "X", claim=claim, where=where or None)
    assert r.verdict == verdict and (verdict == "right" or "invertible" in r.reason), str(r)


@pytest.mark.parametrize("expr, wrt, where, layout, claim", RIGHT)
def test_right_claims(expr, wrt, where, layout, claim):
    r = ed.check(expr, wrt, claim=claim, where=where or None, layout=layout)
    assert r.ok is True, str(r)
    assert bool(r)
    assert r.counterexample is None
    assert str(r).startswith("right")


@pytest.mark.parametrize("expr, wrt, where, layout, claim, diagnosis", WRONG[:-1])
def test_wrong_claims(expr, wrt, where, layout, claim, diagnosis):
    r = ed.check(expr, wrt, claim=claim, where=where or None, layout=layout)
    assert r.ok is False, str(r)
    assert not bool(r)
    assert str(r).startswith("wrong")
    assert str(r.expected) in str(r)  # the right answer is shown
    if diagnosis is not None:
        assert r.diagnosis is not None and re.search(diagnosis, r.diagnosis), str(r)


def test_counterexample_shows_the_mistake_with_numpy():
    # the notes' (DT6): claimed -X^-T A X^-T; at the counterexample it differs from the truth
    r = ed.check("tr(inv(X) A)", "X", claim="-X^-T A X^-T")
    X, A = r.counterexample["X"], r.counterexample["A"]
    assert np.all(X == np.round(X)) and np.all(A == np.round(A))  # small integers
    Xi = np.linalg.inv(X)
    np.testing.assert_allclose(r.claimed_value, -Xi.T @ A @ Xi.T, atol=1e-9)
    f = lambda X, A: np.trace(np.linalg.inv(X) @ A)
    truth = to_layout(jacobian_fd(f, {"X": X, "A": A}, "X"), 0, 2, "numerator")
    np.testing.assert_allclose(r.expected_value, truth, rtol=1e-5, atol=1e-6)
    assert not np.allclose(r.claimed_value, r.expected_value)


def test_wrong_shape_is_a_verdict_not_an_exception():
    r = ed.check("tr(X' A X)", "X", claim="X")
    assert r.ok is False and "shape" in r.reason


def test_claim_with_unknown_names_is_an_error():
    with pytest.raises(ed.EinderivError, match="Q"):
        ed.check("tr(X' A X)", "X", claim="Q X")


def test_claim_that_does_not_parse_points_into_the_claim():
    with pytest.raises(ed.ParseError) as info:
        ed.check("tr(X' A X)", "X", claim="X' (A + ")
    assert "claim" in str(info.value)
    assert info.value.column >= 8 and "^" in info.value.context  # at the end of the claim


@pytest.mark.parametrize("n", [2000, 4294967296])
def test_sizes_too_large_to_probe_are_decided_symbolically_or_left_undecided(n):
    # 2**32-by-2**32 has 2**64 entries: an int64 product of the sizes wrapped to 0, so check
    # drew a probe of that size and failed with numpy's "array is too big" (an internal error)
    where = f"X: matrix({n}, {n})"
    right = ed.check("tr(X)", "X", claim="I", where=where)
    assert right.ok is True and right.method == "equal canonical forms"
    wrong = ed.check("tr(X)", "X", claim="2 I", where=where)
    assert wrong.ok is None and "too large to probe" in wrong.reason


def test_ill_conditioned_matrices_do_not_fool_the_probes():
    # d log|X| = X^-1 : right, decided repeatedly without a false verdict
    for _ in range(5):
        assert ed.check("log|X|", "X", claim="X^-1").ok is True
        assert ed.check("log|X|", "X", claim="X^-T").ok is False


def test_a_probe_asks_the_condition_of_few_matrices(monkeypatch):
    # d(x' (A0 + ... + A199) x)/dx = x' (S + S'), S = A0 + ... + A199: defined at every A_k,
    # singular or not. A probe asks the condition number of the matrices inverted and of the
    # first 8 only (every square variable was asked: integer draws were redrawn until all 200
    # were invertible, 1,419 condition numbers; for 1,000 terms 14,230, seconds)
    real, asked = np.linalg.cond, []
    monkeypatch.setattr(np.linalg, "cond", lambda a, *p: asked.append(1) or real(a, *p))
    result = ed.check("x' (" + " + ".join(f"A{k}" for k in range(200)) + ") x", "x", claim="0")
    assert result.ok is False and len(asked) < 200
    point = result.counterexample
    S = sum(point[f"A{k}"] for k in range(200))
    assert np.any(point["x"] @ (S + S.T) != 0)  # the claim 0 is wrong there (numpy)
    # x' inv(A) x is defined only where A is invertible: A's condition is asked
    asked.clear()
    assert ed.check("x' inv(A) x", "x", claim="0").ok is False and asked


# -- steps ------------------------------------------------------------------------------------

STEP_CASES = [
    # identity, wrt, numpy original, inputs
    (
        "tr(X' A X)",
        "X",
        lambda X, A: np.trace(X.T @ A @ X),
        lambda r: {"X": r.normal(size=(3, 2)), "A": r.normal(size=(3, 3))},
    ),
    ("tr(X^3)", "X", lambda X: np.trace(X @ X @ X), lambda r: {"X": r.normal(size=(3, 3))}),
    (
        "x' A x",
        "x",
        lambda A, x: x @ A @ x,
        lambda r: {"A": r.normal(size=(3, 3)), "x": r.normal(size=3)},
    ),
    (
        "tr(A X B)",
        "X",
        lambda A, B, X: np.trace(A @ X @ B),
        lambda r: {
            "A": r.normal(size=(2, 3)),
            "X": r.normal(size=(3, 4)),
            "B": r.normal(size=(4, 2)),
        },
    ),
    (
        "log|X|",
        "X",
        lambda X: np.log(np.linalg.det(X)),
        lambda r: {"X": 3 * np.eye(3) + 0.3 * r.normal(size=(3, 3))},
    ),
]


@pytest.mark.parametrize("expr, wrt, fn, inputs", STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_each_printed_step_reads_back_to_the_same_numbers(expr, wrt, fn, inputs):
    g = ed.diff(expr, wrt)
    values = inputs(np.random.default_rng(11))
    lines = g.steps().splitlines()
    stages = [lines[k + 1].strip() for k, line in enumerate(lines) if re.match(r"^\d+\. ", line)]
    assert len(stages) == 4  # indexed sum, deltas, deltas contracted, matrix form
    where = "; ".join(
        f"{n}: {v.kind}" + (f"({', '.join(map(str, v.dims))})" if v.dims else "")
        for n, v in g.variables.items()
    )
    # 1. the indexed sum is the original function
    original = ed.parse(stages[0], where=where)
    np.testing.assert_allclose(original(**values), fn(**values), rtol=1e-9)
    # 2-4. every later stage is the derivative (numerator layout)
    truth = to_layout(jacobian_fd(fn, values, wrt), 0, np.ndim(values[wrt]), "numerator")
    for text in stages[1:]:
        shape = tuple(None if i is None else i.dim for i in g.slots)
        stage = ed.parse(text, where=where, shape=shape if text == stages[-1] else None)
        got = stage(**{k: v for k, v in values.items() if k in stage.variables})
        np.testing.assert_allclose(got, truth, rtol=1e-5, atol=1e-6, err_msg=text)


def test_steps_show_the_chain_as_the_notes_do():
    steps = ed.diff("tr(X^3)", "X").steps()
    assert "X[a,b] X[b,c] X[c,a]" in steps
    assert "delta" in steps
    assert steps.rstrip().endswith("3 X^2")
