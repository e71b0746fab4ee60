"""An identity of a size no variable has is printed with it, and a vector named delta in index
notation reads back (issue 13).

``kron(I_2, A)`` printed ``kron(I, A)`` (and ``I \\otimes A``, ``delta[a,b] A[c,d] ...``): read
back, the size of I was open, another function (mutation_fuzz's "other reading"). It prints
``kron(I_{2}, A)`` and ``I_2[a,b] A[c,d] ...`` now. A vector named ``delta`` (undeclared: the
name is reserved in declarations) printed ``delta[a]`` in index notation, which the reader
refuses (``delta`` there is the Kronecker delta): it prints ``delta'[a]`` now, the entries of
its transpose, the same vector. Each text is read back without declarations and evaluated
against numpy written here.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.notation.printing import index_latex
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(3720)
A0 = rng.normal(size=(3, 4))
B0 = rng.normal(size=(2, 2))

SIZED = [
    # (expression, arrays, numpy value)
    ("kron(I_2, A)", {"A": A0}, np.kron(np.eye(2), A0)),
    ("kron(A, I_3)", {"A": A0}, np.kron(A0, np.eye(3))),
    ("tr(I_3)", {}, np.trace(np.eye(3))),
    ("sum(I_4)", {}, np.sum(np.eye(4))),
    ("kron(I_3, I_2)", {}, np.kron(np.eye(3), np.eye(2))),
    ("kron(I_2, A) + kron(I_2, A)", {"A": A0}, 2 * np.kron(np.eye(2), A0)),
    (
        "kron(B, I_3) kron(I_2, A')'",
        {"A": A0, "B": B0},
        np.kron(B0, np.eye(3)) @ np.kron(np.eye(2), A0.T).T,
    ),
]


def read_back(text: str, given: dict):
    back = ed.parse(text)
    return back(**{k: v for k, v in given.items() if k in back.variables})


@pytest.mark.parametrize("expr, given, expected", SIZED, ids=[c[0] for c in SIZED])
def test_an_identity_keeps_its_size_in_every_printed_form(expr, given, expected):
    f = ed.parse(expr)
    for text in (str(f), f.latex(), f.index()):
        np.testing.assert_allclose(read_back(text, given), expected, atol=1e-12, err_msg=text)


def test_an_identity_sized_by_its_neighbours_is_written_plain():
    # I_2 x: x is sized by I, and declared so it reads back: I is written as experts do
    f = ed.parse("A + I_3", where="A: matrix(3, 3)")
    assert "I_" not in str(f)
    back = ed.parse(str(f), where="A: matrix(3, 3)")
    np.testing.assert_allclose(back(A=np.ones((3, 3))), np.ones((3, 3)) + np.eye(3))


def test_the_index_latex_of_a_sized_identity_reads_back():
    # the index LaTeX (what g.latex() prints for a result with no matrix form): (I_{2})_{a,b}
    f = ed.parse("kron(I_2, A)")
    latex = index_latex(f.term, f.axes, f.variables)
    np.testing.assert_allclose(read_back(latex, {"A": A0}), np.kron(np.eye(2), A0), atol=1e-12)


x0 = rng.normal(size=3)
d0 = rng.normal(size=3)
M0 = rng.normal(size=(3, 3))

DELTA = [
    # (expression, numpy function of delta, x, A)
    ("x' delta", lambda delta, x, A: x @ delta),
    ("delta' A delta", lambda delta, x, A: delta @ A @ delta),
    ("exp(delta) .* x", lambda delta, x, A: np.exp(delta) * x),
    ("sum(delta .* (A delta))", lambda delta, x, A: np.sum(delta * (A @ delta))),
]


@pytest.mark.parametrize("expr, numpy_f", DELTA, ids=[c[0] for c in DELTA])
def test_a_vector_named_delta_reads_back_from_index_notation(expr, numpy_f):
    f = ed.parse(expr)
    given = {"delta": d0, "x": x0, "A": M0}
    used = {k: v for k, v in given.items() if k in f.variables}

    def g(**kw):
        return numpy_f(kw["delta"], kw.get("x"), kw.get("A"))

    np.testing.assert_allclose(read_back(f.index(), used), g(**used), rtol=1e-10)
    latex = index_latex(f.term, f.axes, f.variables)
    np.testing.assert_allclose(read_back(latex, used), g(**used), rtol=1e-10)
    d = ed.diff(expr, "delta")
    want = to_layout(jacobian_fd(g, used, "delta"), np.ndim(g(**used)), 1, "numerator")
    for text in (d.index(), str(d)):
        np.testing.assert_allclose(read_back(text, used), want, rtol=1e-6, atol=1e-8)


# A sized identity in plain text is I_2, never I_{2}: the braces made the reader take the whole
# text as LaTeX, where `delta` and `mu` are the letters d e l t a and m u, and `log_softmax` a
# subscript (helper r's review): each printed text reads back to the value numpy gives.
_PLAIN_SIZED = [
    # tr(I_2) x' delta = 2 x . delta
    ("tr(I_2) x' delta", lambda x, d: 2 * x @ d),
    # kron(delta, I_2): the vector delta beside a 2-by-2 identity
    ("kron(delta, I_2)", lambda x, d: np.kron(d[:, None], np.eye(2))),
    # tr(I_2) mu x = 2 mu x, mu a Greek scalar (here 0.7)
    ("tr(I_2) mu x", lambda x, d: 2 * 0.7 * x),
    # tr(I_2) log_softmax(x) = 2 (x - log sum exp x)
    ("tr(I_2) log_softmax(x)", lambda x, d: 2 * (x - np.log(np.sum(np.exp(x))))),
]


@pytest.mark.parametrize("text, truth", _PLAIN_SIZED, ids=[t for t, _ in _PLAIN_SIZED])
def test_a_sized_identity_in_plain_text_keeps_the_text_plain(text, truth):
    x, d = np.array([0.3, -1.2, 0.5]), np.array([1.1, 0.4, -0.8])
    printed = str(ed.parse(text))
    assert "I_{" not in printed, printed
    back = ed.parse(printed)
    given = {"x": x, "delta": d, "mu": 0.7}
    got = back(**{v: given[v] for v in back.variables})
    np.testing.assert_allclose(np.asarray(got, dtype=float), truth(x, d), rtol=1e-12)
