"""Hypothesis strategies with Kronecker products: ``kron_cases()``, for the fuzzers' ``--kron``.

Input: nothing (a strategy). Output: a ``strategies.Case`` like ``cases()`` draws, whose trees
also hold the forms ``cases()`` never emits (and so the examples of the suites that use
``cases()`` stay as they were): ``kron(A, B)``, ``kron(y', A)``, ``kron(y, u)``, ``kron(A, y')``
(any two factors whose sizes multiply to the wanted ones), ``vec(X)``, a Kronecker product inside
a chain (``kron(y', A) V``, ``x' kron(A, B) y``, ``tr(kron(A, B) C)``), ``diag(kron(..) v)``,
``softmax``, ``log_softmax`` and ``logsumexp`` of vectors and of matrices (by rows, SPEC 6.1),
and well-conditioned matrices built of them (``kron(W, U)``, ``W + 0.1 kron(y', A) V``,
``I + kron(..)' kron(..)``), hence inside ``inv``, ``det``, ``logdet`` and powers.

The truth is numpy alone: ``np.kron`` of the operands made two-dimensional by their type (a
column ``n``-by-1, a row 1-by-``n``; numerically both are 1-D, as einderiv evaluates them),
``vec`` column-major (``reshape(-1, order="F")``), softmax and logsumexp along the last axis.
Invariants: every variable holds at most ``MAX_ENTRIES`` entries and the value at most as many
(finite differences stay cheap); the domains of ``strategies`` hold (a case is rejected, not
drawn, when a value leaves them).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from strategies import ATOM, Case, M, Node, R, S, Ty, V, _declarations, _Gen, evaluate
from strategies import sample_var as _sample

MAX_ENTRIES = 36

KRON_FEATURES = frozenset(
    ["kron", "vec", "kron_chain", "diag_kron", "softmax", "log_softmax", "logsumexp", "kron_wc"]
)


def _dims(ty: Ty) -> tuple[int, int]:
    """(rows, columns) of a type: a column n-by-1, a row 1-by-n, a scalar 1-by-1."""
    if ty.kind == "V":
        return ty.dims[0], 1
    if ty.kind == "R":
        return 1, ty.dims[0]
    return ty.dims if ty.kind == "M" else (1, 1)


def _of_dims(rows: int, cols: int, column: bool = True) -> Ty:
    """The type of a rows-by-cols value: a vector where one side is 1 (``column``: an n-by-1
    matrix is a vector, else a one-column matrix), a scalar when both are."""
    if rows == 1 and cols == 1:
        return S
    if cols == 1 and column:
        return V(rows)
    if rows == 1:
        return R(cols)
    return M(rows, cols)


def _two_d(x, ty: Ty) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x.reshape(_dims(ty))


def _kron_op(ta: Ty, tb: Ty, out: Ty):
    def op(env, a, b):
        value = np.kron(_two_d(a, ta), _two_d(b, tb))
        return value if out.kind == "M" else value.reshape(-1)

    return op


def _vec(env, x):
    return np.reshape(np.asarray(x, dtype=float), -1, order="F")


def _softmax(env, x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _logsumexp(env, x):
    x = np.asarray(x, dtype=float)
    top = np.max(x, axis=-1, keepdims=True)
    return np.squeeze(top, -1) + np.log(np.sum(np.exp(x - top), axis=-1))


def _log_softmax(env, x):
    x = np.asarray(x, dtype=float)
    return x - _logsumexp(env, x)[..., None] if x.ndim else 0.0 * x


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


class _KronGen(_Gen):
    """``strategies._Gen`` with the productions above, half of the time where they fit."""

    def gen(self, ty: Ty, d: int) -> Node:
        if d > 0 and self.draw(st.booleans()):
            options = {"S": ["chain", "trkron", "lse"], "V": ["kron", "vec", "chain", "soft"]}
            options.update(R=["kron", "chain"], M=["kron", "chain", "soft"])
            choices = list(options[ty.kind])
            if ty.kind == "V":
                choices.append("lse")
            if ty.square:
                choices += ["diagkv", "wc", "mpow"]
            node = getattr(self, f"k_{self.pick(choices)}")(ty, d - 1)
            if node is not None:
                return node
        return super().gen(ty, d)

    def sized(self, ty: Ty, d: int) -> Node:
        """``gen`` with its sizes in the text: a bare ``I`` or ``ones`` becomes a variable."""
        node = self.gen(ty, d)
        return node if node.sized else self.leaf(ty)

    # -- Kronecker products ------------------------------------------------------------------

    def k_kron(self, ty: Ty, d: int) -> Node | None:
        """kron(a, b) of the type ``ty``: a's rows times b's rows, a's columns times b's."""
        rows, cols = _dims(ty)
        splits = [
            (m, n)
            for m in _divisors(rows)
            for n in _divisors(cols)
            if (m, n) != (1, 1) and (rows // m, cols // n) != (1, 1)
        ]
        if not splits:
            return None
        m, n = self.pick(splits)
        # a matrix's factor n-by-1 is a column vector, sometimes a one-column matrix
        column = ty.kind != "M" or self.draw(st.integers(0, 5)) > 0
        ta, tb = _of_dims(m, n, column), _of_dims(rows // m, cols // n, column)
        if ty.kind == "M" and 1 in ty.dims:  # a 1-by-n matrix: of matrices (rows make a row)
            ta, tb = M(m, n), M(rows // m, cols // n)
        a, b = self.sized(ta, d), self.sized(tb, d)
        return Node(
            f"kron({a.text}, {b.text})",
            ATOM,
            ty,
            _kron_op(ta, tb, ty),
            (a, b),
            features=frozenset({"kron"}),
        )

    def k_vec(self, ty: Ty, d: int) -> Node | None:
        n = ty.dims[0]
        splits = [m for m in _divisors(n) if 1 < m < n] or ([n] if n > 1 else [])
        if not splits:
            return None
        m = self.pick(splits)
        x = self.sized(M(m, n // m), d)
        return Node(f"vec({x.text})", ATOM, ty, _vec, (x,), features=frozenset({"vec"}))

    def kron_of(self, rows: int, cols: int, d: int) -> Node:
        """A Kronecker product rows-by-cols (a variable when it has none of these sizes)."""
        ty = M(rows, cols)
        return self.k_kron(ty, d) or self.leaf(ty)

    def inner(self) -> int:
        """An inner size of a chain: a product of two sizes, at least 2."""
        return max(2, self.size() * self.size())

    def k_chain(self, ty: Ty, d: int) -> Node:
        """A Kronecker product inside a chain: ``kron(..) V``, ``x' kron(..) y``, ``v' kron``."""
        k = self.inner()
        if ty.kind == "S":
            k2 = self.inner()
            left = self.product(self.sized(R(k), d), self.kron_of(k, k2, d), R(k2), "matvec")
            node = self.product(left, self.sized(V(k2), d), S, "dot")
        elif ty.kind == "R":
            node = self.product(self.sized(R(k), d), self.kron_of(k, ty.dims[0], d), ty, "matvec")
        else:
            right = self.sized(V(k) if ty.kind == "V" else M(k, ty.dims[1]), d)
            feature = "matvec" if ty.kind == "V" else "matmat"
            node = self.product(self.kron_of(ty.dims[0], k, d), right, ty, feature)
        return self._tag(node, "kron_chain")

    def k_trkron(self, ty: Ty, d: int) -> Node:
        k = self.inner()
        inside = self.kron_of(k, k, d) if self.draw(st.booleans()) else self.k_chain(M(k, k), d)
        return self.call("tr", inside, S, lambda env, x: np.trace(x))

    def k_diagkv(self, ty: Ty, d: int) -> Node:
        inside = self.k_chain(V(ty.dims[0]), d)
        node = self.call("diag", inside, ty, lambda env, x: np.diag(x), "diag_vec")
        return self._tag(node, "diag_kron")

    def k_mpow(self, ty: Ty, d: int) -> Node:
        """A power of a square Kronecker product (negative powers of a well-conditioned one)."""
        n = ty.dims[0]
        if self.draw(st.booleans()):
            return self.mpow(self.kron_of(n, n, d), "2", lambda env: 2, "mpow_lit")
        return self.mpow(self.wc(n, d), "-2", lambda env: -2, "negpow")

    def k_wc(self, ty: Ty, d: int) -> Node:
        return self.wc(ty.dims[0], d)

    # -- row functions -----------------------------------------------------------------------

    def k_soft(self, ty: Ty, d: int) -> Node:
        fn, op = self.pick([("softmax", _softmax), ("log_softmax", _log_softmax)])
        return self.call(fn, self.gen(ty, d), ty, op)

    def k_lse(self, ty: Ty, d: int) -> Node:
        k = self.size() * self.pick([1, 2])
        inside = self.gen(V(k) if ty.kind == "S" else M(ty.dims[0], k), d)
        if not inside.sized:
            inside = self.leaf(inside.ty)
        return self.call("logsumexp", inside, ty, _logsumexp)

    # -- well-conditioned and positive values ------------------------------------------------

    def _wc(self, n: int, d: int) -> Node:
        if d <= 0 or self.draw(st.integers(0, 2)) > 0:
            return super()._wc(n, d)
        how = self.pick(["kron", "small", "gram"])
        splits = [m for m in _divisors(n) if 1 < m < n]
        if how == "kron" and splits:
            m = self.pick(splits)
            a, b = self.wc(m, d - 1), self.wc(n // m, d - 1)
            op = _kron_op(a.ty, b.ty, M(n, n))
            node = Node(f"kron({a.text}, {b.text})", ATOM, M(n, n), op, (a, b))
            return self._tag(node, "kron_wc")
        if how == "gram":  # I + X' X, X a Kronecker product
            x = self.kron_of(self.inner(), n, d - 1)
            gram = self.product(self.transpose(x), x, M(n, n), "matmat")
            return self.add(self.identity(n), gram, M(n, n), minus=False)
        small = self.product(self.const("0.1"), self.k_chain(M(n, n), d - 1), M(n, n), "scale")
        return self.add(super()._wc(n, d - 1), small, M(n, n), minus=False)

    def _pos(self, ty: Ty, d: int) -> Node:
        if d > 0 and ty.kind in "VM" and self.draw(st.integers(0, 3)) == 0:
            return self.call("softmax", self.gen(ty, d - 1), ty, _softmax)
        return super()._pos(ty, d)

    @staticmethod
    def _tag(node: Node, feature: str) -> Node:
        feats = node.features | {feature}
        return Node(node.text, node.level, node.ty, node.op, node.children, node.check, feats,
                    node.sized)  # fmt: skip


def _entries(ty: Ty) -> int:
    return int(np.prod(ty.dims, dtype=int)) if ty.dims else 1


@st.composite
def kron_cases(draw, max_depth: int = 3) -> Case:
    """A random expression holding Kronecker products (most of the time), its declarations, a
    point and a numpy evaluator; sizes are small (1 to 3, products of two of them)."""
    sizes = draw(st.sampled_from([(1, 2), (2,), (2, 3), (1, 2, 3), (3,)]))
    g = _KronGen(draw, sizes)
    k = g.size
    kinds = [S, S, M(k() * k(), k()), M(k() * k(), k() * k()), V(k() * k()), R(k() * k())]
    ty = draw(st.sampled_from(kinds))
    depth = draw(st.sampled_from([d for d in (2, 3, 1) if d <= max_depth]))
    root = g.gen(ty, depth)
    assume(root.sized and _entries(root.ty) <= MAX_ENTRIES)
    assume(all(_entries(v.ty) <= MAX_ENTRIES for v in g.vars.values()))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    env = {name: _sample(rng, v, g.k_value) for name, v in g.vars.items()}
    problems: list = []
    evaluate(root, env, problems)
    assume(not problems)
    where = _declarations(draw, g.vars, symbolic=False)
    features = _all(root)
    return Case(root.text, where, root, dict(g.vars), env, features)


def _all(node: Node) -> frozenset:
    out = set(node.features)
    for c in node.children:
        out |= _all(c)
    return frozenset(out)
