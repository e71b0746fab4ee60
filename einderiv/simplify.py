"""Simplification: index IR -> equal index IR, the rules of ``rules`` run to a fixpoint.

Input: a term (typically a fresh derivative full of Kronecker deltas).
Output: an equal term with the deltas contracted, zeros and ones removed, equal terms merged and
chains of one matrix folded into powers; finally in canonical form (``canon``).
Invariants: ``simplify`` is the one driver -- children first, then the node's rules until none
fires -- with a memo, so a shared subterm is simplified once; ``tidy`` is the same driver with
only the structural rules, for showing derivation steps.
"""

from __future__ import annotations

from . import index_ir as T
from . import powers, rules
from .canon import canonical
from .index_ir import Term
from .rules import Rule, with_children, zero_like

RULES: list[Rule] = rules.RULES + powers.RULES  # the whole table, in order of priority

_MAX_REWRITES = 10_000
_EXPAND_LIMIT = 16


STRUCTURAL = ("add_flatten", "prod_flatten", "prod_numbers", "prod_zero", "prod_sum_of_add")


def simplify(t: Term) -> Term:
    """Run every rule to a fixpoint, then put the result in canonical form.

    A symbolic sum with a small literal count that is still there at the fixpoint is then
    written out (``sum_{r<2} u(r) -> u(0) + u(1)``) and the rules run once more: expanding
    only at the end lets the sum first merge away (``sum_r X^r X^(k-1-r) -> k X^(k-1)``).
    """
    done = _Driver(RULES).run(t)
    expanded = _expand_sums(done)
    if expanded is not done:
        done = _Driver(RULES).run(expanded)
    return canonical(done)


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
    return canonical(_Driver([r for r in RULES if r.name in STRUCTURAL]).run(t))


class _Driver:
    def __init__(self, rules: list[Rule]):
        self.memo: dict[Term, Term] = {}
        self.budget = _MAX_REWRITES
        self.by_kind: dict[type, list[Rule]] = {}
        for r in rules:
            self.by_kind.setdefault(r.kind, []).append(r)

    def run(self, t: Term) -> Term:
        done = self.memo.get(t)
        if done is not None:
            return done
        current = with_children(t, [self.run(c) for c in T.children(t)])
        changed = True
        while changed and self.budget > 0:
            changed = False
            for r in self.by_kind.get(type(current), ()):
                new = r.rewrite(current)
                if new is not None and new != current:
                    self.budget -= 1
                    current = self.run(new)
                    changed = True
                    break
        self.memo[t] = current
        self.memo[current] = current
        return current
