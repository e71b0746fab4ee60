"""Simplification: index IR -> equal index IR, the rules of ``rules`` run to a fixpoint.

Input: a term (typically a fresh derivative full of Kronecker deltas).
Output: an equal term with the deltas contracted, zeros and ones removed, equal terms merged and
chains of one matrix folded into powers; finally in canonical form (``canon``).
Invariants: ``simplify`` is the one driver -- children first, then the node's rules until none
fires -- with a memo, so a shared subterm is simplified once; ``tidy`` is the same driver with
only the structural rules, for showing derivation steps.
"""

from __future__ import annotations

from collections.abc import Callable

from einderiv.calculus import compound, functions, numbers, powers, rules, sums
from einderiv.calculus.rewriting import Rule, with_children, zero_like
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, scope
from einderiv.ir.index_ir import _CHILDREN, Term
from einderiv.ir.unbind import unbind

RULES: list[Rule] = (
    sums.RULES + rules.RULES + functions.RULES + powers.RULES + compound.RULES + numbers.RULES
)  # the table, in priority order

_MAX_REWRITES = 10_000
_EXPAND_LIMIT = 16


# the rules that only restructure (no delta contraction, no merging): what a student writes first
STRUCTURAL = ("add_flatten", "prod_flatten", "prod_numbers", "prod_zero", "prod_sum_of_add")


def simplify(t: Term, unbound: bool = False) -> Term:
    """Run every rule to a fixpoint, then put the result in canonical form.

    A symbolic sum with a small literal count that is still there at the fixpoint is then
    written out (``sum_{r<2} u(r) -> u(0) + u(1)``) and the rules run once more: expanding
    only at the end lets the sum first merge away (``sum_r X^r X^(k-1-r) -> k X^(k-1)``).
    ``unbound``: the caller knows that ``t`` mentions no canonical binder name (``%0.1``,
    ``%r0``; so does the derivative of a term lowered from text), so ``unbind`` would return
    it as it is and is not run.
    """
    with scope():
        driver = _Driver(_ALL)
        # a derivative of a derivative: its old names, fresh
        done = driver.run(t if unbound else unbind(t))
        expanded = _expand_sums(done) if driver.sums else done  # no SumOver was ever met
        if expanded is not done:
            done = _Driver(_ALL).run(expanded)
        return canonical(done)


def simplify_together(terms: list[Term]) -> list[Term]:
    """Each of ``terms`` (lowered from text, no ``SumOver``: ``calculus.reverse``'s
    definitions) at its fixpoint, by one driver, so a subterm they share is simplified once;
    not renamed into canonical form, which would give each term its own names for the parts
    they share (linear work for a chain whose every link holds the one before)."""
    with scope():
        driver = _Driver(_ALL)
        return [driver.run(t) for t in terms]


def simplifier() -> Callable[[Term], Term]:
    """A function taking each term given to it to its fixpoint, by one driver (a subterm met
    again is done once), not renamed into canonical form; call it within one ``scope``."""
    return _Driver(_ALL).run


def _expand_sums(t: Term) -> Term:
    kids = [_expand_sums(c) for c in T.children(t)]
    t = with_children(t, kids)
    if isinstance(t, T.SumOver) and t.count.is_literal and abs(t.count.const) <= _EXPAND_LIMIT:
        n = t.count.const
        if n == 0:
            return zero_like(t)
        values = range(n) if n > 0 else range(n, 0)  # a backward sum when n < 0
        terms = tuple(T.subst_int(t.body, t.var, T.affine(r)) for r in values)
        total = terms[0] if len(terms) == 1 else T.Add(terms)
        return total if n > 0 else T.Prod((T.MINUS_ONE, total))
    return t


def tidy(t: Term) -> Term:
    """Only flatten nested sums and products and fold numbers (for showing derivation steps)."""
    with scope():
        return canonical(_Driver(_STRUCTURAL).run(unbind(t)))


def flatten(t: Term) -> Term:
    """Only nested sums and products flattened: ``X[a,p] (S[b,a] X[b,q])`` and ``(X[a,p]
    S[b,a]) X[b,q]`` become one product (nothing is dropped, not even a zero factor)."""
    with scope():
        return _Driver(_FLAT).run(unbind(t))


class _Table:
    """The rules by node type, and by the types of a node's children for rules that say what
    they need (``Rule.needs``): the driver tries on a node only rules that can fire on it."""

    def __init__(self, rules: list[Rule]):
        self.by_kind: dict[type, tuple[Rule, ...]] = {}
        for r in rules:
            self.by_kind[r.kind] = self.by_kind.get(r.kind, ()) + (r,)
        self.gated = {k for k, rs in self.by_kind.items() if any(r.needs for r in rs)}
        self.by_children: dict[tuple, tuple[Rule, ...]] = {}  # filled as kinds are met
        # the rewrites themselves, for the driver: of an ungated kind by kind, of a gated one
        # by kind and the kinds of its children (filled as they are met)
        self.plain = {k: tuple(r.rewrite for r in rs) for k, rs in self.by_kind.items()}
        self.rewrites: dict[tuple, tuple] = {}

    def rules_for(self, t: Term, kids: tuple[Term, ...]) -> tuple[Rule, ...]:
        kind = type(t)
        if kind not in self.gated:
            return self.by_kind.get(kind, ())
        present = frozenset(map(type, kids))
        found = self.by_children.get((kind, present))
        if found is None:
            found = tuple(
                r for r in self.by_kind[kind] if r.needs is None or not r.needs.isdisjoint(present)
            )
            self.by_children[(kind, present)] = found
        return found

    def rewrites_for(self, t: Term, kids: tuple[Term, ...]) -> tuple:
        """The ``rewrite`` of each of ``rules_for(t, kids)``."""
        key = (type(t), frozenset(map(type, kids)))
        found = self.rewrites.get(key)
        if found is None:
            found = self.rewrites[key] = tuple(r.rewrite for r in self.rules_for(t, kids))
        return found


_ALL = _Table(RULES)
_STRUCTURAL = _Table([r for r in RULES if r.name in STRUCTURAL])
_FLAT = _Table([r for r in RULES if r.name in ("add_flatten", "prod_flatten")])


class _Driver:
    def __init__(self, table: _Table):
        self.memo: dict[Term, Term] = {}
        self.budget = _MAX_REWRITES
        self.table = table
        self.sums = False  # whether a SumOver was met (only then can one remain at the end)

    def run(self, t: Term) -> Term:
        """``t`` at its fixpoint: children first, then the first rule that fires, whose result
        is itself run to its fixpoint (so once a rule fires, ``t`` is done)."""
        memo = self.memo
        done = memo.get(t)
        if done is not None:
            return done
        kind = type(t)
        current = t
        kids = _CHILDREN.get(kind)  # (index_ir.children, inline: every node comes here)
        if kids is None:  # a leaf
            kids = ()
        else:
            kids = kids(t)
            if kind is T.SumOver:
                self.sums = True
            new_kids = tuple(map(self.run, kids))
            if new_kids != kids:  # terms are interned: equal is identical, compared in C
                current = with_children(t, new_kids)
                kids = T.children(current)
        table = self.table
        if kind in table.gated:
            rewrites = table.rewrites_for(current, kids)
        else:
            rewrites = table.plain.get(kind, ())
        if self.budget > 0:
            for rewrite in rewrites:
                new = rewrite(current)
                if new is not None and new is not current:
                    self.budget -= 1
                    current = self.run(new)
                    break
        memo[t] = current
        memo[current] = current
        return current
