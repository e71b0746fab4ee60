"""A Kronecker form whose identities no variable sizes is printed with their sizes.

``d vec(kron(P, p')) / d vec(P)'`` for P 3-by-1 and p of length 2 is kron(p, I_3) (6 by 3);
the engine writes it ``kron(kron(I, p), I)``, which reads back as an ``m*2*n`` by ``m*n``
matrix: 1 by 3 or 3 by 1 (kron(p, I_3) or kron(I_3, p), another function), so evaluating it
asked for a size by keyword, and no keyword names which I is which. The form is now printed
with the sizes the engine gave its identities, ``kron(kron(I_{1}, p), I_{3})``, which reads to
one matrix (print_fuzz --kron seed 2822: 16 such forms). ``str`` keeps the indexed entry
``kron(kron(I, p), I)[(i,j),(l,k)]``, read with ``shape=g.shape`` as before. Truth: central
differences of np.kron, vec column-major.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

RNG = np.random.default_rng(2822)


def _vec_matrix(jac: np.ndarray, ndim_x: int) -> np.ndarray:
    rows = int(np.prod(jac.shape[: jac.ndim - ndim_x]))
    return jac.reshape(rows, -1, order="F")


@pytest.mark.parametrize(
    "text, where, fn",
    [
        ("kron(P, p')", "P: matrix(3, 1); p: vector(2)", lambda P, p: np.kron(P, p[None, :])),
        ("kron(P, x')", "P: matrix(6, 1); x: vector(2)", lambda P, x: np.kron(P, x[None, :])),
        ("kron(p', P)", "P: matrix(4, 1); p: vector(2)", lambda P, p: np.kron(p[None, :], P)),
    ],
)
def test_a_kronecker_form_with_identities_no_variable_sizes_reads_back(text, where, fn):
    # d vec(kron(P, p')) / d vec(P)' = kron(p, I_m) for an m-by-1 P (and kron(I_m, p) for
    # kron(p', P)): the form reads back to central differences, no size asked for
    f = ed.parse(text, where=where)
    values = {k: RNG.normal(size=v.dims) for k, v in f.variables.items()}
    g = ed.diff(f, "P")
    jac = jacobian_fd(fn, values, "P")
    form = g.kronecker().split("=", 1)[1]
    back = ed.parse(form, where=where)
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, _vec_matrix(jac, 2), atol=1e-6)
    back = ed.parse(str(g), where=where, shape=g.shape)  # the entry: its sizes by the shape
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, to_layout(jac, 2, 2, "numerator"), atol=1e-6)


@pytest.mark.parametrize(
    "text, fn",
    [
        ("A .^ (s^tanh(a)) tr(P)", lambda A, s, a, P: A ** (s ** np.tanh(a)) * np.trace(P)),
        ("s^b2 A tr(P)", lambda A, s, b2, P: s**b2 * A * np.trace(P)),
    ],
)
def test_a_sized_kronecker_form_keeps_a_power_of_a_call_as_written(text, fn):
    # d vec(A .^ (s^tanh(a)) tr(P)) / d vec(P)' = vec(A .^ (s^tanh(a))) vec(I_1)' for P 1-by-1;
    # I_{1} makes the text LaTeX, where s^tanh(a) is s^t a n h(a) (s^b2 is s^b 2): the form is
    # written with I unsized instead (its size asked for by keyword), reading back to central
    # differences (print_fuzz seed 3411: "no value given for h")
    where = "P: matrix(1, 1); A: matrix(2, 1); a, b2: scalar; s: scalar"
    g = ed.diff(text, "P", where=where)
    point = {"A": RNG.uniform(0.5, 2, (2, 1)), "s": 1.7, "a": 0.4, "b2": 0.6, "P": np.ones((1, 1))}
    args = {k: v for k, v in point.items() if k in fn.__code__.co_varnames}
    back = ed.parse(g.kronecker().split("=", 1)[1], where=where)
    assert set(back.variables) <= {"P", "A", "a", "b2", "s"}
    got = back(**{k: v for k, v in args.items() if k in back.variables}, n=1)
    jac = jacobian_fd(fn, args, "P")
    np.testing.assert_allclose(got, _vec_matrix(jac, 2), atol=1e-6)


def _kron_chain_case(text, where, fn, wrt, sizes):
    """The printed Kronecker form of d ``text`` / d ``wrt``, its values and the truth."""
    f = ed.parse(text, where=where)
    values = {k: RNG.normal(size=[sizes.get(d, d) for d in v.dims]) for k, v in f.variables.items()}
    if wrt == "S":
        values["S"] = values["S"] + values["S"].T
    jac = jacobian_fd(fn, values, wrt, sym=wrt == "S")
    return ed.diff(f, wrt).kronecker(), values, _vec_matrix(jac, 2)


@pytest.mark.parametrize(
    "text, where, fn, wrt",
    [
        ("kron(p, X)", "p: vector(m); X: matrix(n, k)", lambda p, X: np.kron(p[:, None], X), "X"),
        ("kron(X, p')", "p: vector(m); X: matrix(n, k)", lambda p, X: np.kron(X, p[None]), "X"),
        ("kron(p, S)", "p: vector(m); S: symmetric(n)", lambda p, S: np.kron(p[:, None], S), "S"),
        ("kron(p, S)", "p: vector(3); S: symmetric(2)", lambda p, S: np.kron(p[:, None], S), "S"),
    ],
)
def test_a_kronecker_form_whose_identities_split_a_size_is_printed_sized(text, where, fn, wrt):
    # d vec(kron(p, X)) / d vec(X)' = I_k (x) p (x) I_n for X n-by-k: written kron(I, kron(p,
    # I)), 3 n k by n k for p of length 3, it is as well I_nk (x) p or p (x) I_nk's chain with
    # another split, other matrices, so check left it undecided; written with the engine's
    # sizes it reads to one matrix, the central differences', and check decides it
    form, values, truth = _kron_chain_case(text, where, fn, wrt, {"m": 3, "n": 2, "k": 4})
    right = form.split("=", 1)[1]
    back = ed.parse(right, where=where)
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, truth, atol=1e-6)
    assert ed.check(text, wrt, claim=form, where=where).verdict == "right"
    negated = form.replace("= ", "= -(", 1) + ")"
    assert ed.check(text, wrt, claim=negated, where=where).verdict == "wrong"


def test_bare_identities_that_split_a_size_otherwise_stay_undecided():
    # kron(I, kron(p, I)) for d vec(kron(p, X)) / d vec(X)' (X 2-by-4, p of length 3) is
    # 24-by-8 at I_4, p, I_2 (the derivative, I_k (x) p (x) I_n) and at I_8, p, I_1 or I_2,
    # p, I_4 (not): as written it is not the derivative for every reading, so not "right"
    where = "p: vector(m); X: matrix(n, k)"
    _, values, truth = _kron_chain_case(
        "kron(p, X)", where, lambda p, X: np.kron(p[:, None], X), "X", {"m": 3, "n": 2, "k": 4}
    )
    p = values["p"][:, None]
    assert np.allclose(np.kron(np.eye(4), np.kron(p, np.eye(2))), truth, atol=1e-6)
    assert not np.allclose(np.kron(np.eye(8), p), truth, atol=1e-6)
    claim = "d vec(Y) / d vec(X)' = kron(I, kron(p, I))"
    assert ed.check("kron(p, X)", "X", claim=claim, where=where).verdict == "undecided"
