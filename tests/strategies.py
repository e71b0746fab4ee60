"""Hypothesis strategies: random well-typed einderiv expressions with an independent evaluator.

``cases()`` draws a ``Case``: an expression tree built here, printed to einderiv text (SPEC
section 1), its ``where`` declarations with concrete (or, sometimes, symbolic) sizes, a point of
evaluation, and a plain-numpy evaluator of the same tree. Nothing here imports einderiv: the
reference values and the finite-difference derivatives come from this file alone.

Types: ``S`` scalar, ``V(n)`` column vector, ``R(n)`` row vector (``x'``), ``M(m, n)`` matrix.
Numerically vectors (rows and columns) are 1-D arrays and scalars 0-D, as einderiv evaluates them.

Domains are kept by construction:
* ``pos(ty)`` builds expressions that are positive everywhere (positive variables sampled in
  [0.5, 2], ``exp``, ``sigmoid``, ``softplus``, ``1 + e .^ 2``, ...); ``log``, ``sqrt``,
  non-integer powers, ``./`` and ``/`` only take those.
* ``wc(n)`` builds square matrices whose symmetric part is positive definite (variables sampled
  as ``I + 0.3 randn`` with that property, SPD ``symmetric`` variables, ``W + M' M``,
  ``W + c I``, ``inv(W)``, ``diag(pos)``, ...): invertible with a positive determinant. Only they
  reach ``inv``, ``^-1``, ``^-T``, negative powers, ``det``, ``|X|``, ``logdet``, ``log|X|``.
* After drawing, every node is evaluated at the point and the case is rejected (``assume``) if
  any intermediate value is non-finite or larger than ``BOUND``, a positive-domain value is
  below ``1e-3``, a ``wc`` matrix is ill-conditioned, or a ``norm2`` argument is near zero.

Depth: ``max_depth`` (<= 4) bounds the recursion of the generator; the wrappers that keep
domains (``1 + e .^ 2``, ``W + M' M``) add a level or two to the printed tree.
"""

from __future__ import annotations

import atexit
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume, settings
from hypothesis import strategies as st

BOUND = 1e3

SUM, PROD, UNARY, POWER, POSTFIX, ATOM = 1, 2, 3, 4, 5, 6

# every operator / function / syntax form of SPEC section 1 the generator can emit
FEATURES = frozenset(
    [
        "var",
        "const",
        "add",
        "sub",
        "neg",
        "bcast",
        "juxt",
        "star",
        "at",
        "scale",
        "had",
        "ediv",
        "div",
        "epow_int",
        "epow_real",
        "epow_expr",
        "tick",
        "dotT",
        "hatT",
        "inv_call",
        "inv_hat1",
        "inv_brace1",
        "inv_hatT",
        "inv_braceT",
        "negpow",
        "mpow_lit",
        "mpow_k",
        "mpow_kexpr",
        "spow",
        "tr",
        "det",
        "bar",
        "logdet",
        "logbar",
        "logdet_call",
        "diag_vec",
        "diag_mat",
        "sum",
        "norm2",
        "exp",
        "log",
        "sin",
        "cos",
        "tanh",
        "sqrt",
        "sigmoid",
        "softplus",
        "ones",
        "I",
        "outer",
        "dot",
        "matvec",
        "matmat",
        "symmetric",
        "nonsquare",
        "one_dim",
    ]
)


# --------------------------------------------------------------------------------------------
# types


@dataclass(frozen=True)
class Ty:
    kind: str  # "S", "V", "R", "M"
    dims: tuple[int, ...] = ()

    def t(self) -> Ty:
        if self.kind == "V":
            return Ty("R", self.dims)
        if self.kind == "R":
            return Ty("V", self.dims)
        if self.kind == "M":
            return Ty("M", self.dims[::-1])
        return self

    @property
    def square(self) -> bool:
        return self.kind == "M" and self.dims[0] == self.dims[1]


S = Ty("S")


def V(n: int) -> Ty:
    return Ty("V", (n,))


def R(n: int) -> Ty:
    return Ty("R", (n,))


def M(m: int, n: int) -> Ty:
    return Ty("M", (m, n))


# --------------------------------------------------------------------------------------------
# the tree


@dataclass(frozen=True, eq=False)
class Node:
    text: str
    level: int
    ty: Ty
    op: Callable  # op(env, *child values) -> value
    children: tuple = ()
    check: str = ""  # "pos", "wc", "nonzero": a domain condition checked at the point
    features: frozenset = frozenset()
    sized: bool = True  # False for I and ones (sizes inferred from context)


def wrap(node: Node, level: int) -> str:
    return f"({node.text})" if node.level < level else node.text


def evaluate(node: Node, env: dict, problems: list | None = None):
    vals = [evaluate(c, env, problems) for c in node.children]
    with np.errstate(all="ignore"):
        value = node.op(env, *vals)
    if problems is not None:
        _audit(node, np.asarray(value, dtype=float), problems)
    return value


def _audit(node: Node, value: np.ndarray, problems: list) -> None:
    if not np.all(np.isfinite(value)) or (value.size and np.max(np.abs(value)) > BOUND):
        problems.append(("bound", node.text))
        return
    if node.check == "pos" and value.size and np.min(value) < 1e-3:
        problems.append(("pos", node.text))
    elif node.check == "wc":
        sym = (value + value.T) / 2
        if np.min(np.linalg.eigvalsh(sym)) < 1e-2 or np.linalg.cond(value) > 1e3:
            problems.append(("wc", node.text))
    elif node.check == "nonzero" and np.sqrt(np.sum(value**2)) < 1e-2:
        problems.append(("nonzero", node.text))


def all_features(node: Node) -> frozenset:
    out = set(node.features)
    for c in node.children:
        out |= all_features(c)
    return frozenset(out)


def tree_depth(node: Node) -> int:
    return 1 + max((tree_depth(c) for c in node.children), default=0)


# --------------------------------------------------------------------------------------------
# numpy semantics


def _matmul(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return a @ b


def _outer(a, b):
    return np.outer(a, b)


def _transpose(a):
    a = np.asarray(a, dtype=float)
    return a.T if a.ndim == 2 else a


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softplus(z):
    return np.logaddexp(0.0, z)


def _mpow(a, k):
    a = np.asarray(a, dtype=float)
    if k < 0:
        return np.linalg.matrix_power(np.linalg.inv(a), -k)
    return np.linalg.matrix_power(a, k)


ELEMENTWISE = {
    "exp": np.exp,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
}
POSITIVE_ONLY = {"log": np.log, "sqrt": np.sqrt}


# --------------------------------------------------------------------------------------------
# variables


@dataclass
class Var:
    name: str
    role: str  # g (general), p (positive), w (well-conditioned), s (SPD symmetric), k (integer)
    ty: Ty

    @property
    def shape(self) -> tuple[int, ...]:
        return self.ty.dims if self.ty.kind != "S" else ()


NAMES = {
    ("g", "M"): ["A", "B", "C", "D", "F", "G", "H", "K", "L", "N"],
    ("p", "M"): ["P", "Q", "Pos_2"],
    ("w", "M"): ["W", "U", "Z", "W2"],
    ("s", "M"): ["S", "R", "Sigma"],
    ("g", "V"): ["x", "y", "z", "u", "v", "w", "x_1"],
    ("p", "V"): ["p", "q", "r", "pos_v"],
    ("g", "S"): ["a", "b", "alpha_2", "beta"],
    ("p", "S"): ["s", "t", "sigma_3", "gamma"],
}


def sample_var(rng: np.random.Generator, var: Var, k_value: int):
    shape = var.shape
    if var.role == "k":
        return k_value
    if var.role == "g":
        return 0.7 * rng.standard_normal(shape) if shape else float(rng.uniform(-1.5, 1.5))
    if var.role == "p":
        return rng.uniform(0.5, 2.0, shape) if shape else float(rng.uniform(0.5, 2.0))
    n = shape[0]
    if var.role == "w":
        while True:
            x = np.eye(n) + 0.3 * rng.standard_normal((n, n))
            if np.min(np.linalg.eigvalsh((x + x.T) / 2)) > 0.4:
                return x
    if var.role == "s":
        b = rng.standard_normal((n, n))
        return b @ b.T / n + np.eye(n)
    raise AssertionError(var.role)


# --------------------------------------------------------------------------------------------
# the generator


class _Gen:
    def __init__(self, draw, sizes: tuple[int, ...]):
        self.draw = draw
        self.sizes = sizes
        self.vars: dict[str, Var] = {}
        self.k_value = draw(st.sampled_from([1, 2, 3]))

    # -- helpers -----------------------------------------------------------------------------

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def size(self) -> int:
        return self.pick(self.sizes)

    def var(self, role: str, ty: Ty) -> Node:
        same = [v for v in self.vars.values() if v.role == role and v.ty == ty]
        if same and self.draw(st.booleans()):
            v = self.pick(same)
        else:
            key = (role, ty.kind)
            used = {v.name for v in self.vars.values()}
            names = [nm for nm in NAMES[key] if nm not in used]
            name = names[0] if names else f"{NAMES[key][0]}_{len(used)}"
            v = self.vars[name] = Var(name, role, ty)
        feats = {"var"}
        if role == "s":
            feats.add("symmetric")
        if ty.kind == "M" and ty.dims[0] != ty.dims[1]:
            feats.add("nonsquare")
        if 1 in ty.dims:
            feats.add("one_dim")
        name = v.name
        return Node(name, ATOM, ty, lambda env: env[name], features=frozenset(feats))

    def k_var(self) -> None:
        if "k" not in self.vars:
            self.vars["k"] = Var("k", "k", S)

    # -- node builders -----------------------------------------------------------------------

    @staticmethod
    def const(text: str) -> Node:
        value = float(text)
        return Node(text, ATOM, S, lambda env: value, features=frozenset({"const"}))

    @staticmethod
    def identity(n: int) -> Node:
        return Node(
            "I", ATOM, M(n, n), lambda env: np.eye(n), features=frozenset({"I"}), sized=False
        )

    @staticmethod
    def ones(n: int) -> Node:
        return Node(
            "ones", ATOM, V(n), lambda env: np.ones(n), features=frozenset({"ones"}), sized=False
        )

    def add(self, a: Node, b: Node, ty: Ty, minus: bool | None = None) -> Node:
        if minus is None:
            minus = self.draw(st.booleans())
        sym = "-" if minus else "+"
        feats = {"sub" if minus else "add"}
        if a.ty.kind == "S" and ty.kind != "S" or b.ty.kind == "S" and ty.kind != "S":
            feats.add("bcast")
        text = f"{wrap(a, SUM)} {sym} {wrap(b, PROD)}"
        op = (lambda env, x, y: x - y) if minus else (lambda env, x, y: x + y)
        return Node(text, SUM, ty, op, (a, b), features=frozenset(feats))

    def neg(self, a: Node) -> Node:
        return Node(
            f"-{wrap(a, POWER)}", UNARY, a.ty, lambda env, x: -x, (a,), features=frozenset({"neg"})
        )

    def product(self, a: Node, b: Node, ty: Ty, feature: str) -> Node:
        """a b, a * b or a @ b (a matrix product, or scaling when one side is a scalar)."""
        right = wrap(b, UNARY + 1)
        style = self.pick(["juxt", "star", "at"])
        if style == "juxt" and (right[0] in "-|.0123456789" or not a.text):
            style = "star"
        if style == "juxt":
            text = f"{wrap(a, PROD)} {right}"
        else:
            text = f"{wrap(a, PROD)} {'*' if style == 'star' else '@'} {wrap(b, UNARY)}"
        if feature == "outer":
            op = lambda env, x, y: _outer(x, y)
        else:
            op = lambda env, x, y: _matmul(x, y)
        return Node(text, PROD, ty, op, (a, b), features=frozenset({style, feature}))

    def elementwise(self, a: Node, b: Node, ty: Ty, which: str) -> Node:
        sym, feature, fn = {
            "had": (".*", "had", lambda env, x, y: x * y),
            "ediv": ("./", "ediv", lambda env, x, y: x / y),
            "div": ("/", "div", lambda env, x, y: x / y),
        }[which]
        text = f"{wrap(a, PROD)} {sym} {wrap(b, UNARY)}"
        return Node(text, PROD, ty, fn, (a, b), features=frozenset({feature}))

    def transpose(self, a: Node) -> Node:
        style = self.pick(["tick", "dotT", "hatT"])
        if style == "tick":
            text, level = f"{wrap(a, POSTFIX)}'", POSTFIX
        elif style == "dotT":
            text, level = f"{wrap(a, POSTFIX)}.T", POSTFIX
        else:
            text, level = f"{wrap(a, POSTFIX)}^T", POWER
        return Node(
            text,
            level,
            a.ty.t(),
            lambda env, x: _transpose(x),
            (a,),
            features=frozenset({style}),
            sized=a.sized,
        )

    def call(
        self, fn: str, a: Node, ty: Ty, op, feature: str | None = None, check: str = ""
    ) -> Node:
        return Node(
            f"{fn}({a.text})", ATOM, ty, op, (a,), check=check, features=frozenset({feature or fn})
        )

    def elempow(self, base: Node, exponent: str, value, feature: str) -> Node:
        """base .^ exponent; ``value`` is a number or a scalar Node."""
        if isinstance(value, Node):
            return Node(
                f"{wrap(base, POSTFIX)} .^ {exponent}",
                POWER,
                base.ty,
                lambda env, x, e: np.power(x, e),
                (base, value),
                features=frozenset({feature}),
            )
        return Node(
            f"{wrap(base, POSTFIX)} .^ {exponent}",
            POWER,
            base.ty,
            lambda env, x: np.power(x, value),
            (base,),
            features=frozenset({feature}),
        )

    # -- the main productions ----------------------------------------------------------------

    def gen(self, ty: Ty, d: int) -> Node:
        if d <= 0:
            return self.leaf(ty)
        options = []
        if ty.kind == "M" and ty.square:
            options += ["inv", "mpow", "mpow", "I", "diag", "wc"]
        if ty.kind == "M":
            options += ["outer"]
        if ty.kind == "V":
            options += ["diagM", "ones"]
        if ty.kind == "R":
            options += ["ones"]
        if ty.kind == "S":
            options += ["tr", "det", "logdet", "sum", "norm2", "onesdot", "spow", "div"]
        options += ["mul", "add", "neg", "had", "ediv", "epow", "func", "logsqrt", "leaf"]
        if ty.kind != "S":
            options += ["bcast", "scale", "div", "transpose"]
        choice = self.pick(options)
        return getattr(self, f"g_{choice}")(ty, d - 1)

    def leaf(self, ty: Ty) -> Node:
        if ty.kind == "R":
            return self.transpose(self.leaf(ty.t()))
        if ty.kind == "S":
            kind = self.pick(["g", "p", "const"])
            if kind == "const":
                return self.const(self.pick(["2", "0.5", "3", "1.5", ".5", "1e-1", "0.25"]))
            return self.var(kind, ty)
        roles = ["g", "p"] + (["w", "s"] if ty.square else [])
        return self.var(self.pick(roles), ty)

    def g_leaf(self, ty, d):
        return self.leaf(ty)

    def g_add(self, ty, d):
        return self.add(self.gen(ty, d), self.gen(ty, d), ty)

    def g_bcast(self, ty, d):
        s, x = self.gen(S, d), self.gen(ty, d)
        return self.add(s, x, ty) if self.draw(st.booleans()) else self.add(x, s, ty)

    def g_neg(self, ty, d):
        return self.neg(self.gen(ty, d))

    def g_scale(self, ty, d):
        s, x = self.gen(S, d), self.gen(ty, d)
        if self.draw(st.booleans()):
            return self.product(s, x, ty, "scale")
        return self.product(x, s, ty, "scale")

    def g_div(self, ty, d):
        return self.elementwise(self.gen(ty, d), self.pos(S, d), ty, "div")

    def g_had(self, ty, d):
        if ty.kind != "S" and self.draw(st.integers(0, 3)) == 0:
            return self.elementwise(self.gen(S, d), self.gen(ty, d), ty, "had")
        return self.elementwise(self.gen(ty, d), self.gen(ty, d), ty, "had")

    def g_ediv(self, ty, d):
        how = self.draw(st.integers(0, 4))
        if how == 0 and ty.kind != "S":
            return self.elementwise(self.gen(S, d), self.pos(ty, d), ty, "ediv")
        if how == 1 and ty.kind != "S":
            return self.elementwise(self.gen(ty, d), self.pos(S, d), ty, "ediv")
        return self.elementwise(self.gen(ty, d), self.pos(ty, d), ty, "ediv")

    def g_epow(self, ty, d):
        how = self.pick(["int", "real", "expr"])
        if how == "int":
            e = self.pick(["2", "3"])
            return self.elempow(self.gen(ty, d), e, int(e), "epow_int")
        if how == "real":
            e = self.pick(["0.5", "1.5", "-1", "{-0.5}", "(2.5)"])
            value = float(e.strip("{}()"))
            return self.elempow(self.pos(ty, d), e, value, "epow_real")
        expo = self.gen(S, min(d, 1))
        if expo.ty.kind == "S" and self.draw(st.booleans()):
            expo = self.call("tanh", expo, S, lambda env, x: np.tanh(x))
        text = f"{{{expo.text}}}" if self.draw(st.booleans()) else f"({expo.text})"
        return self.elempow(self.pos(ty, d), text, expo, "epow_expr")

    def g_func(self, ty, d):
        fn = self.pick(sorted(ELEMENTWISE))
        f = ELEMENTWISE[fn]
        return self.call(fn, self.gen(ty, d), ty, lambda env, x: f(x))

    def g_logsqrt(self, ty, d):
        fn = self.pick(sorted(POSITIVE_ONLY))
        f = POSITIVE_ONLY[fn]
        return self.call(fn, self.pos(ty, d), ty, lambda env, x: f(x))

    def g_transpose(self, ty, d):
        return self.transpose(self.gen(ty.t(), d))

    def g_mul(self, ty, d):
        k = self.size()
        if ty.kind == "S":
            if self.draw(st.booleans()):
                return self.product(self.gen(S, d), self.gen(S, d), S, "scale")
            return self.product(self.gen(R(k), d), self.gen(V(k), d), S, "dot")
        if ty.kind == "V":
            return self.product(self.gen(M(ty.dims[0], k), d), self.gen(V(k), d), ty, "matvec")
        if ty.kind == "R":
            return self.product(self.gen(R(k), d), self.gen(M(k, ty.dims[0]), d), ty, "matvec")
        m, n = ty.dims
        return self.product(self.gen(M(m, k), d), self.gen(M(k, n), d), ty, "matmat")

    def g_outer(self, ty, d):
        m, n = ty.dims
        return self.product(self.gen(V(m), d), self.gen(R(n), d), ty, "outer")

    def g_inv(self, ty, d):
        return self.inverse(self.wc(ty.dims[0], d))

    def inverse(self, a: Node) -> Node:
        style = self.pick(["inv_braceT", "inv_hatT", "inv_brace1", "inv_hat1", "inv_call"])
        if style == "inv_call":
            text, level, fn = f"inv({a.text})", ATOM, np.linalg.inv
        elif style in ("inv_hat1", "inv_brace1"):
            e = "-1" if style == "inv_hat1" else "{-1}"
            text, level, fn = f"{wrap(a, POSTFIX)}^{e}", POWER, np.linalg.inv
        else:
            e = "-T" if style == "inv_hatT" else "{-T}"
            text, level = f"{wrap(a, POSTFIX)}^{e}", POWER
            fn = lambda x: np.linalg.inv(x).T
        return Node(text, level, a.ty, lambda env, x: fn(x), (a,), features=frozenset({style}))

    def mpow(self, base: Node, exponent: str, value: Callable, feature: str) -> Node:
        return Node(
            f"{wrap(base, POSTFIX)}^{exponent}",
            POWER,
            base.ty,
            lambda env, x: _mpow(x, value(env)),
            (base,),
            features=frozenset({feature}),
        )

    def g_mpow(self, ty, d):
        n = ty.dims[0]
        how = self.pick(["neg", "kexpr", "k", "lit"])
        if how == "lit":
            e = self.pick(["2", "3", "{2}", "0", "1"])
            v = int(e.strip("{}"))
            return self.mpow(self.gen(ty, d), e, lambda env: v, "mpow_lit")
        if how == "neg":
            e = self.pick(["-2", "{-2}", "(-k)", "-k"])
            if "k" in e:
                self.k_var()
                return self.mpow(self.wc(n, d), e, lambda env: -env["k"], "negpow")
            return self.mpow(self.wc(n, d), e, lambda env: -2, "negpow")
        self.k_var()
        if how == "k":
            e = self.pick(["k", "{k}", "(k)"])
            return self.mpow(self.gen(ty, d), e, lambda env: env["k"], "mpow_k")
        forms = {
            "(k - 1)": lambda env: env["k"] - 1,
            "{k-1}": lambda env: env["k"] - 1,
            "(k + 1)": lambda env: env["k"] + 1,
            "(2k)": lambda env: 2 * env["k"],
            "{2 k - 1}": lambda env: 2 * env["k"] - 1,
            "(3 - k)": lambda env: 3 - env["k"],
        }
        e = self.pick(sorted(forms))
        return self.mpow(self.gen(ty, d), e, forms[e], "mpow_kexpr")

    def g_I(self, ty, d):
        n = ty.dims[0]
        x, i = self.gen(ty, d), self.identity(n)
        if not x.sized:
            return x
        how = self.pick(["add", "radd", "mul", "rmul", "scaled"])
        if how == "add":
            return self.add(x, i, ty)
        if how == "radd":
            return self.add(i, x, ty)
        if how == "mul":
            return self.product(x, i, ty, "matmat")
        if how == "rmul":
            return self.product(i, x, ty, "matmat")
        ci = self.product(self.gen(S, 0), i, ty, "scale")
        return self.add(x, ci, ty)

    def g_diag(self, ty, d):
        n = ty.dims[0]
        return self.call("diag", self.gen(V(n), d), ty, lambda env, x: np.diag(x), "diag_vec")

    def g_diagM(self, ty, d):
        n = ty.dims[0]
        return self.call(
            "diag", self.gen(M(n, n), d), ty, lambda env, x: np.diag(x).copy(), "diag_mat"
        )

    def g_ones(self, ty, d):
        k = self.size()
        if ty.kind == "V":
            if self.draw(st.booleans()):
                x = self.gen(ty, d)
                return self.add(x, self.ones(ty.dims[0]), ty) if x.sized else x
            x = self.gen(M(ty.dims[0], k), d)
            return self.product(x, self.ones(k), ty, "matvec") if x.sized else x
        x = self.gen(M(k, ty.dims[0]), d)
        if not x.sized:
            return x
        return self.product(self.transpose(self.ones(k)), x, ty, "matvec")

    def g_wc(self, ty, d):
        return self.wc(ty.dims[0], d)

    def g_tr(self, ty, d):
        n = self.size()
        return self.call("tr", self.gen(M(n, n), d), S, lambda env, x: np.trace(x))

    def g_det(self, ty, d):
        a = self.wc(self.size(), d)
        if "|" not in a.text and self.draw(st.booleans()):
            return Node(
                f"|{a.text}|",
                POSTFIX,
                S,
                lambda env, x: np.linalg.det(x),
                (a,),
                features=frozenset({"bar"}),
            )
        return self.call("det", a, S, lambda env, x: np.linalg.det(x))

    def g_logdet(self, ty, d):
        a = self.wc(self.size(), d)
        style = self.pick(["logdet", "logbar", "logdet_call"])
        op = lambda env, x: np.linalg.slogdet(x)[1]
        if style == "logbar" and "|" not in a.text:
            # level POWER: a power or transpose of it is parenthesised, (log|X|)^2 (log|X|^2 is
            # refused: the log of the power or the power of the log?)
            return Node(f"log|{a.text}|", POWER, S, op, (a,), features=frozenset({"logbar"}))
        if style == "logdet_call":
            return Node(
                f"log(det({a.text}))", ATOM, S, op, (a,), features=frozenset({"logdet_call"})
            )
        return self.call("logdet", a, S, op)

    def g_sum(self, ty, d):
        inner = self.pick([S, V(self.size()), R(self.size()), M(self.size(), self.size())])
        return self.call("sum", self.gen(inner, d), S, lambda env, x: np.sum(x))

    def g_norm2(self, ty, d):
        inner = self.pick([V(self.size()), M(self.size(), self.size())])
        a = self.gen(inner, d)
        a = Node(a.text, a.level, a.ty, a.op, a.children, "nonzero", a.features, a.sized)
        return self.call("norm2", a, S, lambda env, x: np.sqrt(np.sum(x**2)))

    def g_onesdot(self, ty, d):
        k = self.size()
        return self.product(self.transpose(self.ones(k)), self.gen(V(k), d), S, "dot")

    def g_spow(self, ty, d):
        how = self.pick(["int", "real", "expr", "k"])
        if how == "int":
            base = self.gen(S, d)
            return Node(
                f"{wrap(base, POSTFIX)}^2",
                POWER,
                S,
                lambda env, x: x**2,
                (base,),
                features=frozenset({"spow"}),
            )
        if how == "k":
            self.k_var()
            base = self.gen(S, d)
            return Node(
                f"{wrap(base, POSTFIX)}^k",
                POWER,
                S,
                lambda env, x: x ** env["k"],
                (base,),
                features=frozenset({"spow"}),
            )
        base = self.pos(S, d)
        if how == "real":
            e = self.pick(["0.5", "1.5", "-1", "{-0.5}"])
            value = float(e.strip("{}"))
            return Node(
                f"{wrap(base, POSTFIX)}^{e}",
                POWER,
                S,
                lambda env, x: x**value,
                (base,),
                features=frozenset({"spow"}),
            )
        expo = self.gen(S, 0)
        return Node(
            f"{wrap(base, POSTFIX)}^({expo.text})",
            POWER,
            S,
            lambda env, x, e: np.power(x, e),
            (base, expo),
            features=frozenset({"spow"}),
        )

    # -- positive expressions ----------------------------------------------------------------

    def pos(self, ty: Ty, d: int) -> Node:
        node = self._pos(ty, d)
        return Node(
            node.text, node.level, node.ty, node.op, node.children, "pos", node.features, node.sized
        )

    def _pos(self, ty: Ty, d: int) -> Node:
        if ty.kind == "R":
            return self.transpose(self.pos(ty.t(), d))
        if d <= 0:
            if ty.kind == "S" and self.draw(st.booleans()):
                return self.const(self.pick(["2", "0.5", "3"]))
            return self.var("p", ty)
        options = ["leaf", "exp", "sigmoid", "softplus", "sq", "add", "had", "ediv", "sqrt"]
        if ty.kind == "S":
            options += ["det", "sum", "trwc"]
        how = self.pick(options)
        if how == "leaf":
            return self.var("p", ty)
        if how in ("exp", "sigmoid", "softplus"):
            f = ELEMENTWISE[how]
            return self.call(how, self.gen(ty, d - 1), ty, lambda env, x: f(x))
        if how == "sq":
            one = self.const("1")
            return self.add(
                one, self.elempow(self.gen(ty, d - 1), "2", 2, "epow_int"), ty, minus=False
            )
        if how == "add":
            return self.add(self.pos(ty, d - 1), self.pos(ty, d - 1), ty, minus=False)
        if how == "had":
            return self.elementwise(self.pos(ty, d - 1), self.pos(ty, d - 1), ty, "had")
        if how == "ediv":
            return self.elementwise(self.pos(ty, d - 1), self.pos(ty, d - 1), ty, "ediv")
        if how == "sqrt":
            return self.call("sqrt", self.pos(ty, d - 1), ty, lambda env, x: np.sqrt(x))
        if how == "det":
            return self.call("det", self.wc(self.size(), d - 1), S, lambda env, x: np.linalg.det(x))
        if how == "sum":
            inner = self.pick([V(self.size()), M(self.size(), self.size())])
            return self.call("sum", self.pos(inner, d - 1), S, lambda env, x: np.sum(x))
        return self.call("tr", self.wc(self.size(), d - 1), S, lambda env, x: np.trace(x))

    # -- well-conditioned square matrices (positive-definite symmetric part) -----------------

    def wc(self, n: int, d: int) -> Node:
        node = self._wc(n, d)
        return Node(
            node.text, node.level, node.ty, node.op, node.children, "wc", node.features, node.sized
        )

    def _wc(self, n: int, d: int) -> Node:
        ty = M(n, n)
        if d <= 0:
            return self.var(self.pick(["w", "w", "s"]), ty)
        how = self.pick(["leaf", "add", "addI", "scale", "t", "inv", "gram", "Igram", "diag"])
        if how == "leaf":
            return self.var(self.pick(["w", "s"]), ty)
        if how == "add":
            return self.add(self.wc(n, d - 1), self.wc(n, d - 1), ty, minus=False)
        if how == "addI":
            ci = self.product(self.pos(S, 0), self.identity(n), ty, "scale")
            return self.add(self.wc(n, d - 1), ci, ty, minus=False)
        if how == "scale":
            return self.product(self.pos(S, d - 1), self.wc(n, d - 1), ty, "scale")
        if how == "t":
            return self.transpose(self.wc(n, d - 1))
        if how == "inv":
            return self.inverse(self.wc(n, d - 1))
        if how == "diag":
            return self.call(
                "diag", self.pos(V(n), d - 1), ty, lambda env, x: np.diag(x), "diag_vec"
            )
        k = self.size()
        a = self.gen(M(k, n), d - 1)
        if not a.sized:
            a = self.var("g", M(k, n))
        gram = self.product(self.transpose(a), a, ty, "matmat")
        if how == "gram":
            return self.add(self.wc(n, d - 1), gram, ty, minus=False)
        return self.add(self.identity(n), gram, ty, minus=False)


# --------------------------------------------------------------------------------------------
# cases


@dataclass
class Case:
    text: str
    where: str
    root: Node
    variables: dict[str, Var]
    env: dict
    features: frozenset = field(default_factory=frozenset)

    @property
    def real_vars(self) -> list[str]:
        return [n for n, v in self.variables.items() if v.role != "k"]

    def value(self, env: dict | None = None) -> np.ndarray:
        return np.asarray(evaluate(self.root, env or self.env), dtype=float)

    def symmetric(self, name: str) -> bool:
        return self.variables[name].role == "s"

    def directions(self, name: str):
        """(index, direction) pairs: unit arrays, or (e_i e_j' + e_j e_i') / 2 if symmetric."""
        x0 = np.asarray(self.env[name], dtype=float)
        for idx in np.ndindex(x0.shape):
            e = np.zeros(x0.shape)
            if self.symmetric(name):
                e[idx] += 0.5
                e[idx[::-1]] += 0.5
            else:
                e[idx] = 1.0
            yield idx, e

    def jacobian_fd(self, name: str, fn: Callable | None = None, eps: float = 1e-6):
        """Central differences of ``fn(env)`` (default: this file's evaluator) by ``name``."""
        fn = fn or self.value
        x0 = np.asarray(self.env[name], dtype=float)
        y0 = np.asarray(fn(self.env), dtype=float)
        jac = np.zeros(y0.shape + x0.shape)
        for idx, e in self.directions(name):
            plus = dict(self.env, **{name: x0 + eps * e})
            minus = dict(self.env, **{name: x0 - eps * e})
            diff = np.asarray(fn(plus), dtype=float) - np.asarray(fn(minus), dtype=float)
            jac[(Ellipsis,) + idx] = diff / (2 * eps)
        return jac

    def __repr__(self) -> str:
        return f"Case({self.text!r}, where={self.where!r})"


def _declarations(draw, variables: dict[str, Var], symbolic: bool) -> str:
    def dim(n: int) -> str:
        return f"d{n}" if symbolic else str(n)

    decls = []
    for v in variables.values():
        if v.role == "k":
            decls.append((v.name, "integer"))
        elif v.ty.kind == "S":
            decls.append((v.name, "scalar"))
        elif v.ty.kind == "V":
            decls.append((v.name, f"vector({dim(v.ty.dims[0])})"))
        elif v.role == "s":
            decls.append((v.name, f"symmetric({dim(v.ty.dims[0])})"))
        else:
            m, n = v.ty.dims
            decls.append((v.name, f"matrix({dim(m)}, {dim(n)})"))
    decls = draw(st.permutations(decls))
    grouped: dict[str, list[str]] = {}
    if draw(st.booleans()):  # "x, y: vector(3)"
        for name, kind in decls:
            grouped.setdefault(kind, []).append(name)
        parts = [f"{', '.join(names)}: {kind}" for kind, names in grouped.items()]
    else:
        parts = [f"{name}: {kind}" for name, kind in decls]
    sep = draw(st.sampled_from(["; ", "\n", ";\n"]))
    return sep.join(parts)


@st.composite
def cases(draw, max_depth: int = 4, scalar: bool = False, coincide: bool = False) -> Case:
    """A random well-typed expression, its declarations, a point, and a numpy evaluator.

    ``coincide``: every dimension is the same (square matrices times vectors of that size),
    declared by one symbolic name half of the time: where indices of different variables
    share a dimension, an index mixed up with another is not caught by a size mismatch."""
    choices = [(1, 2, 3), (2, 3), (1, 3), (2, 3, 4), (1, 2), (3,), (2,)]
    sizes = draw(st.sampled_from([(2,), (3,)] if coincide else choices))
    g = _Gen(draw, sizes)
    k = g.size
    n = k()
    kinds = [S, M(n, n), V(k()), S, M(k(), k()), R(k())]
    ty = S if scalar else draw(st.sampled_from(kinds))
    depth = draw(st.sampled_from([d for d in (3, 4, 2, 1) if d <= max_depth]))
    root = g.gen(ty, depth)
    assume(root.sized)
    # every variable must occur; integer k is declared only when used
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    env = {name: sample_var(rng, v, g.k_value) for name, v in g.vars.items()}
    problems: list = []
    evaluate(root, env, problems)
    assume(not problems)
    symbolic = draw(st.booleans()) if coincide else draw(st.integers(0, 4)) == 0
    where = _declarations(draw, g.vars, symbolic=symbolic)
    return Case(root.text, where, root, dict(g.vars), env, all_features(root))


# --------------------------------------------------------------------------------------------
# shared by the property and fuzz suites


def stats_at_exit(stats: dict, variable: str) -> None:
    """Write ``stats`` as JSON to the file named by environment ``variable`` when tests end."""

    def dump() -> None:
        path = os.environ.get(variable)
        if path and stats:
            with open(path, "w") as fh:
                json.dump(dict(sorted(stats.items())), fh, indent=1)

    atexit.register(dump)


def assert_close(got, expected, rtol: float, what: str) -> None:
    """``got`` equals ``expected`` in shape, and in value to ``rtol`` relative to the largest
    entry (at least 1)."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


# EINDERIV_LONG=1 multiplies every property test's example count by EINDERIV_LONG_FACTOR (10)
LONG = os.environ.get("EINDERIV_LONG") == "1"
FACTOR = int(os.environ.get("EINDERIV_LONG_FACTOR", "10")) if LONG else 1


def hypothesis_profile(n: int, factor: int, health: list):
    """Deterministic hypothesis settings: ``n * factor`` examples, no deadline or database."""
    return settings(
        max_examples=n * factor,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=health,
    )
