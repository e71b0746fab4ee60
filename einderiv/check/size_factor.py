"""A claim off by a factor that is a size: said as the size ("off by a factor of n").

Input: a diagnosis found at a counterexample ("off by a factor of 4"), the counterexample's
sizes, the variables' kinds and dimensions, and a way to get the derivative's and the claim's
values at a probe of other sizes.
Output: ``by_size``: "off by a factor of n (the length of y; 4 at the counterexample)", or
None when the factor is not a size's.
Invariants: said only when the factor (or its reciprocal) is the value of exactly one named
size at the counterexample and follows that size at a probe where it is one more (a factor 2
at a size 2 that stays 2 is a number); an error there leaves the diagnosis as it was.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from einderiv.check.diagnose import _constant_ratio
from einderiv.errors import EinderivError

__all__ = ["by_size"]


def by_size(found: str, sizes: dict, variables: dict, again) -> str | None:
    """``found``, "off by a factor of 4", said as the size it is, "off by a factor of n (the
    length of y; 4 at the counterexample)": when the factor (or its reciprocal) is the probe's
    size n, one named size has it, and it is n + 1 where that size is one more (``again``: the
    derivative's and the claim's values at a probe of the given sizes); else None (a factor 2
    at a size 2 that stays 2 is a number). A mean's 1/n forgotten, for one."""
    match = re.fullmatch(r"off by a factor of (\S+)", found)
    try:
        factor = float(Fraction(match[1])) if match else 0.0
    except ValueError:
        return None
    inverse = 0 < abs(factor) < 1
    n = round(1 / factor if inverse else factor) if factor else 0
    named = [d for d, size in sizes.items() if size == n and str(d).isidentifier()]
    if n < 2 or abs(abs(factor) ** (-1 if inverse else 1) - n) > 1e-9 or len(named) != 1:
        return None
    dim = named[0]
    try:
        want, got = again({**sizes, dim: n + 1})
    except EinderivError:
        return None
    ratio = _constant_ratio(np.asarray(got), np.asarray(want))
    sign = -1 if factor < 0 else 1
    if ratio is None or abs(ratio - sign * (n + 1) ** (-1 if inverse else 1)) > 1e-9 * (n + 1):
        return None
    said = f"{'-' * (sign < 0)}{'1/' * inverse}{dim}"
    return f"off by a factor of {said} ({_size_words(dim, variables)}; {n} at the counterexample)"


def _size_words(dim: str, variables: dict) -> str:
    """What the size ``dim`` is: the length of a vector, the rows or columns of a matrix."""
    ordered = sorted(variables.items(), key=lambda item: (item[1].kind != "vector", item[0]))
    for name, info in ordered:  # a vector's length first: len(y) of mean(y .* ...)
        dims = tuple(info.dims)
        if info.kind == "vector" and dims == (dim,):
            return f"the length of {name}"
        if info.kind in ("matrix", "symmetric") and dim in dims:
            return f"the number of {'rows' if dims[0] == dim else 'columns'} of {name}"
    return f"the size {dim}"
