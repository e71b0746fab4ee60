"""Shared subexpressions of index notation: ``show(cse=True)`` of a result with no matrix form.

Input: an index-IR term (a simplified derivative, canonical and hash-consed, so a repeated
subterm is often one node reached along many paths) and the names already taken.
Output: ``IndexShared``: definitions ``(name, body, axes)`` in dependency order -- each body an
index-IR term over ``axes``, its free indices -- and the result term, in which every named
subterm is an entry ``Var(name, indices)`` of a new variable.
Invariants:
- Two occurrences are the same subexpression when one is the other with its indices renamed
  one-to-one (``s[a] s[j] - s[a] delta[a,j]`` and ``s[d] s[j] - s[d] delta[d,j]``): a walk of
  both in step builds the renaming (``_Same``; the terms of sums and factors of products paired
  by a hash blind to index names, ``signature.blind_hash``, which also picks the pairs worth walking). A walk
  that finds no renaming keeps them apart: that costs length, never meaning.
- A class is named when the text printed with the names would hold it at least twice: classes
  are taken from the largest down (a subterm is smaller than what holds it), each occurrence
  counted as often as the printed tree repeats it, and a named class's body counted once. So
  the printed text is linear in the size of the term as a graph, even where the tree it
  stands for is exponentially larger (Hessians of nested softmax).
- Not named: leaves, powers and dets of a variable (``(X^-1)[a,b]``), a number times one of
  those, a function of one of those (``softmax(x)[a]``, ``sin((S^-1)[a,b])``), a subterm over
  more than three indices or over a size of pairs (``m*n``, which no declaration writes), one
  over an index whose size only its uses fix (``ones[i] w``: a definition is read on its own)
  or that is a pair (``softmax(vec(W))[c]``: declared vector(4), it sizes no ``(j,i)``).
  Nothing inside a binder's base (a row function, a matrix power, det, a finite sum) is named:
  those print in matrix notation or bind an integer.
- Substituting each body for its name's entries gives back the term (equal values): an entry's
  indices are the renaming's images of the body's free indices, in the body's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from einderiv.ir import index_ir as T
from einderiv.ir.canon import scope
from einderiv.ir.node import is_compound
from einderiv.ir.signature import blind_hash
from einderiv.notation.compound_names import pair_axes
from einderiv.notation.written import tree_sizes

_BINDERS = (T.MatPow, T.Det, T.LogDet, T.RowFunc, T.SumOver)  # atoms here: their bases not named
_MAX_FREE = 3


@dataclass(frozen=True)
class Definition:
    name: str
    body: T.Term
    axes: tuple[T.Index, ...]


@dataclass(frozen=True)
class IndexShared:
    definitions: tuple[Definition, ...]
    result: T.Term


def index_shared(term: T.Term, taken: set[str], label: str = "t{}") -> IndexShared:
    """Name the repeated non-trivial subterms of ``term`` (see the module's invariants);
    names are ``label.format(k)``, k = 1, 2, ..., skipping ``taken``."""
    with scope():
        order, size = _walk(term)
        members, chosen = _choose(term, order, size)
        return _substituted(term, order, members, chosen, taken, label)


def _walk(term: T.Term) -> tuple[list[T.Term], dict]:
    """The nodes of ``term`` outside binder bases, each once, every node after all that hold
    it (decreasing tree size: a subterm's tree is smaller than its holder's), and the sizes."""
    size = tree_sizes(term, _outside_binders)
    return sorted(size, key=size.__getitem__, reverse=True), size


def _outside_binders(t: T.Term) -> tuple[T.Term, ...]:
    return () if isinstance(t, _BINDERS) else T.children(t)


def _nameable(t: T.Term) -> bool:
    if isinstance(t, T.LEAVES):
        return False
    indices = T.free(t)
    if len(indices) > _MAX_FREE or any(is_compound(i.dim) for i in indices):
        return False
    if T.int_names(t):  # depends on an integer symbol: named only where it is declared
        return False
    if isinstance(t, T.Prod):
        rest = [f for f in t.factors if not isinstance(f, T.Num)]
        return len(rest) > 1 or (len(rest) == 1 and not _leaflike(rest[0]))
    if isinstance(t, (T.Func, T.RowFunc, T.MatPow, T.Det, T.LogDet)):
        return not _leaflike(t.arg if isinstance(t, T.Func) else t.base)
    return True


class _Sized:
    """The free indices of a term whose sizes the term's own text fixes (an entry of a
    variable, of a power or a row function), through deltas too: a definition is read alone,
    so ``t1[i,j] = ones[i] ones[j] w`` would leave i and j without a size."""

    def __init__(self):
        self.memo: dict = {}

    def __call__(self, t: T.Term) -> frozenset:
        found = self.memo.get(t)
        if found is None:
            found = self.memo[t] = self._sized(t)
        return found

    def _sized(self, t: T.Term) -> frozenset:
        kind = type(t)
        if kind is T.Var or kind is T.MatPow:
            return frozenset(t.indices)
        if kind in (T.RowFunc, T.Det, T.LogDet):
            return T.free(t)
        if isinstance(t, T.LEAVES):
            return frozenset()
        found = frozenset().union(*map(self, T.children(t)))
        if kind is T.Prod:  # delta[a,b]: a sized, b sized too (both have one size)
            deltas = [f for f in t.factors if type(f) is T.Delta]
            grew = True
            while grew:
                grew = False
                for d in deltas:
                    if (d.a in found) != (d.b in found):
                        found, grew = found | {d.a, d.b}, True
        return found


def _leaflike(t: T.Term) -> bool:
    """A leaf, a power, det or log det of a variable (``(S^-1)[a,b]``), or an elementwise
    power of a leaf by a leaf (``p[i].^(-1)``): short to write."""
    if isinstance(t, (T.MatPow, T.Det, T.LogDet)):
        return isinstance(t.base, T.Var)
    if isinstance(t, T.Pow):  # p[i] .^ (-1)
        return isinstance(t.base, T.LEAVES) and isinstance(t.exponent, T.LEAVES)
    return isinstance(t, T.LEAVES)


class _Classes:
    """Classes of terms equal up to a renaming of their indices."""

    def __init__(self):
        self.by_shape: dict = {}  # name-blind hash -> [(class, representative, its order)]
        self.count = 0
        self.compared: dict = {}  # (a, b) -> the renaming of a's free indices onto b's, or None

    def place(self, t: T.Term) -> tuple[int, tuple[T.Index, ...]]:
        """(class, order): ``t`` is its class's representative with the representative's
        free indices, in its order, renamed to ``order``."""
        known = self.by_shape.setdefault(blind_hash(t), [])
        for cls, first, first_order in known:
            renaming = self._renaming(first, t)
            if renaming is not None:
                return cls, tuple(renaming[i] for i in first_order)
        self.count += 1
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        known.append((self.count, t, order))
        return self.count, order

    def _renaming(self, a: T.Term, b: T.Term) -> dict | None:
        """A one-to-one renaming of indices that makes ``a`` into ``b`` (bound to bound, free
        to free), found by walking both in step; None when the walk finds none (the terms may
        still be equal with their sums' terms or factors in another order: then they are
        not named as one, which costs length, never meaning)."""
        walk = _Same(blind_hash, self.compared)
        if not walk.run(a, b):
            return None
        mapped = {walk.forward.get(i) for i in T.free(a)}
        return walk.forward if mapped == set(T.free(b)) else None


_UNKNOWN = object()  # a pair of nodes not compared yet
_GUESSED = object()  # a pair found different only after a choice among look-alike children


class _Same:
    """The walk of ``_Classes._renaming``: ``forward`` and ``backward`` grow into a one-to-one
    map of the indices of ``a`` onto those of ``b``; a pair of nodes is walked once.

    A pair of nodes is compared on its own, in a walk of its own, and the renaming of its free
    indices that it found is kept in ``compared`` (shared by every walk of one naming): each
    walk then only checks that renaming against its map. So comparing two deep terms costs
    the pairs of nodes not compared before, not their whole trees each time; and the indices
    bound inside a node stay inside it (they are renamed apart from any other binder).
    Alone, a sum's or product's look-alike children are paired first come first served, and a
    walk's map may need another pairing: where that choice was made (``guessed``), the pair is
    compared again in the walk that needs it; a pair found different without any choice is
    different in every walk."""

    def __init__(self, shape, compared: dict):
        self.shape = shape
        self.compared = compared
        self.forward: dict = {}
        self.backward: dict = {}
        self.seen: set = set()
        self.trail: list = []  # what was added, in order: an index of ``forward`` or a pair seen
        self.guessed = False  # whether this walk chose among look-alike children

    def pair(self, i: T.Index, j: T.Index) -> bool:
        if i.dim != j.dim:
            return False
        found = self.forward.get(i)
        if found is None:
            if j in self.backward:
                return False
            self.forward[i] = j
            self.backward[j] = i
            self.trail.append(i)
            return True
        return found is j

    def undo(self, mark: int) -> None:
        """Forget what was added since the trail had ``mark`` entries (a failed try: cost
        proportional to the try, not to the maps)."""
        trail = self.trail
        while len(trail) > mark:
            added = trail.pop()
            if type(added) is tuple:
                self.seen.discard(added)
            else:
                del self.backward[self.forward.pop(added)]

    def pairs(self, xs, ys) -> bool:
        return len(xs) == len(ys) and all(self.pair(i, j) for i, j in zip(xs, ys))

    def run(self, a: T.Term, b: T.Term) -> bool:
        pair = (a, b)
        if pair in self.seen:
            return True
        if type(a) is not type(b):
            return False
        renaming = self.compared.get(pair, _UNKNOWN)
        if renaming is _UNKNOWN:
            alone = _Same(self.shape, self.compared)
            if alone._same(a, b):
                renaming = tuple((i, alone.forward[i]) for i in T.free(a))
            else:
                renaming = _GUESSED if alone.guessed else None
            self.compared[pair] = renaming
        if renaming is None:
            return False
        mark = len(self.trail)
        if renaming is _GUESSED or not all(self.pair(i, j) for i, j in renaming):
            self.guessed = True  # another pairing of look-alike children may fit this walk
            self.undo(mark)
            if not self._same(a, b):
                return False
        self.seen.add(pair)
        self.trail.append(pair)
        return True

    def kids(self, xs, ys) -> bool:
        """Children of a sum or product, paired by their name-blind hashes; children with
        equal hashes are tried against each other (the maps put back after a failed try)."""
        if len(xs) != len(ys):
            return False
        groups: dict = {}
        for x in xs:
            groups.setdefault(self.shape(x), ([], []))[0].append(x)
        for y in ys:
            group = groups.get(self.shape(y))
            if group is None:
                return False
            group[1].append(y)
        for mine, theirs in groups.values():
            if len(mine) != len(theirs):
                return False
            for x in mine:
                if len(theirs) == 1:
                    if not self.run(x, theirs.pop()):
                        return False
                    continue
                self.guessed = True
                for k, y in enumerate(theirs):
                    mark = len(self.trail)
                    if self.run(x, y):
                        del theirs[k]
                        break
                    self.undo(mark)
                else:
                    return False
        return True

    def _same(self, a: T.Term, b: T.Term) -> bool:
        match a:
            case T.Var(name=name, indices=indices):
                return name == b.name and self.pairs(indices, b.indices)
            case T.Zero(indices=indices):
                return self.pairs(indices, b.indices)
            case T.Delta():
                return self.pairs((a.a, a.b), (b.a, b.b))
            case T.Pair():
                return self.pairs((a.c, a.i, a.j), (b.c, b.i, b.j))
            case T.Ones(index=index):
                return self.pair(index, b.index)
            case T.Num() | T.Size() | T.Affine():
                return a is b
            case T.Add(terms=terms):
                return self.kids(terms, b.terms)
            case T.Prod(factors=factors, summed=summed):
                if len(summed) != len(b.summed) or not self.kids(factors, b.factors):
                    return False
                return {self.forward.get(i) for i in summed} == set(b.summed)
            case T.Func(name=name, arg=arg):
                return name == b.name and self.run(arg, b.arg)
            case T.Pow(base=base, exponent=exponent):
                return self.run(base, b.base) and self.run(exponent, b.exponent)
            case T.MatPow():
                return (
                    a.exponent is b.exponent
                    and self.pairs(a.bound, b.bound)
                    and self.run(a.base, b.base)
                    and self.pairs(a.indices, b.indices)
                )
            case T.Det() | T.LogDet():
                return self.pairs(a.bound, b.bound) and self.run(a.base, b.base)
            case T.RowFunc():
                return (
                    a.name == b.name
                    and self.pair(a.bound, b.bound)
                    and self.run(a.base, b.base)
                    and self.pairs(a.indices, b.indices)
                )
            case T.SumOver():
                return a.var == b.var and a.count is b.count and self.run(a.body, b.body)
        return False


def _choose(term: T.Term, order: list[T.Term], size: dict) -> tuple[dict, dict]:
    """The classes of the nodes that are printed, and the classes to name, each with the
    node whose body is printed: from the largest down, a class is named when its occurrences
    in the printed text number two or more. (A node only inside occurrences replaced by a
    name is never classed: all of a class's members have one tree size, smaller than their
    holders', so they are classed together once every holder is decided.)"""
    times: dict = {term: 1}  # a node -> how often the printed text holds it
    classes = _Classes()
    sized, paired = _Sized(), pair_axes(term)  # vec(W)[c]: read alone, c is no pair
    members: dict = {}  # a node -> (its class, the order of its free indices)
    chosen: dict[int, T.Term] = {}
    start = 0
    while start < len(order):
        end = start
        while end < len(order) and size[order[end]] == size[order[start]]:
            end += 1
        level = order[start:end]
        by_class: dict[int, list] = {}
        for node in level:
            if times.get(node, 0) and _nameable(node) and T.free(node) <= sized(node) - paired:
                members[node] = classes.place(node)
                by_class.setdefault(members[node][0], []).append(node)
        for cls, nodes in by_class.items():
            if sum(times[m] for m in nodes) >= 2:
                chosen[cls] = nodes[0]
                for m in nodes:  # printed once, as the body of the definition
                    times[m] = 1 if m is nodes[0] else 0
        for node in level:
            count = times.get(node, 0)
            if count and not isinstance(node, _BINDERS):
                for child in T.children(node):
                    times[child] = times.get(child, 0) + count
        start = end
    return members, chosen


def _substituted(term, order, members, chosen, taken, label) -> IndexShared:
    """The result and the bodies with each named class's occurrences made entries; names are
    given smallest first, so a body (which holds only smaller classes) finds its names given."""
    names: dict[int, str] = {}
    memo: dict = {}

    def sub(t: T.Term, top: bool = False) -> T.Term:
        found = None if top else memo.get(t)
        if found is not None:
            return found
        entry = members.get(t)
        if not top and entry is not None and entry[0] in names:
            found = T.Var(names[entry[0]], entry[1])
        elif isinstance(t, _BINDERS):
            found = t
        else:
            found = T.with_children(t, [sub(c) for c in T.children(t)])
        if not top:
            memo[t] = found
        return found

    definitions = []
    k = 0
    for node in reversed(order):  # smallest first
        entry = members.get(node)
        if entry is not None and chosen.get(entry[0]) is node:
            k += 1
            while label.format(k) in taken:
                k += 1
            names[entry[0]] = label.format(k)
            definitions.append(Definition(names[entry[0]], sub(node, top=True), entry[1]))
    return IndexShared(tuple(definitions), sub(term))
