"""Machine-learning losses as an ML engineer writes them, each with its own array code.

Input: nothing (a table). Output: ``CASES``, a list of ``Loss`` records: the einderiv text, the
same loss in LaTeX, the declarations, the variables to differentiate by, a point (numpy
arrays, a fixed seed) and ``fn(o, **env)``, the loss written once against a small namespace
``o`` of array functions, so that ``ops("numpy")``, ``ops("torch")`` and ``ops("jax")`` run the
same code in plain numpy (the truth, by central differences), in torch (autograd) and in
jax.numpy (``jax.grad``). Invariants: nothing here imports einderiv; every point lies inside
its loss's domain and away from kinks, so central differences are the truth.
Sizes: n = 4 features, k = 3 classes or hidden units, b = 5 examples; X is n-by-b (a batch as
columns) or b-by-n (a design matrix), as each loss says.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

N, K, B = 4, 3, 5


def _rows(f, z):  # a row function of a vector, or of each row of a matrix
    return f(z) if z.ndim == 1 else np.stack([f(r) for r in z])


def _lse(z):
    return np.max(z) + np.log(np.sum(np.exp(z - np.max(z))))


# fmt: off
def ops(backend: str) -> SimpleNamespace:
    """The array functions the losses use, from numpy, torch or jax.numpy."""
    if backend == "numpy":
        return SimpleNamespace(
            T=lambda a: a.T, sum=np.sum, exp=np.exp, log=np.log, tanh=np.tanh, sqrt=np.sqrt,
            cosh=np.cosh, abs=np.abs, mean=np.mean, trace=np.trace, inv=np.linalg.inv,
            logdet=lambda a: np.linalg.slogdet(a)[1], ones=lambda n: np.ones(n),
            sigmoid=lambda z: 1 / (1 + np.exp(-z)), softplus=lambda z: np.logaddexp(0, z),
            relu=lambda z: np.maximum(z, 0), erf=np.vectorize(math.erf),
            norm=lambda a: np.sqrt(np.sum(a * a)), outer=np.outer,
            logsumexp=lambda z: _rows(_lse, z),
            softmax=lambda z: _rows(lambda r: np.exp(r - _lse(r)), z),
            log_softmax=lambda z: _rows(lambda r: r - _lse(r), z),
        )
    if backend == "torch":
        import torch

        return SimpleNamespace(
            T=lambda a: a.transpose(0, 1) if a.ndim == 2 else a, sum=torch.sum,
            exp=torch.exp, log=torch.log, tanh=torch.tanh, sqrt=torch.sqrt, cosh=torch.cosh,
            abs=torch.abs, mean=torch.mean, trace=torch.trace, inv=torch.linalg.inv,
            logdet=lambda a: torch.linalg.slogdet(a)[1],
            ones=lambda n: torch.ones(n, dtype=torch.float64), sigmoid=torch.sigmoid,
            softplus=torch.nn.functional.softplus, relu=torch.relu, erf=torch.erf,
            norm=lambda a: torch.sqrt(torch.sum(a * a)), outer=torch.outer,
            logsumexp=lambda z: torch.logsumexp(z, -1),
            softmax=lambda z: torch.softmax(z, -1),
            log_softmax=lambda z: torch.log_softmax(z, -1),
        )
    import jax
    import jax.numpy as jnp

    return SimpleNamespace(
        T=lambda a: a.T, sum=jnp.sum, exp=jnp.exp, log=jnp.log, tanh=jnp.tanh, sqrt=jnp.sqrt,
        cosh=jnp.cosh, abs=jnp.abs, mean=jnp.mean, trace=jnp.trace, inv=jnp.linalg.inv,
        logdet=lambda a: jnp.linalg.slogdet(a)[1], ones=lambda n: jnp.ones(n),
        sigmoid=jax.nn.sigmoid, softplus=jax.nn.softplus, relu=jax.nn.relu,
        erf=jax.scipy.special.erf, norm=lambda a: jnp.sqrt(jnp.sum(a * a)), outer=jnp.outer,
        logsumexp=lambda z: jax.scipy.special.logsumexp(z, axis=-1),
        softmax=lambda z: jax.nn.softmax(z, axis=-1),
        log_softmax=lambda z: jax.nn.log_softmax(z, axis=-1),
    )
# fmt: on


@dataclass(frozen=True)
class Loss:
    name: str
    text: str
    latex: str
    where: str
    wrt: tuple
    fn: Callable  # fn(o, **env) -> a scalar
    shapes: dict  # variable -> shape (() for a scalar)
    positive: tuple = ()  # variables drawn positive (a probability, a variance)
    symmetric: tuple = ()  # variables drawn symmetric positive definite
    env: dict = field(default_factory=dict, compare=False)


def _point(shapes: dict, positive: tuple, symmetric: tuple, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    env = {}
    for name, shape in shapes.items():
        a = rng.standard_normal(shape) * 0.7
        if name in positive:
            a = rng.uniform(0.2, 1.0, shape)
        if name in symmetric:
            a = a @ a.T / shape[0] + np.eye(shape[0])
        env[name] = np.asarray(a, dtype=float)
    return env


def _loss(name, text, latex, where, wrt, fn, shapes, positive=(), symmetric=()):
    env = _point(shapes, positive, symmetric, seed=len(CASES) + 3760)
    CASES.append(Loss(name, text, latex, where, wrt, fn, shapes, positive, symmetric, env))


CASES: list[Loss] = []
# the table, one loss a paragraph (unformatted)
# fmt: off
_L = _loss
_DX = "X: matrix(n, b); W: matrix(k, n); b: vector(k)"  # a batch as columns
# logits of a batch as rows: Z = X' W' + ones b' (b-by-k), the softmax over classes per row
_Z = "X' W' + ones b'"
_ZL = r"X^\top W^\top + \mathbf{1} b^\top"
_shp = {"X": (N, B), "W": (K, N), "b": (K,), "Y": (B, K)}


def _z(o, X, W, b):
    return o.T(X) @ o.T(W) + o.outer(o.ones(X.shape[1]), b)


_L("softmax cross-entropy, log_softmax", f"-sum(Y .* log_softmax({_Z}))",
   rf"-\operatorname{{sum}}\left(Y \odot \operatorname{{log\_softmax}}\left({_ZL}\right)\right)",
   _DX, ("W", "b", "X"), lambda o, X, W, b, Y: -o.sum(Y * o.log_softmax(_z(o, X, W, b))),
   _shp, positive=("Y",))
_L("softmax cross-entropy, log(softmax)", f"-sum(Y .* log(softmax({_Z})))",
   rf"-\operatorname{{sum}}(Y \odot \log(\operatorname{{softmax}}({_ZL})))",
   _DX, ("W", "b"), lambda o, X, W, b, Y: -o.sum(Y * o.log(o.softmax(_z(o, X, W, b)))),
   _shp, positive=("Y",))
_L("cross-entropy through logsumexp", f"sum(logsumexp({_Z})) - sum(Y .* ({_Z}))",
   rf"\operatorname{{sum}}(\operatorname{{logsumexp}}({_ZL}))"
   rf" - \operatorname{{sum}}(Y \odot ({_ZL}))",
   _DX, ("W", "b"),
   lambda o, X, W, b, Y: o.sum(o.logsumexp(_z(o, X, W, b))) - o.sum(Y * _z(o, X, W, b)),
   _shp, positive=("Y",))
_L("softmax over the columns, transposed", "-sum(Y' .* log_softmax((W X + b ones')'))",
   r"-\operatorname{sum}(Y^\top \odot \operatorname{log\_softmax}((W X + b \mathbf{1}^\top)^\top))",
   _DX, ("W", "b"),
   lambda o, X, W, b, Y: -o.sum(o.T(Y) * o.log_softmax(o.T(W @ X + o.outer(b, o.ones(B))))),
   {"X": (N, B), "W": (K, N), "b": (K,), "Y": (K, B)}, positive=("Y",))
_L("one example, cross-entropy", "-y' log_softmax(W x + b)",
   r"-y^\top \operatorname{log\_softmax}(W x + b)", "W: matrix(k, n)", ("W", "b", "x"),
   lambda o, W, x, b, y: -(y @ o.log_softmax(W @ x + b)),
   {"W": (K, N), "x": (N,), "b": (K,), "y": (K,)}, positive=("y",))
_L("logsumexp of a layer", "logsumexp(W x + b)", r"\operatorname{logsumexp}(W x + b)",
   "W: matrix(k, n)", ("W", "x", "b"), lambda o, W, x, b: o.logsumexp(W @ x + b),
   {"W": (K, N), "x": (N,), "b": (K,)})
_L("L2-regularised logistic regression",
   "sum(log(1 + exp(-y .* (X w)))) + lambda / 2 * norm2(w)^2",
   r"\operatorname{sum}(\log(1 + \exp(-y \odot (X w)))) + \frac{\lambda}{2} \|w\|_2^2",
   "X: matrix(b, n)", ("w", "lambda"),
   lambda o, X, w, y, lam: o.sum(o.log(1 + o.exp(-y * (X @ w)))) + lam / 2 * o.sum(w * w),
   {"X": (B, N), "w": (N,), "y": (B,), "lambda": ()})
_L("logistic regression with softplus and an intercept", "sum(softplus(-y .* (X w + c ones)))",
   r"\operatorname{sum}(\operatorname{softplus}(-y \odot (X w + c \mathbf{1})))",
   "X: matrix(b, n); c: scalar", ("w", "c"),
   lambda o, X, w, y, c: o.sum(o.softplus(-y * (X @ w + c * o.ones(B)))),
   {"X": (B, N), "w": (N,), "y": (B,), "c": ()})
_L("binary cross-entropy", "-sum(y .* log(sigmoid(X w)) + (1 - y) .* log(1 - sigmoid(X w)))",
   r"-\operatorname{sum}(y \odot \log \sigma(X w) + (1 - y) \odot \log(1 - \sigma(X w)))",
   "X: matrix(b, n)", ("w",),
   lambda o, X, w, y: -o.sum(y * o.log(o.sigmoid(X @ w)) + (1 - y) * o.log(1 - o.sigmoid(X @ w))),
   {"X": (B, N), "w": (N,), "y": (B,)}, positive=("y",))
_L("mean squared error", "mean((X w - y) .^ 2)",
   r"\operatorname{mean}((X w - y)^{\circ 2})", "X: matrix(b, n)", ("w",),
   lambda o, X, w, y: o.mean((X @ w - y) ** 2), {"X": (B, N), "w": (N,), "y": (B,)})
_L("squared error of a batch with a bias", "norm2(W X + b ones' - Y)^2",
   r"\|W X + b \mathbf{1}^\top - Y\|_F^2", _DX, ("W", "b"),
   lambda o, X, W, b, Y: o.sum((W @ X + o.outer(b, o.ones(B)) - Y) ** 2),
   {"X": (N, B), "W": (K, N), "b": (K,), "Y": (K, B)})
_L("pseudo-Huber", "sum(sqrt(1 + (X w - y) .^ 2) - 1)",
   r"\operatorname{sum}(\sqrt{1 + (X w - y) \odot (X w - y)} - 1)", "X: matrix(b, n)", ("w",),
   lambda o, X, w, y: o.sum(o.sqrt(1 + (X @ w - y) ** 2) - 1),
   {"X": (B, N), "w": (N,), "y": (B,)})
_L("ridge regression", "norm2(X w - y)^2 + lambda * norm2(w)^2",
   r"\|X w - y\|^2 + \lambda \|w\|^2", "X: matrix(b, n)", ("w", "lambda"),
   lambda o, X, w, y, lam: o.sum((X @ w - y) ** 2) + lam * o.sum(w * w),
   {"X": (B, N), "w": (N,), "y": (B,), "lambda": ()})
_L("low-rank factorisation", "norm2(X - U V')^2", r"\|X - U V^\top\|_F^2",
   "X: matrix(m, n); U: matrix(m, r)", ("U", "V"),
   lambda o, X, U, V: o.sum((X - U @ o.T(V)) ** 2), {"X": (N, B), "U": (N, 2), "V": (B, 2)})
_L("low-rank factorisation with weight decay",
   "||X - U V'||_F^2 + mu * (||U||_F^2 + ||V||_F^2)",
   r"\|X - U V^\top\|_F^2 + \mu \left(\|U\|_F^2 + \|V\|_F^2\right)",
   "X: matrix(m, n); U: matrix(m, r); mu: scalar", ("U", "V", "mu"),
   lambda o, X, U, V, mu: o.sum((X - U @ o.T(V)) ** 2) + mu * (o.sum(U * U) + o.sum(V * V)),
   {"X": (N, B), "U": (N, 2), "V": (B, 2), "mu": ()})
_L("masked matrix completion", "sum((M .* (X - U V')) .^ 2)",
   r"\operatorname{sum}((M \odot (X - U V^\top))^{\circ 2})", "X: matrix(m, n); U: matrix(m, r)",
   ("U", "V"), lambda o, X, U, V, M: o.sum((M * (X - U @ o.T(V))) ** 2),
   {"X": (N, B), "U": (N, 2), "V": (B, 2), "M": (N, B)}, positive=("M",))
_L("two-layer tanh network", "norm2(V tanh(W x + b) + c - y)^2",
   r"\|V \tanh(W x + b) + c - y\|^2", "W: matrix(h, n); V: matrix(k, h)", ("W", "b", "V", "c"),
   lambda o, W, x, b, V, c, y: o.sum((V @ o.tanh(W @ x + b) + c - y) ** 2),
   {"W": (K, N), "x": (N,), "b": (K,), "V": (2, K), "c": (2,), "y": (2,)})
_L("relu network on a batch", "sum((V relu(W X + b ones') - Y) .^ 2)",
   r"\operatorname{sum}((V \operatorname{relu}(W X + b \mathbf{1}^\top) - Y)^{\circ 2})",
   _DX + "; V: matrix(p, k)", ("W", "V", "b"),
   lambda o, X, W, b, V, Y: o.sum((V @ o.relu(W @ X + o.outer(b, o.ones(B))) - Y) ** 2),
   {"X": (N, B), "W": (K, N), "b": (K,), "V": (2, K), "Y": (2, B)})
_L("sigmoid hidden layer, cross-entropy head", "-y' log_softmax(V sigmoid(W x + b))",
   r"-y^\top \operatorname{log\_softmax}(V \sigma(W x + b))", "W: matrix(h, n); V: matrix(k, h)",
   ("W", "V", "b"), lambda o, W, x, b, V, y: -(y @ o.log_softmax(V @ o.sigmoid(W @ x + b))),
   {"W": (K, N), "x": (N,), "b": (K,), "V": (2, K), "y": (2,)}, positive=("y",))
_L("GELU (erf) layer", "sum(0.5 * (W x) .* (1 + erf(W x / sqrt(2))))",
   r"\operatorname{sum}(0.5 (W x) \odot (1 + \operatorname{erf}(\frac{W x}{\sqrt{2}})))",
   "W: matrix(k, n)", ("W", "x"),
   lambda o, W, x: o.sum(0.5 * (W @ x) * (1 + o.erf(W @ x / math.sqrt(2)))),
   {"W": (K, N), "x": (N,)})
_L("GELU (tanh) layer", "sum(0.5 * z .* (1 + tanh(0.7978845608 * (z + 0.044715 * z .^ 3))))",
   r"\operatorname{sum}(0.5 z \odot (1 + \tanh(0.7978845608 (z + 0.044715 z^{\circ 3}))))",
   "z: vector(n)", ("z",),
   lambda o, z: o.sum(0.5 * z * (1 + o.tanh(0.7978845608 * (z + 0.044715 * z**3)))),
   {"z": (N,)})
_L("softplus layer", "sum(softplus(W x + b))",
   r"\operatorname{sum}(\operatorname{softplus}(W x + b))",
   "W: matrix(k, n)", ("W", "b", "x"), lambda o, W, x, b: o.sum(o.softplus(W @ x + b)),
   {"W": (K, N), "x": (N,), "b": (K,)})
_LN = "(x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + 0.00001)"
_L("layer norm with gain and bias, squared error",
   f"norm2(g .* {_LN} + beta - y)^2",
   r"\|g \odot \frac{x - \operatorname{mean}(x)}{\sqrt{\operatorname{mean}((x - "
   r"\operatorname{mean}(x))^{\circ 2}) + 0.00001}} + \beta - y\|^2",
   "x: vector(n); beta: vector(n)", ("x", "g", "beta"),
   lambda o, x, g, beta, y: o.sum(
       (g * (x - o.mean(x)) / o.sqrt(o.mean((x - o.mean(x)) ** 2) + 1e-5) + beta - y) ** 2),
   {"x": (N,), "g": (N,), "beta": (N,), "y": (N,)})
_L("attention", "sum(C .* (softmax(Q K' / sqrt(d)) V))",
   r"\operatorname{sum}(C \odot (\operatorname{softmax}(\frac{Q K^\top}{\sqrt{d}}) V))",
   "Q: matrix(t, e); K: matrix(s, e); V: matrix(s, v); d: scalar", ("Q", "K", "V"),
   lambda o, Q, K, V, C, d: o.sum(C * (o.softmax(Q @ o.T(K) / o.sqrt(d)) @ V)),
   {"Q": (3, 2), "K": (4, 2), "V": (4, 3), "C": (3, 3), "d": ()}, positive=("d",))
_L("self-attention with projections", "sum(C .* (softmax(X W_q (X W_k)' / 2) X W_v))",
   r"\operatorname{sum}(C \odot (\operatorname{softmax}(\frac{X W_q (X W_k)^\top}{2}) X W_v))",
   "X: matrix(t, e); W_q: matrix(e, p); W_k: matrix(e, p); W_v: matrix(e, v)",
   ("W_q", "W_k", "W_v"),
   lambda o, X, W_q, W_k, W_v, C: o.sum(C * (o.softmax(X @ W_q @ o.T(X @ W_k) / 2) @ X @ W_v)),
   {"X": (3, N), "W_q": (N, 2), "W_k": (N, 2), "W_v": (N, 2), "C": (3, 2)})
_L("weight decay on two layers",
   "-y' log_softmax(W_2 tanh(W_1 x)) + lambda / 2 * (norm2(W_1)^2 + norm2(W_2)^2)",
   r"-y^\top \operatorname{log\_softmax}(W_2 \tanh(W_1 x)) + \frac{\lambda}{2}"
   r"(\|W_1\|_F^2 + \|W_2\|_F^2)", "W_1: matrix(h, n); W_2: matrix(k, h)", ("W_1", "W_2"),
   lambda o, W_1, W_2, x, y, lam: -(y @ o.log_softmax(W_2 @ o.tanh(W_1 @ x)))
   + lam / 2 * (o.sum(W_1 * W_1) + o.sum(W_2 * W_2)),
   {"W_1": (K, N), "W_2": (2, K), "x": (N,), "y": (2,), "lambda": ()}, positive=("y",))
_L("weight decay as a trace", "norm2(W x - y)^2 + lambda * tr(W' W)",
   r"\|W x - y\|^2 + \lambda \operatorname{tr}(W^\top W)", "W: matrix(k, n)", ("W",),
   lambda o, W, x, y, lam: o.sum((W @ x - y) ** 2) + lam * o.trace(o.T(W) @ W),
   {"W": (K, N), "x": (N,), "y": (K,), "lambda": ()})
_L("entropy of a softmax", "-softmax(z)' log_softmax(z)",
   r"-\operatorname{softmax}(z)^\top \operatorname{log\_softmax}(z)", "z: vector(n)", ("z",),
   lambda o, z: -(o.softmax(z) @ o.log_softmax(z)), {"z": (N,)})
_L("KL divergence to a softmax", "p' (log(p) - log_softmax(z))",
   r"p^\top (\log p - \operatorname{log\_softmax}(z))", "z: vector(n)", ("z", "p"),
   lambda o, p, z: p @ (o.log(p) - o.log_softmax(z)), {"p": (N,), "z": (N,)},
   positive=("p",))
_L("Gaussian likelihood with a learnt variance",
   "0.5 * sum((y - mu) .^ 2 ./ exp(s)) + 0.5 * sum(s)",
   r"\frac{1}{2} \operatorname{sum}((y - \mu) \odot (y - \mu) \oslash \exp(s)) + "
   r"\frac{1}{2}\operatorname{sum}(s)", "mu: vector(n); s: vector(n)", ("mu", "s"),
   lambda o, y, mu, s: 0.5 * o.sum((y - mu) ** 2 / o.exp(s)) + 0.5 * o.sum(s),
   {"y": (N,), "mu": (N,), "s": (N,)})
_L("multivariate Gaussian likelihood", "0.5 * (x - m)' inv(S) (x - m) + 0.5 * log|S|",
   r"\frac{1}{2} (x - m)^\top S^{-1} (x - m) + \frac{1}{2} \log\det S",
   "S: symmetric(n)", ("m", "S"),
   lambda o, x, m, S: 0.5 * (x - m) @ o.inv(S) @ (x - m) + 0.5 * o.logdet(S),
   {"x": (N,), "m": (N,), "S": (N, N)}, symmetric=("S",))
_L("Poisson regression", "sum(exp(X w) - y .* (X w))",
   r"\operatorname{sum}(\exp(X w) - y \odot (X w))", "X: matrix(b, n)", ("w",),
   lambda o, X, w, y: o.sum(o.exp(X @ w) - y * (X @ w)), {"X": (B, N), "w": (N,), "y": (B,)},
   positive=("y",))
_L("smooth hinge", "sum(softplus(1 - y .* (X w)))",
   r"\operatorname{sum}(\operatorname{softplus}(1 - y \odot (X w)))", "X: matrix(b, n)", ("w",),
   lambda o, X, w, y: o.sum(o.softplus(1 - y * (X @ w))), {"X": (B, N), "w": (N,), "y": (B,)})
_L("lasso", "norm2(X w - y)^2 + lambda * norm1(w)", r"\|X w - y\|_2^2 + \lambda \|w\|_1",
   "X: matrix(b, n)", ("w",),
   lambda o, X, w, y, lam: o.sum((X @ w - y) ** 2) + lam * o.sum(o.abs(w)),
   {"X": (B, N), "w": (N,), "y": (B,), "lambda": ()})
_L("two steps of a tanh RNN", "norm2(tanh(W tanh(W h + U x_1) + U x_2) - y)^2",
   r"\|\tanh(W \tanh(W h + U x_1) + U x_2) - y\|^2", "W: matrix(k, k); U: matrix(k, n)",
   ("W", "U", "h"),
   lambda o, W, U, h, x_1, x_2, y: o.sum((o.tanh(W @ o.tanh(W @ h + U @ x_1) + U @ x_2) - y) ** 2),
   {"W": (K, K), "U": (K, N), "h": (K,), "x_1": (N,), "x_2": (N,), "y": (K,)})
_L("cosine similarity", "a' c / (norm2(a) * norm2(c))",
   r"\frac{a^\top c}{\|a\| \|c\|}", "a: vector(n)", ("a", "c"),
   lambda o, a, c: (a @ c) / (o.norm(a) * o.norm(c)), {"a": (N,), "c": (N,)})
_L("InfoNCE", "logsumexp(E q / tau) - e' q / tau",
   r"\operatorname{logsumexp}(\frac{E q}{\tau}) - \frac{e^\top q}{\tau}", "E: matrix(k, n)",
   ("q", "E", "e", "tau"), lambda o, E, q, e, tau: o.logsumexp(E @ q / tau) - e @ q / tau,
   {"E": (K, N), "q": (N,), "e": (N,), "tau": ()}, positive=("tau",))
_L("temperature of logits", "logsumexp(z / T)", r"\operatorname{logsumexp}(z / T)",
   "T: scalar", ("z", "T"), lambda o, z, T: o.logsumexp(z / T), {"z": (N,), "T": ()},
   positive=("T",))
_L("Cauchy loss", "sum(log(1 + (X w - y) .^ 2))",
   r"\operatorname{sum}(\ln(1 + (X w - y)^{\circ 2}))",
   "X: matrix(b, n)", ("w",), lambda o, X, w, y: o.sum(o.log(1 + (X @ w - y) ** 2)),
   {"X": (B, N), "w": (N,), "y": (B,)})
_L("log-cosh loss", "sum(log(cosh(X w - y)))", r"\operatorname{sum}(\log\cosh(X w - y))",
   "X: matrix(b, n)", ("w",), lambda o, X, w, y: o.sum(o.log(o.cosh(X @ w - y))),
   {"X": (B, N), "w": (N,), "y": (B,)})
_L("kernel ridge in the dual", "a' G a - 2 * y' G a + lambda * a' a",
   r"a^\top G a - 2 y^\top G a + \lambda a^\top a", "G: matrix(n, n)", ("a",),
   lambda o, a, G, y, lam: a @ G @ a - 2 * (y @ G @ a) + lam * (a @ a),
   {"a": (N,), "G": (N, N), "y": (N,), "lambda": ()})
_L("PCA reconstruction", "norm2(X - W W' X)^2", r"\|X - W W^\top X\|_F^2",
   "X: matrix(n, b); W: matrix(n, r)", ("W",), lambda o, X, W: o.sum((X - W @ o.T(W) @ X) ** 2),
   {"X": (N, B), "W": (N, 2)})
_L("softmax cross-entropy by the logits", "-sum(Y .* log(softmax(Z)))",
   r"-\operatorname{sum}(Y \odot \log\operatorname{softmax}(Z))", "Z: matrix(b, k)", ("Z",),
   lambda o, Z, Y: -o.sum(Y * o.log(o.softmax(Z))), {"Z": (B, K), "Y": (B, K)},
   positive=("Y",))
_L("residual block", "norm2(x + W_2 tanh(W_1 x) - y)^2",
   r"\|x + W_2 \tanh(W_1 x) - y\|^2", "W_1: matrix(h, n); W_2: matrix(n, h)", ("W_1", "W_2", "x"),
   lambda o, x, W_1, W_2, y: o.sum((x + W_2 @ o.tanh(W_1 @ x) - y) ** 2),
   {"x": (N,), "W_1": (K, N), "W_2": (N, K), "y": (N,)})
_L("graphical lasso, smooth part", "tr(S A) - log|S|", r"\operatorname{tr}(S A) - \log|S|",
   "S: symmetric(n)", ("S",), lambda o, S, A: o.trace(S @ A) - o.logdet(S),
   {"S": (N, N), "A": (N, N)}, symmetric=("S", "A"))
_L("mean of a sigmoid layer", "mean(sigmoid(W X))", r"\operatorname{mean}(\sigma(W X))",
   "W: matrix(k, n)", ("W", "X"), lambda o, W, X: o.mean(o.sigmoid(W @ X)),
   {"W": (K, N), "X": (N, B)})
_L("logits regularised by a norm", "logsumexp(W x) + 0.1 * norm2(W x)",
   r"\operatorname{logsumexp}(W x) + 0.1 \|W x\|", "W: matrix(k, n)", ("W", "x"),
   lambda o, W, x: o.logsumexp(W @ x) + 0.1 * o.norm(W @ x), {"W": (K, N), "x": (N,)})
# fmt: on
