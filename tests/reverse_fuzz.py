"""A random fuzz of reverse mode (``calculus/reverse``, ``backprop``): scalar functions in which
one variable is used at several nesting depths (RNN-like chains), differentiated by it. Not
collected by pytest; run it from the repository root:

    python tests/reverse_fuzz.py --seconds 300             # random chains
    python tests/reverse_fuzz.py --seconds 60 --seed 3     # reproducible with a seed

Each case is a chain h_0 = x, h_k = step(h_{k-1}) of random steps -- a weight times the state
(``W h``, ``U h``), an elementwise function of the registry (einderiv/ir/ops.py ``ELEMENTWISE``,
its argument mapped into the function's domain), ``.^ k`` for constant k, a skip connection
(``h + x``, ``h + h_{k-2}``), a Hadamard product (``h .* x``, ``h .* f(h)``), a bias, a scalar
gain (``s h``, ``where="s: scalar"``), a row function (``softmax(h)``, ``log_softmax(h)``, of each
row of a matrix state) -- ended by a scalar (``sum(h)``, ``y' h``, ``h' h``, the trace of a row
function of ``diag(h)`` or ``h h'``: its diagonal entries, ...), and differentiated by a variable used in two or more steps, in a random layout.

The truth is never einderiv: the fuzzer writes each case in plain numpy too (its own function
table, ``NUMPY``) and takes central differences of it. Checked per case:
- the engine's value ``g(...)`` ("engine value" counts a wrong derivative);
- ``g.show(cse=True)`` and ``g.show(cse=True, format="latex")`` read back
  (``tests/named_forms.py``: ``substituted``) to the truth ("cse text", "cse latex");
- ``str(g)`` read back to the truth ("str");
- no exception but ``EinderivError`` anywhere ("crash"), none of those at all when reading back.
Tolerance: relative 1e-5 of the largest entry. A mismatch is re-checked with two other steps of
the differences; where those disagree (a kink of abs, relu, ... within a step) the case is
counted as "kink", not as a finding. Also counted: "reverse" (cases ``ed.diff`` kept as
adjoints: the path under test).

Prints the counters as JSON and exits 1 when any finding was made (each printed with its case
on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
import warnings
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import einderiv as ed
from einderiv.ir.ops import ELEMENTWISE
from einderiv.pipeline import Deferred
from tests.named_forms import substituted

N = 3
M = 2  # the columns of a matrix state (X, Y)
WHERE = (
    "W: matrix(n, n); U: matrix(n, n); x: vector(n); y: vector(n); X: matrix(n, m); "
    "Y: matrix(n, m); s: scalar; c: scalar"
)
RTOL = 1e-5


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


# the fuzzer's own numpy of each function (not einderiv's table)
NUMPY = {
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda u: np.logaddexp(0, u),
    "erf": np.vectorize(math.erf, otypes=[float]),
    "relu": lambda u: np.maximum(u, 0),
    "step": lambda u: (u > 0).astype(float),
    "abs": np.abs,
    "sign": np.sign,
}

# an argument in each domain: (text template, numpy of the argument)
DOMAINS = {
    "real": ("{}", lambda u: u),
    "positive": ("(1 + ({}) .^ 2)", lambda u: 1 + u**2),
    "above_minus_one": ("(({}) .^ 2)", lambda u: u**2),
    "open_unit": ("(tanh({}) / 2)", lambda u: np.tanh(u) / 2),
    "cos_nonzero": ("(tanh({}) / 2)", lambda u: np.tanh(u) / 2),
}

FUNCTIONS = [n for n, op in ELEMENTWISE.items() if n in NUMPY and op.domain in DOMAINS]


class Node:
    """A vector (n) of the chain: its text and its numpy value as a function of the values."""

    def __init__(self, text: str, fn, uses: Counter):
        self.text, self.fn, self.uses = text, fn, uses


def _leaf(name: str) -> Node:
    return Node(name, lambda v, name=name: v[name], Counter({name: 1}))


def _apply(name: str, h: Node) -> Node:
    template, inner = DOMAINS[ELEMENTWISE[name].domain]
    f = NUMPY[name]
    text = f"{name}({template.format(h.text)})"
    return Node(text, lambda v: f(inner(h.fn(v))), h.uses)


def _rows(name: str, u: np.ndarray) -> np.ndarray:
    """softmax or log_softmax of a vector, or of each row of a matrix (SPEC 6.1)."""
    shifted = u - np.max(u, axis=-1, keepdims=True)
    logs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return np.exp(logs) if name == "softmax" else logs


def _row(name: str, h: Node) -> Node:
    return Node(f"{name}({h.text})", lambda v: _rows(name, h.fn(v)), h.uses)


def _dot(a: str, h: Node) -> Node:
    """The scalar <a, h>: ``y' h`` for vectors, ``tr(Y' h)`` for matrices."""
    if a.isupper():
        return Node(
            f"tr({a}' ({h.text}))", lambda v: np.sum(v[a] * h.fn(v)), h.uses + Counter({a: 1})
        )
    return Node(f"{a}' ({h.text})", lambda v: v[a] @ h.fn(v), h.uses + Counter({a: 1}))


def step(rng, h: Node, past: list[Node], target: str, leaves: tuple[str, str]) -> Node:
    """One random step of the chain from state ``h`` (a vector, or a matrix: ``leaves``, the
    two variables of the state's shape: x, y or X, Y)."""
    kind = rng.choice(
        ["weight", "weight", "func", "func", "pow", "skip", "hadamard", "gain", "bias", "back",
         "dotgain", "mix", "row"]
    )  # fmt: skip
    forced = rng.random() < 0.4  # a step that uses the variable: used at several depths
    if forced:
        kind = {"W": "weight", "U": "weight", "s": "gain", "c": "gain"}.get(target)
        kind = kind or rng.choice(["skip", "hadamard", "bias", "dotgain"])
    mine = target if target in leaves else None  # the variable, when it has the state's shape
    if kind == "weight":
        w = target if forced else str(rng.choice(["W", "U"]))
        turned = rng.random() < 0.3
        wt = f"{w}'" if turned else w
        body = Node(
            f"{wt} ({h.text})",
            lambda v: (v[w].T if turned else v[w]) @ h.fn(v),
            h.uses + Counter({w: 1}),
        )
        return _apply(str(rng.choice(["tanh", "sigmoid", "sin", "arctan"])), body)
    if kind == "func":
        return _apply(str(rng.choice(FUNCTIONS)), h)
    if kind == "pow":
        k = str(rng.choice(["2", "3", "-1", "0.5", "1.5", "s", "c"]))
        if k in ("s", "c"):  # a scalar variable's power of a positive state
            return Node(
                f"(1 + ({h.text}) .^ 2) .^ {k}",
                lambda v: (1 + h.fn(v) ** 2) ** v[k],
                h.uses + Counter({k: 1}),
            )
        if k in ("2", "3"):
            return Node(f"(({h.text}) .^ {k}) / {k}", lambda v: h.fn(v) ** int(k) / int(k), h.uses)
        return Node(
            f"(1 + ({h.text}) .^ 2) .^ {k}", lambda v: (1 + h.fn(v) ** 2) ** float(k), h.uses
        )
    if kind == "skip":
        o = mine or str(rng.choice(leaves))
        return Node(f"({h.text}) + {o}", lambda v: h.fn(v) + v[o], h.uses + Counter({o: 1}))
    if kind == "hadamard":
        r = rng.random()
        if forced or r < 0.4:
            e = _leaf(mine or str(rng.choice(leaves)))
        elif r < 0.7 or len(past) < 2:
            e = _apply(str(rng.choice(FUNCTIONS)), h)
        else:
            e = past[int(rng.integers(0, len(past) - 1))]  # an earlier state
        return Node(f"({h.text}) .* ({e.text})", lambda v: h.fn(v) * e.fn(v), h.uses + e.uses)
    if kind == "gain":
        g = target if target in ("s", "c") else str(rng.choice(["s", "c"]))
        return Node(f"{g} ({h.text})", lambda v: v[g] * h.fn(v), h.uses + Counter({g: 1}))
    if kind == "bias":
        b = mine or str(rng.choice(leaves))
        return Node(f"({h.text}) - {b} / 2", lambda v: h.fn(v) - v[b] / 2, h.uses + Counter({b: 1}))
    if kind == "dotgain":  # a scalar of an earlier state times this one: (y' h_j) h
        e = past[int(rng.integers(0, len(past)))]
        d = _dot(mine or str(rng.choice(leaves)), e)
        d = _apply("tanh", d) if rng.random() < 0.5 else d
        return Node(f"({d.text}) ({h.text})", lambda v: d.fn(v) * h.fn(v), h.uses + d.uses)
    if kind == "mix":  # the sum of the state's entries as a gain: sum(h) h / 4
        return Node(f"sum({h.text}) ({h.text}) / 4", lambda v: np.sum(h.fn(v)) * h.fn(v) / 4,
                    h.uses + h.uses)  # fmt: skip
    if kind == "row":  # a row function: of the vector, or of each row of the matrix
        return _row(str(rng.choice(["softmax", "log_softmax"])), h)
    if len(past) >= 2:  # back: a skip connection to an earlier state
        e = past[-2]
        return Node(
            f"({h.text}) + ({e.text}) / 2", lambda v: h.fn(v) + e.fn(v) / 2, h.uses + e.uses
        )
    return _apply("tanh", h)


def ending(rng, h: Node, target: str, leaves: tuple[str, str]) -> Node:
    kind = rng.choice(["sum", "dot", "square", "sumpow", "gain", "diagonal"])
    if kind == "diagonal":  # the trace of a row function of a square matrix: its diagonal
        row = str(rng.choice(["softmax", "log_softmax"]))
        if leaves[0].isupper():
            square = Node(f"({h.text}) ({h.text})'", lambda v: h.fn(v) @ h.fn(v).T, h.uses + h.uses)
        else:
            square = Node(f"diag({h.text})", lambda v: np.diag(h.fn(v)), h.uses)
        d = _row(row, square)
        return Node(f"tr({d.text})", lambda v: np.trace(d.fn(v)), d.uses)
    if kind == "sum":
        return Node(f"sum({h.text})", lambda v: np.sum(h.fn(v)), h.uses)
    if kind == "dot":
        return _dot(target if target in leaves else leaves[1], h)
    if kind == "square":
        if leaves[0].isupper():
            return Node(
                f"tr(({h.text})' ({h.text}))", lambda v: np.sum(h.fn(v) ** 2), h.uses + h.uses
            )
        return Node(f"({h.text})' ({h.text})", lambda v: h.fn(v) @ h.fn(v), h.uses + h.uses)
    if kind == "sumpow":
        return Node(f"sum(({h.text}) .^ 2)", lambda v: np.sum(h.fn(v) ** 2), h.uses)
    g = "s" if target != "c" else "c"
    return Node(f"{g} sum({h.text})", lambda v: v[g] * np.sum(h.fn(v)), h.uses + Counter({g: 1}))


def make_case(rng) -> tuple[Node, str, str]:
    """(the scalar, the variable to differentiate by, the layout)."""
    leaves = ("X", "Y") if rng.random() < 0.3 else ("x", "y")
    target = str(rng.choice(["W", "W", "U", *leaves, "s", "c"]))
    depth = int(rng.integers(2, 6))
    h = _leaf(leaves[0])
    past = [h]
    for _ in range(depth):
        h = step(rng, h, past, target, leaves)
        past.append(h)
    f = ending(rng, h, target, leaves)
    if f.uses[target] < 2:  # the variable used at one depth: put it in once more
        if target in ("W", "U"):
            f = Node(f"{f.text} + sum({target} ({h.text}))",
                     lambda v, f=f: f.fn(v) + np.sum(v[target] @ h.fn(v)), f.uses)  # fmt: skip
        else:
            times = ".*" if target in leaves else ""
            f = Node(f"{f.text} + sum(tanh({target} {times} ({h.text})))",
                     lambda v, f=f: f.fn(v) + np.sum(np.tanh(v[target] * h.fn(v))),
                     f.uses)  # fmt: skip
    return f, target, str(rng.choice(["numerator", "denominator", "jacobian"]))


def values(rng) -> dict:
    return {
        "W": rng.normal(size=(N, N)) * 0.6,
        "U": rng.normal(size=(N, N)) * 0.6,
        "x": rng.normal(size=N),
        "y": rng.normal(size=N),
        "X": rng.normal(size=(N, M)),
        "Y": rng.normal(size=(N, M)),
        "s": np.array(rng.uniform(0.5, 1.2)),
        "c": np.array(rng.uniform(-1.2, -0.5)),
    }


def gradient(f: Node, env: dict, target: str, eps: float) -> np.ndarray:
    """Central differences of the numpy function: d f / d target, shaped like the target."""
    x0 = np.asarray(env[target], dtype=float)
    out = np.zeros(x0.shape)
    for idx in np.ndindex(x0.shape):
        step_ = eps * max(1.0, abs(float(x0[idx])))
        up, down = x0.copy(), x0.copy()
        up[idx] += step_
        down[idx] -= step_
        out[idx] = (f.fn({**env, target: up}) - f.fn({**env, target: down})) / (2 * step_)
    return out


def same(got, want, rtol: float) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        if got.ndim == 0:
            got = np.broadcast_to(got, want.shape)
        else:
            return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return bool(np.allclose(got, want, rtol=rtol, atol=rtol * scale))


def read(text: str, env: dict, shape: tuple):
    back = ed.parse(text, where=WHERE)
    given = {k: v for k, v in env.items() if k in back.variables}
    try:
        return back(**given)
    except ed.EvaluationError as error:  # a lone ones(m): its size is every size here, N
        if "not fixed by any array" not in str(error):
            raise
    sizes = {"n": N, "m": M}  # then a result's size einderiv named: the truth's
    sizes.update((d, k) for d, k in zip(back.shape, shape) if isinstance(d, str) and d.isalnum())
    named = {d for d in back.shape if isinstance(d, str)}
    return back(**given, **{d: k for d, k in sizes.items() if d in named})


def run_case(
    f: Node, target: str, layout: str, env: dict, count: Counter, first: str | None
) -> list[str]:
    """The findings of one case (kind: detail). ``first``: a scalar to differentiate by first
    (then reverse mode meets a derived term, not one lowered from text)."""
    rtol = RTOL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = f.fn(env)
    if not np.isfinite(value) or abs(value) > 1e3:  # differences would lose the digits
        count["skipped (not finite or large)"] += 1
        return []
    if first is not None:  # differences of differences: d/d target (d f / d first)
        f = Node(f.text, lambda v, f=f: float(gradient(f, v, first, 1e-5)), f.uses)
        rtol = 1e2 * RTOL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        truth = gradient(f, env, target, 1e-6 if first is None else 1e-4)
    if not np.all(np.isfinite(truth)) or np.max(np.abs(truth), initial=0) > 1e6:
        count["skipped (not finite or large)"] += 1
        return []
    if layout == "numerator":
        truth = truth.T
    if first is None:
        g = ed.diff(f.text, target, where=WHERE, layout=layout)
    else:
        g = ed.diff(ed.diff(f.text, first, where=WHERE), target, layout=layout)
        count["second derivatives"] += 1
    count["reverse"] += type(g._term) is Deferred
    forms = {
        "cse text": lambda: substituted(g.show(cse=True)),
        "cse latex": lambda: substituted(g.show(cse=True, format="latex"), r"\left(", r"\right)"),
        "str": lambda: str(g),
        "engine value": None,
    }
    wrong = []
    for kind, printer in forms.items():
        count[f"{kind} tried"] += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if printer is None:
                    got = g(**{k: v for k, v in env.items() if k in g.variables})
                else:
                    text = printer()
                    if "%" in text:  # a placeholder (calculus.reverse) printed
                        wrong.append(f"{kind}: placeholder printed")
                    got = read(text, env, np.shape(truth))
        except ed.EinderivError as error:
            wrong.append(f"{kind}: unreadable: {error}")
            continue
        if not same(got, truth, rtol):
            wrong.append(f"{kind}: other value")
    if wrong and kink(f, env, target, (1e-4, 1e-8) if first is None else (1e-3, 1e-5)):
        count["kink"] += 1
        return []
    return wrong


def kink(f: Node, env: dict, target: str, steps: tuple[float, float]) -> bool:
    """Whether two other steps of the differences disagree (a kink within a step)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (gradient(f, env, target, eps) for eps in steps)
    scale = max(1.0, float(np.max(np.abs(a))))
    return not np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    count: Counter = Counter(seed=seed)
    end = time.monotonic() + args.seconds
    findings = 0
    while time.monotonic() < end:
        f, target, layout = make_case(rng)
        gains = [n for n in ("s", "c") if f.uses[n]]
        first = str(rng.choice(gains)) if gains and rng.random() < 0.2 else None
        env = values(rng)
        count["cases"] += 1
        try:
            wrong = run_case(f, target, layout, env, count, first)
        except ed.EinderivError as error:
            count["refused"] += 1
            wrong = []
            if count["refused"] <= 3:
                print(f"refused: {f.text} by {target}: {error}", file=sys.stderr)
        except Exception:  # noqa: BLE001 (a crash is what the fuzz counts)
            wrong = ["crash: " + traceback.format_exc(limit=6)]
        for w in wrong:
            count[w.split(":")[0] + " " + w.split(":")[1].strip().split(" ")[0]] += 1
        if wrong:
            findings += 1
            by = f"{first}, then {target}" if first else target
            print(f"CASE {f.text!r} by {by} ({layout})", file=sys.stderr)
            for w in wrong:
                print(f"  {w}", file=sys.stderr)
    print(json.dumps(dict(sorted(count.items())), indent=1))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
