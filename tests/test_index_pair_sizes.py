"""Index notation of a Kronecker chain reads back to the same sizes, or is refused.

``ed.parse("y' kron(I_{3}, kron(commutation(3, 3), I_{3})) kron(vec(A), I)").index()`` (y of
81, A 3-by-3) printed ``y[a] delta[b,c] commutation(3, 3)[d,e] delta[f,g] delta[h,(f,d)] ..
delta[a,(h,b)] delta[q,(p,c)] .. delta[q,(u,t)]``: index text writes no size, and the reader,
pairing the compound sizes factor by factor, took b of 9 and f of 1 (they are 3 and 3): the
text read back to another function of the same shape, silently. The named index text of a
derivative through such a chain (``(p' kron(A, S) x) q`` by S, print_fuzz --kron seed 2907)
read back 9-by-1-by-9 for 9-by-3-by-3. ``g.index()`` now reads a text with a pair back and
refuses it (``NoReadableText``) when an index is read with another size; the named index text
then falls back to the plain one, which reads. Truth: plain numpy (np.kron, a commutation
matrix built here) and central differences.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import NoReadableText
from tests.fd import commutation, jacobian_fd
from tests.named_forms import read_lines

WHERE = "q, x, p: vector(9); S: symmetric(3); A: matrix(3, 3); y: vector(81)"


def _values() -> dict:
    rng = np.random.default_rng(2907)
    s = rng.normal(size=(3, 3))
    return {
        "q": rng.normal(size=9),
        "x": rng.normal(size=9),
        "p": rng.normal(size=9),
        "S": s + s.T,
        "A": rng.normal(size=(3, 3)),
        "y": rng.normal(size=81),
    }


def _at(expr, values: dict):
    return expr(**{k: v for k, v in values.items() if k in expr.variables})


def _reads_back_or_refuses(expr, want, values: dict) -> None:
    try:
        text = expr.index()
    except NoReadableText:
        return  # no text rather than another function
    np.testing.assert_allclose(_at(ed.parse(text, where=WHERE), values), want, atol=1e-9)


def test_index_text_of_a_commutation_chain_reads_back_or_is_refused():
    # y' kron(I_3, kron(K(3,3), I_3)) kron(vec(A), I_9): a vector of 9
    values = _values()
    e = ed.parse("y' kron(I_{3}, kron(commutation(3, 3), I_{3})) kron(vec(A), I)", where=WHERE)
    chain = np.kron(np.eye(3), np.kron(commutation(3, 3), np.eye(3)))
    vec_a = values["A"].reshape(-1, 1, order="F")
    want = values["y"] @ chain @ np.kron(vec_a, np.eye(9))
    np.testing.assert_allclose(_at(e, values), want, atol=1e-9)
    _reads_back_or_refuses(e, want, values)


def test_named_index_text_of_a_derivative_through_a_commutation_reads_back():
    # d ((p' kron(A, S) x) q) / dS, S symmetric (jacobian layout, 9-by-3-by-3): every form
    # reads back to central differences along symmetric directions
    values = _values()
    g = ed.diff("(p' kron(A, S) x) q", "S", where=WHERE, layout="jacobian")

    def f(q, x, p, S, A, y):
        return (p @ np.kron(A, S) @ x) * q

    want = jacobian_fd(f, values, "S", sym=True)
    assert g.shape == (9, 3, 3)
    np.testing.assert_allclose(_at(g, values), want, atol=1e-6)
    np.testing.assert_allclose(_at(ed.parse(g.index(), where=WHERE), values), want, atol=1e-6)

    def evaluate(expr, known, last):
        return _at(expr, known)

    named = g.show(cse=True, format="index")
    np.testing.assert_allclose(read_lines(ed, named, values, WHERE, evaluate), want, atol=1e-6)
    kron_text = ed.parse(str(g), where=WHERE)  # the Kronecker form, read
    np.testing.assert_allclose(_at(kron_text, values), want, atol=1e-6)
    _reads_back_or_refuses(kron_text, want, values)


def test_a_refused_index_text_says_why():
    e = ed.parse("y' kron(I_{3}, kron(commutation(3, 3), I_{3})) kron(vec(A), I)", where=WHERE)
    with pytest.raises(NoReadableText, match="read back it sizes the index b 9, not 3"):
        e.index()


def test_every_index_form_of_a_gradient_through_a_commutation_reads_back_or_is_refused():
    # d (y' kron(I_3, kron(K(3,3), I_3)) kron(vec(A), I_9) x) / dx, a vector of 9 that einderiv
    # writes in index notation only: str, index() and LaTeX read back to central differences,
    # or are refused (NoReadableText), never another value
    values = _values()
    text = "y' kron(I_{3}, kron(commutation(3, 3), I_{3})) kron(vec(A), I) x"
    g = ed.diff(text, "x", where=WHERE)
    chain = np.kron(np.eye(3), np.kron(commutation(3, 3), np.eye(3)))

    def f(q, x, p, S, A, y):
        return values["y"] @ chain @ np.kron(A.reshape(-1, 1, order="F"), np.eye(9)) @ x

    want = jacobian_fd(f, values, "x")
    np.testing.assert_allclose(_at(g, values), want, atol=1e-6)
    for form in (str, ed.Expr.index, ed.Expr.latex):
        try:
            printed = form(g)
        except NoReadableText:
            continue
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(_at(back, values), want, atol=1e-6)
