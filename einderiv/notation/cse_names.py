"""The names of shared subexpressions, once chosen (``notation.cse``): the output side.

Input: the chosen definitions (label -> body, matrix IR with labels as ``Name`` nodes) and the
result written with them.
Output: ``Shared``: the definitions in dependency order, renumbered t1, t2, ... in the order
they are printed, and the result; ``left_product``: a chain of products associated to the left,
as the parser groups them.
Invariants: a definition whose body became another name (``t11 = t10``, or its transpose) is
dropped and that name written where it was used; so is one written once in the text
(``_written_once_in``); renaming maps every node once (``map_subterms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from einderiv.ir import matrix_ir as M


@dataclass(frozen=True)
class Shared:
    definitions: tuple[tuple[str, M.MExpr], ...]
    result: M.MExpr


_FIELDS: dict = {}  # node class -> the fields that may hold subterms


def subterms(e: M.MExpr) -> list[M.MExpr]:
    fields = _FIELDS.get(type(e))
    if fields is None:  # (a source span is two numbers: never looked into)
        fields = _FIELDS[type(e)] = tuple(f for f in e._init if f != "span")
    out = []
    for field_name in fields:
        value = getattr(e, field_name)
        if isinstance(value, M.MExpr):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, M.MExpr))
    return out


def map_subterms(e: M.MExpr, fn, memo: dict) -> M.MExpr:
    """``e`` with every subterm ``x`` for which ``fn(x)`` is not None replaced by it."""
    if e in memo:
        return memo[e]
    made = fn(e)
    if made is None:
        made = M.map_children(e, lambda c: map_subterms(c, fn, memo))
    memo[e] = made
    return made


def _without_aliases(bodies: dict, result: M.MExpr) -> M.MExpr:
    """Drop definitions that became another name (``t11 = t10``, ``t12 = t10'``: a body
    named later as a whole), writing that name where they were used; ``bodies`` is edited.
    As if dropped one at a time, first in ``bodies`` first, each written into the others: found
    among the aliases alone, then written into the rest in one walk (each name as what the later
    ones make of it; ``t12 = t11'`` with ``t11 = t10'`` is ``t10``: a name's alias transposed
    never printed as a double transpose, ``t10''``)."""
    aliases = {k: v for k, v in bodies.items() if _alias(v)}
    if not aliases:
        return result
    dropped = []  # (label, its body when dropped), in the order they are dropped
    while True:
        label = next((k for k, v in aliases.items() if _alias(v)), None)
        if label is None:
            break
        body = aliases.pop(label)
        dropped.append((label, body))
        swaps = _written_as({M.Name(label): body})
        memo: dict = {}
        aliases = {k: map_subterms(v, swaps, memo) for k, v in aliases.items()}
    final: dict = {}  # a dropped name -> what it is written as (later drops made in it)
    written = _written_as(final)
    for label, body in reversed(dropped):
        final[M.Name(label)] = map_subterms(body, written, {})
    for label, _ in dropped:
        del bodies[label]
    memo = {}
    for k, v in bodies.items():
        bodies[k] = map_subterms(aliases.get(k, v), written, memo)
    return map_subterms(result, written, memo)


def _written_as(swaps: dict):
    """``map_subterms``' replacer of each name of ``swaps`` by its alias (a name, or one
    transposed), a transposed name's alias transposed without a double transpose."""

    def fn(e: M.MExpr) -> M.MExpr | None:
        if type(e) is M.Transpose and e.operand in swaps:
            alias = swaps[e.operand]
            # (t')' -> t: t12' where t12 = t11' is t11, not t11''
            return alias.operand if type(alias) is M.Transpose else M.Transpose(alias)
        return swaps.get(e)

    return fn


def _written_once_in(bodies: dict, result: M.MExpr, flip) -> M.MExpr:
    """Each name written once in the text (the definitions and the result: ``t1`` or ``t1'``)
    dropped and its body written where it is used (``flip``: its transpose pushed inward, for
    ``t1'``); ``bodies`` is edited, the result returned. A pair grouped in its chains takes in
    the uses of a name chosen before it: ``t1 = diag(v)``, ``t2 = W t1``, ``t2' C t2`` is
    ``t2 = W diag(v)``, ``t2' C t2``. One pass: writing a body in its one use moves its text,
    so every other name is written as often as before."""
    roots = [*bodies.values(), result]
    count = _occurrences(roots, _subterms(roots))
    uses = dict.fromkeys(bodies, 0)
    for node, times in count.items():
        if type(node) is M.Name and node.name in uses:
            uses[node.name] += times
    once = {M.Name(k) for k, n in uses.items() if n == 1}
    if not once:
        return result
    inlined = {e: bodies.pop(e.name) for e in once}
    memo: dict = {}

    def written_in(e: M.MExpr) -> M.MExpr | None:
        if e in inlined:
            return map_subterms(inlined[e], written_in, memo)
        if type(e) is M.Transpose and e.operand in inlined:  # t1' -> its body transposed
            return flip(map_subterms(inlined[e.operand], written_in, memo))
        return None

    for k, v in bodies.items():
        bodies[k] = map_subterms(v, written_in, memo)
    return map_subterms(result, written_in, memo)


def _alias(body: M.MExpr) -> bool:
    return isinstance(body, M.Name) or (
        isinstance(body, M.Transpose) and isinstance(body.operand, M.Name)
    )


def _ordered(bodies: dict, result: M.MExpr, name, taken: set[str]) -> Shared:
    """Definitions in dependency order, renumbered t1, t2, ... in the order they are printed."""
    order: list[str] = []
    placed: set[str] = set()

    def number(label: str) -> int:
        return int("".join(c for c in label if c.isdigit()) or 0)

    def place(label: str) -> None:
        if label in placed:
            return
        placed.add(label)
        for used in sorted(_names(bodies[label]) & bodies.keys(), key=number):  # (a set: sorted,
            place(used)  # so that the numbering is the same in every run)
        order.append(label)

    for label in sorted(bodies, key=number):
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
    return map_subterms(e, renames.get, {})


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
        stack.extend(subterms(node))
    return found


def left_product(factors: list[M.MExpr]) -> M.MExpr:
    made = factors[0]
    for f in factors[1:]:
        made = M.MatMul(made, f)
    return made


def _subterms(roots: list[M.MExpr]) -> list[M.MExpr]:
    """The distinct subterms of ``roots``, children before parents (a DAG walk)."""
    order: list[M.MExpr] = []
    seen: set = set()
    for root in roots:
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
            stack.extend((c, False) for c in subterms(node))
    return order


def _occurrences(roots: list[M.MExpr], order: list[M.MExpr]) -> dict:
    """How many times each subterm in ``order`` (``_subterms(roots)``) is written in the
    text of ``roots``."""
    count: dict = dict.fromkeys(order, 0)
    for root in roots:
        count[root] += 1
    for node in reversed(order):  # parents first: a child occurs as often as its parents say
        for c in subterms(node):
            count[c] += count[node]
    return count
