"""The base of both IRs: frozen, slotted dataclasses with structural equality and a cached hash.

Input: nothing. Output: the ``node`` class decorator.
Invariants: nodes are immutable; equality and hash are structural over the fields that take part
in comparison (source spans do not); the hash is computed once per node, so deep trees can be
used as dictionary keys without quadratic rehashing; ``Linked`` nodes (matrix IR) remember
equalities proved between distinct nodes, so comparing two equal trees again costs one step.
"""

from __future__ import annotations

import dataclasses
import weakref
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # type checkers read ``node`` as a dataclass maker (fields, __init__)
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_):
        return lambda made: made


Dim = str | int  # a symbolic dimension name or a positive integer


# A compound dimension (the range of a compound index, SPEC 6.1: ``vec``, ``kron``) is the product
# of two dimensions, fastest-varying first, as vec stacks columns: the pair (i, j) over (m, n) is
# the flat position i + m j. It is an int when both factors are, else the text "m*n".


def dim_product(fast: Dim, slow: Dim) -> Dim:
    """The dimension of the compound index over ``(fast, slow)``: ``6`` or ``"m*n"``."""
    if isinstance(fast, int) and isinstance(slow, int):
        return fast * slow
    return f"{fast}*{slow}"


def dim_factors(dim: Dim) -> tuple[Dim, ...]:
    """The named or literal factors of a dimension: ``"m*2*n"`` -> ``("m", 2, "n")``."""
    if isinstance(dim, int) or "*" not in dim:
        return (dim,)
    return tuple(int(p) if p.isdigit() else p for p in dim.split("*"))


def is_compound(dim: Dim) -> bool:
    return isinstance(dim, str) and "*" in dim


def dim_size(dim: Dim, size) -> int:
    """The size of ``dim``, with ``size`` giving the size of a named (not compound) dimension."""
    if isinstance(dim, int):
        return dim
    if "*" not in dim:
        return size(dim)
    total = 1
    for factor in dim_factors(dim):
        total *= factor if isinstance(factor, int) else size(factor)
    return total


class Node:
    """Common behaviour of IR nodes. Subclasses are made with the ``node`` decorator."""

    __slots__ = ("_hash",)
    _keys: tuple[str, ...] = ()
    _init: tuple[str, ...] = ()
    _positional = False  # every field compared and initialised: positional construction
    _arity = 0
    _defaults: tuple = ()
    _get_fields = staticmethod(lambda node: ())  # per class: the compared fields as a tuple
    _unset: tuple[str, ...] = ("_hash",)  # slots of caches that ``__init__`` sets to None

    def _fields(self) -> tuple:
        return self._get_fields(self)

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
        value = getattr(self, "_hash", None)  # no exception raised and caught: a hot path
        if value is None:
            value = hash((type(self).__name__, self._get_fields(self)))
            object.__setattr__(self, "_hash", value)
        return value

    def __reduce__(self):
        """Pickling and copying rebuild the node through its class, so an interned node stays
        the one live node equal to it (restoring its slots would make a second, unequal one)."""
        return (_rebuilt, (type(self), tuple(getattr(self, name) for name in self._init)))

    def replace(self, **changes):
        """``dataclasses.replace``, without its per-call field introspection (a hot path)."""
        if self._positional:
            get = changes.get
            return type(self)(*[get(name, getattr(self, name)) for name in self._init])
        values = {name: getattr(self, name) for name in self._init}
        values.update(changes)
        return type(self)(**values)


class Linked(Node):
    """A node compared by structure that remembers what it proved: two distinct nodes found
    equal are linked (``_same``: each points towards one representative, as in union-find), so
    comparing them again, or comparing anything that holds them, stops there. Two equal trees
    then cost their size once, however often they and their parts are compared (``factor``
    compares two equal chains part by part, level by level: quadratic before). A link only
    ever joins equal nodes (nodes are immutable), so equality is what it was."""

    __slots__ = ("_same",)
    _unset: tuple[str, ...] = ("_hash", "_same")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not type(self):
            return NotImplemented
        if hash(self) != hash(other):
            return False
        a, b = _representative(self), _representative(other)
        if a is b:
            return True
        if a._get_fields(a) != b._get_fields(b):  # (the fields' own links are made here)
            return False
        _set_same(a, b)
        return True

    __hash__ = Node.__hash__  # (a class defining __eq__ alone would be unhashable)


_set_same = Linked._same.__set__  # type: ignore[attr-defined]  (the slot's setter: frozen nodes)


def _representative(x: Linked) -> Linked:
    """The node ``x`` is linked to at the end of its links, the path shortened on the way."""
    top = x._same
    if top is None:
        return x
    while top._same is not None:
        top = top._same
    while x._same is not top:
        x, following = x._same, x
        _set_same(following, top)
    return top


REBUILT: list = []  # called with the field values of every node made again by unpickling


def _rebuilt(cls: type, values: tuple):
    """``cls`` made again from the values of its fields (``Node.__reduce__``)."""
    for seen in REBUILT:  # index_ir: generated names from another process are seen here
        seen(values)
    return cls(**dict(zip(cls._init, values)))


class _Ref(weakref.ref):
    """A weak reference that remembers its table key (``weakref.KeyedRef`` without its
    Python-level ``__new__`` and ``__init__``: a quarter of the cost)."""

    __slots__ = ("key",)


_TABLE: dict = {}  # (class, field values) -> weak reference to the live node (``InternedMeta``)


def _drop(ref: _Ref, table: dict = _TABLE) -> None:
    """Weak-reference callback: forget a dead node (unless its key was reused meanwhile). The
    table is bound as a default: no global is looked up (at interpreter shutdown they are gone)."""
    found = table.pop(ref.key, None)  # (one lookup: the key, a tuple, hashed once)
    if found is not ref and found is not None:  # its key was reused meanwhile: that one stays
        table[ref.key] = found


class InternedMeta(type):
    """Hash-consing (tinygrad's UOp cache): constructing a node equal to a live one returns that
    one, so equal nodes are identical and equality and hashing are C-level identity checks.

    The table maps ``(class, field values)`` to a weak reference, so it never keeps a node
    alive. With every field given positionally (the common case) the key is built from the
    arguments and looked up *before* the node is constructed: a hit costs one dict lookup.
    """

    _table: ClassVar[dict] = _TABLE

    def __call__(cls, *args, **kwargs):  # (module globals and type.__call__: a hot path)
        if not kwargs and cls._positional:
            missing = cls._arity - len(args)
            if missing > 0:
                args += cls._defaults[len(cls._defaults) - missing :]
            key = (cls, args)
            ref = _TABLE.get(key)
            if ref is not None:
                found = ref()
                if found is not None:
                    return found
            made = _construct(cls, *args)
        else:
            made = _construct(cls, *args, **kwargs)
            key = (cls, made._fields())
            ref = _TABLE.get(key)
            if ref is not None:
                found = ref()
                if found is not None:
                    return found
        ref = _Ref(made, _drop)
        ref.key = key
        _TABLE[key] = ref
        return made


_construct = type.__call__  # a class's own construction: __new__, then __init__


class Interned(Node, metaclass=InternedMeta):
    """Base of interned nodes: identity equality and hashing (valid because of hash-consing)."""

    __slots__ = ("__weakref__",)
    _unset: tuple[str, ...] = ()  # (hashed by identity: no hash cache to start)
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


@dataclass_transform(frozen_default=True)
def node(cls):
    """Make ``cls`` a frozen, slotted dataclass node with structural equality and cached hash."""
    made = dataclasses.dataclass(frozen=True, slots=True, eq=False)(cls)
    fields = dataclasses.fields(made)
    _fast_init(made, fields)
    made._keys = tuple(f.name for f in fields if f.compare)
    made._get_fields = staticmethod(_getter(made._keys))
    made._init = tuple(f.name for f in fields if f.init)
    # interning fast path: every field compared and initialised, trailing defaults plain values
    defaults = []
    for f in reversed(fields):
        if f.default is dataclasses.MISSING:
            break
        defaults.insert(0, f.default)
    made._positional = made._keys == made._init == tuple(f.name for f in fields)
    made._arity = len(fields)
    made._defaults = tuple(defaults)
    return made


def _getter(names: tuple[str, ...]):
    """A function returning the tuple of ``names`` of a node (C-level ``attrgetter``)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda node: (one(node),)
    return lambda node: ()


def fast_init(made: type) -> type:
    """A frozen, slotted dataclass ``made`` with the ``__init__`` nodes have (``_fast_init``):
    for the small records every pass makes (a view, a piece of a sum, a derivation)."""
    _fast_init(made, dataclasses.fields(made))
    return made


def _fast_init(made: type, fields) -> None:
    """Give ``made`` an ``__init__`` that sets each slot through its descriptor, then calls
    ``__post_init__`` (the validation) as the dataclass's own does: that one sets each field by
    ``object.__setattr__`` with its name, which costs twice as much (nodes are made in every
    pass). Same parameters, same defaults; a field with a default factory or left out of
    ``__init__`` keeps the dataclass's."""
    if any(f.default_factory is not dataclasses.MISSING or not f.init for f in fields):
        return
    space: dict = {}
    params, body = ["self"], []
    for k, f in enumerate(fields):
        space[f"_set{k}"] = getattr(made, f.name).__set__  # the slot's member descriptor
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            space[f"_default{k}"] = f.default
            params.append(f"{f.name}=_default{k}")
        body.append(f"    _set{k}(self, {f.name})")
    for k, name in enumerate(
        getattr(made, "_unset", ())
    ):  # caches start empty: a read finds None, no error
        space[f"_clear{k}"] = getattr(made, name).__set__
        body.append(f"    _clear{k}(self, None)")
    if hasattr(made, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(source, space)  # noqa: S102 (as dataclasses makes its own: text from the fields)
    init = space["__init__"]
    init.__qualname__ = f"{made.__qualname__}.__init__"
    made.__init__ = init
