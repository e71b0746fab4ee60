"""Random machine-learning losses with a plain-numpy twin, for tests/form_check_fuzz.py ``--ml``.

``ml_case(rng)`` draws a scalar loss built the way models are: a pre-activation ``W x + b``
(sometimes a second layer ``V h + c``, a residual ``+ x``, a scalar gain ``s``), smooth
activations (tanh, sigmoid, softplus, exp, log1p of a square, sin), then a head (squared error,
softmax cross-entropy written with ``log(softmax)``, ``log_softmax`` or ``logsumexp``, logistic
loss, ``logsumexp``, a sum of squares of the softmax, a quadratic form ``h' A h``, an L2 term
``c norm2(W, 'fro')``-like ``tr(W' W)``). Output: ``MLCase`` with the einderiv text, its
declarations, the point, its numpy function and the real variables. Nothing here imports
einderiv; no kink (relu, abs) is drawn, so second differences are the truth.
Sizes: n (inputs) and m (outputs) in 2..3, every Hessian at most 81 entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def _lse(z):
    return np.max(z) + np.log(np.sum(np.exp(z - np.max(z))))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACT = {  # {w}: the argument in parentheses unless it is one call
    "tanh": ("tanh({})", np.tanh),
    "sigmoid": ("sigmoid({})", _sigmoid),
    "softplus": ("softplus({})", lambda z: np.log1p(np.exp(z))),
    "sin": ("sin({})", np.sin),
    "log1p": ("log1p({w} .^ 2)", lambda z: np.log1p(z**2)),
    "exp": ("exp(0.5 * {w})", lambda z: np.exp(0.5 * z)),
    "none": ("{}", lambda z: z),
}


@dataclass
class MLCase:
    text: str
    where: str
    fn: Callable  # fn(env) -> float
    env: dict
    real_vars: list
    sym: frozenset = frozenset()  # the variables declared symmetric
    variables: ClassVar[dict] = {}  # no size by name (tests/print_fuzz.py solve_sizes)

    def value(self, env: dict | None = None) -> np.ndarray:
        return np.asarray(self.fn(env or self.env), dtype=float)

    def symmetric(self, name: str) -> bool:
        return name in self.sym

    def at(self, env: dict) -> MLCase:
        return MLCase(self.text, self.where, self.fn, env, self.real_vars, self.sym)

    def jacobian_fd(self, name: str, fn: Callable | None = None, eps: float = 1e-6):
        """Central differences of ``fn(env)`` (default: the loss) by ``name``; a symmetric
        matrix moves along (e_i e_j' + e_j e_i') / 2."""
        fn = fn or self.value
        x0 = np.asarray(self.env[name], dtype=float)
        y0 = np.asarray(fn(self.env), dtype=float)
        jac = np.zeros(y0.shape + x0.shape)
        for idx in np.ndindex(x0.shape):
            e = np.zeros(x0.shape)
            e[idx] = 1.0
            if self.symmetric(name):
                e[idx] = e[idx[::-1]] = 0.5 if idx != idx[::-1] else 1.0
            plus = dict(self.env, **{name: x0 + eps * e})
            minus = dict(self.env, **{name: x0 - eps * e})
            jac[(Ellipsis,) + idx] = (np.asarray(fn(plus)) - np.asarray(fn(minus))) / (2 * eps)
        return jac

    def __repr__(self) -> str:
        return f"MLCase({self.text!r}, where={self.where!r})"


def ml_case(rng: np.random.Generator) -> MLCase:
    """A random loss, its declarations and a point (see the module's docstring)."""
    n, m = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    env = {"W": rng.normal(size=(m, n)) * 0.7, "x": rng.normal(size=n), "y": rng.normal(size=m)}
    decls = [f"W: matrix({m}, {n})", f"x: vector({n})", f"y: vector({m})"]
    text, fn = "W x", lambda e: e["W"] @ e["x"]
    if rng.random() < 0.5:
        env["b"] = rng.normal(size=m)
        decls.append(f"b: vector({m})")
        text, fn = f"{text} + b", _plus(fn, lambda e: e["b"])
    name = str(rng.choice(list(ACT)))
    text, fn = _act(name, text, fn)
    if rng.random() < 0.4:  # a second layer V h, square so that a residual fits
        env["V"] = rng.normal(size=(m, m)) * 0.7
        decls.append(f"V: matrix({m}, {m})")
        inner = fn
        text, fn = f"V {_wrap(text)}", lambda e: e["V"] @ inner(e)
        if rng.random() < 0.5:
            text, fn = _act(str(rng.choice(list(ACT))), text, fn)
        if rng.random() < 0.3:
            env["s"] = float(rng.uniform(0.5, 2))
            decls.append("s: scalar")
            inner2 = fn
            text, fn = f"s * {_wrap(text)}", lambda e: e["s"] * inner2(e)
    head = str(rng.choice(HEADS))
    text, fn = _head(head, text, fn, env, decls, m, rng)
    sym = frozenset(["A"]) if "A: symmetric" in ";".join(decls) else frozenset()
    return MLCase(text, "; ".join(decls), lambda e: float(fn(e)), env, [k for k in env], sym)


def _plus(f, g):
    return lambda e: f(e) + g(e)


def _wrap(text: str) -> str:
    """``text`` as a factor: itself when it is a name or one call ``f(...)``, else ``(text)``."""
    call = re.fullmatch(r"[A-Za-z_0-9]*\(", text[: text.find("(") + 1]) and text.endswith(")")
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch == ")" and k < len(text) - 1:
            call = False
    return text if call or text.isidentifier() else f"({text})"


def _act(name: str, text: str, fn):
    form, f = ACT[name]
    return form.format(text, w=_wrap(text)), (lambda e: f(fn(e)))


HEADS = ("mse", "ce_log", "ce_logsm", "ce_lse", "logistic", "lse", "sm_sq", "quad", "l2")


def _head(head: str, text: str, fn, env: dict, decls: list, m: int, rng):
    z = _wrap(text)
    if head == "mse":
        return f"norm2({text} - y)^2", lambda e: np.sum((fn(e) - e["y"]) ** 2)
    if head == "ce_log":
        return f"-y' log(softmax({text}))", lambda e: -e["y"] @ np.log(_softmax(fn(e)))
    if head == "ce_logsm":
        return f"-y' log_softmax({text})", lambda e: -e["y"] @ (fn(e) - _lse(fn(e)))
    if head == "ce_lse":
        return f"logsumexp({text}) - y' {z}", lambda e: _lse(fn(e)) - e["y"] @ fn(e)
    if head == "logistic":
        return (
            f"sum(log(1 + exp(-y .* {z})))",
            lambda e: np.sum(np.log(1 + np.exp(-e["y"] * fn(e)))),
        )
    if head == "lse":
        return f"logsumexp({text})", lambda e: _lse(fn(e))
    if head == "sm_sq":
        return f"norm2(softmax({text}) - y)^2", lambda e: np.sum((_softmax(fn(e)) - e["y"]) ** 2)
    if head == "quad":
        env["A"] = rng.normal(size=(m, m))
        if rng.random() < 0.5:  # declared symmetric: its derivative moves A symmetrically
            env["A"] = env["A"] + env["A"].T
            decls.append(f"A: symmetric({m})")
        else:
            decls.append(f"A: matrix({m}, {m})")
        return f"{z}' A {z}", lambda e: fn(e) @ e["A"] @ fn(e)
    env["c"] = float(rng.uniform(0.1, 1))
    decls.append("c: scalar")
    return (
        f"sum({text}) + c tr(W' W)",
        lambda e: np.sum(fn(e)) + e["c"] * np.trace(e["W"].T @ e["W"]),
    )
