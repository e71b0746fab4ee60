"""Contractions as Python text: the part of ``render.Render`` that writes a ``contract`` step.

Input: the operands of a product (names and the classes of their axes), the axes of the result,
its constant factor, scalar factors and the sizes of summed indices no operand carries.
Output: the expression text: ``@`` (BLAS, with free transposes), broadcasting, ``tensordot``
or ``einsum``, pairwise along the path opt_einsum plans for the sizes (intermediates become
temporaries through ``Render.temp``).
Invariants:
- Every name in the text is an operand, a temporary of the renderer or a ``runtime`` helper.
- The constant factor scales the smallest operand when that is cheaper than scaling the result
  and the operand is not empty (then it scales the result, as ``execute`` does).
"""

from __future__ import annotations

import math

import opt_einsum as oe

from einderiv.backend.plan_values import align, literal, pair_order


class Contractions:
    """Mixed into ``render.Render``: uses its ``size``, ``float_text``, ``temp``, ``backend``,
    ``generic``, ``einsum_only`` and ``ns``."""

    def contract(self, specs, order, coef, scalars, sizes) -> str:
        """One product: pairwise along opt_einsum's path, or (``einsum_only``, the einsum form
        of ``Expr.einsum``) one ``einsum`` of all operands, in the axes ``order``."""
        scale = [literal(coef)] if coef != 1.0 else []
        scale += list(scalars)
        if math.prod(self.size(d) for d in sizes) != 1 or self.generic and sizes:
            scale.append(self.float_text(sizes))
        if not specs:
            return " * ".join(scale) or "1.0"
        factor = " * ".join(scale) if scale else None
        ops = [(name, classes) for name, classes in specs]
        keep = set(order)
        numel = [math.prod(self.size(i.dim) for i in cl) for _, cl in ops]
        out_numel = math.prod(self.size(i.dim) for i in order)
        # scale the smallest operand; never an empty one: a factor 1/0 = inf (mean of an empty
        # x) must meet the empty sum's 0 as the executor's does (nan), not vanish with it
        if factor is not None and 0 < min(numel) < out_numel:
            k = numel.index(min(numel))
            ops[k] = (_times(factor, ops[k][0]), ops[k][1])
            factor = None
        if self.einsum_only and (len(ops) > 1 or tuple(ops[0][1]) != tuple(order)):
            text, classes = self.einsum(ops, tuple(order)), tuple(order)
        elif self.einsum_only:  # one operand already in the result's axes
            text, classes = ops[0][0], tuple(order)
        elif len(ops) == 1:
            text, classes = self.single(ops[0][0], ops[0][1], keep)
        elif len(ops) == 2:
            text, classes = self.pair(ops[0], ops[1], keep, order)
        else:
            text, classes = self.many(ops, keep, order)
        text = align(text, tuple(classes), order)
        if factor is None:
            return text
        return _times(factor, text)[1:-1]

    def symbols(self, *groups) -> dict:
        table: dict = {}
        for classes in groups:
            for i in classes:
                table.setdefault(i, oe.get_symbol(len(table)))
        return table

    def einsum(self, ops, out) -> str:
        table = self.symbols(*[cl for _, cl in ops], out)
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        spec += "->" + "".join(table[i] for i in out)
        if len(ops) > 2 and self.generic:
            return f"_einsum('{spec}', {', '.join(name for name, _ in ops)}, optimize=True)"
        if self.backend == "numpy" and len(ops) > 2:
            shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
            key = f"_ce{len(self.ns)}"
            self.ns[key] = oe.contract_expression(spec, *shapes)
            return f"{key}({', '.join(name for name, _ in ops)})"
        return f"_einsum('{spec}', {', '.join(name for name, _ in ops)})"

    def single(self, name, classes, keep):
        out = tuple(dict.fromkeys(c for c in classes if c in keep))
        if len(set(classes)) < len(classes):
            return self.einsum([(name, classes)], out), out
        summed = tuple(k for k, c in enumerate(classes) if c not in keep)
        if summed:
            axes = summed[0] if len(summed) == 1 else summed
            return f"_sum({name}, {axes})", out
        return name, classes

    def pair(self, a, b, keep, want=None):
        (x, ca), (y, cb) = a, b
        if len(set(ca)) < len(ca) or len(set(cb)) < len(cb):
            out = tuple(dict.fromkeys(c for c in ca + cb if c in keep))
            return self.einsum([a, b], out), out
        sa, sb = set(ca), set(cb)
        drop_a = tuple(k for k, c in enumerate(ca) if c not in sb and c not in keep)
        if drop_a:
            x, ca = self.single(x, ca, keep | sb)
        drop_b = tuple(k for k, c in enumerate(cb) if c not in sa and c not in keep)
        if drop_b:
            y, cb = self.single(y, cb, keep | sa)
        ca, cb = tuple(ca), tuple(cb)
        order = pair_order(ca, cb, keep)
        if want is not None and set(want) == set(order):
            order = tuple(want)
        if not ca or not cb:
            return f"{x} * {y}", ca + cb
        shared = [c for c in ca if c in sb]
        kept = [c for c in shared if c in keep]
        summed = [c for c in shared if c not in keep]
        only_a = [c for c in ca if c not in sb]
        only_b = [c for c in cb if c not in sa]
        if not shared:  # outer product
            numel = math.prod(self.size(i.dim) for i in order)
            if self.backend == "numpy" and len(ca) == len(cb) == 1 and numel >= OUTER_EINSUM_MIN:
                # numpy's einsum writes a large outer product of two vectors 25-35% faster than
                # broadcasting; below ~150 x 150, and for higher-rank outer products (measured
                # on the n^4 Hessians), broadcasting is faster
                return self.einsum([(x, ca), (y, cb)], order), order
            return f"{align(x, ca, order)} * {align(y, cb, order)}", order
        if not kept:
            if len(ca) <= 2 and len(cb) <= 2 and len(summed) == 1:  # BLAS: (I,K) @ (K,J)
                xa = x if ca[-1] == summed[0] else f"{x}.T"
                yb = y if cb[0] == summed[0] else f"{y}.T"
                return f"{xa} @ {yb}", tuple(only_a + only_b)
            axes = (tuple(ca.index(c) for c in summed), tuple(cb.index(c) for c in summed))
            return f"_tensordot({x}, {y}, {axes})", tuple(only_a + only_b)
        if not summed:  # broadcasting (Hadamard, diagonal scaling)
            return f"{align(x, ca, order)} * {align(y, cb, order)}", order
        return self.einsum([(x, ca), (y, cb)], order), order

    def many(self, ops, keep, want):
        table = self.symbols(*[cl for _, cl in ops])
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        out = "".join(table[i] for i in table if i in keep)
        shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
        path, _ = oe.contract_path(f"{spec}->{out}", *shapes, shapes=True, optimize="auto")
        ops = list(ops)
        for positions in path:
            picked = [ops[k] for k in sorted(positions)]
            for k in sorted(positions, reverse=True):
                del ops[k]
            later = set(keep)
            for _, cl in ops:
                later.update(cl)
            if len(picked) == 1:
                text, classes = self.single(picked[0][0], picked[0][1], later)
            elif len(picked) == 2:
                text, classes = self.pair(picked[0], picked[1], later, None if ops else want)
            else:
                classes = tuple(dict.fromkeys(c for _, cl in picked for c in cl if c in later))
                text = self.einsum(picked, classes)
            ops.append((self.temp(text), tuple(classes)))
        return ops[0]


OUTER_EINSUM_MIN = 1 << 15  # entries of an outer product from which einsum writes it


def _times(factor: str, expr: str) -> str:
    """``(factor * expr)``; a factor of -1 is a negation (cheaper than a float product)."""
    expr = f"({expr})" if " " in expr else expr
    return f"(-{expr})" if factor == "-1.0" else f"({factor} * {expr})"
