"""The derivative identities of The Matrix Cookbook (Petersen & Pedersen, 2012, sections 2.1-2.8)
and of the lecture notes (C, DT, DD), as a researcher pastes them: the function in LaTeX and in
plain text, the variable, and the book's right-hand side in the book's layout (the Cookbook's
gradients are shaped like X: denominator layout; the notes use numerator layout).

Each case carries its truth in numpy, written here: ``f`` the function, ``rhs`` the book's
right-hand side. tests/test_cookbook.py checks rhs against central differences of f first, so a
case whose identity is misremembered fails on its own, before einderiv is asked anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tests.fd import gen, invertible, spd, symmetric

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace
mp = np.linalg.matrix_power


@dataclass(frozen=True)
class Identity:
    """``d f / d wrt = claim`` (``layout``), f given as ``latex`` and as ``plain`` text."""

    id: str
    latex: str
    plain: str
    wrt: str
    claim: str
    f: Callable
    rhs: Callable
    sample: Callable[[np.random.Generator], dict]
    layout: str = "denominator"
    where: str | None = None
    sym: bool = False  # wrt declared symmetric (SPEC 2): directions (e_i e_j' + e_j e_i') / 2
    # "right" expected, or "undecided" with these words in the reason (a sound refusal)
    undecided: str | None = None
    # claims known false, each with its numpy value (the test confirms it differs): written
    # out for a differential; for the others a transposed, doubled and negated claim are
    # made from ``claim`` and ``rhs``
    broken: tuple = ()


def _sq(r: np.random.Generator, n: int = 3) -> np.ndarray:
    return invertible(r, n)


# the Cookbook, section 2.1.2 (determinants), 2.2 (inverses), 2.3 (eigenvalues)
DET = [
    Identity(
        "CB49 d det(X)",
        r"\det(\mathbf{X})",
        "det(X)",
        "X",
        r"\det(\mathbf{X})(\mathbf{X}^{-1})^T",
        lambda X: det(X),
        lambda X: det(X) * inv(X).T,
        lambda r: {"X": _sq(r)},
        undecided="invertible",  # Jacobi's formula needs X^-1 where det is differentiable
    ),
    Identity(
        "CB51 d det(AXB)",
        r"\det(\mathbf{A}\mathbf{X}\mathbf{B})",
        "det(A X B)",
        "X",
        r"\det(\mathbf{A}\mathbf{X}\mathbf{B})(\mathbf{X}^{-1})^T",
        lambda A, X, B: det(A @ X @ B),
        lambda A, X, B: det(A @ X @ B) * inv(X).T,
        lambda r: {"A": _sq(r), "X": _sq(r), "B": _sq(r)},
        where="A: matrix(n, n); X: matrix(n, n); B: matrix(n, n)",
        undecided="invertible",
    ),
    Identity(
        "CB51b d det(AXB), (X^T)^-1",
        r"\left|\mathbf{A}\mathbf{X}\mathbf{B}\right|",
        "|A X B|",
        "X",
        r"\det(\mathbf{A}\mathbf{X}\mathbf{B})(\mathbf{X}^T)^{-1}",
        lambda A, X, B: det(A @ X @ B),
        lambda A, X, B: det(A @ X @ B) * inv(X.T),
        lambda r: {"A": _sq(r), "X": _sq(r), "B": _sq(r)},
        where="A: matrix(n, n); X: matrix(n, n); B: matrix(n, n)",
        undecided="invertible",
    ),
    Identity(
        "CB52 d det(X'AX), X square",
        r"\det(\mathbf{X}^T\mathbf{A}\mathbf{X})",
        "det(X' A X)",
        "X",
        r"2\det(\mathbf{X}^T\mathbf{A}\mathbf{X})\mathbf{X}^{-T}",
        lambda X, A: det(X.T @ A @ X),
        lambda X, A: 2 * det(X.T @ A @ X) * inv(X).T,
        lambda r: {"X": _sq(r), "A": _sq(r)},
        where="X: matrix(n, n)",
        undecided="invertible",
    ),
    Identity(
        "CB53 d det(X'AX), A symmetric",
        r"\det(\mathbf{X}^\top\mathbf{A}\mathbf{X})",
        "det(X' A X)",
        "X",
        r"2\det(\mathbf{X}^\top\mathbf{A}\mathbf{X})\,\mathbf{A}\mathbf{X}"
        r"\left(\mathbf{X}^\top\mathbf{A}\mathbf{X}\right)^{-1}",
        lambda X, A: det(X.T @ A @ X),
        lambda X, A: 2 * det(X.T @ A @ X) * A @ X @ inv(X.T @ A @ X),
        lambda r: {"X": gen(r, 4, 2), "A": spd(r, 4)},
        where="A: symmetric(m); X: matrix(m, n)",
        undecided="invertible",
    ),
    Identity(
        "CB54 d det(X'AX), A general",
        r"\det(\mathbf{X}^T\mathbf{A}\mathbf{X})",
        "det(X' A X)",
        "X",
        r"\det(\mathbf{X}^T\mathbf{A}\mathbf{X})\left(\mathbf{A}\mathbf{X}(\mathbf{X}^T\mathbf{A}"
        r"\mathbf{X})^{-1} + \mathbf{A}^T\mathbf{X}(\mathbf{X}^T\mathbf{A}^T\mathbf{X})^{-1}\right)",
        lambda X, A: det(X.T @ A @ X),
        lambda X, A: det(X.T @ A @ X) * (A @ X @ inv(X.T @ A @ X) + A.T @ X @ inv(X.T @ A.T @ X)),
        lambda r: {"X": gen(r, 4, 2), "A": _sq(r, 4)},
        undecided="invertible",
    ),
    Identity(
        "CB55 d ln det(X'X)",
        r"\ln\det(\mathbf{X}^T\mathbf{X})",
        "log(det(X' X))",
        "X",
        r"2\mathbf{X}(\mathbf{X}^T\mathbf{X})^{-1}",  # 2 (X^+)^T for a full-rank X
        lambda X: np.log(det(X.T @ X)),
        lambda X: 2 * X @ inv(X.T @ X),
        lambda r: {"X": gen(r, 4, 2)},
    ),
    Identity(
        "CB57 d ln|det X|",
        r"\ln\left|\det(\mathbf{X})\right|",
        "log(abs(det(X)))",
        "X",
        r"(\mathbf{X}^{-1})^T",
        lambda X: np.log(abs(det(X))),
        lambda X: inv(X).T,
        lambda r: {"X": _sq(r) @ np.diag([1.0, 1.0, -1.0])},  # det < 0: abs matters
    ),
    Identity(
        "CB57b d ln|det X|, (X^T)^-1",
        r"\ln|\det \mathbf{X}|",
        "log(abs(det(X)))",
        "X",
        r"(\mathbf{X}^T)^{-1}",
        lambda X: np.log(abs(det(X))),
        lambda X: inv(X.T),
        lambda r: {"X": _sq(r)},
    ),
    Identity(
        "CB58 d det(X^k)",
        r"\det(\mathbf{X}^k)",
        "det(X^k)",
        "X",
        r"k\det(\mathbf{X}^k)\mathbf{X}^{-T}",
        lambda X, k: det(np.linalg.matrix_power(X, k)),
        lambda X, k: k * det(np.linalg.matrix_power(X, k)) * inv(X).T,
        lambda r: {"X": _sq(r), "k": 3},
        where="k: integer",
        undecided="invertible",
    ),
    Identity(
        "CB62 d det(X^-1)",
        r"\det(\mathbf{X}^{-1})",
        "det(inv(X))",
        "X",
        r"-\det(\mathbf{X}^{-1})(\mathbf{X}^{-1})^T",
        lambda X: det(inv(X)),
        lambda X: -det(inv(X)) * inv(X).T,
        lambda r: {"X": _sq(r)},
    ),
    Identity(
        "CB61 d a'X^-1 b",
        r"\mathbf{a}^T\mathbf{X}^{-1}\mathbf{b}",
        "a' inv(X) b",
        "X",
        r"-\mathbf{X}^{-T}\mathbf{a}\mathbf{b}^T\mathbf{X}^{-T}",
        lambda a, X, b: a @ inv(X) @ b,
        lambda a, X, b: -inv(X).T @ np.outer(a, b) @ inv(X).T,
        lambda r: {"a": gen(r, 3), "X": _sq(r), "b": gen(r, 3)},
    ),
    Identity(
        "CB63 d tr(A X^-1 B)",
        r"\operatorname{Tr}(\mathbf{A}\mathbf{X}^{-1}\mathbf{B})",
        "tr(A inv(X) B)",
        "X",
        r"-(\mathbf{X}^{-1}\mathbf{B}\mathbf{A}\mathbf{X}^{-1})^T",
        lambda A, X, B: tr(A @ inv(X) @ B),
        lambda A, X, B: -(inv(X) @ B @ A @ inv(X)).T,
        lambda r: {"A": gen(r, 2, 3), "X": _sq(r), "B": gen(r, 3, 2)},
    ),
    Identity(
        "CB63b d tr(A X^-1 B), expanded",
        r"\mathrm{Tr}\left(\mathbf{A}\mathbf{X}^{-1}\mathbf{B}\right)",
        "tr(A X^-1 B)",
        "X",
        r"-\mathbf{X}^{-T}\mathbf{A}^T\mathbf{B}^T\mathbf{X}^{-T}",
        lambda A, X, B: tr(A @ inv(X) @ B),
        lambda A, X, B: -inv(X).T @ A.T @ B.T @ inv(X).T,
        lambda r: {"A": gen(r, 2, 3), "X": _sq(r), "B": gen(r, 3, 2)},
    ),
    Identity(
        "CB64 d tr((X+A)^-1)",
        r"\operatorname{Tr}\left((\mathbf{X}+\mathbf{A})^{-1}\right)",
        "tr(inv(X + A))",
        "X",
        r"-\left((\mathbf{X}+\mathbf{A})^{-1}(\mathbf{X}+\mathbf{A})^{-1}\right)^T",
        lambda X, A: tr(inv(X + A)),
        lambda X, A: -(inv(X + A) @ inv(X + A)).T,
        lambda r: {"X": _sq(r), "A": 0.1 * gen(r, 3, 3)},
    ),
    Identity(
        "CB59 d (A + xB)^-1 / dx",
        r"(\mathbf{A}+x\mathbf{B})^{-1}",
        "inv(A + x B)",
        "x",
        r"-(\mathbf{A}+x\mathbf{B})^{-1}\mathbf{B}(\mathbf{A}+x\mathbf{B})^{-1}",
        lambda A, x, B: inv(A + x * B),
        lambda A, x, B: -inv(A + x * B) @ B @ inv(A + x * B),
        lambda r: {"A": _sq(r), "x": 0.3, "B": 0.2 * gen(r, 3, 3)},
        layout="numerator",  # a matrix by a scalar: denominator layout would transpose it
        where="x: scalar",
    ),
    Identity(
        "CB67 d sum eig = d tr(X)",
        r"\operatorname{Tr}(\mathbf{X})",
        "tr(X)",
        "X",
        r"\mathbf{I}",
        lambda X: tr(X),
        lambda X: np.eye(len(X)),
        lambda r: {"X": gen(r, 3, 3)},
    ),
]

# the Cookbook, section 2.4 (vectors, matrices and scalar forms)
FORMS = [
    Identity(
        "CB69 d x'a",
        r"\mathbf{x}^T\mathbf{a}",
        "x' a",
        "x",
        r"\mathbf{a}",
        lambda x, a: x @ a,
        lambda x, a: a,
        lambda r: {"x": gen(r, 3), "a": gen(r, 3)},
    ),
    Identity(
        "CB69b d a'x",
        r"\mathbf{a}^\top\mathbf{x}",
        "a' x",
        "x",
        r"\mathbf{a}",
        lambda x, a: a @ x,
        lambda x, a: a,
        lambda r: {"x": gen(r, 3), "a": gen(r, 3)},
    ),
    Identity(
        "CB70 d a'Xb",
        r"\mathbf{a}^T\mathbf{X}\mathbf{b}",
        "a' X b",
        "X",
        r"\mathbf{a}\mathbf{b}^T",
        lambda a, X, b: a @ X @ b,
        lambda a, X, b: np.outer(a, b),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 2), "b": gen(r, 2)},
    ),
    Identity(
        "CB71 d a'X'b",
        r"\mathbf{a}^T\mathbf{X}^T\mathbf{b}",
        "a' X' b",
        "X",
        r"\mathbf{b}\mathbf{a}^T",
        lambda a, X, b: a @ X.T @ b,
        lambda a, X, b: np.outer(b, a),
        lambda r: {"a": gen(r, 2), "X": gen(r, 3, 2), "b": gen(r, 3)},
    ),
    Identity(
        "CB72 d a'Xa",
        r"\mathbf{a}^T\mathbf{X}\mathbf{a}",
        "a' X a",
        "X",
        r"\mathbf{a}\mathbf{a}^T",
        lambda a, X: a @ X @ a,
        lambda a, X: np.outer(a, a),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 3)},
    ),
    Identity(
        "CB72b d a'X'a",
        r"\mathbf{a}^{\top}\mathbf{X}^{\top}\mathbf{a}",
        "a' X' a",
        "X",
        r"\mathbf{a}\mathbf{a}^{\top}",
        lambda a, X: a @ X.T @ a,
        lambda a, X: np.outer(a, a),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 3)},
    ),
    Identity(
        "CB77 d b'X'Xc",
        r"\mathbf{b}^T\mathbf{X}^T\mathbf{X}\mathbf{c}",
        "b' X' X c",
        "X",
        r"\mathbf{X}(\mathbf{b}\mathbf{c}^T+\mathbf{c}\mathbf{b}^T)",
        lambda b, X, c: b @ X.T @ X @ c,
        lambda b, X, c: X @ (np.outer(b, c) + np.outer(c, b)),
        lambda r: {"b": gen(r, 2), "X": gen(r, 3, 2), "c": gen(r, 2)},
    ),
    Identity(
        "CB78 d (Bx+b)'C(Dx+d)",
        r"(\mathbf{B}\mathbf{x}+\mathbf{b})^T\mathbf{C}(\mathbf{D}\mathbf{x}+\mathbf{d})",
        "(B x + b)' C (D x + d)",
        "x",
        r"\mathbf{B}^T\mathbf{C}(\mathbf{D}\mathbf{x}+\mathbf{d})+\mathbf{D}^T\mathbf{C}^T"
        r"(\mathbf{B}\mathbf{x}+\mathbf{b})",
        lambda B, x, b, C, D, d: (B @ x + b) @ C @ (D @ x + d),
        lambda B, x, b, C, D, d: B.T @ C @ (D @ x + d) + D.T @ C.T @ (B @ x + b),
        lambda r: {
            "B": gen(r, 2, 3),
            "x": gen(r, 3),
            "b": gen(r, 2),
            "C": gen(r, 2, 4),
            "D": gen(r, 4, 3),
            "d": gen(r, 4),
        },
    ),
    Identity(
        "CB81 d x'Bx",
        r"\mathbf{x}^T\mathbf{B}\mathbf{x}",
        "x' B x",
        "x",
        r"(\mathbf{B}+\mathbf{B}^T)\mathbf{x}",
        lambda x, B: x @ B @ x,
        lambda x, B: (B + B.T) @ x,
        lambda r: {"x": gen(r, 3), "B": gen(r, 3, 3)},
    ),
    Identity(
        "CB82 d b'X'DXc",
        r"\mathbf{b}^T\mathbf{X}^T\mathbf{D}\mathbf{X}\mathbf{c}",
        "b' X' D X c",
        "X",
        r"\mathbf{D}^T\mathbf{X}\mathbf{b}\mathbf{c}^T+\mathbf{D}\mathbf{X}\mathbf{c}\mathbf{b}^T",
        lambda b, X, D, c: b @ X.T @ D @ X @ c,
        lambda b, X, D, c: D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b),
        lambda r: {"b": gen(r, 2), "X": gen(r, 3, 2), "D": gen(r, 3, 3), "c": gen(r, 2)},
    ),
    Identity(
        "CB83 d (Xb+c)'D(Xb+c)",
        r"(\mathbf{X}\mathbf{b}+\mathbf{c})^T\mathbf{D}(\mathbf{X}\mathbf{b}+\mathbf{c})",
        "(X b + c)' D (X b + c)",
        "X",
        r"(\mathbf{D}+\mathbf{D}^T)(\mathbf{X}\mathbf{b}+\mathbf{c})\mathbf{b}^T",
        lambda X, b, c, D: (X @ b + c) @ D @ (X @ b + c),
        lambda X, b, c, D: np.outer((D + D.T) @ (X @ b + c), b),
        lambda r: {"X": gen(r, 3, 2), "b": gen(r, 2), "c": gen(r, 3), "D": gen(r, 3, 3)},
    ),
    Identity(
        "CB84 d (x-As)'W(x-As) / ds, W symmetric",
        r"(\mathbf{x}-\mathbf{A}\mathbf{s})^T\mathbf{W}(\mathbf{x}-\mathbf{A}\mathbf{s})",
        "(x - A s)' W (x - A s)",
        "s",
        r"-2\mathbf{A}^T\mathbf{W}(\mathbf{x}-\mathbf{A}\mathbf{s})",
        lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        lambda x, A, s, W: -2 * A.T @ W @ (x - A @ s),
        lambda r: {"x": gen(r, 3), "A": gen(r, 3, 2), "s": gen(r, 2), "W": symmetric(r, 3)},
        where="W: symmetric(n)",
    ),
    Identity(
        "CB85 d (x-s)'W(x-s) / dx",
        r"(\mathbf{x}-\mathbf{s})^T\mathbf{W}(\mathbf{x}-\mathbf{s})",
        "(x - s)' W (x - s)",
        "x",
        r"2\mathbf{W}(\mathbf{x}-\mathbf{s})",
        lambda x, s, W: (x - s) @ W @ (x - s),
        lambda x, s, W: 2 * W @ (x - s),
        lambda r: {"x": gen(r, 3), "s": gen(r, 3), "W": symmetric(r, 3)},
        where="W: symmetric(n)",
    ),
    Identity(
        "CB86 d (x-s)'W(x-s) / ds",
        r"(\mathbf{x}-\mathbf{s})^T\mathbf{W}(\mathbf{x}-\mathbf{s})",
        "(x - s)' W (x - s)",
        "s",
        r"-2\mathbf{W}(\mathbf{x}-\mathbf{s})",
        lambda x, s, W: (x - s) @ W @ (x - s),
        lambda x, s, W: -2 * W @ (x - s),
        lambda r: {"x": gen(r, 3), "s": gen(r, 3), "W": symmetric(r, 3)},
        where="W: symmetric(n)",
    ),
    Identity(
        "CB87 d (x-As)'W(x-As) / dx",
        r"(\mathbf{x}-\mathbf{A}\mathbf{s})^T\mathbf{W}(\mathbf{x}-\mathbf{A}\mathbf{s})",
        "(x - A s)' W (x - A s)",
        "x",
        r"2\mathbf{W}(\mathbf{x}-\mathbf{A}\mathbf{s})",
        lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        lambda x, A, s, W: 2 * W @ (x - A @ s),
        lambda r: {"x": gen(r, 3), "A": gen(r, 3, 2), "s": gen(r, 2), "W": symmetric(r, 3)},
        where="W: symmetric(n)",
    ),
    Identity(
        "CB88 d (x-As)'W(x-As) / dA",
        r"\left(\mathbf{x}-\mathbf{A}\mathbf{s}\right)^\top\mathbf{W}"
        r"\left(\mathbf{x}-\mathbf{A}\mathbf{s}\right)",
        "(x - A s)' W (x - A s)",
        "A",
        r"-2\mathbf{W}(\mathbf{x}-\mathbf{A}\mathbf{s})\mathbf{s}^\top",
        lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        lambda x, A, s, W: -2 * np.outer(W @ (x - A @ s), s),
        lambda r: {"x": gen(r, 3), "A": gen(r, 3, 2), "s": gen(r, 2), "W": symmetric(r, 3)},
        where="W: symmetric(n)",
    ),
    Identity(
        "CB89 d a'X^n b (n = 3)",
        r"\mathbf{a}^T\mathbf{X}^3\mathbf{b}",
        "a' X^3 b",
        "X",
        r"\sum_{r=0}^{2}(\mathbf{X}^r)^T\mathbf{a}\mathbf{b}^T(\mathbf{X}^{2-r})^T",
        lambda a, X, b: a @ X @ X @ X @ b,
        lambda a, X, b: sum(
            np.linalg.matrix_power(X, r).T @ np.outer(a, b) @ np.linalg.matrix_power(X, 2 - r).T
            for r in range(3)
        ),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 3), "b": gen(r, 3)},
    ),
    Identity(
        "CB89b d a'X^n b (n an integer)",
        r"\mathbf{a}^T\mathbf{X}^n\mathbf{b}",
        "a' X^n b",
        "X",
        r"\sum_{r=0}^{n-1}(\mathbf{X}^r)^T\mathbf{a}\mathbf{b}^T(\mathbf{X}^{n-1-r})^T",
        lambda a, X, b, n: a @ np.linalg.matrix_power(X, n) @ b,
        lambda a, X, b, n: sum(
            np.linalg.matrix_power(X, r).T @ np.outer(a, b) @ np.linalg.matrix_power(X, n - 1 - r).T
            for r in range(n)
        ),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 3), "b": gen(r, 3), "n": 4},
        where="n: integer",
        undecided="",  # a finite sum over r: agreed at the probes, not proved
    ),
    Identity(
        "CB90 d a'(X^n)'X^n b (n = 2)",
        r"\mathbf{a}^T(\mathbf{X}^2)^T\mathbf{X}^2\mathbf{b}",
        "a' (X^2)' X^2 b",
        "X",
        r"\sum_{r=0}^{1}\left[(\mathbf{X}^r)^T\mathbf{X}^2\mathbf{b}\mathbf{a}^T"
        r"(\mathbf{X}^{1-r})^T+(\mathbf{X}^r)^T\mathbf{X}^2\mathbf{a}\mathbf{b}^T"
        r"(\mathbf{X}^{1-r})^T\right]",
        lambda a, X, b: a @ (X @ X).T @ X @ X @ b,
        lambda a, X, b: sum(
            mp(X, r).T @ X @ X @ (np.outer(b, a) + np.outer(a, b)) @ mp(X, 1 - r).T
            for r in range(2)
        ),
        lambda r: {"a": gen(r, 3), "X": gen(r, 3, 3), "b": gen(r, 3)},
        # the first term as written from memory, X^(n-1-r) a b' (X^n)' X^r: its transpose
        broken=(
            (
                (
                    r"\sum_{r=0}^{1}\left[\mathbf{X}^{1-r}\mathbf{a}\mathbf{b}^T(\mathbf{X}^2)^T"
                    r"\mathbf{X}^r+(\mathbf{X}^r)^T\mathbf{X}^2\mathbf{a}\mathbf{b}^T"
                    r"(\mathbf{X}^{1-r})^T\right]"
                ),
                lambda a, X, b: sum(
                    mp(X, 1 - r) @ np.outer(a, b) @ (X @ X).T @ mp(X, r)
                    + mp(X, r).T @ X @ X @ np.outer(a, b) @ mp(X, 1 - r).T
                    for r in range(2)
                ),
            ),
        ),
    ),
    Identity(
        "CB91 gradient of x'Ax + b'x",
        r"\mathbf{x}^T\mathbf{A}\mathbf{x}+\mathbf{b}^T\mathbf{x}",
        "x' A x + b' x",
        "x",
        r"(\mathbf{A}+\mathbf{A}^T)\mathbf{x}+\mathbf{b}",
        lambda x, A, b: x @ A @ x + b @ x,
        lambda x, A, b: (A + A.T) @ x + b,
        lambda r: {"x": gen(r, 3), "A": gen(r, 3, 3), "b": gen(r, 3)},
    ),
]


def _trace(id_, latex, plain, claim, f, rhs, sample, **kw) -> Identity:
    """A trace identity of section 2.5: by X, denominator layout."""
    return Identity(id_, latex, plain, "X", claim, f, rhs, sample, **kw)


def _tr(inner: str) -> str:
    return r"\operatorname{Tr}(" + inner + ")"


X, A, B, C = r"\mathbf{X}", r"\mathbf{A}", r"\mathbf{B}", r"\mathbf{C}"

# the Cookbook, section 2.5 (traces), first, second and higher order, and "other"
TRACES = [
    _trace("CB99 d tr(X)", _tr(X), "tr(X)", r"\mathbf{I}", lambda X: tr(X),
           lambda X: np.eye(3), lambda r: {"X": gen(r, 3, 3)}),
    _trace("CB100 d tr(XA)", _tr(X + A), "tr(X A)", A + "^T", lambda X, A: tr(X @ A),
           lambda X, A: A.T, lambda r: {"X": gen(r, 3, 2), "A": gen(r, 2, 3)}),
    _trace("CB101 d tr(AXB)", _tr(A + X + B), "tr(A X B)", A + "^T" + B + "^T",
           lambda A, X, B: tr(A @ X @ B), lambda A, X, B: A.T @ B.T,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 4), "B": gen(r, 4, 2)}),
    _trace("CB102 d tr(AX'B)", _tr(A + X + "^T" + B), "tr(A X' B)", B + A,
           lambda A, X, B: tr(A @ X.T @ B), lambda A, X, B: B @ A,
           lambda r: {"A": gen(r, 2, 4), "X": gen(r, 3, 4), "B": gen(r, 3, 2)}),
    _trace("CB103 d tr(X'A)", _tr(X + "^T" + A), "tr(X' A)", A,
           lambda X, A: tr(X.T @ A), lambda X, A: A,
           lambda r: {"X": gen(r, 3, 2), "A": gen(r, 3, 2)}),
    _trace("CB104 d tr(AX')", _tr(A + X + "^T"), "tr(A X')", A,
           lambda X, A: tr(A @ X.T), lambda X, A: A,
           lambda r: {"X": gen(r, 3, 2), "A": gen(r, 3, 2)}),
    _trace("CB105 d tr(A kron X)", r"\mathrm{Tr}(\mathbf{A}\otimes\mathbf{X})", "tr(kron(A, X))",
           r"\operatorname{Tr}(\mathbf{A})\mathbf{I}", lambda A, X: tr(np.kron(A, X)),
           lambda A, X: tr(A) * np.eye(3), lambda r: {"A": gen(r, 2, 2), "X": gen(r, 3, 3)}),
    _trace("CB106 d tr(X^2)", _tr(X + "^2"), "tr(X^2)", "2" + X + "^T",
           lambda X: tr(X @ X), lambda X: 2 * X.T, lambda r: {"X": gen(r, 3, 3)}),
    _trace("CB107 d tr(X^2 B)", _tr(X + "^2" + B), "tr(X^2 B)", r"(\mathbf{X}\mathbf{B}+"
           r"\mathbf{B}\mathbf{X})^T", lambda X, B: tr(X @ X @ B),
           lambda X, B: (X @ B + B @ X).T, lambda r: {"X": gen(r, 3, 3), "B": gen(r, 3, 3)}),
    _trace("CB108 d tr(X'BX)", r"\text{tr}(\mathbf{X}^{T}\mathbf{B}\mathbf{X})", "tr(X' B X)",
           B + X + "+" + B + "^T" + X, lambda X, B: tr(X.T @ B @ X),
           lambda X, B: B @ X + B.T @ X, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 3, 3)}),
    _trace("CB109 d tr(BXX')", _tr(B + X + X + "^T"), "tr(B X X')",
           B + X + "+" + B + "^T" + X, lambda X, B: tr(B @ X @ X.T),
           lambda X, B: B @ X + B.T @ X, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 3, 3)}),
    _trace("CB110 d tr(XX'B)", _tr(X + X + "^T" + B), "tr(X X' B)",
           B + X + "+" + B + "^T" + X, lambda X, B: tr(X @ X.T @ B),
           lambda X, B: B @ X + B.T @ X, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 3, 3)}),
    _trace("CB111 d tr(XBX')", _tr(X + B + X + "^T"), "tr(X B X')",
           X + B + "^T+" + X + B, lambda X, B: tr(X @ B @ X.T),
           lambda X, B: X @ B.T + X @ B, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 2, 2)}),
    _trace("CB112 d tr(BX'X)", _tr(B + X + "^T" + X), "tr(B X' X)",
           X + B + "^T+" + X + B, lambda X, B: tr(B @ X.T @ X),
           lambda X, B: X @ B.T + X @ B, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 2, 2)}),
    _trace("CB113 d tr(X'XB)", _tr(X + "^T" + X + B), "tr(X' X B)",
           X + B + "^T+" + X + B, lambda X, B: tr(X.T @ X @ B),
           lambda X, B: X @ B.T + X @ B, lambda r: {"X": gen(r, 3, 2), "B": gen(r, 2, 2)}),
    _trace("CB114 d tr(AXBX)", _tr(A + X + B + X), "tr(A X B X)",
           A + "^T" + X + "^T" + B + "^T+" + B + "^T" + X + "^T" + A + "^T",
           lambda A, X, B: tr(A @ X @ B @ X), lambda A, X, B: A.T @ X.T @ B.T + B.T @ X.T @ A.T,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 3)}),
    _trace("CB115 d tr(X'X)", _tr(X + "^T" + X), "tr(X' X)", "2" + X,
           lambda X: tr(X.T @ X), lambda X: 2 * X, lambda r: {"X": gen(r, 3, 2)}),
    _trace("CB115b d tr(XX')", _tr(X + X + "^T"), "tr(X X')", "2" + X,
           lambda X: tr(X @ X.T), lambda X: 2 * X, lambda r: {"X": gen(r, 3, 2)}),
    _trace("CB116 d tr(B'X'CXB)", _tr(B + "^T" + X + "^T" + C + X + B), "tr(B' X' C X B)",
           C + "^T" + X + B + B + "^T+" + C + X + B + B + "^T",
           lambda B, X, C: tr(B.T @ X.T @ C @ X @ B),
           lambda B, X, C: C.T @ X @ B @ B.T + C @ X @ B @ B.T,
           lambda r: {"B": gen(r, 2, 4), "X": gen(r, 3, 2), "C": gen(r, 3, 3)}),
    _trace("CB117 d tr(X'BXC)", r"\operatorname{Tr}\left[\mathbf{X}^T\mathbf{B}\mathbf{X}"
           r"\mathbf{C}\right]", "tr(X' B X C)", B + X + C + "+" + B + "^T" + X + C + "^T",
           lambda X, B, C: tr(X.T @ B @ X @ C), lambda X, B, C: B @ X @ C + B.T @ X @ C.T,
           lambda r: {"X": gen(r, 3, 2), "B": gen(r, 3, 3), "C": gen(r, 2, 2)}),
    _trace("CB118 d tr(AXBX'C)", _tr(A + X + B + X + "^T" + C), "tr(A X B X' C)",
           A + "^T" + C + "^T" + X + B + "^T+" + C + A + X + B,
           lambda A, X, B, C: tr(A @ X @ B @ X.T @ C),
           lambda A, X, B, C: A.T @ C.T @ X @ B.T + C @ A @ X @ B,
           lambda r: {"A": gen(r, 4, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 2),
                      "C": gen(r, 3, 4)}),
    _trace("CB119 d tr((AXB+C)(AXB+C)')",
           r"\operatorname{Tr}\left[(\mathbf{A}\mathbf{X}\mathbf{B}+\mathbf{C})(\mathbf{A}"
           r"\mathbf{X}\mathbf{B}+\mathbf{C})^T\right]", "tr((A X B + C) (A X B + C)')",
           "2" + A + "^T(" + A + X + B + "+" + C + ")" + B + "^T",
           lambda A, X, B, C: tr((A @ X @ B + C) @ (A @ X @ B + C).T),
           lambda A, X, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T,
           lambda r: {"A": gen(r, 4, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 5),
                      "C": gen(r, 4, 5)}),
    _trace("CB120 d tr(X kron X)", r"\operatorname{Tr}(\mathbf{X}\otimes\mathbf{X})",
           "tr(kron(X, X))", r"2\operatorname{Tr}(\mathbf{X})\mathbf{I}",
           lambda X: tr(np.kron(X, X)), lambda X: 2 * tr(X) * np.eye(3),
           lambda r: {"X": gen(r, 3, 3)}),
    _trace("CB120b d tr(X) tr(X)", _tr(X) + _tr(X), "tr(X) tr(X)",
           r"2\operatorname{Tr}(\mathbf{X})\mathbf{I}", lambda X: tr(X) ** 2,
           lambda X: 2 * tr(X) * np.eye(3), lambda r: {"X": gen(r, 3, 3)}),
    _trace("CB121 d tr(X^k)", _tr(X + "^k"), "tr(X^k)", r"k(\mathbf{X}^{k-1})^T",
           lambda X, k: tr(mp(X, k)), lambda X, k: k * mp(X, k - 1).T,
           lambda r: {"X": gen(r, 3, 3), "k": 4}, where="k: integer",
           undecided="X is singular and k - 1 < 0"),  # k = 0: 0 X^-1, undefined at singular X
    _trace("CB121b d tr(X^3)", _tr(X + "^3"), "tr(X^3)", r"3(\mathbf{X}^{2})^T",
           lambda X: tr(mp(X, 3)), lambda X: 3 * mp(X, 2).T, lambda r: {"X": gen(r, 3, 3)}),
    _trace("CB122 d tr(AX^k)", _tr(A + X + "^k"), "tr(A X^k)",
           r"\sum_{r=0}^{k-1}(\mathbf{X}^r\mathbf{A}\mathbf{X}^{k-r-1})^T",
           lambda A, X, k: tr(A @ mp(X, k)),
           lambda A, X, k: sum(mp(X, r) @ A @ mp(X, k - r - 1) for r in range(k)).T,
           lambda r: {"A": gen(r, 3, 3), "X": gen(r, 3, 3), "k": 3}, where="k: integer",
           undecided=""),
    _trace("CB122b d tr(AX^3)", _tr(A + X + "^3"), "tr(A X^3)",
           r"\sum_{r=0}^{2}(\mathbf{X}^r\mathbf{A}\mathbf{X}^{2-r})^T",
           lambda A, X: tr(A @ mp(X, 3)),
           lambda A, X: sum(mp(X, r) @ A @ mp(X, 2 - r) for r in range(3)).T,
           lambda r: {"A": gen(r, 3, 3), "X": gen(r, 3, 3)}),
    _trace("CB123 d tr(B'X'CXX'CXB)",
           r"\operatorname{Tr}\left[\mathbf{B}^T\mathbf{X}^T\mathbf{C}\mathbf{X}\mathbf{X}^T"
           r"\mathbf{C}\mathbf{X}\mathbf{B}\right]", "tr(B' X' C X X' C X B)",
           C + X + X + "^T" + C + X + B + B + "^T+" + C + "^T" + X + B + B + "^T" + X + "^T"
           + C + "^T" + X + "+" + C + X + B + B + "^T" + X + "^T" + C + X + "+" + C + "^T" + X
           + X + "^T" + C + "^T" + X + B + B + "^T",
           lambda B, X, C: tr(B.T @ X.T @ C @ X @ X.T @ C @ X @ B),
           lambda B, X, C: C @ X @ X.T @ C @ X @ B @ B.T + C.T @ X @ B @ B.T @ X.T @ C.T @ X
           + C @ X @ B @ B.T @ X.T @ C @ X + C.T @ X @ X.T @ C.T @ X @ B @ B.T,
           lambda r: {"B": gen(r, 2, 4), "X": gen(r, 3, 2), "C": gen(r, 3, 3)}),
    _trace("CB124 d tr(AX^-1B)", _tr(A + X + "^{-1}" + B), "tr(A X^-1 B)",
           r"-\mathbf{X}^{-T}\mathbf{A}^T\mathbf{B}^T\mathbf{X}^{-T}",
           lambda A, X, B: tr(A @ inv(X) @ B),
           lambda A, X, B: -inv(X).T @ A.T @ B.T @ inv(X).T,
           lambda r: {"A": gen(r, 3, 3), "X": _sq(r), "B": gen(r, 3, 3)}),
    _trace("CB125 d tr((X'CX)^-1 A), C symmetric",
           r"\operatorname{Tr}\left[(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}\mathbf{A}\right]",
           "tr(inv(X' C X) A)",
           r"-(\mathbf{C}\mathbf{X}(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1})(\mathbf{A}+"
           r"\mathbf{A}^T)(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}",
           lambda X, C, A: tr(inv(X.T @ C @ X) @ A),
           lambda X, C, A: -(C @ X @ inv(X.T @ C @ X)) @ (A + A.T) @ inv(X.T @ C @ X),
           lambda r: {"X": gen(r, 4, 2), "C": spd(r, 4), "A": gen(r, 2, 2)},
           where="C: symmetric(m)"),
    _trace("CB126 d tr((X'CX)^-1 (X'BX)), B, C symmetric",
           r"\operatorname{Tr}\left[(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}(\mathbf{X}^T"
           r"\mathbf{B}\mathbf{X})\right]", "tr(inv(X' C X) (X' B X))",
           r"-2\mathbf{C}\mathbf{X}(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}\mathbf{X}^T\mathbf{B}"
           r"\mathbf{X}(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}+2\mathbf{B}\mathbf{X}"
           r"(\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}",
           lambda X, C, B: tr(inv(X.T @ C @ X) @ (X.T @ B @ X)),
           lambda X, C, B: -2 * C @ X @ inv(X.T @ C @ X) @ X.T @ B @ X @ inv(X.T @ C @ X)
           + 2 * B @ X @ inv(X.T @ C @ X),
           lambda r: {"X": gen(r, 4, 2), "C": spd(r, 4), "B": symmetric(r, 4)},
           where="C: symmetric(m); B: symmetric(m)"),
    _trace("CB127 d tr((A+X'CX)^-1 (X'BX)), A, B, C symmetric",
           r"\operatorname{Tr}\left[(\mathbf{A}+\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}"
           r"(\mathbf{X}^T\mathbf{B}\mathbf{X})\right]", "tr(inv(A + X' C X) (X' B X))",
           r"-2\mathbf{C}\mathbf{X}(\mathbf{A}+\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}\mathbf{X}^T"
           r"\mathbf{B}\mathbf{X}(\mathbf{A}+\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}+2\mathbf{B}"
           r"\mathbf{X}(\mathbf{A}+\mathbf{X}^T\mathbf{C}\mathbf{X})^{-1}",
           lambda X, C, B, A: tr(inv(A + X.T @ C @ X) @ (X.T @ B @ X)),
           lambda X, C, B, A: -2 * C @ X @ inv(A + X.T @ C @ X) @ X.T @ B @ X
           @ inv(A + X.T @ C @ X) + 2 * B @ X @ inv(A + X.T @ C @ X),
           lambda r: {"X": gen(r, 4, 2), "C": spd(r, 4), "B": symmetric(r, 4),
                      "A": spd(r, 2)},
           where="C: symmetric(m); B: symmetric(m); A: symmetric(n)"),
]  # fmt: skip

x_, a_ = r"\mathbf{x}", r"\mathbf{a}"

# the Cookbook, sections 2.6 and 2.7 (norms)
NORMS = [
    Identity("CB129 d ||x - a||_2", r"\|\mathbf{x}-\mathbf{a}\|_2", "norm2(x - a)", "x",
             r"\frac{\mathbf{x}-\mathbf{a}}{\|\mathbf{x}-\mathbf{a}\|_2}",
             lambda x, a: np.linalg.norm(x - a), lambda x, a: (x - a) / np.linalg.norm(x - a),
             lambda r: {"x": gen(r, 3), "a": gen(r, 3)}),
    Identity("CB130 d (x - a)/||x - a||_2",
             r"\frac{\mathbf{x}-\mathbf{a}}{\left\|\mathbf{x}-\mathbf{a}\right\|_2}",
             "(x - a) / norm2(x - a)", "x",
             r"\frac{\mathbf{I}}{\|\mathbf{x}-\mathbf{a}\|_2}-\frac{(\mathbf{x}-\mathbf{a})"
             r"(\mathbf{x}-\mathbf{a})^T}{\|\mathbf{x}-\mathbf{a}\|_2^3}",
             lambda x, a: (x - a) / np.linalg.norm(x - a),
             lambda x, a: np.eye(3) / np.linalg.norm(x - a)
             - np.outer(x - a, x - a) / np.linalg.norm(x - a) ** 3,
             lambda r: {"x": gen(r, 3), "a": gen(r, 3)}),
    Identity("CB131 d ||x||_2^2", r"\|\mathbf{x}\|_2^2", "norm2(x)^2", "x", "2" + x_,
             lambda x: x @ x, lambda x: 2 * x, lambda r: {"x": gen(r, 3)}),
    Identity("CB131b d ||x'x||_2", r"\left\|\mathbf{x}^T\mathbf{x}\right\|_2", "norm2(x' x)",
             "x", "2" + x_, lambda x: abs(x @ x), lambda x: 2 * x, lambda r: {"x": gen(r, 3)}),
    Identity("CB132 d ||X||_F^2", r"\|\mathbf{X}\|_\mathrm{F}^2", "norm2(X)^2", "X", "2" + X,
             lambda X: np.sum(X * X), lambda X: 2 * X, lambda r: {"X": gen(r, 3, 2)}),
    Identity("CB132b d tr(XX^T)", r"\operatorname{Tr}(\mathbf{X}\mathbf{X}^\top)",
             "trace(X X')", "X", "2" + X, lambda X: np.sum(X * X), lambda X: 2 * X,
             lambda r: {"X": gen(r, 3, 2)}),
]  # fmt: skip


def _notes(id_, latex, plain, wrt, claim, f, rhs, sample, **kw) -> Identity:
    return Identity(id_, latex, plain, wrt, claim, f, rhs, sample, layout="numerator", **kw)


# the lecture notes (/work/shared/matrix-differentiation-notes.txt), numerator layout
NOTES = [
    _notes("C5 dx/dx", x_, "x", "x", r"\mathbf{I}", lambda x: x, lambda x: np.eye(3),
           lambda r: {"x": gen(r, 3)}),
    _notes("C6 d a'x", a_ + r"^\top" + x_, "a' x", "x", a_ + r"^\top", lambda a, x: a @ x,
           lambda a, x: a, lambda r: {"a": gen(r, 3), "x": gen(r, 3)}),
    _notes("C6b d x'a", x_ + r"^\top" + a_, "x' a", "x", a_ + r"^\top", lambda a, x: a @ x,
           lambda a, x: a, lambda r: {"a": gen(r, 3), "x": gen(r, 3)}),
    _notes("C7 d x'x", x_ + r"^\top" + x_, "x' x", "x", "2" + x_ + r"^\top",
           lambda x: x @ x, lambda x: 2 * x, lambda r: {"x": gen(r, 3)}),
    _notes("C8 d (x'a)^2", "(" + x_ + r"^\top" + a_ + ")^2", "(x' a)^2", "x",
           "2" + x_ + r"^\top" + a_ + a_ + r"^\top", lambda a, x: (x @ a) ** 2,
           lambda a, x: 2 * (x @ a) * a, lambda r: {"a": gen(r, 3), "x": gen(r, 3)}),
    _notes("C9 d Ax", r"\mathbf{A}\mathbf{x}", "A x", "x", A, lambda A, x: A @ x,
           lambda A, x: A, lambda r: {"A": gen(r, 2, 3), "x": gen(r, 3)}),
    _notes("C10 d x'A", x_ + r"^\top\mathbf{A}", "x' A", "x", A + r"^\top", lambda A, x: x @ A,
           lambda A, x: A.T, lambda r: {"A": gen(r, 3, 2), "x": gen(r, 3)}),
    _notes("C11 d x'Ax", x_ + r"^\top \mathbf{A} " + x_, "x' A x", "x",
           x_ + r"^\top (\mathbf{A} + \mathbf{A}^\top)", lambda A, x: x @ A @ x,
           lambda A, x: x @ (A + A.T), lambda r: {"A": gen(r, 3, 3), "x": gen(r, 3)}),
    _notes("DT1 d tr(X)", _tr(X), "tr(X)", "X", r"\mathbf{I}", lambda X: tr(X),
           lambda X: np.eye(3), lambda r: {"X": gen(r, 3, 3)}),
    _notes("DT2 d tr(X^k)", r"\operatorname{tr}(\mathbf{X}^k)", "tr(X^k)", "X",
           r"k\mathbf{X}^{k-1}", lambda X, k: tr(mp(X, k)), lambda X, k: k * mp(X, k - 1),
           lambda r: {"X": gen(r, 3, 3), "k": 5}, undecided="X is singular and k - 1 < 0"),
    _notes("DT3 d tr(AX)", r"\operatorname{tr}(\mathbf{A}\mathbf{X})", "tr(A X)", "X", A,
           lambda A, X: tr(A @ X), lambda A, X: A,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 2)}),
    _notes("DT3b d tr(XA)", r"\operatorname{tr}(\mathbf{X}\mathbf{A})", "tr(X A)", "X", A,
           lambda A, X: tr(X @ A), lambda A, X: A,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 2)}),
    _notes("DT4 d tr(AX')", r"\operatorname{tr}(\mathbf{A}\mathbf{X}^\top)", "tr(A X')", "X",
           A + r"^\top", lambda A, X: tr(A @ X.T), lambda A, X: A.T,
           lambda r: {"A": gen(r, 3, 2), "X": gen(r, 3, 2)}),
    _notes("DT4b d tr(X'A)", r"\operatorname{tr}(\mathbf{X}^\top\mathbf{A})", "tr(X' A)", "X",
           A + r"^\top", lambda A, X: tr(X.T @ A), lambda A, X: A.T,
           lambda r: {"A": gen(r, 3, 2), "X": gen(r, 3, 2)}),
    _notes("DT5 d tr(X'AX)", r"\operatorname{tr}(\mathbf{X}^\top \mathbf{A} \mathbf{X})",
           "tr(X' A X)", "X", X + r"^\top (\mathbf{A} + \mathbf{A}^\top)",
           lambda A, X: tr(X.T @ A @ X), lambda A, X: X.T @ (A + A.T),
           lambda r: {"A": gen(r, 3, 3), "X": gen(r, 3, 2)}),
    _notes("DT6 d tr(X^-1 A), corrected", r"\operatorname{tr}(\mathbf{X}^{-1} \mathbf{A})",
           "tr(inv(X) A)", "X", r"-\mathbf{X}^{-1} \mathbf{A} \mathbf{X}^{-1}",
           lambda A, X: tr(inv(X) @ A), lambda A, X: -inv(X) @ A @ inv(X),
           lambda r: {"A": gen(r, 3, 3), "X": _sq(r)},
           broken=((r"-\mathbf{X}^{-\top} \mathbf{A} \mathbf{X}^{-\top}",  # the notes' DT6
                    lambda A, X: -inv(X).T @ A @ inv(X).T),)),
    _notes("DT7 d tr(AXB)", r"\operatorname{tr}(\mathbf{A} \mathbf{X} \mathbf{B})",
           "tr(A X B)", "X", r"\mathbf{B} \mathbf{A}", lambda A, X, B: tr(A @ X @ B),
           lambda A, X, B: B @ A,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 4), "B": gen(r, 4, 2)}),
    _notes("DT7b d tr(BAX)", r"\operatorname{tr}(\mathbf{B} \mathbf{A} \mathbf{X})",
           "tr(B A X)", "X", r"\mathbf{B} \mathbf{A}", lambda A, X, B: tr(B @ A @ X),
           lambda A, X, B: B @ A,
           lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 4), "B": gen(r, 4, 2)}),
    _notes("DT8 d tr(AXBX'C)",
           r"\operatorname{tr}(\mathbf{A} \mathbf{X} \mathbf{B} \mathbf{X}^{\top} \mathbf{C})",
           "tr(A X B X' C)", "X",
           r"\mathbf{B} \mathbf{X}^{\top} \mathbf{C} \mathbf{A} + \mathbf{B}^{\top} "
           r"\mathbf{X}^{\top} \mathbf{A}^{\top} \mathbf{C}^{\top}",
           lambda A, X, B, C: tr(A @ X @ B @ X.T @ C),
           lambda A, X, B, C: B @ X.T @ C @ A + B.T @ X.T @ A.T @ C.T,
           lambda r: {"A": gen(r, 4, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 2),
                      "C": gen(r, 3, 4)}),
    _notes("DD1 d |X|", r"|\mathbf{X}|", "|X|", "X", r"|\mathbf{X}| \mathbf{X}^{-1}",
           lambda X: det(X), lambda X: det(X) * inv(X), lambda r: {"X": _sq(r)},
           undecided="invertible"),
    _notes("DD2 d |X^k|", r"|\mathbf{X}^k|", "|X^k|", "X", r"k |\mathbf{X}^k| \mathbf{X}^{-1}",
           lambda X, k: det(mp(X, k)), lambda X, k: k * det(mp(X, k)) * inv(X),
           lambda r: {"X": _sq(r), "k": 2}, undecided="invertible"),
    _notes("DD3 d log |X|", r"\log |\mathbf{X}|", "log|X|", "X", r"\mathbf{X}^{-1}",
           lambda X: np.log(det(X)), lambda X: inv(X), lambda r: {"X": _sq(r)}),
    _notes("DD4 d |AXB|", r"|\mathbf{A}\mathbf{X}\mathbf{B}|", "|A X B|", "X",
           r"|\mathbf{A}\mathbf{X}\mathbf{B}| \mathbf{X}^{-1}",
           lambda A, X, B: det(A @ X @ B), lambda A, X, B: det(A @ X @ B) * inv(X),
           lambda r: {"A": _sq(r), "X": _sq(r), "B": _sq(r)},
           where="A: matrix(n, n); X: matrix(n, n); B: matrix(n, n)", undecided="invertible"),
    _notes("DD5 d |X'AX|", r"|\mathbf{X}^\top \mathbf{A} \mathbf{X}|", "|X' A X|", "X",
           r"2 |\mathbf{X}^\top \mathbf{A} \mathbf{X}| \mathbf{X}^{-1}",
           lambda A, X: det(X.T @ A @ X), lambda A, X: 2 * det(X.T @ A @ X) * inv(X),
           lambda r: {"A": _sq(r), "X": _sq(r)}, where="X: matrix(n, n)",
           undecided="invertible"),
]  # fmt: skip

dX = r"\,d\mathbf{X}"

# the Cookbook, section 2.1 (differentials), as claims d f = tr(G dX) and dY = ...
DIFFERENTIALS = [
    _notes("CB37 d(AXB) = A dX B", r"\mathbf{A}\mathbf{X}\mathbf{B}", "A X B", "X",
           r"d\mathbf{Y} = \mathbf{A}" + dX + r"\,\mathbf{B}", lambda A, X, B: A @ X @ B,
           None, lambda r: {"A": gen(r, 2, 3), "X": gen(r, 3, 2), "B": gen(r, 2, 2)},
           broken=((r"d\mathbf{Y} = \mathbf{B}" + dX + r"\,\mathbf{A}", None),)),
    _notes("CB40 d(X^-1)", X + "^{-1}", "inv(X)", "X",
           r"d\mathbf{Y} = -\mathbf{X}^{-1}" + dX + r"\,\mathbf{X}^{-1}", lambda X: inv(X),
           None, lambda r: {"X": _sq(r)},
           broken=((r"d\mathbf{Y} = \mathbf{X}^{-1}" + dX + r"\,\mathbf{X}^{-1}", None),
                   (r"d\mathbf{Y} = -\mathbf{X}^{-2}" + dX, None))),
    _notes("CB41 d det(X)", r"\det(\mathbf{X})", "det(X)", "X",
           r"d f = \det(\mathbf{X})\operatorname{Tr}(\mathbf{X}^{-1}" + dX + ")",
           lambda X: det(X), None, lambda r: {"X": _sq(r)}, undecided="invertible",
           broken=((r"d f = \det(\mathbf{X})\operatorname{Tr}(\mathbf{X}^{-T}" + dX + ")",
                    None),)),
    _notes("CB41b d det(X) = tr(adj(X) dX)", r"\det(\mathbf{X})", "det(X)", "X",
           r"d f = \operatorname{Tr}(\operatorname{adj}(\mathbf{X})" + dX + ")",
           lambda X: det(X), None, lambda r: {"X": _sq(r)},  # right at a singular X too
           broken=((r"d f = \operatorname{Tr}(\operatorname{adj}(\mathbf{X})^T" + dX + ")",
                    None),)),
    _notes("CB43 d ln det(X)", r"\ln\det(\mathbf{X})", "log(det(X))", "X",
           r"d f = \operatorname{Tr}(\mathbf{X}^{-1}" + dX + ")", lambda X: np.log(det(X)),
           None, lambda r: {"X": _sq(r)},
           broken=((r"d f = -\operatorname{Tr}(\mathbf{X}^{-1}" + dX + ")", None),)),
    _notes("CB44 d X'", X + "^T", "X'", "X", r"d\mathbf{Y} = (d\mathbf{X})^T",
           lambda X: X.T, None, lambda r: {"X": gen(r, 3, 3)},
           broken=((r"d\mathbf{Y} = d\mathbf{X}", None),)),
    _notes("CB35 d tr(X)", _tr(X), "tr(X)", "X", r"d f = \operatorname{Tr}(d\mathbf{X})",
           lambda X: tr(X), None, lambda r: {"X": gen(r, 3, 3)},
           broken=((r"d f = 2\operatorname{Tr}(d\mathbf{X})", None),)),
    _notes("CB38 d(X kron B)", r"\mathbf{X}\otimes\mathbf{B}", "kron(X, B)", "X",
           r"d\mathbf{Y} = d\mathbf{X}\otimes\mathbf{B}", lambda X, B: np.kron(X, B), None,
           lambda r: {"X": gen(r, 2, 2), "B": gen(r, 2, 3)},
           broken=((r"d\mathbf{Y} = \mathbf{B}\otimes d\mathbf{X}", None),)),
    _notes("CB39 d(X o B)", r"\mathbf{X}\circ\mathbf{B}", "X .* B", "X",
           r"d\mathbf{Y} = d\mathbf{X}\circ\mathbf{B}", lambda X, B: X * B, None,
           lambda r: {"X": gen(r, 3, 2), "B": gen(r, 3, 2)},
           broken=((r"d\mathbf{Y} = d\mathbf{X}\circ\mathbf{B}^T", None),)),
    _notes("CB36 d(XY) by X", r"\mathbf{X}\mathbf{Y}", "X Y", "X",
           r"d\mathbf{Z} = d\mathbf{X}\,\mathbf{Y}", lambda X, Y: X @ Y, None,
           lambda r: {"X": gen(r, 3, 3), "Y": gen(r, 3, 3)},
           broken=((r"d\mathbf{Z} = \mathbf{Y}\,d\mathbf{X}", None),)),
]  # fmt: skip

IDENTITIES = DET + FORMS + TRACES + NORMS + NOTES
ALL = IDENTITIES + DIFFERENTIALS
