"""Subterms that are each other's transposes written out (``notation.cse``): ``W2 t5``, ``t5' W2'``.

Input: the distinct subterms of a program (children first), their sizes, what is known of names
(``cse._Shapes``: ``flip``, ``left``, a ``Flattened``, ``sig``) and which subterms are constants.
Output: ``transposes_of``: node -> its transpose written out; ``no_new_transposes``: whether
naming a subterm written transposed too surely pairs no two subterms anew; ``Flattened``: a
number per subterm up to products' association.
Invariants: the signature of a subterm is a sum of hashes of its leaves and operations, blind to
products' order and transposes, so a subterm and its transpose written out have one signature;
each node's signature is computed once per naming (kept in ``known.sig``); a chain of names and
transposed names is compared by its transpose's factors' numbers, none built (``_turned``: linear
in the subterms, but for joining tuples).
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
    turned = _turned(order, known)
    for group in (g for g in groups.values() if len(g) > 1):
        written = {known.left(n): n for n in group}  # products compared flattened
        for node in group:
            factors = turned.get(node)
            if factors is None:  # (any other node: transposed and numbered)
                other = written.get(known.left(known.flip(node)))
            else:  # a chain of names: its transpose's number, none built (_turned)
                other = written.get(known.left.ids.get((M.MatMul, *factors)))
            if other is None or other == node:
                continue
            if M.Transpose(node) != other and M.Transpose(other) != node:  # (counted once)
                partner[node] = other
    return partner


def _turned(order: list[M.MExpr], known) -> dict:
    """product -> the numbers (``Flattened``) of the factors of its transpose written out, left
    to right, for a product of names and transposed names only (``A X' B``: ``B' X A'``); None
    for any other subterm. ``transposing.transpose`` writes such a chain's transpose as the
    reversed chain of its factors' transposes (no factor is a number or a scalar that would go
    in front, none a row that would keep a group: a transposed column), so its number is known
    without building it: a periodic chain's many subchains of one signature each built their
    whole transpose (``tr((A X B X')^n)``: quadratic). Kept across rounds (``Flattened.turned``):
    what is known of a name never changes once a subterm holding it is seen; each product joins
    its operands' tuples (children first in ``order``)."""
    out = known.left.turned
    number = known.left
    for node in order:
        if node in out:
            continue
        kind = type(node)
        if kind is M.MatMul:
            left, right = out.get(node.left), out.get(node.right)
            out[node] = None if left is None or right is None else right + left
        elif kind is M.Name:  # X' (X when symmetric); a scalar goes in front: none
            name = node.name
            if name in known.scalars or name in known.vectors:  # (a vector: no matrix)
                out[node] = None
            else:
                out[node] = (number(node if name in known.symmetric else M.Transpose(node)),)
        elif kind is M.Transpose and type(node.operand) is M.Name:
            name = node.operand.name  # X' -> X; a transposed column is a row: none
            row = name in known.scalars or name in known.vectors
            out[node] = None if row else (number(node.operand),)
        else:
            out[node] = None
    return out


def plain_matrix(known, e: M.MExpr) -> bool:
    """Whether ``e`` is a product of matrix names and transposed ones (``_turned``: no vector,
    no scalar, so no row, column or scalar) that is not its own transpose up to brackets: what
    ``cse`` asks of a name chosen (a row? symmetric?), known without transposing it (a chain's
    every prefix named, ``tr(A1 X ... An X)``'s: each transposed whole, quadratic)."""
    factors = known.left.turned.get(e) if type(e) is M.MatMul else None
    return factors is not None and known.left.ids.get((M.MatMul, *factors)) != known.left(e)


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
        self.turned: dict = {}  # subterm -> its transpose's factors' numbers (``_turned``)

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
