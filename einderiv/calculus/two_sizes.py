"""The message for a variable whose uses and whose own axes have different sizes.

Input: the variable's name, the indices it is used with in a term, and the indices of the
variable differentiated by. Output: the text of the ``ShapeError`` that ``differentiate``
raises instead of a delta between two sizes (which the index IR refuses with a ValueError).
Why: sizing keeps a Kronecker size with a factor 1 (``1*n``, of ``kron(x, u)`` for u of length
1) apart from the plain size n it meets (``?*n = n`` makes ? 1, and n is never its own factor),
so ``kron(x, u)' y + x' y`` uses y with an index of n and one of 1*n: differentiating by y is
refused in words, never a crash.
"""

from __future__ import annotations

__all__ = ["two_sizes"]


def two_sizes(name: str, used, declared) -> str:
    said = " by ".join(str(i.dim) for i in used)
    sized = " by ".join(str(i.dim) for i in declared)
    return (
        f"`{name}` is {said} where it is used and {sized} as a variable (a Kronecker size with "
        "a factor 1, such as kron(x, u) for u of length 1, beside a plain size): einderiv "
        f"cannot differentiate by `{name}` sized two ways; write the factor of length 1 as a "
        "scalar (u x for kron(x, u), with u: scalar)"
    )
