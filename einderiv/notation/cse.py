"""Shared subexpressions (SPEC section 7): a matrix expression as named definitions + a result.

Input: a matrix-IR expression and the names it must not reuse (its variables).
Output: ``Shared``: definitions ``[(t1, tanh(W1 x)), (t2, 1 - t1 .^ 2), ...]`` in dependency order
(a definition uses only earlier names) and the result written with those names.
Invariants:
- every subterm that occurs at least twice in the text (counting repetitions inside repeated
  subterms) and is not trivial -- a name, a number, ``I``, ``ones``, or a transpose, inverse or
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

_TRIVIAL = (M.Name, M.Number, M.Identity, M.Ones, M.Entry)
_WRAPPERS = (M.Transpose, M.Inverse, M.Neg)


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
        best = _most_repeated(program + list(bodies.values()))
        if best is None:
            break
        counter += 1
        label = name(counter)
        while label in taken:
            counter += 1
            label = name(counter)
        program = [_replace(x, best, M.Name(label), {}) for x in program]
        bodies = {k: _replace(v, best, M.Name(label), {}) for k, v in bodies.items()}
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


def _most_repeated(program: list[M.MExpr]) -> M.MExpr | None:
    """The largest non-trivial subterm occurring at least twice in the program's text."""
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
    candidates = [n for n in order if count[n] >= 2 and not _trivial(n) and size[n] >= 3]
    return max(candidates, key=lambda n: size[n], default=None)


def _replace(e: M.MExpr, old: M.MExpr, new: M.MExpr, memo: dict) -> M.MExpr:
    return _map(e, lambda x: new if x == old else None, memo)


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
