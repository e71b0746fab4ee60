"""Shared subexpressions (SPEC section 7): a matrix expression as named definitions + a result.

Input: a matrix-IR expression and the names it must not reuse (its variables).
Output: ``Shared``: definitions ``[(t1, tanh(W1 x)), (t2, 1 - t1 .^ 2), ...]`` in dependency order
(a definition uses only earlier names) and the result written with those names.
Invariants:
- every subterm that occurs at least twice in the text (counting repetitions inside repeated
  subterms, and its transpose written out: ``W2 t5`` where ``t5 W2'`` is named ``t6`` prints
  ``t6'``) and is not trivial -- a name, a number, ``I``, ``ones``, or a transpose, inverse or
  negation of one -- is named exactly once; the largest repeated subterm is named first, then the
  counts are taken again over the definitions and the result, so a subterm repeated only inside
  one named subterm is not named;
- substituting each definition, parenthesised, for its name (last to first) gives back text of
  the same expression: the names stand for values, never for a change of meaning;
- the cost is linear in the number of distinct subterms per name chosen (a DAG walk with counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from einderiv.ir import matrix_ir as M
from einderiv.notation.algebra import transpose, transposes

_TRIVIAL = (M.Name, M.Number, M.Identity, M.Ones, M.Entry)
_WRAPPERS = (M.Transpose, M.Inverse, M.Neg)
_MASK = (1 << 61) - 1


@dataclass(frozen=True)
class Shared:
    definitions: tuple[tuple[str, M.MExpr], ...]
    result: M.MExpr


def shared(e: M.MExpr, taken: set[str], name: Callable[[int], str] = "t{}".format) -> Shared:
    """Name the repeated non-trivial subterms of ``e`` (see the module's invariants)."""
    bodies: dict[str, M.MExpr] = {}  # name -> its definition (with later-chosen names inside)
    program = [e]
    counter = 0
    while True:
        found = _most_repeated(program + list(bodies.values()))
        if found is None:
            break
        best, flipped = found
        counter += 1
        label = name(counter)
        while label in taken:
            counter += 1
            label = name(counter)
        swaps = {best: M.Name(label)}
        if flipped is not None:  # its transpose, written out (B' A' for A B), is t1'
            swaps[flipped] = M.Transpose(M.Name(label))
        program = [_map(x, swaps.get, {}) for x in program]
        bodies = {k: _map(v, swaps.get, {}) for k, v in bodies.items()}
        bodies[label] = best
    return _ordered(bodies, program[0], name, taken)


def _children(e: M.MExpr) -> list[M.MExpr]:
    out = []
    for field_name in e._init:
        value = getattr(e, field_name)
        if isinstance(value, M.MExpr):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, M.MExpr))
    return out


def _trivial(e: M.MExpr) -> bool:
    while isinstance(e, _WRAPPERS):
        e = e.operand
    return isinstance(e, _TRIVIAL)


def _most_repeated(program: list[M.MExpr]) -> tuple[M.MExpr, M.MExpr | None] | None:
    """The largest non-trivial subterm occurring at least twice in the program's text, itself
    or as its transpose written out (``t5 W2'`` and ``W2 t5``), and that transpose (or None).
    Of such a pair, the one written more often is named; the other is its transpose."""
    order: list[M.MExpr] = []  # distinct subterms, children before parents
    seen: set = set()
    for root in program:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node))
    size: dict = {}
    for node in order:
        size[node] = 1 + sum(size[c] for c in _children(node))
    count: dict = dict.fromkeys(order, 0)
    for root in program:
        count[root] += 1
    for node in reversed(order):  # parents first: a child occurs as often as its parents say
        for c in _children(node):
            count[c] += count[node]
    partner = _transposes(order, size)

    def seen_times(n):
        return count[n] + (count[partner[n]] if n in partner else 0)

    candidates = [n for n in order if seen_times(n) >= 2 and not _trivial(n) and size[n] >= 3]
    best = max(candidates, key=lambda n: size[n], default=None)
    if best is None:
        return None
    other = partner.get(best)
    # name the one written more often; as often: the one with fewer transposes, A X B
    if other is not None and (count[other], -transposes(other)) > (count[best], -transposes(best)):
        best, other = other, best
    return best, other


def _transposes(order: list[M.MExpr], size: dict) -> dict:
    """node -> the distinct node of ``order`` that is its transpose written out. A transpose has
    the same leaves and operations but for products' order and transposes, so only nodes whose
    such signature (a sum of hashes, linear to compute) another node shares are transposed and
    compared (a chain's 20,000 prefixes are not)."""
    sig: dict = {}
    for node in order:  # children first
        if isinstance(node, (M.Transpose, M.MatMul)):
            own = 0
        elif isinstance(node, _TRIVIAL):
            own = hash(node)
        else:
            own = hash((type(node).__name__, getattr(node, "fn", None)))
        sig[node] = (own + sum(sig[c] for c in _children(node))) & _MASK
    groups: dict = {}
    for n in order:
        if size[n] >= 3 and not _trivial(n):
            groups.setdefault(sig[n], []).append(n)
    partner: dict = {}
    memo: dict = {}
    for group in (g for g in groups.values() if len(g) > 1):
        written = {_left(n, memo): n for n in group}  # products compared left-associated
        for node in group:
            other = written.get(_left(transpose(node), memo))
            if other is None or other == node:
                continue
            if M.Transpose(node) != other and M.Transpose(other) != node:  # (counted once)
                partner[node] = other
    return partner


def _left(e: M.MExpr, memo: dict) -> M.MExpr:
    """``e`` with every chain of matrix products associated to the left: ``B' (X' A')`` ->
    ``(B' X') A'`` (the same value; the form ``transpose`` and the parser's differ)."""

    def chain(x: M.MExpr):
        if not isinstance(x, M.MatMul):
            return None
        factors, todo = [], [x]
        while todo:
            y = todo.pop()
            if isinstance(y, M.MatMul):
                todo += [y.right, y.left]
            else:
                factors.append(_left(y, memo))
        made = factors[0]
        for f in factors[1:]:
            made = M.MatMul(made, f)
        return made

    return _map(e, chain, memo)


def _map(e: M.MExpr, fn, memo: dict) -> M.MExpr:
    """``e`` with every subterm ``x`` for which ``fn(x)`` is not None replaced by it."""
    if e in memo:
        return memo[e]
    made = fn(e)
    if made is None:
        changes = {}
        for field_name in e._init:
            value = getattr(e, field_name)
            if isinstance(value, M.MExpr):
                got = _map(value, fn, memo)
                if got is not value:
                    changes[field_name] = got
            elif isinstance(value, tuple) and any(isinstance(v, M.MExpr) for v in value):
                got = tuple(_map(v, fn, memo) if isinstance(v, M.MExpr) else v for v in value)
                if any(x is not y for x, y in zip(got, value)):
                    changes[field_name] = got
        made = e.replace(**changes) if changes else e
    memo[e] = made
    return made


def _ordered(bodies: dict, result: M.MExpr, name, taken: set[str]) -> Shared:
    """Definitions in dependency order, renumbered t1, t2, ... in the order they are printed."""
    order: list[str] = []
    placed: set[str] = set()

    def place(label: str) -> None:
        if label in placed:
            return
        placed.add(label)
        for used in _names(bodies[label]) & bodies.keys():
            place(used)
        order.append(label)

    for label in sorted(bodies, key=lambda x: int("".join(c for c in x if c.isdigit()) or 0)):
        place(label)
    fresh, k = {}, 0
    for label in order:
        k += 1
        while name(k) in taken:
            k += 1
        fresh[label] = name(k)
    renames = {M.Name(a): M.Name(b) for a, b in fresh.items()}
    definitions = tuple((fresh[lab], _rename(bodies[lab], renames)) for lab in order)
    return Shared(definitions, _rename(result, renames))


def _rename(e: M.MExpr, renames: dict) -> M.MExpr:
    return _map(e, renames.get, {})


def _names(e: M.MExpr) -> set[str]:
    found: set[str] = set()
    seen: set = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, M.Name):
            found.add(node.name)
        stack.extend(_children(node))
    return found
