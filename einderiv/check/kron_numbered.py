"""A Kronecker claim "wrong" by its shape at named sizes, judged again with the sizes numbers.

Input: ``check``'s arguments (the expression as text, its declarations, the claim
``d vec(Y) / d vec(X)' = R``) and its result. Output: ``numbered(...)``: the result, or
"undecided" where it is "wrong" by shape only ("wrong shape", "not well-formed"), the derivative
has a size 1, and the same claim with each named size a number (2, 3, 5, ..., none the claim
writes: I_2 is right at n = 2 only) is right.
einderiv pairs Kronecker sizes factor by factor, so with names it may pair an unsized I or a
name with a 1 of the other side (``kron(A, I)`` for d vec(kron(X, a)) / d vec(X)' of a 1-by-n X
and a 1-by-1 a: I_n, read as I_1), where numbers pair by their values.
Invariants: only a claim proved right at the numbers is made undecided (one size is no proof
for every n, so never "right"); "wrong" stays where it is wrong or not read at the numbers.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

from einderiv.api import parse
from einderiv.check.claims import declarations_of
from einderiv.check.kron_claim import is_kronecker
from einderiv.errors import EinderivError
from einderiv.ir.node import dim_factors

__all__ = ["numbered"]

_NUMBERS = (2, 3, 5, 7, 11, 13, 17, 19)
_BY_SHAPE = ("wrong shape", "the claim is not well-formed")


def numbered(result, expr, where, claim, judge):
    """``result``, undecided where its "wrong" by shape rests on named sizes paired with a 1
    (module docstring); ``judge(expr, claim=, where=)`` is ``check`` of the numbered texts
    (kron(A, I) for d vec(kron(X, a)) / d vec(X)' of a 1-by-n X: undecided)."""
    if result.verdict != "wrong" or not result.reason.startswith(_BY_SHAPE):
        return result
    if not (isinstance(expr, str) and is_kronecker(claim)) or result.expected is None:
        return result
    factors = [f for a in result.expected.axes for f in dim_factors(a.dim)]
    if 1 not in factors:
        return result
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = parse(expr, where)
    except EinderivError:
        return result
    sizes = sorted({d for v in f.variables.values() for d in v.dims if isinstance(d, str)})
    written = set(map(int, re.findall(r"\d+", claim)))  # I_2 is no I_n at n = 2
    numbers = [k for k in _NUMBERS if k not in written]
    if not sizes or len(sizes) > len(numbers) or set(sizes) & set(f.variables):
        return result
    number = dict(zip(sizes, numbers))
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sizes)) + r")\b")

    def as_numbers(text: str) -> str:
        return pattern.sub(lambda m: str(number[m.group(1)]), text)

    left, right = claim.split("=", 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            again = judge(
                expr, claim=f"{left}={as_numbers(right)}", where=as_numbers(declarations_of(f))
            )
    except EinderivError:
        return result
    if again.verdict != "right":  # wrong there, or not read there either (2 X' for 2 X)
        return result
    at = ", ".join(f"{name} = {value}" for name, value in number.items())
    why = (
        f"undecided: einderiv's pairing of the claim's Kronecker sizes with the derivative's "
        f"({result.reason}) rests on named sizes paired with a 1, and at {at} the claim is "
        "right; write the sizes in each factor (I_n)"
    )
    return replace(result, verdict="undecided", reason=why, counterexample=None, diagnosis=None)
