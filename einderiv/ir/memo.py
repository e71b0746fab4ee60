"""Memo tables that live as long as one derivation.

Input: nothing. Output: ``memo_table()`` (a dict registered for emptying), ``remembered`` (a
call looked up in one) and ``scope`` (the block of one derivation).
Invariants: the tables are emptied when the outermost ``scope`` ends, so nothing is remembered
across calls and the tables never keep terms alive; within the outermost block Python's cyclic
garbage collector is paused (and started again at its end, if it ran before).
"""

from __future__ import annotations

import gc

_TABLES: list[dict] = []  # memo tables emptied when the outermost scope ends
_depth = 0
_paused = False  # whether the outermost scope paused the garbage collector


def memo_table() -> dict:
    """A memo dict that lives as long as one derivation (see ``scope``)."""
    table: dict = {}
    _TABLES.append(table)
    return table


class scope:
    """Memoise ``key``, ``canonical`` (and other ``memo_table`` users) within the block; the
    tables are emptied when the outermost block ends. Outside any block they are emptied
    by the next block's end, so memory stays bounded. (A class, not ``@contextmanager``:
    entered once per derivation, it should cost next to nothing.)

    The outermost block also pauses Python's cyclic garbage collector, if it runs, and starts it
    again at its end: a derivation allocates many small acyclic nodes (freed by reference
    counting), and collections triggered by their number cost 5-15% of a large derivation
    while finding nothing to free. The user's setting is what holds outside the block."""

    __slots__ = ()

    def __enter__(self) -> None:
        global _depth, _paused
        if _depth == 0 and gc.isenabled():
            gc.disable()
            _paused = True
        _depth += 1

    def __exit__(self, *exc) -> None:
        global _depth, _paused
        _depth -= 1
        if _depth <= 0:
            _depth = 0
            for table in _TABLES:
                if table:
                    table.clear()
            if _paused:
                _paused = False
                gc.enable()


def remembered(table: dict, fn, e, *context):
    """``fn(e, *context)``, computed once per node ``e`` and context objects (sets of names,
    which may only grow: their sizes are in the key) and then looked up in ``table``, a
    ``memo_table``: by identity, as the node and its context are kept with the answer."""
    key = (fn, id(e), *map(id, context), *map(len, context))
    found = table.get(key)
    if found is None or found[0] is not e or any(a is not b for a, b in zip(found[1], context)):
        found = table[key] = (e, context, fn(e, *context))
    return found[2]


def remembered_tuple(table: dict, fn, items: tuple, *context):
    """``fn(items, *context)`` once per tuple of nodes ``items`` and context objects (by
    identity, kept with the answer), in ``table``, a ``memo_table``."""
    kept = (*items, *context)
    key = (fn, *map(id, kept))
    found = table.get(key)
    if found is None or any(a is not b for a, b in zip(found[0], kept)):
        found = table[key] = (kept, fn(items, *context))
    return found[1]
