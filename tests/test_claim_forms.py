"""Claims in LaTeX, as differentials, in bound index notation, and Hessian claims (SPEC 8).

Each row is judged against central finite differences of the ORIGINAL function written in plain
numpy here, with the claim also written in plain numpy: check must say "right" exactly when the
claim's numpy value equals the finite differences (never "right" for a wrong claim).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, hessian_fd, jacobian_fd, rng_for, to_layout

import einderiv as ed

inv = np.linalg.inv


def _args(rng):
    n = 3
    return {
        "X": gen(rng, n, n) + 2 * np.eye(n),
        "A": gen(rng, n, n),
        "B": gen(rng, n, n),
        "x": gen(rng, n),
    }


SQUARE = "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n); x: vector(n)"

# (expression, numpy f, variable, claim, numpy claim in numerator layout)
LATEX = [
    # d tr(X'AX)/dX = X'(A + A')
    (
        "tr(X' A X)",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        r"\mathbf{X}^\top (\mathbf{A} + \mathbf{A}^\top)",
        lambda X, A: X.T @ (A + A.T),
    ),
    (
        "tr(X' A X)",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        r"\mathbf{X}^\top \mathbf{A}",
        lambda X, A: X.T @ A,
    ),
    # d x'Ax/dx = x'(A + A')
    (
        "x' A x",
        lambda x, A: x @ A @ x,
        "x",
        r"\mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)",
        lambda x, A: x @ (A + A.T),
    ),
    (
        "x' A x",
        lambda x, A: x @ A @ x,
        "x",
        r"2 \mathbf{x}^\top \mathbf{A}",
        lambda x, A: 2 * x @ A,
    ),
    # d log|X|/dX = X^-1
    (
        "log(det(X))",
        lambda X: np.log(abs(np.linalg.det(X))),
        "X",
        r"\mathbf{X}^{-1}",
        lambda X: inv(X),
    ),
    (
        "log(det(X))",
        lambda X: np.log(abs(np.linalg.det(X))),
        "X",
        r"\mathbf{X}^{-\top}",
        lambda X: inv(X).T,
    ),
    ("tr(X' A X)", lambda X, A: np.trace(X.T @ A @ X), "X", r"\mathbf{0}", lambda X, A: 0 * X),
]


def _numerator_fd(f, args, wrt, ndim_y):
    jac = jacobian_fd(f, args, wrt)
    return to_layout(jac, ndim_y, np.ndim(args[wrt]), "numerator")


def _only(fn, args):
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    return {k: args[k] for k in names}


@pytest.mark.parametrize("row", LATEX, ids=[r[3] for r in LATEX])
def test_latex_claims_against_finite_differences(row):
    expr, f, wrt, claim, claim_np = row
    args = _args(rng_for(claim))
    truth = _numerator_fd(f, _only(f, args), wrt, np.ndim(f(**_only(f, args))))
    right = close(claim_np(**_only(claim_np, args)), truth, rtol=1e-4)
    result = ed.check(expr, wrt, claim=claim, where=SQUARE)
    assert result.verdict == ("right" if right else "wrong"), str(result)


# (expression, numpy f, variable, differential claim, numpy dY as a function of the args and dX)
DIFFERENTIALS = [
    # d tr(X'AX) = tr(X'(A + A') dX)
    (
        "tr(X' A X)",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        "d f = tr(X' (A + A') dX)",
        lambda X, A, dX: np.trace(X.T @ (A + A.T) @ dX),
    ),
    (
        "tr(X' A X)",
        lambda X, A: np.trace(X.T @ A @ X),
        "X",
        "d f = tr(X' A dX)",
        lambda X, A, dX: np.trace(X.T @ A @ dX),
    ),
    # d(AXB) = A dX B
    ("A X B", lambda X, A, B: A @ X @ B, "X", "dY = A dX B", lambda X, A, B, dX: A @ dX @ B),
    ("A X B", lambda X, A, B: A @ X @ B, "X", "dY = B dX A", lambda X, A, B, dX: B @ dX @ A),
    # d X^-1 = -X^-1 dX X^-1
    (
        "inv(X)",
        lambda X: inv(X),
        "X",
        "dY = -inv(X) dX inv(X)",
        lambda X, dX: -inv(X) @ dX @ inv(X),
    ),
    ("inv(X)", lambda X: inv(X), "X", "dY = inv(X) dX inv(X)", lambda X, dX: inv(X) @ dX @ inv(X)),
    # d(XX) = dX X + X dX; (dX)^2 is not linear in dX
    ("X X", lambda X: X @ X, "X", "dY = dX X + X dX", lambda X, dX: dX @ X + X @ dX),
    ("X X", lambda X: X @ X, "X", "dY = dX dX", lambda X, dX: dX @ dX),
    ("X X", lambda X: X @ X, "X", "dY = 2 X dX + X", lambda X, dX: 2 * X @ dX + X),
    # LaTeX: d log|X| = tr(X^-1 dX)
    (
        "log(det(X))",
        lambda X: np.log(abs(np.linalg.det(X))),
        "X",
        r"\mathrm{d} f = \operatorname{tr}(\mathbf{X}^{-1} \mathrm{d}\mathbf{X})",
        lambda X, dX: np.trace(inv(X) @ dX),
    ),
    ("x' A x", lambda x, A: x @ A @ x, "x", "d f = 2 x' A dx", lambda x, A, dx: 2 * x @ A @ dx),
    (
        "x' A x",
        lambda x, A: x @ A @ x,
        "x",
        r"d f = \mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top) d\mathbf{x}",
        lambda x, A, dx: x @ (A + A.T) @ dx,
    ),
]


@pytest.mark.parametrize("row", DIFFERENTIALS, ids=[r[3] for r in DIFFERENTIALS])
def test_differential_claims_against_finite_differences(row):
    expr, f, wrt, claim, d_np = row
    rng = rng_for(claim)
    right = True
    for _ in range(3):  # dY = D dX for every dX: compare with directional differences
        args = _only(f, _args(rng))
        direction = gen(rng, *np.shape(args[wrt]))
        h = 1e-6
        plus = f(**{**args, wrt: args[wrt] + h * direction})
        minus = f(**{**args, wrt: args[wrt] - h * direction})
        claimed = d_np(**args, **{f"d{wrt}": direction})
        right &= close(claimed, (plus - minus) / (2 * h), rtol=1e-4)
    result = ed.check(expr, wrt, claim=claim, where=SQUARE)
    assert result.verdict == ("right" if right else "wrong"), str(result)


def test_a_wrong_differential_shows_where_it_fails():
    # dY = dX dX is not linear in dX: the counterexample's values are dY claimed and true
    result = ed.check("X X", "X", claim="dY = dX dX")
    X, dX = result.counterexample["X"], result.counterexample["dX"]
    assert close(result.claimed_value, dX @ dX)
    h = 1e-6
    assert close(
        result.expected_value,
        ((X + h * dX) @ (X + h * dX) - (X - h * dX) @ (X - h * dX)) / (2 * h),
        rtol=1e-4,
    )


# d(AXB)[i,j] / dX[k,l] = A[i,k] B[l,j]: indices bound by the expression and the variable
@pytest.mark.parametrize(
    "claim, claim_np",
    [
        ("A[i,k] B[l,j]", lambda A, B: np.einsum("ik,lj->ijkl", A, B)),
        ("A[i,l] B[k,j]", lambda A, B: np.einsum("il,kj->ijkl", A, B)),
    ],
)
def test_bound_index_claims_of_order_four(claim, claim_np):
    args = _args(rng_for(claim))
    jac = jacobian_fd(lambda X, A, B: A @ X @ B, {k: args[k] for k in "XAB"}, "X")  # S_Y + S_X
    right = close(claim_np(args["A"], args["B"]), jac, rtol=1e-4)
    result = ed.check("(A X B)[i,j]", "X[k,l]", claim=claim, where=SQUARE)
    assert result.verdict == ("right" if right else "wrong")


def test_unbound_index_claim_of_order_four_is_refused_not_guessed():
    with pytest.raises(ed.EinderivError, match="which is which"):
        ed.check("A X B", "X", claim="A[i,k] B[l,j]")


@pytest.mark.parametrize(
    "expr, where, claim",
    [
        # d vec(X)[i] / dX[l,k] = delta[i,(k,l)]: with X rectangular, (j,k) in alphabetical
        # order does not even fit the sizes, but another order is right: refused, not "wrong"
        ("vec(X)", "X: matrix(n, p)", "delta[i,(j,k)]"),
        ("vec(X)", "X: matrix(n, p)", "delta[(j,k),i]"),
        ("A X B", "X: matrix(n, p)", "A[i,k] B[l,j]"),
    ],
)
def test_a_rectangular_unbound_claim_right_in_another_order_is_refused(expr, where, claim):
    with pytest.raises(ed.EinderivError, match="which is which"):
        ed.check(expr, "X", claim=claim, where=where)
    # in no order right: wrong
    assert ed.check(expr, "X", claim=f"2 {claim}", where=where).verdict == "wrong"


# (expression, numpy f, variable, Hessian claim, numpy claim)
HESSIANS = [
    # d2 x'Ax / dx dx' = A + A'
    ("x' A x", lambda x, A: x @ A @ x, "A + A'", lambda x, A: A + A.T),
    ("x' A x", lambda x, A: x @ A @ x, "2 A", lambda x, A: 2 * A),
    # d2 sum(exp(x)) = diag(exp(x))
    ("sum(exp(x))", lambda x: np.sum(np.exp(x)), "diag(exp(x))", lambda x: np.diag(np.exp(x))),
    (
        "sum(exp(x))",
        lambda x: np.sum(np.exp(x)),
        "exp(x) exp(x)'",
        lambda x: np.outer(np.exp(x), np.exp(x)),
    ),
]


@pytest.mark.parametrize("row", HESSIANS, ids=[r[2] for r in HESSIANS])
def test_hessian_claims_against_second_differences(row):
    expr, f, claim, claim_np = row
    args = _only(f, _args(rng_for(claim)))
    truth = hessian_fd(f, args, "x")
    right = close(claim_np(**args), truth, rtol=1e-3, atol=1e-5)
    result = ed.check(expr, "x", claim=claim, where=SQUARE, order=2)
    assert result.verdict == ("right" if right else "wrong"), str(result)


def test_hessian_on_the_command_line(capsys):
    from einderiv.cli import main

    assert main(["check", "x' A x", "--wrt", "x", "--claim", "A + A'", "--hessian"]) == 0
    assert main(["check", "x' A x", "--wrt", "x", "--claim", "2 A", "--hessian"]) == 1
    assert "claim:   2 A" in capsys.readouterr().out


def test_unbound_index_claim_in_printed_order_reads_back():
    # the engine's own index notation (free indices in alphabetical order) is the derivative
    # d(AXB)/dX in numerator layout: D[i,j,k,l] = dY[i,j] / dX[l,k] = A[i,l] B[k,j]
    printed = ed.diff("A X B", "X", where=SQUARE).index()
    args = _args(rng_for("printed"))
    A, B = args["A"], args["B"]
    jac = jacobian_fd(lambda X: A @ X @ B, {"X": args["X"]}, "X")
    assert close(np.einsum("il,kj->ijkl", A, B), to_layout(jac, 2, 2, "numerator"))
    assert ed.check("A X B", "X", claim="A[i,l] B[k,j]", where=SQUARE).verdict == "right"
    assert ed.check("A X B", "X", claim=printed, where=SQUARE).verdict == "right"
    # wrong in every order of its indices: wrong, not refused
    assert ed.check("A X B", "X", claim="2 A[i,l] B[k,j]", where=SQUARE).verdict == "wrong"


@pytest.mark.parametrize("wrt", ["X[a,b]", "X[k,l]", "X[u,v]"])
def test_an_index_claim_binds_the_variables_indices_by_name(wrt):
    # d (A X B)[p,q] / d X[r,s] = A[p,r] B[s,q]: the claim's r, s (named as in wrt) are X's
    # axes whatever letters the result's own indices have; the result's go in alphabetical order
    r, s = wrt[2], wrt[4]
    args = _args(rng_for(wrt))
    A, B = args["A"], args["B"]
    jac = jacobian_fd(lambda X: A @ X @ B, {"X": args["X"]}, "X")  # D[p,q,r,s]
    assert close(np.einsum("pr,sq->pqrs", A, B), jac)
    for p, q in (("i", "j"), ("p", "q"), ("c", "d")):
        claim = f"A[{p},{r}] B[{s},{q}]"
        assert ed.check("A X B", wrt, claim=claim, where=SQUARE).verdict == "right", claim
        swapped = f"A[{p},{s}] B[{r},{q}]"  # X's indices swapped: the transpose in X
        assert not close(np.einsum("ps,rq->pqrs", A, B), jac)
        assert ed.check("A X B", wrt, claim=swapped, where=SQUARE).verdict == "wrong", swapped
    # the engine's own output reads back: d(A x)/dx[a] prints A[i,a] (D[i,a] = A[i,a])
    x = args["x"]
    assert close(jacobian_fd(lambda x: A @ x, {"x": x}, "x"), A)
    printed = str(ed.diff("A x", "x[a]", where="A: matrix(3, 3)"))
    assert ed.check("A x", "x[a]", claim=printed, where="A: matrix(3, 3)").verdict == "right"
    assert ed.check("A x", "x[a]", claim="A[a,i]", where="A: matrix(3, 3)").verdict == "wrong"


# -- symmetric conventions (SPEC 2, Srinivasan & Panda 2023) ------------------------------------


def test_symmetric_convention_is_wrong_with_its_name():
    # d log|S| / dS over symmetric S is S^-1 ((G + G')/2 with G = S^-T), not 2 S^-1 - S^-1 .* I
    from fd import spd, symmetric_fd

    S = spd(rng_for("sym"), 3)
    truth = symmetric_fd(lambda S: np.log(np.linalg.det(S)), {"S": S}, "S")
    assert close(inv(S), truth, rtol=1e-4)
    textbook = 2 * inv(S) - inv(S) * np.eye(3)
    assert not close(textbook, truth, rtol=1e-4)
    r = ed.check("log(det(S))", "S", claim="2 inv(S) - inv(S) .* I", where="S: symmetric(n)")
    assert r.verdict == "wrong"
    assert "Srinivasan & Panda" in r.diagnosis and "G + G' - G .* I" in r.diagnosis
    r = ed.check("tr(S A)", "S", claim="A + A' - A .* I", where="S: symmetric(n)")
    assert r.verdict == "wrong" and "Srinivasan & Panda" in r.diagnosis


def test_claim_right_only_for_a_symmetric_constant():
    # d x'Ax/dx = (A + A') x (denominator); 2 A x only when A = A'
    rng = rng_for("symA")
    x, A = gen(rng, 3), gen(rng, 3, 3)
    fd_of = lambda A: jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    assert not close(2 * A @ x, fd_of(A), rtol=1e-4)
    As = (A + A.T) / 2
    assert close(2 * As @ x, fd_of(As), rtol=1e-4)
    r = ed.check("x' A x", "x", claim="2 A x", layout="denominator")
    assert r.verdict == "wrong"
    assert r.diagnosis == "right only if A is symmetric; declare `A: symmetric(n)`"
    # and declared symmetric, the claim is right
    assert (
        ed.check(
            "x' A x", "x", claim="2 A x", layout="denominator", where="A: symmetric(n)"
        ).verdict
        == "right"
    )


def test_cross_entropy_claim_right_only_for_labels_that_sum_to_one():
    # d(-y' log(softmax(z)))/dz = (sum(y) softmax(z) - y)' ; (softmax(z) - y)' only if sum(y) = 1
    rng = rng_for("xent")
    z, y = gen(rng, 4), gen(rng, 4)

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    fd_of = lambda y: jacobian_fd(lambda z: -y @ np.log(softmax(z)), {"z": z}, "z")
    assert not close(softmax(z) - y, fd_of(y), rtol=1e-4)
    y1 = y + (1 - y.sum()) / 4  # sums to 1
    assert close(softmax(z) - y1, fd_of(y1), rtol=1e-4)
    r = ed.check("-y' log(softmax(z))", "z", claim="(softmax(z) - y)'")
    assert r.verdict == "wrong"
    assert r.diagnosis.startswith("right only if sum(y) = 1"), r.diagnosis
    r = ed.check("-y' log(softmax(z))", "z", claim="softmax(z) - y")  # the transpose too
    assert "right only if sum(y) = 1" in r.diagnosis, r.diagnosis
    # rows of Y: d(-sum(Y .* log_softmax(X W')))/dW = (diag(Y ones) softmax(X W') - Y)' X
    X, W, Y = gen(rng, 5, 3), gen(rng, 4, 3), gen(rng, 5, 4)

    def loss(W, Y):
        S = np.array([softmax(row) for row in X @ W.T])
        return -np.sum(Y * np.log(S))

    Y1 = Y + (1 - Y.sum(axis=1, keepdims=True)) / 4  # each row sums to 1
    S = np.array([softmax(row) for row in X @ W.T])
    grad = lambda Y: jacobian_fd(lambda W: loss(W, Y), {"W": W}, "W")
    assert close((S - Y1).T @ X, grad(Y1), rtol=1e-4)
    assert not close((S - Y).T @ X, grad(Y), rtol=1e-4)
    claim = "(softmax(X W') - Y)' X"
    r = ed.check("-sum(Y .* log_softmax(X W'))", "W", claim=claim, layout="denominator")
    assert r.verdict == "wrong"
    assert r.diagnosis.startswith("right only if each row of Y sums to 1"), r.diagnosis


def test_a_factor_that_is_a_size_is_said_as_the_size():
    # d mean(x)/dx = ones' / n: ones' is off by the factor n at every size (the mean's 1/n
    # forgotten); it was "off by a factor of 2", the size at the counterexample
    for n in (2, 3, 5):
        x = gen(rng_for(f"mean{n}"), n)
        truth = jacobian_fd(lambda x: np.mean(x), {"x": x}, "x")
        assert close(np.ones(n), n * truth, rtol=1e-6)
    r = ed.check("mean(x)", "x", claim="ones'")
    assert r.verdict == "wrong"
    assert r.diagnosis.startswith("off by a factor of n (the length of x; "), r.diagnosis
    r = ed.check("sum(x)", "x", claim="ones' / len(x)")
    assert r.diagnosis.startswith("off by a factor of 1/n (the length of x; "), r.diagnosis
    # d(x' x)/dx = 2 x': x' is off by 1/2 at every size, a number
    x = gen(rng_for("xx"), 2)
    assert close(x, 0.5 * jacobian_fd(lambda x: x @ x, {"x": x}, "x"), rtol=1e-6)
    assert ed.check("x' x", "x", claim="x'").diagnosis == "off by a factor of 0.5"
    # d sum(2 .^ x)/dx = log(2) (2 .^ x)': (2 .^ x)' is off by 1/log(2) (was 1.44269504089)
    truth = jacobian_fd(lambda x: np.sum(2.0**x), {"x": x}, "x")
    assert close(2.0**x, truth / np.log(2), rtol=1e-6)
    r = ed.check("sum(2 .^ x)", "x", claim="(2 .^ x)'")
    assert r.diagnosis == "off by a factor of 1/log(2)", r.diagnosis


# -- display in notebooks -----------------------------------------------------------------------


def test_result_reprs_carry_latex_that_reads_back():
    import re

    r = ed.check("tr(inv(X) A)", "X", claim="-inv(X)' A inv(X)'", where=SQUARE)
    md, page = r._repr_markdown_(), r._repr_html_()
    claim_tex, correct_tex = re.findall(r"\$([^$]+)\$", md)[:2]
    args = _args(rng_for("repr"))
    X, A = args["X"], args["A"]
    truth = _numerator_fd(lambda X: np.trace(inv(X) @ A), {"X": X}, "X", 0)
    # the correct form's LaTeX reads back to the derivative; the claim's to the claim
    assert close(ed.parse(correct_tex, where=SQUARE)(X=X, A=A), truth, rtol=1e-4)
    assert close(ed.parse(claim_tex, where=SQUARE)(X=X, A=A), -inv(X).T @ A @ inv(X).T)
    assert "wrong" in page and "<pre>" in page  # the counterexample block
    right = ed.check("tr(inv(X) A)", "X", claim="-inv(X) A inv(X)", where=SQUARE)
    assert "correct:" not in right._repr_markdown_()


def test_differential_with_a_constant_term_is_never_right():
    # (k-1)(k-2)(k-3) X is 0 only for k in 1..3: dY = A dX B + that is not a differential
    k = 5
    X = np.eye(2)
    assert (k - 1) * (k - 2) * (k - 3) * X[0, 0] != 0
    where = SQUARE + "; k: integer"
    r = ed.check("A X B", "X", claim="dY = A dX B + (k-1)*(k-2)*(k-3)*X", where=where)
    assert r.verdict != "right"


@pytest.mark.parametrize(
    "text, wrt, where",
    [
        ("W ./ P / sqrt(s)", "W", "s: scalar; P: matrix(3, 3); W: matrix(3, 3)"),
        ("log(sum(softplus(S) ./ (P .* Q)))", "P", "P, Q: matrix(3, 3); S: symmetric(3)"),
    ],
)
def test_a_diagnosis_probe_outside_the_domain_is_no_crash(text, wrt, where):
    # the diagnosis tries the claim with a matrix made symmetric, (P + P')/2, where the values
    # may be nan (sqrt of a negative s): the derivative plus 0.001 everywhere is wrong, with no
    # ValueError ("cannot convert NaN to integer ratio") on the way
    right = str(ed.diff(text, wrt, where=where))
    result = ed.check(text, wrt, claim=f"({right}) + 0.001", where=where)
    assert result.verdict == "wrong"
    values = {k: np.asarray(v) for k, v in result.counterexample.items()}
    f = ed.parse(text, where=where)
    own = {k: v for k, v in values.items() if k in f.variables}
    plain = {
        "W ./ P / sqrt(s)": lambda W, P, s: W / P / np.sqrt(s),
        "log(sum(softplus(S) ./ (P .* Q)))": lambda S, P, Q: np.log(
            np.sum(np.logaddexp(0, S) / (P * Q))
        ),
    }[text]
    truth = jacobian_fd(plain, {k: np.asarray(v, dtype=float) for k, v in own.items()}, wrt)
    claimed = ed.parse(f"({right}) + 0.001", where=where)
    got = claimed(**{k: v for k, v in own.items() if k in claimed.variables})
    assert np.all(np.isfinite(truth)) and np.all(np.isfinite(got))  # a point of the domain
    assert not np.allclose(np.ravel(got), np.ravel(truth.T if truth.ndim == 2 else truth))


# ---- a free index keeps its name on both sides of an index claim (the student's 2 x_i)


@pytest.mark.parametrize(
    "expr, wrt, claim, right",
    [
        # d(x_i x_i)/dx_k = 2 x_k; the claim 2 x_i writes another free index than k
        ("x[i] x[i]", "x[k]", "2 x[i]", False),
        ("x[i] x[i]", "x[k]", "2 x[k]", True),
        # d(A_ij x_j)/dx_k = A_ik; A_jk keeps k but writes j for the derivative's i
        ("A[i,j] x[j]", "x[k]", "A[j,k]", False),
        ("A[i,j] x[j]", "x[k]", "A[i,j]", False),
        ("A[i,j] x[j]", "x[k]", "A[i,k]", True),
        # d(A_ij x_j)/dA_kl = delta_ik x_l; x_j delta_ik writes j for the derivative's l
        ("A[i,j] x[j]", "A[k,l]", "x[j] delta[i,k]", False),
        ("A[i,j] x[j]", "A[k,l]", "delta[i,k] x[l]", True),
    ],
)
def test_a_claim_with_another_free_index_than_the_derivative_is_wrong(expr, wrt, claim, right):
    # numpy: the claim with its free indices as written, against finite differences, equals
    # the derivative only when its free indices are the derivative's (the renamed claim would
    # agree numerically, so the verdict must come from the names)
    rng = rng_for(expr + claim)
    A, x = gen(rng, 3, 3), gen(rng, 3)
    fn = (lambda x: x @ x) if expr.startswith("x") else None
    if fn is None:
        fn = (lambda x: A @ x) if wrt.startswith("x") else (lambda A: A @ x)
    args = {"x": x} if wrt.startswith("x") else {"A": A}
    jac = jacobian_fd(fn, args, wrt[0])  # D[..., k] (or [i, k, l]): the derivative's axes
    r = ed.check(expr, wrt, claim=claim, where="A: matrix(3, 3); x: vector(3)")
    assert r.ok is right, str(r)
    if right:
        e = r.expected
        assert close(
            np.asarray(e(**{k: v for k, v in {"A": A, "x": x}.items() if k in e.variables})), jac
        )
