"""The Kronecker form of a derivative of a Kronecker product (SPEC section 7): Magnus &
Neudecker's Theorem 3.10, for A m-by-n and B p-by-q,
    d vec(A ⊗ B) = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn} ⊗ vec B) d vec A
                 = (I_n ⊗ K_{q,m} ⊗ I_p)(vec A ⊗ I_{pq}) d vec B,
printed ``kron(I_{n}, kron(commutation(q, m), I_{p})) kron(I, vec(B))`` (it was index notation,
``B[a,b] delta[i,(a,l)] delta[j,(b,k)]``). Each printed form is read back with the same
declarations and compared with the Jacobian of vec(Y) by vec(X) from central differences of
plain numpy (np.kron, column-major vec), at several sizes, 1-sized ones included.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd
from tests.test_kronecker_form import K, call, right_side, vec

RNG = np.random.default_rng(2721)

SIZES = [((2, 3), (2, 2)), ((3, 2), (4, 5)), ((1, 3), (2, 1)), ((2, 1), (1, 1)), ((3, 3), (2, 3))]

# (expression, variable, numpy function)
CASES = [
    ("kron(A, B)", "A", lambda A, B: np.kron(A, B)),
    ("kron(A, B)", "B", lambda A, B: np.kron(A, B)),
    ("kron(A', B)", "A", lambda A, B: np.kron(A.T, B)),
    ("kron(A, B')", "B", lambda A, B: np.kron(A, B.T)),
    ("kron(A, A)", "A", lambda A, B: np.kron(A, A)),
    ("2 kron(B, A) - kron(B, A)", "A", lambda A, B: np.kron(B, A)),
    ("kron(A, A) - 3 kron(A, A)", "A", lambda A, B: -2 * np.kron(A, A)),
    ("kron(A', A)", "A", lambda A, B: np.kron(A.T, A)),
    ("tr(B' B) kron(B, A)", "A", lambda A, B: np.trace(B.T @ B) * np.kron(B, A)),
]


def vec_jacobian(plain, values, wrt):
    """J[(a,b),(i,j)] = dY[a,b] / dX[i,j], both pairs column-major (vec's order)."""
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, wrt)
    return jac.reshape(jac.shape[0], -1, order="F")


def where(shapes):
    return "; ".join(f"{k}: matrix({m}, {n})" for k, (m, n) in shapes.items())


@pytest.mark.parametrize(("text", "wrt", "plain"), CASES, ids=[f"{c[0]}-by-{c[1]}" for c in CASES])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_kronecker_of_kronecker_reads_back(text, wrt, plain, sizes):
    shapes = {"A": sizes[0], "B": sizes[1]}
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    g = ed.diff(text, wrt, where=where(shapes))
    expected = vec_jacobian(plain, values, wrt)
    form = g.kronecker()  # raised "no Kronecker form" before
    assert "commutation" in form or 1 in sizes[0] + sizes[1], form
    back = ed.parse(right_side(form), where=where(shapes))
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)
    # str(g) and latex: the numerator-layout tensor (X's axes reversed), in index notation
    # (Y's axes are Kronecker pairs: an entry of the matrix above would not split as they do)
    tensor = np.swapaxes(jacobian_fd(plain, values, wrt), 2, 3)
    for printed in (str(g), g.latex()):
        back = ed.parse(printed, where=where(shapes), shape=g.shape)
        assert_close(back(**{k: values[k] for k in back.variables}), tensor, what=printed)


@pytest.mark.parametrize(("text", "wrt", "plain"), CASES[:2], ids=["by-A", "by-B"])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_vec_of_kronecker_prints_indexed(text, wrt, plain, sizes):
    # a vector Y = vec(A ⊗ B): its one axis is the whole row, so str(g) is the matrix indexed
    shapes = {"A": sizes[0], "B": sizes[1]}
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    g = ed.diff(f"vec({text})", wrt, where=where(shapes))
    tensor = np.swapaxes(jacobian_fd(lambda **v: vec(plain(**v)), values, wrt), 1, 2)
    assert right_side(g.kronecker()).strip() in str(g)
    back = ed.parse(str(g), where=where(shapes))
    assert_close(call(back, g, values, tensor), tensor, what=str(g))


def test_the_textbook_form_against_numpy_kron():
    # d vec(A ⊗ B) / d vec(A)' = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn} ⊗ vec B), A m-by-n, B p-by-q
    m, n, p, q = 2, 3, 4, 5
    A, B = RNG.standard_normal((m, n)), RNG.standard_normal((p, q))
    w = f"A: matrix({m}, {n}); B: matrix({p}, {q})"
    perm = np.kron(np.eye(n), np.kron(K(q, m), np.eye(p)))
    by_a = perm @ np.kron(np.eye(m * n), vec(B)[:, None])
    by_b = perm @ np.kron(vec(A)[:, None], np.eye(p * q))
    assert_close(by_a, vec_jacobian(lambda A, B: np.kron(A, B), {"A": A, "B": B}, "A"))
    form = ed.diff("kron(A, B)", "A", where=w).kronecker()
    assert form == "d vec(Y) / d vec(A)' = kron(I_3, kron(commutation(5, 2), I_4)) kron(I, vec(B))"
    assert_close(ed.parse(right_side(form), where=w)(B=B), by_a)
    form = ed.diff("kron(A, B)", "B", where=w).kronecker()
    assert form == "d vec(Y) / d vec(B)' = kron(I_3, kron(commutation(5, 2), I_4)) kron(vec(A), I)"
    assert_close(ed.parse(right_side(form), where=w)(A=A), by_b)


def test_named_sizes_read_back():
    # the same forms with the sizes named: kron(I_{n}, kron(commutation(q, m), I_{p})) ...
    w = "A: matrix(m, n); B: matrix(p, q)"
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 2))
    form = ed.diff("kron(A, B)", "A", where=w).kronecker()
    assert "kron(I_n, kron(commutation(q, m), I_p))" in form
    expected = vec_jacobian(lambda A, B: np.kron(A, B), {"A": A, "B": B}, "A")
    assert_close(ed.parse(right_side(form), where=w)(A=A, B=B), expected)


# (expression, numpy function of the symmetric S and B)
SYMMETRIC = [
    ("kron(S, S)", lambda S, B: np.kron(S, S)),
    ("kron(S, B)", lambda S, B: np.kron(S, B)),
    ("kron(B, S)", lambda S, B: np.kron(B, S)),
]


@pytest.mark.parametrize(("text", "plain"), SYMMETRIC, ids=[c[0] for c in SYMMETRIC])
@pytest.mark.parametrize(("n", "b"), [(2, (2, 3)), (3, (1, 2)), (1, (2, 2))], ids=str)
def test_symmetric_variable_takes_the_symmetriser(text, plain, n, b):
    # S symmetric: d vec(S) = N d vec(S), N = (I + K) / 2, so the forms above times N
    w = f"S: symmetric({n}); B: matrix({b[0]}, {b[1]})"
    S = RNG.standard_normal((n, n))
    values = {"S": S + S.T, "B": RNG.standard_normal(b)}
    g = ed.diff(text, "S", where=w)
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, "S", sym=True)
    expected = jac.reshape(jac.shape[0], -1, order="F")
    form = g.kronecker()
    back = ed.parse(right_side(form), where=w)
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)


# (expression, numpy function, declarations): a matrix Y whose rows are a Kronecker pair, by
# the vector x: the permutation, then kron(I, vec(F)) (was "no Kronecker form")
BY_VECTOR = [
    (
        "kron(x, P) A",
        lambda x, P, A: np.kron(x[:, None], P) @ A,
        "P: matrix(3, 6); A: matrix(6, 4)",
    ),
    (
        "kron(x, P) A",
        lambda x, P, A: np.kron(x[:, None], P) @ A,
        "P: matrix(1, 2); A: matrix(2, 3)",
    ),
    ("kron(x + x, a .* P)", lambda x, P, a: np.kron(2 * x[:, None], a * P), "P: matrix(2, 3)"),
    (
        "kron(P, x) A",
        lambda x, P, A: np.kron(P, x[:, None]) @ A,
        "P: matrix(2, 3); A: matrix(3, 2)",
    ),
]


@pytest.mark.parametrize(("text", "plain", "w"), BY_VECTOR, ids=[c[0] + c[2] for c in BY_VECTOR])
@pytest.mark.parametrize("n", [3, 1])
def test_kronecker_pair_rows_by_a_vector(text, plain, w, n):
    w = f"x: vector({n}); {w}" + ("; a: scalar" if "a ." in text else "")
    shapes = dict(re.findall(r"(\w+): matrix(\(\d+, \d+\))", w))
    values = {k: RNG.standard_normal(eval(s)) for k, s in shapes.items()}
    values.update(x=RNG.standard_normal(n), a=0.7)
    values = {k: v for k, v in values.items() if k in text}
    g = ed.diff(text, "x", where=w)
    form = g.kronecker()
    expected = vec_jacobian(plain, values, "x")
    back = ed.parse(right_side(form), where=w)
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)


def test_a_commutation_beside_a_sized_identity_meets_an_open_one():
    # kron(K_{4,3}, I_3) kron(I, vec(P A)): columns 3*4*3 against 3*4*?, the open size is 3
    # (it was "shapes do not fit": the reader took the 3 for the open one)
    P, A = RNG.standard_normal((3, 6)), RNG.standard_normal((6, 4))
    text = "kron(commutation(4, 3), I_{3}) kron(I, vec(P A))"
    got = ed.parse(text, where="P: matrix(3, 6); A: matrix(6, 4)")(P=P, A=A)
    want = np.kron(K(4, 3), np.eye(3)) @ np.kron(np.eye(3), vec(P @ A)[:, None])
    assert_close(got, want)


def test_sized_identities_only_where_text_reads_them():
    # I_{n} makes parse read a text as LaTeX, where pos_v and log_softmax are other things:
    # such a form is not printed (no Kronecker form, index notation as before)
    w = "A: matrix(2, 3); B: matrix(2, 2); pos_v: matrix(2, 2)"
    for text in ("kron(A, pos_v)", "kron(A, log_softmax(B))"):
        g = ed.diff(text, "A", where=w)
        with pytest.raises(ed.EinderivError, match="no Kronecker form"):
            g.kronecker()


# (expression, numpy function of X and C, X symmetric): an elementwise end, C diag(vec(F))
ELEMENTWISE = [
    ("C vec(exp(X))", lambda X, C: C @ vec(np.exp(X)), False),
    ("C vec(X .* X)", lambda X, C: C @ vec(X * X), False),
    ("vec(exp(X))' C", lambda X, C: vec(np.exp(X)) @ C, False),
    ("C vec(exp(X'))", lambda X, C: C @ vec(np.exp(X.T)), True),
    ("C vec(exp(X))", lambda X, C: C @ vec(np.exp(X)), True),
]


@pytest.mark.parametrize(
    ("text", "plain", "sym"), ELEMENTWISE, ids=[f"{c[0]}-{c[2]}" for c in ELEMENTWISE]
)
@pytest.mark.parametrize(("m", "n", "k"), [(2, 3, 4), (3, 3, 1), (1, 2, 2)], ids=str)
def test_an_elementwise_end_is_a_diagonal(text, plain, sym, m, n, k):
    # d vec(C vec(F(X))) = C diag(vec(F'(X))) d vec(X) (was index notation)
    if sym:
        n = m
    w = f"X: {'symmetric' if sym else 'matrix'}({m}{'' if sym else f', {n}'}); "
    w += f"C: matrix({m * n}, {k})" if "'" in text and not sym else f"C: matrix({k}, {m * n})"
    X = RNG.standard_normal((m, n))
    values = {"X": X + X.T if sym else X, "C": RNG.standard_normal((k, m * n))}
    if "'" in text and not sym:
        values["C"] = values["C"].T
    g = ed.diff(text, "X", where=w)
    jac = jacobian_fd(lambda **v: np.atleast_1d(plain(**v)), values, "X", sym=sym)
    expected = jac.reshape(jac.shape[0], -1, order="F")
    form = g.kronecker()
    assert "diag(vec(" in form, form
    back = ed.parse(right_side(form), where=w)
    assert_close(back(**values), expected, what=form)
    tensor = np.swapaxes(jac, 1, 2)  # str(g): the numerator layout, X's axes reversed
    assert_close(call(ed.parse(str(g), where=w), g, values, tensor), tensor, what=str(g))


# (expression, numpy function, where the product stands in a chain): d vec(Y) = G H d vec(X),
# H = d vec(A ⊗ B) / d vec(X)' (above), G = d vec(Y) / d vec(A ⊗ B)': kron(D', C), kron(x', I)
CHAINS = [
    ("C kron(A, B) D", lambda A, B, C, D, x, E: C @ np.kron(A, B) @ D),
    ("kron(A, B) x", lambda A, B, C, D, x, E: np.kron(A, B) @ x),
    ("x' kron(A, B)", lambda A, B, C, D, x, E: x @ np.kron(A, B)),
    ("C kron(A, A) D", lambda A, B, C, D, x, E: C @ np.kron(A, A) @ D),
    ("tanh(C kron(A, B) D)", lambda A, B, C, D, x, E: np.tanh(C @ np.kron(A, B) @ D)),
    ("C kron(A, B)", lambda A, B, C, D, x, E: C @ np.kron(A, B)),
    ("exp(kron(A, B))", lambda A, B, C, D, x, E: np.exp(np.kron(A, B))),
    ("kron(A, B) .* E", lambda A, B, C, D, x, E: np.kron(A, B) * E),
    ("kron(kron(A, B), x)", lambda A, B, C, D, x, E: np.kron(np.kron(A, B), x[:, None])),
]


@pytest.mark.parametrize(("text", "plain"), CHAINS, ids=[c[0] for c in CHAINS])
@pytest.mark.parametrize("wrt", ["A", "B"])
@pytest.mark.parametrize("sizes", [((2, 3), (2, 2)), ((1, 2), (3, 1)), ((3, 1), (2, 2))], ids=str)
def test_a_kronecker_product_inside_a_chain(text, plain, wrt, sizes):
    (m, n), (p, q) = sizes
    if "kron(A, A)" in text:
        p, q = m, n
    shapes = {"A": (m, n), "B": (p, q), "C": (2, m * p), "D": (n * q, 3), "E": (m * p, n * q)}
    shapes["x"] = (m * p,) if text.startswith("x'") else (n * q,)
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    w = "; ".join(
        f"{k}: vector({s[0]})" if len(s) == 1 else f"{k}: matrix({s[0]}, {s[1]})"
        for k, s in shapes.items()
        if k in text.replace("tanh", "")
    )
    if wrt not in text:
        return
    g = ed.diff(text, wrt, where=w)
    if 1 in (m, n, p, q):  # a size 1 inside: index notation (a reader could not pair it)
        with pytest.raises(ed.EinderivError, match="no Kronecker form"):
            g.kronecker()
        return
    form = g.kronecker()  # "no Kronecker form" before
    expected = vec_jacobian(lambda **v: np.atleast_1d(plain(**{**values, **v})), values, wrt)
    back = ed.parse(right_side(form), where=w)
    assert_close(back(**{k: values[k] for k in back.variables}), expected, what=form)
    # str(g): the form indexed, its rows Y's (C and D stand outside the Kronecker product)
    own = {k: v for k, v in values.items() if k in g.variables}
    tensor = g(**own)
    back = ed.parse(str(g), where=w, shape=g.shape)
    assert_close(back(**{k: values[k] for k in back.variables}), tensor, what=str(g))
    jac = jacobian_fd(lambda **v: np.atleast_1d(plain(**{**values, **v})), values, wrt)
    assert_close(tensor, np.swapaxes(jac, -1, -2), what=str(g))


def test_a_declared_size_meets_the_product_of_a_run():
    # kron(D', C) (columns 4 by 6, as declared) times kron(kron(F, E), kron(B, A)) (rows
    # 2*2*2*3): 4 = 2*2 and 6 = 2*3 are the same positions (column-major), as numpy.kron has
    # them (it was "shapes do not fit"; the printed chain forms above need it)
    shapes = {"A": (2, 1), "B": (2, 2), "C": (3, 4), "D": (6, 2), "E": (2, 1), "F": (3, 2)}
    w = "; ".join(f"{k}: matrix({m}, {n})" for k, (m, n) in shapes.items())
    v = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    got = ed.parse("kron(D', C) kron(kron(F, E), kron(B, A))", where=w)(**v)
    want = np.kron(v["D"].T, v["C"]) @ np.kron(np.kron(v["F"], v["E"]), np.kron(v["B"], v["A"]))
    assert_close(got, want)
    # runs on both sides (2, 2 against 1, 4) stay refused: tr(kron(P, Q)), Q 2-by-1
    with pytest.raises(ed.EinderivError, match="not square"):
        ed.parse("tr(kron(P, Q))", where="P: matrix(2, 4); Q: matrix(2, 1)")


def test_check_reads_the_printed_chain():
    # einderiv's own form of d vec(C (A ⊗ B) D) / d vec(A)' is right (it raised "delta over
    # different dimensions 4 and 8": C's 4 columns split 2*2 met a pair split 8*3 in simplify),
    # and a wrong factor is wrong; the numbers: central differences of np.kron
    w = "A: matrix(2, 3); B: matrix(2, 2); C: matrix(3, 4); D: matrix(6, 2)"
    g = ed.diff("C kron(A, B) D", "A", where=w)
    form = g.kronecker()
    assert ed.check("C kron(A, B) D", "A", form, where=w).verdict == "right"
    wrong = form.replace("kron(I, vec(B))", "kron(I, vec(B'))")
    assert ed.check("C kron(A, B) D", "A", wrong, where=w).verdict == "wrong"
    v = {
        k: RNG.standard_normal(s)
        for k, s in [("A", (2, 3)), ("B", (2, 2)), ("C", (3, 4)), ("D", (6, 2))]
    }
    plain = lambda A, B, C, D: C @ np.kron(A, B) @ D
    assert_close(
        ed.parse(right_side(form), where=w)(B=v["B"], C=v["C"], D=v["D"]),
        vec_jacobian(plain, v, "A"),
    )


def test_check_of_the_bare_form_is_not_wrong():
    # kron(I_3 ⊗ K_{2,2} ⊗ I_2)(I_6 ⊗ vec B) is d vec(A ⊗ B) / d vec(A)' (numpy below)
    # but not the 4-axis derivative as written: undecided, as kron(B', A) for A X B (it was
    # "wrong");
    # with vec(B') it is neither: wrong
    w = "A: matrix(2, 3); B: matrix(2, 2)"
    form = "kron(I_{3}, kron(commutation(2, 2), I_{2})) kron(I, vec(B))"
    B = RNG.standard_normal((2, 2))
    want = np.kron(np.eye(3), np.kron(K(2, 2), np.eye(2))) @ np.kron(np.eye(6), vec(B)[:, None])
    got = vec_jacobian(lambda A, B: np.kron(A, B), {"A": RNG.standard_normal((2, 3)), "B": B}, "A")
    assert_close(got, want)
    assert ed.check("kron(A, B)", "A", form, where=w).verdict == "undecided"
    wrong = form.replace("vec(B)", "vec(B')")
    assert ed.check("kron(A, B)", "A", wrong, where=w).verdict == "wrong"


def test_check_of_the_bare_form_with_sizes_of_one_is_not_wrong():
    # the same for A 3-by-2, B 1-by-4: (I_2 ⊗ K_{4,3} ⊗ I_1)(I_6 ⊗ vec B) is d vec(A ⊗ B) /
    # d vec(A)' (numpy below), which the Kronecker reading cannot line up (sizes of 1): it was
    # "wrong" (wrong shape), now undecided; a wrong factor is never right
    w = "A: matrix(3, 2); B: matrix(1, 4)"
    form = right_side(ed.diff("kron(A, B)", "A", where=w).kronecker()).strip()
    assert form == "kron(I_2, kron(commutation(4, 3), I_1)) kron(I, vec(B))"
    B = RNG.standard_normal((1, 4))
    want = np.kron(np.eye(2), K(4, 3)) @ np.kron(np.eye(6), vec(B)[:, None])
    got = vec_jacobian(lambda A, B: np.kron(A, B), {"A": RNG.standard_normal((3, 2)), "B": B}, "A")
    assert_close(got, want)
    for text in ("kron(A, B)", "vec(kron(A, B))"):
        assert ed.check(text, "A", form, where=w).verdict == "undecided"
        wrong = form.replace("commutation(4, 3)", "commutation(3, 4)")
        assert ed.check(text, "A", wrong, where=w).verdict != "right"


def test_a_closed_scalar_stands_in_front():
    # tr(B' B) (A ⊗ B) by A: tr(B' B) P (I ⊗ vec B), not P (I ⊗ vec(tr(B' B) B)); the values
    # are test_kronecker_of_kronecker_reads_back's
    w = "A: matrix(2, 3); B: matrix(2, 2)"
    form = right_side(ed.diff("tr(B' B) kron(A, B)", "A", where=w).kronecker()).strip()
    assert form == "tr(B' B) kron(I_3, kron(commutation(2, 2), I_2)) kron(I, vec(B))"
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 2))
    plain = lambda A, B: np.trace(B.T @ B) * np.kron(A, B)
    assert_close(ed.parse(form, where=w)(B=B), vec_jacobian(plain, {"A": A, "B": B}, "A"))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("kron(A, B) / 3", lambda A, B, C, D: np.kron(A, B) / 3),
        ("vec(kron(A, B)) / 3", lambda A, B, C, D: vec(np.kron(A, B)) / 3),
        ("C kron(A, B) D / 3", lambda A, B, C, D: C @ np.kron(A, B) @ D / 3),
    ],
)
def test_a_third_in_front_of_a_sized_form_reads_back(text, plain):
    # (1/3) (I_3 ⊗ K_{2,2} ⊗ I_2)(I_6 ⊗ vec B): printed 1/3 kron(I_{3}, ..), which I_{3} makes
    # a LaTeX text, where 1/3 x is refused (print_fuzz --kron seed 2731); now .. / 3
    w = "A: matrix(2, 3); B: matrix(2, 2); C: matrix(3, 4); D: matrix(6, 2)"
    shapes = {"A": (2, 3), "B": (2, 2), "C": (3, 4), "D": (6, 2)}
    v = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    g = ed.diff(text, "A", where=w)
    form = right_side(g.kronecker())
    back = ed.parse(form, where=w)
    assert_close(back(**{k: v[k] for k in back.variables}), vec_jacobian(plain, v, "A"))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("tr(B' B) kron(A, B) / 3", lambda A, B: np.trace(B.T @ B) * np.kron(A, B) / 3),
        ("kron(A, B) / (3 tr(B))", lambda A, B: np.kron(A, B) / (3 * np.trace(B))),
    ],
)
def test_a_third_beside_a_scalar_is_no_unreadable_form(text, plain):
    # 1/3 tr(B' B) kron(I_{3}, ..) was printed and refused when read (LaTeX: 1/3 x); a Kronecker
    # form, when there is one, reads back as numpy's matrix
    w = "A: matrix(2, 3); B: matrix(2, 2)"
    v = {"A": RNG.standard_normal((2, 3)), "B": RNG.standard_normal((2, 2))}
    g = ed.diff(text, "A", where=w)
    try:
        form = right_side(g.kronecker())
    except ed.EinderivError:
        return  # index notation (SPEC 7 allows no Kronecker form)
    back = ed.parse(form, where=w)
    assert_close(back(**{k: v[k] for k in back.variables}), vec_jacobian(plain, v, "A"))


def test_a_full_kronecker_claim_with_sizes_of_one_is_not_wrong():
    # d vec(B' ⊗ A) / d vec(A)' for A 3-by-2, B 1-by-4: einderiv's own form (numpy below) was
    # "wrong" (not well-formed) as d vec(Y) / d vec(A)' = R: R reads, but indexing it by the
    # derivative's pairs dropped I_1 and did not line up; now undecided, never wrong
    w = "A: matrix(3, 2); B: matrix(1, 4)"
    form = right_side(ed.diff("kron(B', A)", "A", where=w).kronecker()).strip()
    A, B = RNG.standard_normal((3, 2)), RNG.standard_normal((1, 4))
    assert_close(
        ed.parse(form, where=w)(B=B),
        vec_jacobian(lambda A, B: np.kron(B.T, A), {"A": A, "B": B}, "A"),
    )
    claim = f"d vec(Y) / d vec(A)' = {form}"
    assert ed.check("kron(B', A)", "A", claim, where=w).verdict != "wrong"
    wrong = claim.replace("commutation(2, 4)", "commutation(4, 2)")  # K_{4,2} = K_{2,4}'
    assert wrong != claim
    assert ed.check("kron(B', A)", "A", wrong, where=w).verdict != "right"
