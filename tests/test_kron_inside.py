"""A Kronecker product inside a chain (its compound index summed, not a result's end), inside a
matrix function: ``inv(D + kron(y', A) V)``. The derivative printed the function's argument
in index notation inside the call, ``((D[i,j] + A[i,a] V[b,j] y[c] delta[b,(a,c)])^-2)[i,a]
...``, which does not read back (found by the round-trip fuzz; the value was right). Where the
argument has no matrix form, printing now refuses (``NoReadableText``) instead.
"""

import pytest

import einderiv as ed
from einderiv.errors import NoReadableText

# (the sizes of v, V, U, W, G and X are products, m p etc.: read from the expression)
WHERE = (
    "D: matrix(n, n); A: matrix(n, p); y: vector(m); u: vector(p); F: matrix(p, p); "
    "B: matrix(q, q); C: matrix(q, q)"
)


def test_a_matrix_function_of_an_argument_with_no_matrix_form_is_refused():
    # the safety net: where einderiv finds no matrix form for the argument of inv, a power
    # or det (here kron(y', A) V, a Kronecker product inside a chain), printing raises
    # NoReadableText (an EinderivError), never index text inside the call, which does not
    # read back; the derivation's steps (shown, not read back) still show it
    assert issubclass(NoReadableText, ed.EinderivError)
    for expr in ("tr(inv(D + kron(y', A) V))", "det(D + kron(y', A) V)"):
        g = ed.diff(expr, "V", where=WHERE)
        for show in (str, lambda g: g.latex(), lambda g: g.index(), lambda g: g.show(cse=True)):
            with pytest.raises(NoReadableText):
                show(g)
        assert "delta[b,(a,c)]" in g.steps()
