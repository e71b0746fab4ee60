"""Like terms of a backpropagated gradient merged before it is written (``backprop``).

Input: ``calculus.reverse.Adjoints`` of a scalar's gradient and the result's matrix slots (row
and column indices).
Output: ``merged``: the same gradient with the terms of its result that are equal as matrices
(their placeholders written in) summed into one, ``c F``, and the definitions the merged result
no longer uses dropped; the adjoints unchanged when no two terms are equal.
Why: reverse mode sums one term per use of the variable, a placeholder (the adjoint above the
use) times the rest of the term. In ``tr(A X A X ... A X)`` by X the n terms are n splits of one
chain, ``(A X)^k A (A X)^(n-1-k)``: equal, but only once their placeholders are written in, so
no later stage saw it (named, a Horner form ``(t37 + (t36 + ... (t1 + t1) A X) A X ...) A``
whose re-contraction and naming were quadratic: 6 s at n = 320).
Invariants:
- a term is keyed only when it is a chain of matrices: each factor a matrix variable, a
  placeholder (keyed by its body), a ``delta`` between its two ends (the identity) or such a
  product; numbers are its coefficient. Its key is the exact sequence of (variable, transposed)
  from the row index to the column index, as one integer (a digit per factor, digits nonzero,
  with the length): equal keys are equal products, whatever the bracketing, so merging never
  changes the value; a term of any other form is kept as it is;
- each node is keyed once per orientation (a memo): the work is linear in the size of the
  graph, apart from the integers' lengths (a digit per factor of the chain each stands for).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.calculus.reverse import Adjoints
from einderiv.ir import index_ir as T

_BITS = 32  # the width of a digit: a factor's code (1 .. 2**32 - 1)
_BYTES = _BITS // 8
_ONE = Fraction(1)

Key = tuple[Fraction, int, int]  # (coefficient, digits, length)


def merged(adjoints: Adjoints, slots: tuple) -> Adjoints:
    """``adjoints`` with the result's equal terms summed (written as one flat product), the
    definitions no longer used dropped."""
    result, (row, col) = adjoints.result, slots
    if type(result) is not T.Add or row is None or col is None or row == col:
        return adjoints
    chains = _Chains(adjoints)
    groups: dict[tuple[int, int], list] = {}  # key -> [(coefficient, term), ...]
    order: list = []  # the groups' keys, then the unkeyed terms, in the order met
    for term in result.terms:
        try:
            found = chains.key(term, row, col)
        except RecursionError:  # (nested past the guard's room: written as the adjoints say)
            return adjoints
        if found is None:
            order.append(term)
            continue
        coeff, *key = found
        key = tuple(key)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((coeff, term))
    if all(len(g) < 2 for g in groups.values()):
        return adjoints
    terms = []
    for item in order:
        if isinstance(item, T.Term):
            terms.append(item)
            continue
        group = groups[item]
        if len(group) == 1:
            terms.append(group[0][1])
            continue
        total = sum(c for c, _ in group)
        if total != 0:
            terms.append(chains.written(total, *item, row, col))
    if not terms:
        return adjoints  # (all cancelled: written as the adjoints say)
    new = terms[0] if len(terms) == 1 else T.Add(tuple(terms))
    return Adjoints(_used(adjoints.definitions, new), new)


class _Chains:
    """Keys of chains of matrices (``key``), placeholders keyed by their bodies."""

    def __init__(self, adjoints: Adjoints):
        self.bodies = {d.placeholder.name: d for d in adjoints.definitions}
        self.codes: dict[tuple[str, bool], int] = {}  # (variable, transposed) -> its digit
        self.memo: dict[tuple, Key | None] = {}
        self.atoms: list = [None]  # a digit -> (variable, transposed, row size, column size)

    def key(self, t: T.Term, row: T.Index, col: T.Index) -> Key | None:
        """``t`` as a matrix with rows on ``row`` and columns on ``col``: its key, or None."""
        if type(t) is not T.Prod and not (type(t) is T.Var and t.name in self.bodies):
            return self._key(t, row, col)  # (a leaf: no memo entry, fewer objects made)
        k = (id(t), row, col)
        found = self.memo.get(k, self)
        if found is self:
            found = self.memo[k] = self._key(t, row, col)
        return found

    def _key(self, t: T.Term, row: T.Index, col: T.Index) -> Key | None:
        kind = type(t)
        if kind is T.Var:
            if len(t.indices) != 2 or {row, col} != set(t.indices):
                return None
            turned = t.indices[0] != row
            definition = self.bodies.get(t.name)
            if definition is not None:  # a placeholder: its body's chain
                ends = definition.placeholder.indices
                if len(set(ends)) != 2:
                    return None
                a, b = ends[::-1] if turned else ends
                return self.key(definition.term, a, b)
            code = self.codes.get((t.name, turned))
            if code is None:
                code = self.codes[(t.name, turned)] = len(self.atoms)
                self.atoms.append((t.name, turned, row.dim, col.dim))
            return (_ONE, code, 1) if code < 1 << _BITS else None
        if kind is T.Delta:  # delta[row,col]: the identity, an empty chain
            return (_ONE, 0, 0) if {t.a, t.b} == {row, col} else None
        if kind is T.Prod:
            return self._product(t, row, col)
        return None

    def _product(self, t: T.Prod, row: T.Index, col: T.Index) -> Key | None:
        """A product whose factors (numbers aside) are matrices, each summed index held by two
        of them and ``row``, ``col`` by one each, walked from ``row`` to ``col``."""
        summed = set(t.summed)
        if row in summed or col in summed:
            return None
        coeff, factors, held = _ONE, [], {}
        for f in t.factors:
            if type(f) is T.Num:
                coeff = coeff * f.value
                continue
            over = T.free(f)
            if len(over) != 2:
                return None
            for i in over:
                held.setdefault(i, []).append(len(factors))
            factors.append((f, over))
        for i, where in held.items():
            if len(where) != (1 if i in (row, col) else 2) or (i not in summed and len(where) > 1):
                return None
        if row not in held or col not in held or len(held) != len(summed) + 2:
            return None  # (an end missing, or a sum over no factor: a size)
        digits, length, at, position, walked = 0, 0, row, held[row][0], 0
        while True:
            f, over = factors[position]
            (other,) = over - {at}
            found = self.key(f, at, other)
            if found is None:
                return None
            if found[0] is not _ONE:  # (a Fraction product per factor costs)
                coeff *= found[0]
            digits, length = (digits << (_BITS * found[2])) | found[1], length + found[2]
            walked += 1
            if other == col:
                break
            first, second = held[other]
            position, at = (second if first == position else first), other
        return (coeff, digits, length) if walked == len(factors) else None  # (else a cycle)

    def written(self, coeff: Fraction, digits: int, length: int, row, col) -> T.Term:
        """``coeff`` times the chain of ``length`` factors ``digits`` stands for, from ``row``
        to ``col``, as one flat product (its inner indices fresh): written once, in the length
        of the chain, where a term kept would be a nest of products as deep (simplified level
        by level: quadratic)."""
        if not length:
            chain: list[T.Term] = [T.Delta(row, col)]
        else:
            raw = digits.to_bytes(length * _BYTES, "big")
            atoms = [
                self.atoms[int.from_bytes(raw[k : k + _BYTES], "big")]
                for k in range(0, len(raw), _BYTES)
            ]
            ends = [row, *(T.fresh(a[3]) for a in atoms[:-1]), col]
            chain = [
                T.Var(name, (ends[k + 1], ends[k]) if turned else (ends[k], ends[k + 1]))
                for k, (name, turned, _, _) in enumerate(atoms)
            ]
            if length > 1:
                return T.Prod(
                    tuple(([] if coeff == 1 else [T.Num(coeff)]) + chain), tuple(ends[1:-1])
                )
        return chain[0] if coeff == 1 else T.Prod((T.Num(coeff), chain[0]))


def _used(definitions: tuple, result: T.Term) -> tuple:
    """The definitions the result uses, directly or through the bodies of those it uses."""
    bodies = {d.placeholder.name: d.term for d in definitions}
    used: set[str] = set()
    seen: set[int] = set()
    stack = [result]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if type(t) is T.Var and t.name in bodies and t.name not in used:
            used.add(t.name)
            stack.append(bodies[t.name])
        stack.extend(T.children(t))
    return tuple(d for d in definitions if d.placeholder.name in used)
