"""Compound indices as reshapes: the part of ``plan.Planner`` that keeps ``delta[c,(i,j)]`` lazy.

Input: the operands of a product being planned, ``(core, classes)`` pairs, and its free
classes ``out``; ``pair_cores``, the steps holding a dense ``delta[c,(i,j)]`` (``_pair``).
Output: ``reshape_pairs(specs, out)`` -> (specs, merges): the operands with every pair factor
they can do without replaced by reshapes of the other operands, and the pairs (c, i, j) whose
free compound axes c the product's result is to be reshaped to (``merge_pairs``).
Invariants:
- ``delta[c,(i,j)]`` is 1 where c = i + m j (i fastest, m = dim(i): vec's order), so axis c
  of length m n read as C-ordered (n, m) is the axes (j, i): a reshape, never an array of
  (m n) m n entries.
- Local merge: i and j summed and held by one other operand Y (once each): Y is reshaped to
  axis c, ``sum_{i,j} delta[c,(i,j)] Y[i,j] = vec(Y)[c]``. Split: ``sum_c delta[c,(i,j)]
  f(..c..) = f(..(i,j)..)`` -- every other operand holding c (once, none a pair) is reshaped,
  c leaves the product. Merge: a free c held by no other operand, with i and j summed: the
  product is computed with axes (.., j, i) and reshaped to (.., c) (several: kron).
- Anything else (c free and read by another operand, a pair on its diagonal) keeps the dense
  pair: the value is always right, only the cost differs.
"""

from __future__ import annotations

from einderiv.backend.plan_values import Val


class PairPlanning:
    """Mixed into ``plan.Planner``: uses its ``step`` and ``pair_cores``."""

    def reshape_pairs(self, specs, out) -> tuple:
        merges: list = []
        done = False
        while not done:
            done = True
            for k, (core, classes) in enumerate(specs):
                if core not in self.pair_cores or len(set(classes)) != 3:
                    continue
                c, i, j = classes
                rest = specs[:k] + specs[k + 1 :]
                holders = [s for s in rest if i in s[1] or j in s[1]]
                if i not in out and j not in out and len(holders) == 1:
                    held = holders[0][1]
                    if held.count(i) == held.count(j) == 1 and c not in held:
                        # sum_{i,j} delta[c,(i,j)] Y[..i..j..] = Y' [.., c]: Y reshaped
                        specs = [self._merge(s, c, i, j) if s is holders[0] else s for s in rest]
                        done = False
                        break
                readers = [s for s in rest if c in s[1]]
                if (
                    c not in out
                    and readers
                    and all(s[1].count(c) == 1 and s[0] not in self.pair_cores for s in readers)
                ):
                    # sum_c delta[c,(i,j)] u[c] = U[j,i] with U = u reshaped to (n, m)
                    specs = [self._split(s, c, i, j) if c in s[1] else s for s in rest]
                    done = False
                    break
                held = {x for s in rest for x in s[1]}
                if c in out and not readers and i not in out and j not in out and {i, j} <= held:
                    # kron(A, B)[r,s] = delta[r,(b,a)] delta[s,(d,c)] A[a,c] B[b,d]: the
                    # product with axes (.., a, b, c, d) reshaped to (.., r, s)
                    specs = rest
                    merges.append((c, i, j))
                    out = tuple(x for x in out if x != c) + (j, i)
                    done = False
                    break
        return specs, tuple(merges)

    def _split(self, spec, c, i, j) -> tuple:
        core, classes = spec
        at = classes.index(c)
        classes = classes[:at] + (j, i) + classes[at + 1 :]
        return self.step("reshape", (core,), (tuple(x.dim for x in classes),)), classes

    def _merge(self, spec, c, i, j) -> tuple:
        core, classes = spec
        rest = tuple(x for x in classes if x not in (i, j))
        order = rest + (j, i)
        if order != classes:
            core = self.step("contract", (core,), ((classes,), order, 1.0, ()))
        dims = tuple(x.dim for x in rest) + (c.dim,)
        return self.step("reshape", (core,), (dims,)), rest + (c,)

    def merge_pairs(self, specs, scalars, sizes, coef, out, merges, bcast, ties) -> Val:
        """The product of ``specs`` (with the constant and scalar factors) whose free axes
        ``c`` of ``merges`` ((c, i, j), ...) are made by reshaping its axes (j, i). A merged
        ``c`` may itself be a part of another merge (``kron(kron(P, p'), x')``: delta[j,(d,c)]
        delta[c,(b,a)]): its axes (a, b) stand in that merge's place, one reshape makes both."""
        parts = {c: (i, j) for c, i, j in merges}

        def axes(x) -> tuple:  # x's axes in C order: c = i + m j is (j, i), nested expanded
            return axes(parts[x][1]) + axes(parts[x][0]) if x in parts else (x,)

        rest = tuple(x for x in out if x not in parts)
        tops = tuple(c for c, _, _ in merges if c in out)
        order = rest + tuple(x for c in tops for x in axes(c))
        args = [s[0] for s in specs] + list(scalars)
        params = (tuple(s[1] for s in specs), order, coef, sizes)
        core = self.step("contract", args, params)
        final = rest + tops
        return Val(
            self.step("reshape", (core,), (tuple(x.dim for x in final),)), final, bcast, ties
        )
