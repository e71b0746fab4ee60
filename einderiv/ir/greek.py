"""Greek letters, declared once: each Unicode letter and the name it stands for.

Input: nothing. Output: constants that the front end (lexing, LaTeX, kinds by use, letter
splitting) and the printer read.
Invariants: a name is the LaTeX command without its backslash (``lambda`` for ``\\lambda`` and
``λ``); final sigma ``ς`` is ``sigma``; ``delta`` is also the Kronecker delta, which the stages
treat as reserved. A Greek name is one name: it never reads as the product of its letters.
"""

from __future__ import annotations

__all__ = ["LETTERS", "LOWER", "NAMES", "UPPER"]

LOWER = (
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega",
)  # fmt: skip
UPPER = (
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
)  # fmt: skip
NAMES = frozenset(LOWER + UPPER)
# the letters as written (SPEC 6.2): α is alpha, ..., ς (final sigma) is sigma, Γ is Gamma, ...
LETTERS = (
    dict(zip("αβγδεζηθικλμνξπρστυφχψω", LOWER, strict=True))
    | {"ς": "sigma"}
    | dict(zip("ΓΔΘΛΞΠΣΥΦΨΩ", UPPER, strict=True))
)
