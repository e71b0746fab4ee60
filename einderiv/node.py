"""The base of both IRs: frozen, slotted dataclasses with structural equality and a cached hash.

Input: nothing. Output: the ``node`` class decorator.
Invariants: nodes are immutable; equality and hash are structural over the fields that take part
in comparison (source spans do not); the hash is computed once per node, so deep trees can be
used as dictionary keys without quadratic rehashing.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import ClassVar


class Node:
    """Common behaviour of IR nodes. Subclasses are made with the ``node`` decorator."""

    __slots__ = ("_hash",)
    _keys: tuple[str, ...] = ()
    _init: tuple[str, ...] = ()

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self._keys)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not type(self):
            return NotImplemented
        if hash(self) != hash(other):
            return False
        return self._fields() == other._fields()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash((type(self).__name__, self._fields()))
            object.__setattr__(self, "_hash", value)
            return value

    def replace(self, **changes):
        """``dataclasses.replace``, without its per-call field introspection (a hot path)."""
        values = {name: getattr(self, name) for name in self._init}
        values.update(changes)
        return type(self)(**values)


class InternedMeta(type):
    """Hash-consing (tinygrad's UOp cache): constructing a node equal to a live one returns that
    one, so equal nodes are identical and equality and hashing are C-level identity checks."""

    _table: ClassVar[weakref.WeakValueDictionary] = weakref.WeakValueDictionary()

    def __call__(cls, *args, **kwargs):
        made = super().__call__(*args, **kwargs)
        key = (cls, made._fields())
        found = InternedMeta._table.get(key)
        if found is not None:
            return found
        InternedMeta._table[key] = made
        return made


class Interned(Node, metaclass=InternedMeta):
    """Base of interned nodes: identity equality and hashing (valid because of hash-consing)."""

    __slots__ = ("__weakref__",)
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


def node(cls):
    """Make ``cls`` a frozen, slotted dataclass node with structural equality and cached hash."""
    made = dataclasses.dataclass(frozen=True, slots=True, eq=False)(cls)
    made._keys = tuple(f.name for f in dataclasses.fields(made) if f.compare)
    made._init = tuple(f.name for f in dataclasses.fields(made) if f.init)
    return made
