"""Pickling of deep IR trees without recursion: nodes as a flat table, children by number.

Input: any picklable object holding IR nodes (an ``Expr``'s fields: terms, matrix IR, a
``Deferred`` derivative, dictionaries). Output: ``dumps`` gives bytes, ``loads`` the object
again; ``rebuilt(make, blob)`` is ``make(*loads(blob))`` (``Expr.__reduce__``).
Invariants:
- Python's pickler walks nested objects by recursion (one level of C stack and recursion limit
  per node): a term 300 deep, a sum of 1,000 terms, raised a RecursionError. Here every node is
  one entry of a table, its fields refer to other nodes by their number, and the table is in
  post-order (children first), so neither writing nor reading nests deeper than a node's own
  fields (tuples of names and numbers). Cost: linear in the number of distinct nodes.
- Nodes are made again through their classes (``node._rebuilt``): an interned node is the one
  live node equal to it, and generated names from another process are seen (``REBUILT``).
"""

from __future__ import annotations

import io
import pickle

from einderiv.ir.node import Node, _rebuilt

_CONTAINERS = (tuple, list, frozenset, set)


class _Ref:
    """The number of a node in the table, standing for it in a field read back."""

    __slots__ = ("at",)

    def __init__(self, at: int) -> None:
        self.at = at


def _children(values: tuple) -> list[Node]:
    """The nodes among a node's field values (in tuples, lists, sets and dict values)."""
    found: list = []
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, Node):
            found.append(value)
        elif isinstance(value, _CONTAINERS):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
    return found


def _fields(node: Node) -> tuple:
    return tuple(getattr(node, name) for name in node._init)


def _table(roots: list[Node]) -> list[tuple[Node, tuple]]:
    """Every node reachable from ``roots`` with its fields, each once, children before parents
    (an iterative walk)."""
    order: list[tuple[Node, tuple]] = []
    done: set[int] = set()
    for root in roots:
        stack: list[tuple[Node, tuple | None]] = [(root, None)]
        while stack:
            node, fields = stack.pop()
            if id(node) in done:
                continue
            if fields is not None:  # its children are in the table: now it
                done.add(id(node))
                order.append((node, fields))
                continue
            fields = _fields(node)
            stack.append((node, fields))
            stack.extend((child, None) for child in _children(fields) if id(child) not in done)
    return order


def dumps(payload: object) -> bytes:
    """``payload`` as bytes: its nodes in a flat table (see the module's docstring)."""
    number: dict[int, int] = {}
    roots: list[Node] = []

    def root_id(obj):  # a node of the payload: its number (the table is made next)
        if isinstance(obj, Node):
            if id(obj) not in number:
                number[id(obj)] = len(roots)
                roots.append(obj)
            return number[id(obj)]
        return None

    top = io.BytesIO()
    outer = pickle.Pickler(top, protocol=pickle.HIGHEST_PROTOCOL)
    outer.persistent_id = root_id
    outer.dump(payload)
    order = _table(roots)
    at = {id(node): k for k, (node, _) in enumerate(order)}

    def child_id(obj):  # a node in a node's fields: its place in the table
        return at[id(obj)] if isinstance(obj, Node) else None

    nodes = io.BytesIO()
    inner = pickle.Pickler(nodes, protocol=pickle.HIGHEST_PROTOCOL)
    inner.persistent_id = child_id
    inner.dump([(type(node), fields) for node, fields in order])
    places = [at[id(root)] for root in roots]
    return pickle.dumps((nodes.getvalue(), places, top.getvalue()), pickle.HIGHEST_PROTOCOL)


def _resolved(value, made: list):
    """``value`` with each ``_Ref`` replaced by the node made for it."""
    if type(value) is _Ref:
        return made[value.at]
    if type(value) in (tuple, list):
        return type(value)(_resolved(v, made) for v in value)
    if type(value) in (frozenset, set):
        return type(value)(_resolved(v, made) for v in value)
    if type(value) is dict:
        return {_resolved(k, made): _resolved(v, made) for k, v in value.items()}
    return value


def loads(blob: bytes) -> object:
    """The payload ``dumps`` wrote, its nodes made again in the table's order."""
    nodes, places, top = pickle.loads(blob)
    reader = pickle.Unpickler(io.BytesIO(nodes))
    reader.persistent_load = _Ref
    made: list = []
    for cls, values in reader.load():
        made.append(_rebuilt(cls, tuple(_resolved(v, made) for v in values)))
    outer = pickle.Unpickler(io.BytesIO(top))
    outer.persistent_load = lambda k: made[places[k]]
    return outer.load()


def rebuilt(make, blob: bytes):
    """``make(*loads(blob))``: how ``Expr.__reduce__`` has an ``Expr`` made again."""
    return make(*loads(blob))
