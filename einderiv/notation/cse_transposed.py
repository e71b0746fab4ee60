"""Subterms that are each other's transposes written out (``notation.cse``): ``W2 t5``, ``t5' W2'``.

Input: the distinct subterms of a program (children first), their sizes, what is known of names
(``cse._Shapes``: ``flip``, ``left``, a ``Flattened``, ``sig``) and which subterms are constants.
Output: ``transposes_of``: node -> its transpose written out; ``no_new_transposes``: whether
naming a subterm written transposed too surely pairs no two subterms anew; ``Flattened``: a
number per subterm up to products' association.
Invariants: the signature of a subterm is a sum of hashes of its leaves and operations, blind to
products' order and transposes, so a subterm and its transpose written out have one signature;
each node's signature is computed once per naming (kept in ``known.sig``).
"""

from __future__ import annotations

from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import subterms
from einderiv.notation.cse_worth import _TRIVIAL, _trivial

_MASK = (1 << 61) - 1


def transposes_of(order: list[M.MExpr], size: dict, known, constant: dict) -> dict:
    """node -> the distinct node of ``order`` that is its transpose written out. A transpose has
    the same leaves and operations but for products' order and transposes, so only nodes whose
    such signature (a sum of hashes, linear to compute) another node shares are transposed and
    compared (a chain's 20,000 prefixes are not)."""
    sig = known.sig
    for node in order:  # children first
        if node in sig:
            continue
        if isinstance(node, (M.Transpose, M.MatMul)):
            own = 0
        elif isinstance(node, _TRIVIAL):
            own = hash(node)
        else:
            own = hash((type(node).__name__, getattr(node, "fn", None)))
        sig[node] = (own + sum(sig[c] for c in subterms(node))) & _MASK
    groups: dict = {}
    for n in order:
        if size[n] >= 3 and not _trivial(n, constant):
            groups.setdefault(sig[n], []).append(n)
    partner: dict = {}
    for group in (g for g in groups.values() if len(g) > 1):
        written = {known.left(n): n for n in group}  # products compared flattened
        for node in group:
            other = written.get(known.left(known.flip(node)))
            if other is None or other == node:
                continue
            if M.Transpose(node) != other and M.Transpose(other) != node:  # (counted once)
                partner[node] = other
    return partner


def parents_of(order: list[M.MExpr]) -> dict:
    """subterm -> the distinct subterms of ``order`` holding it as a child."""
    parents: dict = {}
    for node in order:
        for c in subterms(node):
            parents.setdefault(c, []).append(node)
    return parents


def no_new_transposes(
    p: M.MExpr, parents: dict, size: dict, sig: dict, flipped=None, partner=None
) -> bool:
    """Whether naming ``p`` (written transposed too: ``(1 - t4 .^ 2)' .* t5'``) surely makes no
    two subterms each other's transposes written out, nor equal: two subterms can become so only
    if both hold ``p`` (or ``p'``), equally often, and have one signature up to transposes (a sum
    of hashes over leaves: the name replaces ``p`` in both alike). A transpose of a subterm
    stays the transpose of the renamed subterm (not counted). Walks the subterms holding ``p``.
    ``flipped``: ``p``'s transpose written out, named as the name transposed (``W' t49`` of
    ``t49 W``); two subterms already each other's transposes written out (``partner``) stay so.
    """
    picks = (p,) if flipped is None else (p, flipped)
    holding, todo = [], list(picks)
    seen = set(picks)
    while todo:
        for q in parents.get(todo.pop(), ()):
            if q not in seen:
                seen.add(q)
                holding.append(q)
                todo.append(q)
    times = dict.fromkeys(picks, 1)
    keys: dict = {}
    for x in sorted(holding, key=size.__getitem__):  # children first: they are smaller
        times[x] = sum(times.get(c, 0) for c in subterms(x))
        if not isinstance(x, M.Transpose):
            key = (sig[x], times[x])
            other = keys.setdefault(key, x)
            if other is not x and (partner is None or partner.get(x) is not other):
                return False
    return True


class Flattened:
    """A number per subterm, equal for two subterms exactly when they are equal once every
    chain of products is flattened (``B' (X' A')`` and ``(B' X') A'``, which ``transpose`` and
    the parser associate differently): a chain is the tuple of its factors' numbers, numbered
    once, so no left-associated copy of each suffix of a right-nested chain is built (that was
    quadratic in its length). Subterms are shared objects (``cse._Shapes.share``)."""

    def __init__(self):
        self.numbers: dict = {}  # subterm -> its number
        self.ids: dict = {}  # (kind, fields or factors' numbers) -> its number
        self.chains: dict = {}  # product -> its factors' numbers (``_factors``)

    def __call__(self, e: M.MExpr) -> int:
        found = self.numbers.get(e)
        if found is not None:
            return found
        if type(e) is M.MatMul:
            key = (M.MatMul, *self._factors(e))
        elif not subterms(e):
            key = e
        else:
            key = (type(e), *(self._field(getattr(e, f)) for f in e._keys))
        found = self.numbers[e] = self.ids.setdefault(key, len(self.ids))
        return found

    def _factors(self, e: M.MExpr) -> tuple:
        """The numbers of the factors of the chain ``e``, left to right, kept per product node
        (a left-nested chain extends its left operand's)."""
        found = self.chains.get(e)
        if found is None:
            if type(e) is not M.MatMul:
                return (self(e),)
            found = self.chains[e] = self._factors(e.left) + self._factors(e.right)
        return found

    def _field(self, value):
        if isinstance(value, M.MExpr):
            return self(value)
        if isinstance(value, tuple):
            return tuple(self._field(v) for v in value)
        return value
