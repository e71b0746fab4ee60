"""The names index notation writes for an entry, so that the text reads back (SPEC 7).

Input: a variable's name and its number of indices, or a Kronecker delta's size, and the
sizes the variables of the printed term have; plain text or LaTeX.
Output: the name written before the indices: ``delta'`` for a vector the user named
``delta`` (``delta[a]`` is refused on reading: index notation's ``delta`` is the Kronecker
delta, and a vector's entries are its transpose's, ``delta'[a]``, read back as that vector);
``I_2`` for a Kronecker delta of a size no variable has (``delta[a,b]`` would read back with
its size open: ``kron(I_2, A)``'s ``I_2[a,b] A[c,d] ...``); else the name as it is.
Invariants: the name reads back to the same entries (``frontend.parse``'s ``entry``: a
``delta`` base is the Kronecker delta, ``I_n`` the identity of size n, a transposed vector
indexed once its entries); only a size written as a number or a plain name is written
(a product of sizes, ``n*k``, has no plain form); none is written when the variables are not
known (``sizes`` None).
"""

from __future__ import annotations

from einderiv.ir.node import dim_factors

LATEX_NAMES = {"ones": r"\mathbf{1}", "delta": r"\delta"}


def variable_sizes(variables: dict | None) -> frozenset | None:
    """The sizes of ``variables`` (name -> its info), their factors (a compound's) and the
    products of two that are numbers (a pair's size), or None when not given."""
    if variables is None:
        return None
    dims = {d for v in variables.values() for d in getattr(v, "dims", ())}
    sizes = dims | {f for d in dims for f in dim_factors(d)}  # (m of A n-by-2*m)
    numbers = [d for d in sizes if type(d) is int]
    return frozenset(sizes | {a * b for a in numbers for b in numbers})


def var_name(name: str, count: int, latex: bool) -> str:
    """A variable's name before ``count`` indices: ``delta'`` for a vector named delta."""
    if name == "delta" and count == 1:  # delta[a]: the Kronecker delta's, refused on reading
        return r"\left(\delta^{\top}\right)" if latex else "delta'"
    return name


def delta_name(dim, sizes: frozenset | None, latex: bool) -> str:
    """The Kronecker delta's name over indices of size ``dim``: ``I_2`` when no variable has
    that size (in ``sizes``), else ``delta``."""
    if sizes is not None and lost_size(dim, sizes):  # delta[a,b] I_2[a,b]: its size
        return f"I_{{{dim}}}" if latex else f"I_{dim}"
    return r"\delta" if latex else "delta"


def lost_size(dim, sizes: frozenset) -> bool:
    """Whether an identity of size ``dim`` loses it when written without: a number or a plain
    name that is no variable's size, nor a number that is the product of two (9 of 3-by-3:
    a pair's, an indexed Kronecker form's, which ``kron_readback`` sizes): ``sizes`` from
    ``variable_sizes``."""
    plain = type(dim) is int or isinstance(dim, str) and dim.isidentifier()
    return plain and dim not in sizes
