"""Naming d tr(A1 X ... An X) / dX in time linear in n (issue 13 items 3 and 6).

The gradient is the sum of the n rotations S_k P_k (S_k = A(k+1) X ... An X, the adjoint above
the k-th X; P_k = A1 X ... Ak). Reverse mode builds each P_k from P_(k-1), but the simplifier
wrote each term as one flat product of 2n - 1 factors: simplifying, re-contracting and grouping
the n terms was quadratic in n, and so was writing chains as powers (each P_k's spine walked
whole). ``backprop_chains.shared_products`` now names each P_k the terms share before they are
simplified, and ``chain_powers`` knows a chain that holds no repeated block from the chain
below it on its spine. The text is the one printed before (compared with the products unnamed),
and read back, definitions put back, it equals central differences of plain numpy.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv import backprop
from einderiv.errors import guarded
from einderiv.notation import chain_powers
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(3512)


def chain(factors: list[str]) -> str:
    return "tr(" + " ".join(factors) + ")"


def rotations(n: int) -> list[str]:
    return [f for k in range(1, n + 1) for f in (f"A{k}", "X")]


def numpy_product(factors: list[str], given: dict) -> np.ndarray:
    # the product of the factors, left to right; X' the transpose
    out = None
    for f in factors:
        m = given[f[:-1]].T if f.endswith("'") else given[f]
        out = m if out is None else out @ m
    return out


def fd_gradient(factors: list[str], given: dict) -> np.ndarray:
    def f(**kw):
        return np.trace(numpy_product(factors, kw))

    return to_layout(jacobian_fd(f, given, "X"), 0, 2, "numerator")


# chains whose rotations share products (A1 X .. Ak); X X (X^2 when flat, the product then not
# named), X' and a trailing B: the printed text is the one written without shared products
CASES = [
    rotations(5),
    rotations(12),
    rotations(6) + ["B"],
    ["B", "A1", "A2", "X", "X", "A3", "A4", "X"],  # flat, the X X of two products is X^2
    ["A1", "X", "A2", "X", "X", "A3", "X", "A4", "X"],
    ["A1", "X'", "A2", "X", "A3", "X'", "A4", "X"],
    ["A1", "X", "A2", "X", "A1", "X", "A2", "X", "A3", "X"],
]


def _unshared(expr: str) -> str:
    """``show(cse=True)`` of d expr / dX with no product named before simplifying."""
    named = backprop.shared_products
    backprop.shared_products = lambda adjoints, variables: None
    try:
        return ed.diff(expr, "X").show(cse=True)
    finally:
        backprop.shared_products = named


@pytest.mark.parametrize("factors", CASES, ids=lambda f: " ".join(f)[:40])
def test_named_text_reads_back_and_is_the_text_written_before(factors):
    # d tr(F1 ... Fm) / dX = sum over the X's of the rotation after it (numerator layout),
    # against central differences of numpy; and the same text as the terms written flat
    expr = chain(factors)
    g = ed.diff(expr, "X")
    named = g.show(cse=True)
    assert named == _unshared(expr)
    given = {f: rng.normal(size=(3, 3)) * 0.6 for f in {f.rstrip("'") for f in factors}}
    back = ed.parse(substituted(named), where="; ".join(f"{v}: matrix(n, n)" for v in given))
    expected = fd_gradient(factors, given)
    np.testing.assert_allclose(back(**given), expected, rtol=1e-6, atol=1e-9)


def test_rectangular_rotations_read_back():
    # A_k m-by-p, X p-by-m: the shared products A1 X .. Ak are m-by-p or m-by-m
    factors = rotations(7)
    where = "; ".join([f"A{k}: matrix(m, p)" for k in range(1, 8)] + ["X: matrix(p, m)"])
    given = {f"A{k}": rng.normal(size=(2, 3)) * 0.7 for k in range(1, 8)}
    given["X"] = rng.normal(size=(3, 2)) * 0.7
    named = ed.diff(chain(factors), "X", where=where).show(cse=True)
    back = ed.parse(substituted(named), where=where)
    expected = fd_gradient(factors, given)
    np.testing.assert_allclose(back(**given), expected, rtol=1e-6, atol=1e-9)


def simplified_factors(n: int) -> int:
    """The factors of the distinct products in the simplified result of the gradient of
    ``rotations(n)``, as ``backprop`` re-contracts it (summed over the graph's nodes)."""
    from einderiv.ir import index_ir as T

    g = ed.diff(chain(rotations(n)), "X")
    total = [0]
    inner = backprop.simplify_together

    def counted(terms):
        made = inner(terms)
        seen: set = set()
        for node in (u for t in made[-1:] for u in T.nodes(t)):
            if type(node) is T.Prod and id(node) not in seen:
                seen.add(id(node))
                total[0] += len(node.factors)
        return made

    backprop.simplify_together = counted
    try:
        guarded(backprop.matrix_form)(g._adjoints, g.variables, g.slots)
    finally:
        backprop.simplify_together = inner
    return total[0]


def test_terms_are_not_simplified_as_flat_chains():
    # each term one flat product of 2n - 1 factors: 2,114 and 8,322 factors at n = 32 and 64
    # (x3.9); each P_k named, a term is its adjoint times P_k: 134 and 262
    small, large = simplified_factors(32), simplified_factors(64)
    assert large <= 2.5 * small, (small, large)


def spine_factors(n: int) -> int:
    """The factors of the product spines ``chain_powers`` walks whole writing the gradient of
    ``rotations(n)`` (its chains' repeated blocks as powers)."""
    g = ed.diff(chain(rotations(n)), "X")
    total = [0]
    inner = chain_powers._spine

    def counted(e):
        found = inner(e)
        total[0] += len(found)
        return found

    chain_powers._spine = counted
    try:
        guarded(backprop.matrix_form)(g._adjoints, g.variables, g.slots)
    finally:
        chain_powers._spine = inner
    return total[0]


def test_chains_sharing_their_left_parts_are_walked_once():
    # each P_k = P_(k-1) X Ak walked whole to look for a repeated block: 1,235 and 4,531
    # factors at n = 32 and 64 (x3.7); known from P_(k-1)'s last factors: 188 and 380
    small, large = spine_factors(32), spine_factors(64)
    assert large <= 2.5 * small + 10, (small, large)


def test_a_chain_with_a_repeated_block_is_still_written_as_a_power():
    # tr((A X)^6) by X: 6 (A X)^5 A; the chains sharing left parts hold A X A X ...: each
    # found from the one below until a block repeats, then folded as before
    given = {"A": rng.normal(size=(3, 3)) * 0.6, "X": rng.normal(size=(3, 3)) * 0.6}
    factors = ["A", "X"] * 6
    named = ed.diff(chain(factors), "X").show(cse=True)
    assert "^5" in named
    back = ed.parse(substituted(named), where="A: matrix(n, n); X: matrix(n, n)")
    np.testing.assert_allclose(back(**given), fd_gradient(factors, given), rtol=1e-6, atol=1e-9)
