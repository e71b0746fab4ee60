"""How much text a term writes out: the guard of printing whole (``notation.printing``).

Input: an index-IR term, stored as a graph (shared subterms once).
Output: ``tree_sizes``, every node's number of nodes as a tree; ``written_size``, the term's
(what printing it whole writes out); ``matrix_written_size``, the same of a matrix-IR expression
(each of its nodes prints at least one character of its own: a lower bound of its text's
length, ``show``'s test that a named form is no longer than the plain one); ``printable``, which raises ``TooLongToWrite`` (an
``EinderivError``) naming the way out (names for shared subexpressions, ``show(cse=True)``)
when that is more than ``MAX_WRITTEN``.
Invariants: linear in the size of the graph (a walk with a size per node), never recursive.
"""

from __future__ import annotations

from einderiv.errors import TooLongToWrite
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import subterms

MAX_WRITTEN = 2_000_000  # the most nodes a term written out whole may have (~20 MB of text)


def tree_sizes(term: T.Term, children=T.children) -> dict:
    """Every node of ``term`` (reached through ``children``) -> its number of nodes as a tree,
    counted on the graph it is stored as: each shared subterm is looked at once."""
    size: dict = {}
    stack = [term]
    while stack:
        node = stack[-1]
        if node in size:
            stack.pop()
            continue
        kids = children(node)
        missing = [c for c in kids if c not in size]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        size[node] = 1 + sum(size[c] for c in kids)
    return size


def written_size(term: T.Term) -> int:
    """The number of nodes of ``term`` as a tree: what printing it whole writes out."""
    return tree_sizes(term)[term]


def matrix_written_size(e: M.MExpr) -> int:
    """The number of nodes of ``e`` as a tree, counted on the graph it is stored as: each
    object looked at once (by identity: equal subterms need not be one object)."""
    size: dict[int, int] = {}
    keep = []  # (the objects counted, kept alive: their ids stay their own)
    stack = [e]
    while stack:
        node = stack[-1]
        if id(node) in size:
            stack.pop()
            continue
        kids = subterms(node)
        missing = [c for c in kids if id(c) not in size]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        size[id(node)] = 1 + sum(size[id(c)] for c in kids)
        keep.append(node)
    return size[id(e)]


def printable(term: T.Term) -> None:
    """Refuse, with the way out, a term whose text would be astronomically long (a Hessian of
    nested softmax, 16 deep, is a graph of 2,000 nodes and a tree of 64 million)."""
    size = written_size(term)
    if size > MAX_WRITTEN:
        raise TooLongToWrite(
            f"written out whole, this result would be a tree of {size:,} nodes (more than "
            f"{MAX_WRITTEN:,}); print it with its shared subexpressions named: "
            "g.show(cse=True), --cse on the command line"
        )
