"""Issue 10 items 2 and 3: index notation means one thing, and every printed form reads back.

Item 2: an index written two or more times in one product is summed over once, whatever the
factor is written as (numpy's implicit ``einsum``): ``A[i,i] x[i] = sum_i A[i,i] x[i]``.
Item 3: ``str`` and ``index()`` parse back (same declarations) to the same values. Every
reference value here is plain numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, jacobian_fd, rng_for

N = 3
WHERE = "A: matrix(n,n); B: matrix(n,n); x: vector(n); u: vector(n)"


def _expm(a: np.ndarray) -> np.ndarray:
    return np.exp(a)  # exp(A) is elementwise in einderiv


def _arrays():
    rng = rng_for("index-reading")
    a, b = rng.standard_normal((N, N)), rng.standard_normal((N, N))
    x, u = rng.standard_normal(N), rng.standard_normal(N)
    return {"A": a, "B": b, "x": x, "u": u}


# sum_i M[i,i] x[i] = diag(M)' x for every way of writing the factor M[i,i]
FACTORS = {
    "A[i,i] x[i]": lambda v: v["A"],
    "(A^5)[i,i] x[i]": lambda v: np.linalg.matrix_power(v["A"], 5),
    "(A^2)[i,i] x[i]": lambda v: v["A"] @ v["A"],
    "(A B)[i,i] x[i]": lambda v: v["A"] @ v["B"],
    "(2 A)[i,i] x[i]": lambda v: 2 * v["A"],
    "exp(A)[i,i] x[i]": lambda v: _expm(v["A"]),
    "x[i] (A + B)[i,i]": lambda v: v["A"] + v["B"],
    "x[i] inv(I + A A')[i,i]": lambda v: np.linalg.inv(np.eye(N) + v["A"] @ v["A"].T),
}


@pytest.mark.parametrize("text", sorted(FACTORS))
def test_an_index_written_three_times_is_summed_once(text: str):
    # M[i,i] x[i] = sum_i M[i,i] x[i], a scalar, whatever M is written as
    v = _arrays()
    f = ed.parse(text, where=WHERE)
    assert f.shape == ()
    assert_close(f(**{k: v[k] for k in f.variables}), np.diag(FACTORS[text](v)) @ v["x"])


def test_a_repeated_index_of_a_compound_entry_alone_is_a_trace():
    # (A B)[i,i] = tr(A B);  delta[i,i] x[i] = sum(x)
    v = _arrays()
    assert_close(ed.parse("(A B)[i,i]", where=WHERE)(A=v["A"], B=v["B"]), np.trace(v["A"] @ v["B"]))
    assert_close(ed.parse("x[c] delta[c,c]", where=WHERE)(x=v["x"]), v["x"].sum())


def test_parentheses_do_not_delimit_a_sum():
    # x[a] (A[a,b] x[b]) = x' A x: the parentheses group, the product sums a and b
    v = _arrays()
    f = ed.parse("x[a] (A[a,b] x[b])", where=WHERE)
    assert_close(f(A=v["A"], x=v["x"]), v["x"] @ v["A"] @ v["x"])


def test_generalised_delta_reads_back_exactly():
    # u[c] diag(diag(A))[e,c] = A[e,e] u[e]; its index form prints a generalised delta
    v = _arrays()
    f = ed.parse("u[c] diag(diag(A))[e,c]", where=WHERE)
    expected = np.diag(v["A"]) * v["u"]
    assert_close(f(A=v["A"], u=v["u"]), expected)
    back = ed.parse(f.index(), where=WHERE)
    assert_close(back(A=v["A"], u=v["u"]), expected)


def test_product_of_equal_inner_products_reads_back():
    # (x' x)(x' x) = |x|^4, not sum_a x[a]^4
    v = _arrays()
    f = ed.parse("(x' x) (x' x)", where=WHERE)
    assert_close(ed.parse(f.index(), where=WHERE)(x=v["x"]), (v["x"] @ v["x"]) ** 2)


def test_a_scalar_after_a_row_vector_reads_back():
    # d (exp(u)' u v'v)^2 / du = 2 s (v'v) (exp(u) .* u + exp(u))',  s = exp(u)' u v'v
    rng = rng_for("row-scalar")
    u, w = rng.standard_normal(N), rng.standard_normal(2)
    where = "u: vector(n); v: vector(m)"
    g = ed.diff("(exp(u)' u (v' v))^2", "u", where=where)
    s = np.exp(u) @ u * (w @ w)
    expected = 2 * s * (w @ w) * (np.exp(u) * u + np.exp(u))
    assert_close(g(u=u, v=w), expected)
    for text in (str(g), g.index()):
        assert_close(ed.parse(text, where=where)(u=u, v=w), expected)


def test_quadratic_forms_product_derivative_reads_back():
    # d sqrt(a'Pa b'Qb)/da = 0.5 (a'Pa b'Qb)^(-1/2) b'Qb a'(P + P')
    rng = rng_for("sqrt-forms")
    a, b = rng.uniform(0.5, 1, N), rng.uniform(0.5, 1, 2)
    p, q = np.eye(N) + 0.1 * rng.random((N, N)), np.eye(2) + 0.1 * rng.random((2, 2))
    where = "a: vector(n); b: vector(m); P: matrix(n, n); Q: matrix(m, m)"
    g = ed.diff("sqrt((a' P a) (b' Q b))", "a", where=where)
    fa, fb = a @ p @ a, b @ q @ b
    expected = 0.5 * (fa * fb) ** -0.5 * fb * (a @ (p + p.T))
    values = {"a": a, "b": b, "P": p, "Q": q}
    assert_close(g(**values), expected)
    for text in (str(g), g.index()):
        assert_close(ed.parse(text, where=where)(**values), expected)


# -- found by the random read-back fuzz (tests/check_fuzz.py) ---------------------------------


def test_determinant_of_an_identity_is_one_whatever_its_size():
    # det(diag(q ./ q)) = det(I) = 1: d((det(W + 3I) - log(p)') / det(I))/dp = -diag(1 ./ p),
    # and its index form no longer holds an unsized det(I) (which did not read back)
    where = "p: vector(2); W: matrix(3, 3); q: vector(3)"
    p = np.array([0.5, 2.0])
    g = ed.diff("(det(W + 3 * I) - log(p)^T) / det(diag(q ./ q))", "p", where=where)
    values = {"p": p, "W": np.eye(3), "q": np.array([1.0, -2.0, 3.0])}
    expected = -np.diag(1 / p)
    assert_close(g(**values), expected)
    back = ed.parse(g.index(), where=where)
    assert_close(back(p=p, **{d: 2 for d in back.shape if isinstance(d, str)}), expected)
    # d(x'x det(I) + logdet(I))/dx = 2 x': no size of I is needed once det(I) = 1
    x = np.array([1.0, -2.0, 0.5])
    assert_close(ed.diff("x' x det(I) + logdet(I)", "x")(x=x), 2 * x)


@pytest.mark.parametrize(
    "text, wrt, numpy_f",
    [
        # d/dz sum(exp(2 z (x' y))) = 2 (x' y) exp(2 (x' y) z'): a number before a row-led chain
        ("sum(exp(2 z (x' y)))", "z", lambda x, y, z: np.sum(np.exp(2 * z * (x @ y)))),
        # d/dy norm2(x (y' exp(y))) and d/dy norm2(exp(y) (y' x))
        ("norm2(x (y' exp(y)))", "y", lambda x, y, z: np.linalg.norm(x * (y @ np.exp(y)))),
        ("norm2(exp(y) (y' x))", "y", lambda x, y, z: np.linalg.norm(np.exp(y) * (y @ x))),
    ],
)
def test_a_number_before_a_row_keeps_the_scalar_grouped(text, wrt, numpy_f):
    # found by an independent review: (2 x' y z)' was printed 2 z' y' x, which does not parse
    # (the number hid the row that starts the chain); its scalar x' y stays grouped now
    rng = rng_for("number-row")
    values = {v: 0.4 * rng.normal(size=3) for v in "xyz"}
    g = ed.diff(text, wrt)
    expected = jacobian_fd(lambda **v: numpy_f(**{**values, **v}), {wrt: values[wrt]}, wrt)
    used = {k: values[k] for k in g.variables}
    assert_close(g(**used), expected)
    back = ed.parse(str(g), shape=g.shape)
    assert_close(back(**{k: values[k] for k in back.variables}), expected)
    assert ed.check(text, wrt, claim=str(g)).verdict != "wrong"


def test_two_index_letters_run_together_get_a_hint():
    # A_{ij} with A a matrix: one index named ij; the message spells A[i,j] and A_{i,j}
    with pytest.raises(ed.ShapeError, match=r"write A\[i,j\], in LaTeX A_\{i,j\}"):
        ed.parse(r"A_{ij} x_{j}", where="A: matrix(n, n)")


def _layout(jac: np.ndarray, ny: int, layout: str) -> np.ndarray:
    """The jacobian-layout D[I, J] in ``layout`` (SPEC 2): numerator reverses X's axes,
    denominator reverses all of the numerator's."""
    if layout == "jacobian":
        return jac
    numerator = jac.transpose(list(range(ny)) + list(range(jac.ndim - 1, ny - 1, -1)))
    return numerator if layout == "numerator" else numerator.transpose()


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
@pytest.mark.parametrize(
    "text, numpy_f, shapes",
    [
        # d(A X)[k,m] / dX[l,n] = A[k,l] delta[m,n]: d vec(A X) / d vec(X)' = I (x) A
        ("A[k,l] X[l,m]", lambda A, X: A @ X, {"A": (3, 4), "X": (4, 2)}),
        # d X[j,i] / dX: the commutation matrix
        ("X[j,i]", lambda X: X.T, {"X": (2, 3)}),
    ],
)
def test_the_kronecker_form_of_an_index_expression_is_its_own_derivative(
    text, numpy_f, shapes, layout
):
    # the Kronecker form's indices never take a name of the result's own indices (k, m; j, i),
    # which check binds by name: it reads back, by check and by ed.parse, as the derivative
    rng = rng_for(text + layout)
    arrays = {name: rng.standard_normal(shape) for name, shape in shapes.items()}
    g = ed.diff(text, "X", layout=layout)
    printed = str(g)
    assert "kron" in printed or "commutation" in printed, printed
    others = {k: v for k, v in arrays.items() if k != "X"}
    jac = jacobian_fd(numpy_f, arrays, "X")
    truth = _layout(jac, 2, layout)
    assert_close(g(**arrays), truth)
    # commutation(n, m) names einderiv's own sizes of the undeclared X: no verdict rests on
    # them; with X declared so, the printed form is right
    named = "commutation" in printed
    verdict = ed.check(text, "X", claim=printed, layout=layout).verdict
    assert verdict == ("undecided" if named else "right")
    where = f"X: matrix({', '.join(map(str, g.variables['X'].dims))})"
    assert ed.check(text, "X", claim=printed, layout=layout, where=where).verdict == "right"
    back = ed.parse(printed)  # free indices in alphabetical order: the axes in order
    sizes = dict(zip(back.shape, truth.shape))
    values = back(**others, **{d: n for d, n in sizes.items() if d not in _dims(back, others)})
    assert_close(values, truth)


def _dims(f, arrays) -> set:
    return {d for name in arrays for d in f.variables[name].dims}


# (A')[i,j] = A[j,i]; an entry transposed bare (A[i,j]', A_{i,j}^\top) is refused, since the
# number A[i,j] transposed is A[i,j] where its reader means (A')[i,j]
@pytest.mark.parametrize("text", ["A[i,j]' x[j]", "A_{i,j}^{\\top} x_{j}", "A_{i,j}^T x_j"])
def test_an_entry_transposed_bare_is_refused(text):
    with pytest.raises(ed.ParseError, match=r"\(A'\)\[i,j\]"):
        ed.parse(text)
    v = _arrays()
    for meant in ("A'[i,j] x[j]", "(A^{\\top})_{i,j} x_{j}"):
        assert_close(ed.parse(meant)(A=v["A"], x=v["x"]), v["A"].T @ v["x"])


# (A[i,j])' is the number A[i,j], written with its parentheses; every form reads it back
def test_a_parenthesised_entry_transposed_reads_back():
    v = _arrays()
    f = ed.parse("(A[i,j])' x[j]")
    assert_close(f(A=v["A"], x=v["x"]), v["A"] @ v["x"])
    for text in (str(f), f.latex(), f.index()):
        assert_close(ed.parse(text)(A=v["A"], x=v["x"]), v["A"] @ v["x"])


@pytest.mark.parametrize(
    "text, meant",
    [
        # `.*` says entry by entry, Einstein summation would sum the shared index: refused, and
        # both readings can be written (the sum, and the entries of the elementwise product)
        ("A[i,j] .* B[i,j]", {"A[i,j] B[i,j]": "ij,ij->", "(A .* B)[i,j]": "ij,ij->ij"}),
        ("x[i] .* u[i]", {"x[i] u[i]": "i,i->", "(x .* u)[i]": "i,i->i"}),
        ("A[i,j] .* x[j]", {"A[i,j] x[j]": "ij,j->i"}),
        ("x[i] ./ u[i]", {"x[i] / u[i]": "i,i->", "(x ./ u)[i]": "i,i->i"}),
    ],
)
def test_an_elementwise_operator_between_entries_sharing_an_index_is_refused(text, meant):
    with pytest.raises(ed.ShapeError, match="Einstein summation sums over"):
        ed.parse(text, where=WHERE)
    v = _arrays()
    for written, spec in meant.items():
        names = [c for c in written if c in "ABxu"]
        arrays = [1 / v[n] if ("/" in written and n == names[-1]) else v[n] for n in names]
        assert_close(ed.parse(written, where=WHERE)(**v), np.einsum(spec, *arrays))


def test_an_elementwise_operator_between_entries_with_other_indices_is_their_product():
    # x[i] .* u[j] shares no index: the outer product x_i u_j, as x[i] u[j]
    v = _arrays()
    got = ed.parse("x[i] .* u[j]", where=WHERE)(**v)
    assert_close(got, np.einsum("i,j->ij", v["x"], v["u"]))


@pytest.mark.parametrize("text", ["x[i] + x[j]", "tr(A[i,j])"])
def test_an_index_notation_refusal_names_no_sizes_to_declare(text):
    # the refusal says what is wrong with the indices; declaring sizes would not help
    with pytest.raises(ed.ShapeError) as caught:
        ed.parse(text, where=WHERE)
    assert "declare the sizes" not in str(caught.value)
    assert str(caught.value).startswith(f"`{text}`")
