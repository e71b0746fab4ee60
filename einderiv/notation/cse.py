"""Shared subexpressions (SPEC section 7): a matrix expression as named definitions + a result.

Input: a matrix-IR expression and the names it must not reuse (its variables).
Output: ``Shared``: definitions ``[(t1, tanh(W1 x)), (t2, 1 - t1 .^ 2), ...]`` in dependency order
(a definition uses only earlier names) and the result written with those names.
Invariants:
- every subterm that occurs at least twice in the text (counting repetitions inside repeated
  subterms, and its transpose written out: ``W2 t5`` where ``t5 W2'`` is named ``t6`` prints
  ``t6'``) and is not trivial -- a name, a number, ``I``, ``ones``, ``commutation(m, n)``, or
  a transpose, inverse, negation or multiple by a number of one; ``notation.cse_worth``) and
  not shorter to write than a name (``X^5``; a call of a name, ``softmax(x)``, when naming it
  shortens the text) is named exactly once, a transposed one as its operand (``t1'``); the
  largest repeated subterm is named first, then the counts are taken again over the definitions
  and the result, so a subterm repeated only inside one named subterm is not named;
- when nothing else repeats, the pairs of neighbours in chains of products written both ways
  round (``W3 D`` and ``D W3'`` with ``D = diag(v)`` symmetric: ``D W3' E W3 D``) are grouped
  inside their chains, all at once (most written first, none overlapping another), and named,
  so the chain reads ``t' E t`` as experts write J' E J; a pair repeated one way round only is
  left in its chains (a chain rule's every term has ``A2 X``);
- substituting each definition, parenthesised, for its name (last to first) gives back text of
  the same expression: the names stand for values, never for a change of meaning;
- the cost is one DAG walk with counts per round, and a round names every subterm that naming
  one at a time would name next without counting again (`_most_repeated`);
- the output side (dependency order, renumbering, aliases dropped) is ``notation.cse_names``.
"""

from __future__ import annotations

from collections.abc import Callable

from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import (
    Shared,
    _occurrences,
    _ordered,
    _subterms,
    _without_aliases,
    _written_once_in,
    map_subterms,
    subterms,
)
from einderiv.notation.cse_regroup import _regroup, regrouping
from einderiv.notation.cse_transposed import (
    Flattened,
    no_new_transposes,
    parents_of,
    plain_matrix,
    transposes_of,
)
from einderiv.notation.cse_worth import (
    _SHORTEST,
    _constants,
    _pays,
    _trivial,
    _widths,
)
from einderiv.notation.transposing import is_column, is_scalar, transpose, transposes


def shared(
    e: M.MExpr,
    taken: set[str],
    name: Callable[[int], str] = "t{}".format,
    symmetric: frozenset[str] = frozenset(),
    vectors: frozenset[str] = frozenset(),
    scalars: frozenset[str] = frozenset(),
) -> Shared:
    """Name the repeated non-trivial subterms of ``e`` (see the module's invariants).
    ``symmetric``, ``vectors``, ``scalars``: names of symmetric matrices, column vectors and
    scalars, so that ``diag(v)`` and a name of a symmetric value are known to be their own
    transposes and ``(c y')'`` is ``c y``, a column, as re-contraction writes it."""
    bodies: dict[str, M.MExpr] = {}  # name -> its definition (with later-chosen names inside)
    known = _Shapes(set(symmetric), set(vectors), set(scalars))
    share = known.share
    program = [share(e)]
    counter = 0
    while True:
        picks = _most_repeated(program + list(bodies.values()), known)
        if not picks:  # J' D J: group the pair J (and J') inside their chains, then name it
            swaps = _regroup(program + list(bodies.values()), known)
            if not swaps:
                break
            memo: dict = {}
            regrouped = regrouping(swaps, memo)
            program = [share(map_subterms(x, regrouped, memo)) for x in program]
            bodies = {k: share(map_subterms(v, regrouped, memo)) for k, v in bodies.items()}
            picks = _most_repeated(program + list(bodies.values()), known)
            if not picks:  # (cannot happen: the pair now occurs twice as a subterm)
                break
        swaps = {}
        labelled = []
        for best, flipped in picks:  # largest first, as if named one per round
            counter += 1
            label = name(counter)
            while label in taken:
                counter += 1
                label = name(counter)
            if known.is_row(best):  # a row is named as its column: t1 = A' A x, written t1'
                column = flipped if flipped is not None else known.flip(best)
                swaps[best] = M.Transpose(M.Name(label))
                if flipped is not None:
                    swaps[flipped] = M.Name(label)
                labelled.append((label, column))
                continue
            swaps[best] = M.Name(label)
            if flipped is not None:  # its transpose, written out (B' A' for A B), is t1'
                swaps[flipped] = M.Transpose(M.Name(label))
            labelled.append((label, best))
        memo = {}
        program = [share(map_subterms(x, swaps.get, memo)) for x in program]
        bodies = {k: share(map_subterms(v, swaps.get, memo)) for k, v in bodies.items()}
        for label, best in labelled:  # a subterm named in this round holds the later ones
            bodies[label] = share(_inner(best, swaps, memo))
            known.learn(label, best)
    result = _without_aliases(bodies, program[0])
    result = _written_once_in(bodies, result, known.flip)
    return _ordered(bodies, result, name, taken)


def _with_children(e: M.MExpr, kids: list[M.MExpr]) -> M.MExpr:
    """``e`` with its children (``subterms(e)``, in order) replaced by ``kids``."""
    given = iter(kids)
    return M.map_children(e, lambda _: next(given))


def _own(e: M.MExpr) -> tuple:
    """What ``e`` holds besides its subterms (a name, a number, a function's name; a tuple of
    arguments as its shape), so that ``type(e)``, this and its kids make it."""
    names = _OWN_FIELDS.get(type(e))
    if names is None:  # (compared fields; a source span is not)
        names = _OWN_FIELDS[type(e)] = tuple(f for f in e._keys if f != "span")
    out = []
    for value in map(e.__getattribute__, names):
        if isinstance(value, tuple):
            out.append(tuple(None if isinstance(v, M.MExpr) else v for v in value))
        elif not isinstance(value, M.MExpr):
            out.append(value)
    return tuple(out)


_OWN_FIELDS: dict = {}  # node class -> its compared fields


def _inner(e: M.MExpr, swaps: dict, memo: dict) -> M.MExpr:
    """``e`` with ``swaps`` made inside it, but not of ``e`` itself (the body of its name);
    ``memo``: that of the round's ``map_subterms`` with ``swaps``, shared by every body."""
    return M.map_children(e, lambda c: map_subterms(c, swaps.get, memo))


class _Shapes:
    """What is known of names: which are symmetric, column vectors, scalars (for transposing).

    Transposes are memoised for the whole naming: what is known of a name is learnt when it is
    chosen, before any subterm holding it is transposed, and never changes.

    Equal subterms are made one object (``share``: hash-consing, as the index IR's interning),
    so that every lookup of a subterm in a table compares identities, never whole trees: once,
    each of the 155 rounds of an MLP Hessian's naming compared copies of large subterms field
    by field (12 million comparisons, 40 s)."""

    def __init__(self, symmetric: set[str], vectors: set[str], scalars=frozenset()):
        self.symmetric, self.vectors, self.scalars = symmetric, vectors, set(scalars)
        self.columns, self.ones = _Growing(self.vectors), _Growing(self.scalars)
        self.flips: dict = {}
        self.left = Flattened()  # subterm -> its number up to products' association
        self.table: dict = {}  # subterm -> the one object equal to it
        self.keyed: dict = {}  # (kind, its kids' one objects' ids, own fields) -> ... (``share``)
        self.seen: dict[int, tuple] = {}  # id of an object shared -> (it, its one object)
        self.size: dict = {}  # subterm -> its tree size, kept across the rounds of naming
        self.width: dict = {}  # ... how many characters it takes (``cse_worth._widths``)
        self.constant: dict = {}  # ... whether it is built of constants only
        self.sig: dict = {}  # ... its signature up to transposes (``_transposes``)

    def share(self, e: M.MExpr) -> M.MExpr:
        """The one object equal to ``e`` (children first, so that comparing a new node with
        its equal compares children by identity); each object is looked at once."""
        done = self.seen.get(id(e))
        if done is not None:
            return done[1]
        todo, out = [(e, False)], []
        while todo:  # a post-order walk: no recursion on deep chains
            node, ready = todo.pop()
            done = self.seen.get(id(node))
            if done is not None:
                out.append(done[1])
            elif ready:
                kids = [out.pop() for _ in subterms(node)][::-1]
                key = (type(node), *map(id, kids), *_own(node))  # (kids: kept in ``seen``)
                one = self.keyed.get(key)
                if one is None:  # (a copy found by its kids' identities, none rebuilt)
                    rebuilt = _with_children(node, kids)
                    one = self.keyed[key] = self.table.setdefault(rebuilt, rebuilt)
                self.seen[id(node)] = (node, one)  # the node kept alive: its id stays its own
                self.seen[id(one)] = (one, one)
                out.append(one)
            else:
                todo.append((node, True))
                todo.extend((c, False) for c in reversed(subterms(node)))
        return out[0]

    def flip(self, e: M.MExpr) -> M.MExpr:
        return self.share(transpose(e, self.symmetric, self.columns, self.flips, self.ones))

    def is_row(self, e: M.MExpr) -> bool:
        """Whether ``e`` is a row vector: not a column, and its transpose is one."""
        return not plain_matrix(self, e) and not self.is_column(e) and self.is_column(self.flip(e))

    def is_column(self, e: M.MExpr) -> bool:
        """Whether ``e`` is a column vector, also as a column times a scalar (``y tr(A)``)."""
        return is_column(e, self.columns) or (
            type(e) is M.MatMul
            and self.is_column(e.left)
            and is_scalar(e.right, self.ones, self.columns)
        )

    def learn(self, label: str, body: M.MExpr) -> None:
        if plain_matrix(self, body):  # none of these, known without a walk
            return
        if is_scalar(body, self.ones, self.columns):  # t1 = tr(A), x' A x: t1 y' a row
            self.scalars.add(label)
            self.symmetric.add(label)
        elif self.is_column(body):
            self.vectors.add(label)
        elif self.flip(body) == body:  # diag(v), t' D t: the name is symmetric too
            self.symmetric.add(label)


class _Growing:
    """A set of names seen by the memo tables of ``transposing`` as one unchanging context:
    it only grows by names chosen in this naming, each learnt before any subterm holding it is
    looked at, so what is known of a subterm never changes (as ``_Shapes.flips``); a set whose
    size is in the memo key would have every chosen name look again at every body (is it a
    column?), a walk of the whole graph per name."""

    __slots__ = ("names",)

    def __init__(self, names: set[str]):
        self.names = names

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return 0  # (the memo key's size of the context: constant)

    def __bool__(self) -> bool:
        return bool(self.names)


def _most_repeated(program: list[M.MExpr], known: _Shapes) -> list[tuple[M.MExpr, M.MExpr | None]]:
    """The subterms to name next, each with its transpose written out (or None): first the
    largest non-trivial subterm occurring at least twice in the program's text, itself or as
    its transpose written out (``t5 W2'`` and ``W2 t5``; of such a pair, the one written more
    often is named, the other is its transpose); empty when there is none.

    Then, in the same round, what naming one at a time and counting again after each would
    pick next, known without counting again: naming a subterm written c times leaves one copy
    of its text, so what is inside it loses c - 1 times its multiplicity there, and nothing
    else changes (counts, sizes, transposes), unless it is written transposed too
    (``(X B)'`` becomes ``t1'``, which may now be the transpose written out of another
    subterm: counted again, unless no two subterms holding it could become so,
    ``cse_transposed.no_new_transposes``, and no row was picked in the round, whose column is
    new text: then the round goes on, as the states of an unrolled RNN). So does a candidate
    with a transpose partner (``t49 W`` and ``W' t49``), named with it (``t1``, ``t1'``),
    unless naming them could make two subterms equal or each other's transposes (``A + B' X'``
    and ``A + (X B)'`` both become ``A + t1'``; two already so stay so); its partner, as large,
    has had every copy lost to a larger pick pushed to it. The losses are pushed from each subterm
    to its children, largest first (all that holds a subterm is larger), so a round costs one
    walk of the program's graph; sizes, widths, constants and signatures of subterms are kept
    across rounds (``known``)."""
    order = _subterms(program)
    size = known.size
    for node in order:
        if node not in size:
            size[node] = 1 + sum(size[c] for c in subterms(node))
    count = _occurrences(program, order)
    constant = _constants(order, known.constant)
    partner = transposes_of(order, size, known, constant)
    width = _widths(order, known.width)

    def seen_times(n):
        return count[n] + (count[partner[n]] if n in partner else 0)

    candidates = {
        n
        for n in order
        if seen_times(n) >= 2
        and (size[n] >= 3 or _pays(n, seen_times(n), width))
        and min(width[n], width.get(partner.get(n), width[n])) >= _SHORTEST
        and not isinstance(n, M.Transpose)  # softmax(x)' is t1' of t1 = softmax(x)
        and not _trivial(n, constant)
    }
    if not candidates:
        return []
    ranked = sorted(order, key=lambda n: -size[n])  # stable: ties in ``order``, as max()
    best = next(n for n in ranked if n in candidates)
    other = partner.get(best)
    # name the one written more often; as often: the one with fewer transposes, A X B
    if other is not None and (count[other], -transposes(other)) > (count[best], -transposes(best)):
        best, other = other, best
    picks = [(best, other)]
    parents: dict = {}  # (made when first needed: a pick written transposed too)
    past = [False]  # whether the round went on past a pick written transposed too
    rows = [False]  # whether a row was picked: its column is new text, counted next round
    clashing: list = []  # whether two subterms share a signature (``clash``), once asked

    def ends(p):  # whether the round ends once p is named (see the docstring)
        rows[0] = rows[0] or known.is_row(p)
        if past[0] and rows[0]:
            return True
        if M.Transpose(p) not in count:
            return False
        past[0] = True
        if rows[0] or not clash():
            return rows[0]
        if not parents:
            parents.update(parents_of(order))
        return not no_new_transposes(p, parents, size, known.sig)

    def alone(p, q):  # whether naming p, q as t, t' goes on as a count again would
        past[0] = True  # (calls picked later are judged by their counts then: ``_pays``)
        if known.is_row(p):
            return False
        if not clash():
            return True
        if not parents:
            parents.update(parents_of(order))
        return no_new_transposes(p, parents, size, known.sig, q, partner)

    def clash():  # whether two subterms share a signature (else naming pairs none anew)
        if not clashing:
            sigs = [known.sig[n] for n in order if not isinstance(n, M.Transpose)]
            clashing.append(len(set(sigs)) < len(sigs))
        return clashing[0]

    if other is not None and not alone(best, other) or other is None and ends(best):
        return picks  # count again: a pair that pairs others anew, a subterm written transposed
    lost: dict = {}  # subterm -> copies lost to names chosen in this round (not yet pushed)
    keep = {best: 1}  # a pick keeps one copy (its body); its transpose written out, none
    if other is not None:
        keep[other] = 0
    done: set = set()
    for n in ranked:
        now = count[n] - lost.get(n, 0)
        if n in keep:
            kept = keep[n]
        elif n in candidates and n in partner:
            m = partner[n]
            if now + count[m] - lost.get(m, 0) >= 2:  # (m's holders, all larger, are pushed)
                if rows[0] or m in done or partner.get(m) is not n:
                    break  # counted again in the next round, with its partner
                pick, flipped = n, m  # the one written more often, as the round's first pick
                if (count[m] - lost.get(m, 0), -transposes(m)) > (now, -transposes(n)):
                    pick, flipped = m, n
                if not alone(pick, flipped):
                    break
                picks.append((pick, flipped))
                keep[pick], keep[flipped] = 1, 0
                kept = keep[n]
            else:
                kept = now
        elif n in candidates and now >= 2 and (not past[0] or size[n] >= 3 or _pays(n, now, width)):
            picks.append((n, None))
            if ends(n):
                break
            kept = 1
        else:
            kept = now
        done.add(n)
        if count[n] > kept:  # the copies of n lost take their insides with them
            for c in subterms(n):
                lost[c] = lost.get(c, 0) + count[n] - kept
    return picks
