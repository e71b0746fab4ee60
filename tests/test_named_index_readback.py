"""Named forms in index notation (``g.show(cse=True, format="index")``) read back.

The named index text writes the result line in index notation from the matrix text of the
named form. There an ``I_{3}`` becomes ``delta[a,b]``, its size lost: a Kronecker chain such as
``kron(I_{3}, kron(commutation(2, 3), I_{3})) kron(I, vec(B))`` then left the sizes of its
pairs open, and the text was refused when read (``shapes do not fit in delta[s,(a16,t)]``;
found by ``print_fuzz --kron``; str, latex and ``g.index()`` read). Such a result line is now
read back before it is returned, and the result printed without names (``g.index()``) when it
does not read. Truth: central differences of plain numpy (np.kron).
"""

import numpy as np

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import read_lines

WHERE = "B: matrix(2, 2); C: matrix(3, 3); y: vector(6); P: matrix(6, 3); Q: matrix(6, 3)"


def _values():
    rng = np.random.default_rng(2801)
    return {
        "B": rng.normal(size=(2, 2)),
        "C": rng.normal(size=(3, 3)),
        "y": rng.normal(size=6),
        "P": rng.normal(size=(6, 3)),
        "Q": rng.normal(size=(6, 3)),
    }


def _read(text: str, values: dict):
    def evaluate(expr, known, last):
        return expr(**{k: v for k, v in known.items() if k in expr.variables})

    return read_lines(ed, text, values, WHERE, evaluate)


def test_named_index_text_of_a_kronecker_chain_reads_back():
    # d (y' kron(C, B) P + y' kron(C, B) Q) / dC (numerator layout), a row by a matrix: the
    # engine writes it (kron(P', y') kron(I_{3}, kron(commutation(2, 3), I_{3})) kron(I,
    # vec(B)) + ..)[i,(k,j)]; every form, the named index text too, reads back to numpy
    values = _values()
    g = ed.diff("y' kron(C, B) P + y' kron(C, B) Q", "C", where=WHERE)

    def f(B, C, y, P, Q):
        return y @ np.kron(C, B) @ P + y @ np.kron(C, B) @ Q

    expected = to_layout(jacobian_fd(f, values, "C"), 1, 2, "numerator")
    text = g.show(cse=True, format="index")
    np.testing.assert_allclose(_read(text, values), expected, atol=1e-6)
    for form in (str(g), g.index(), g.latex()):
        back = ed.parse(form, where=WHERE)
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_named_index_text_with_a_size_1_reads_back():
    # d ((I + A' A)^-1)' / dA (numerator), A 1-by-2 declared matrix(d1, d2): the named index
    # text's result line holds commutation(d1, d2)[r,f] against delta[r,(q,h)], q and h the
    # indices of t2 (d2-by-d1). Its names declared by their sizes' numbers (t2: matrix(2, 1)),
    # 2*1 pairs with d2*d1 only by making d1 1, which the reader refuses (a factor 1 pairs with
    # any: print_fuzz seed 3105 counted the text unreadable); declared as einderiv reads each
    # definition (t2: matrix(d2, d1)), it reads back to central differences of numpy. (show
    # prints the plain text here, shorter; the named one is written by show's own parts.)
    from einderiv.show import _named_text, named

    where = "A: matrix(d1, d2)"
    g = ed.diff("((I + A' A)^-1)^T", "A", where=where)
    text = _named_text(g, named(g, g.written()), "index")
    assert "commutation(d1, d2)" in text and "\n" in text
    A = np.random.default_rng(3105).normal(size=(1, 2))

    def f(A):
        return np.linalg.inv(np.eye(2) + A.T @ A).T

    expected = to_layout(jacobian_fd(f, {"A": A}, "A"), 2, 2, "numerator")

    def evaluate(expr, known, last):
        args = {k: v for k, v in known.items() if k in expr.variables}
        sizes = {"d1": 1, "d2": 2} if "commutation" in str(expr) else {}
        return expr(**args, **sizes)

    got = read_lines(ed, text, {"A": A}, where, evaluate)
    np.testing.assert_allclose(got, expected, atol=1e-6)
