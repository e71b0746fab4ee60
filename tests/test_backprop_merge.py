"""Equal terms of a backpropagated gradient merged (issue 13 items 4 and 6: named forms no
worse than text, printing linear in the chain).

d tr((A X)^n) / dX, written tr(A X A X ... A X): reverse mode sums one term per X, the adjoint
above it (a placeholder) times the rest of the chain, and every term is the chain
(A X)^(n-1) A split in another place: the gradient is n (A X)^(n-1) A (numerator layout).
Named, the terms were kept apart (their placeholders hide that they are equal): a Horner form
``(t37 + (t36 + ... (t1 + t1) A X) A X ...) A`` of 959 characters at n = 40, re-contracted and
named in time quadratic in n (6 s at n = 320). Merged, the named text is the one chain, and each
form read back (definitions put back) equals central differences of plain numpy.
"""

import re

import numpy as np
import pytest

import einderiv as ed
from einderiv import backprop
from einderiv.calculus import simplify
from einderiv.errors import guarded
from einderiv.ir import matrix_ir as M
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(31)
A0, B0 = rng.normal(size=(2, 3, 3)) * 0.5
X0 = rng.normal(size=(3, 3)) * 0.5


def chain(n: int, pattern: str = "A X") -> str:
    return "tr(" + " ".join([pattern] * n) + ")"


def power_trace(A, X, n):
    # tr((A X)^n), written out as a loop of matrix products
    P = np.eye(len(A))
    for _ in range(n):
        P = P @ A @ X
    return np.trace(P)


def fd_gradient(f, values):
    return to_layout(jacobian_fd(f, values, "X"), 0, 2, "numerator")


def backprop_text(g) -> str:
    """The backpropagated matrix form (``show(cse=True)`` names it), as text."""
    return M.show(guarded(backprop.matrix_form)(g._adjoints, g.variables, g.slots))


@pytest.mark.parametrize("n", [4, 40])
def test_power_trace_named_reads_back_to_numpy(n):
    # d tr((A X)^n) / dX = n (A X)^(n-1) A (numerator layout): against central differences
    g = ed.diff(chain(n), "X")
    named = g.show(cse=True)
    expected = fd_gradient(lambda A, X: power_trace(A, X, n), {"A": A0, "X": X0})
    back = ed.parse(substituted(named))
    np.testing.assert_allclose(back(A=A0, X=X0), expected, rtol=1e-6, atol=1e-9)
    # the n splits of one chain are one term: n (A X)^(n-1) A, no name added to itself (t + t)
    assert not re.search(r"\b(t\d+) \+ \1\b", named)
    assert named == f"{n} (A X)^{n - 1} A"
    form = backprop_text(g)
    assert form == named and len(form) <= len(str(g))


@pytest.mark.parametrize(
    "text, f",
    [
        # tr((A X B X)^2): the X after an A and the X after a B give two chains, twice each:
        # 2 B X A X B X A + 2 A X B X A X B
        ("tr(A X B X A X B X)", lambda A, B, X: np.trace(np.linalg.matrix_power(A @ X @ B @ X, 2))),
        # transposed uses: tr((A X')^4), four equal chains A' X A' X A' X A'
        ("tr(A X' A X' A X' A X')", lambda A, B, X: np.trace(np.linalg.matrix_power(A @ X.T, 4))),
        # and mixed: tr((A X B X')^2), 2 (B X' A X B X' A + B' X' A' X B' X' A')
        (
            "tr(A X B X' A X B X')",
            lambda A, B, X: np.trace(np.linalg.matrix_power(A @ X @ B @ X.T, 2)),
        ),
        # tr((A X)^4) - tr((X A)^4) is 0: all cancel (written as the adjoints say)
        ("tr(A X A X A X A X) - tr(X A X A X A X A)", lambda A, B, X: 0 * np.sum(X)),
        # a term that is not a chain: tr((A X)^4) + sum(exp(X)), merged beside exp(X')
        (
            "tr(A X A X A X A X) + sum(exp(X))",
            lambda A, B, X: np.trace(np.linalg.matrix_power(A @ X, 4)) + np.sum(np.exp(X)),
        ),
        # two sums of chains: 2 B X A X B X A + A X (2 B X A X B + 4 A X A X A)
        (
            "tr(A X A X A X A X) + tr(A X B X A X B X)",
            lambda A, B, X: (
                np.trace(np.linalg.matrix_power(A @ X, 4))
                + np.trace(np.linalg.matrix_power(A @ X @ B @ X, 2))
            ),
        ),
    ],
)
def test_merged_forms_read_back_to_numpy(text, f):
    # each backpropagated form (and each named form), read back, is the gradient
    g = ed.diff(text, "X", where="A: matrix(n, n); B: matrix(n, n); X: matrix(n, n)")
    assert g._adjoints is not None  # (kept as adjoints: show(cse=True) backpropagates)
    expected = fd_gradient(f, {"A": A0, "B": B0, "X": X0})
    for form in (backprop_text(g), substituted(g.show(cse=True))):
        back = ed.parse(form, where="A: matrix(n, n); B: matrix(n, n); X: matrix(n, n)")
        values = {k: v for k, v in {"A": A0, "B": B0, "X": X0}.items() if k in back.variables}
        got = back(**values) if values else np.zeros((3, 3))
        np.testing.assert_allclose(np.broadcast_to(got, (3, 3)), expected, atol=1e-7)


def test_power_trace_backprop_is_linear(monkeypatch):
    # the work of writing the backpropagated form, counted by the simplifier's steps: linear in
    # n (it was quadratic: each of the n terms simplified a nest of products as deep as it)
    calls = [0]
    original = simplify._Driver.run

    def counting(self, t):
        calls[0] += 1
        return original(self, t)

    monkeypatch.setattr(simplify._Driver, "run", counting)
    counts = []
    for n in (40, 80, 160):
        g = ed.diff(chain(n), "X")
        calls[0] = 0
        guarded(backprop.matrix_form)(g._adjoints, g.variables, g.slots)  # (room to recurse)
        counts.append(calls[0])
    assert counts[2] < 2.5 * counts[1] < 2.5**2 * counts[0], counts
