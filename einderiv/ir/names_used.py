"""The variables a term mentions, in one walk.

Input: an index-IR term. Output: the frozenset of the names of its ``Var`` nodes.
Invariants: each shared node is looked at once and the walk is iterative, so the cost is
linear in the term's graph whatever its depth (``index_ir.mentions`` asked of each of 1,000
variables walked the term 1,000 times: ``check`` of a sum of 1,000 terms took seconds).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T


def variable_names(t: T.Term) -> frozenset[str]:
    """The names of the variables ``t`` mentions."""
    names: set[str] = set()
    seen: set[int] = set()
    stack = [t]
    while stack:
        u = stack.pop()
        if id(u) in seen:
            continue
        seen.add(id(u))
        if type(u) is T.Var:
            names.add(u.name)
        else:
            stack.extend(T.children(u))
    return frozenset(names)


def names_in_bases(t: T.Term) -> frozenset[str]:
    """The names of the variables inside the base of a ``MatPow``, ``Det`` or ``LogDet`` of
    ``t`` (X and A in ``inv(X' A X)``, X in ``det(X)``): the matrices an inverse, a power or a
    determinant is taken of, whose conditioning the value rests on. One walk: each shared node
    is looked at at most twice (inside a base and outside), so the cost is linear."""
    names: set[str] = set()
    seen: set[tuple[int, bool]] = set()
    stack = [(t, False)]
    while stack:
        u, inside = stack.pop()
        if (id(u), inside) in seen:
            continue
        seen.add((id(u), inside))
        if type(u) is T.Var:
            if inside:
                names.add(u.name)
            continue
        matrix_function = type(u) in (T.MatPow, T.Det, T.LogDet)
        stack.extend((c, inside or (matrix_function and c is u.base)) for c in T.children(u))
    return frozenset(names)
