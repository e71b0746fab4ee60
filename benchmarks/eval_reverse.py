"""Issue 15 rows of ``bench_eval.py --reverse``: reverse-mode order, joint gradients, symmetry.

Each row times einderiv against references in the same process (medians of interleaved
repeats, ``bench_eval.measure``) and prints ratios; "before" is einderiv with the issue's
change undone in the same process:
- chain: the gradient of tr(A1 X A2 X ... A64 X) by X at n = 100 -- einderiv (prefix/suffix
  products shared, ``backend/chains.py``), einderiv before (``share_chains`` off: each term
  planned alone), a hand-written O(N) numpy gradient, ``jax.jit(jax.grad)``.
- mlp: value and both weight gradients of sum((W2 tanh(W1 x) - y).^2) at n = 1000 --
  ``ed.value_and_grad`` against hand-written numpy backprop; before: three compiled functions.
- symmetric: the gradient of tr(S A S B) by a symmetric(n) S at n = 300, against the same
  gradient by a plain matrix; before: the careful path (``fn.compiled.call``).
"""

from __future__ import annotations

import numpy as np

import einderiv as ed
from einderiv.backend import plan

CHAIN_N, CHAIN_FACTORS, MLP_N, SYM_N = 100, 64, 1000, 300


def chain_grad_numpy(X, As):
    """d/dX tr(A1 X ... AN X) = sum_k (Post_k Pre_k)' with Pre_k = A1 X ... A_k and
    Post_k = A_{k+1} X ... AN X: O(N) matrix products."""
    n_factors = len(As)
    pre = [As[0]]
    for k in range(1, n_factors):
        pre.append(pre[-1] @ X @ As[k])
    post = [None] * n_factors
    post[-1] = None  # identity
    acc = X
    for k in range(n_factors - 2, -1, -1):
        post[k] = As[k + 1] @ acc
        acc = X @ post[k]
    grad = pre[-1].T.copy()
    for k in range(n_factors - 1):
        grad += (post[k] @ pre[k]).T
    return grad


def mlp_value_and_grad_numpy(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    r = W2 @ h - y
    g2 = 2 * np.outer(r, h)
    g1 = np.outer((W2.T @ (2 * r)) * (1 - h * h), x)
    return np.sum(r * r), {"W1": g1, "W2": g2}


def rows(measure, min_time, repeats, jax_ok=True):
    """(name, einderiv, before, numpy reference, jax) seconds per call, checked values."""
    rng = np.random.default_rng(15)
    out = []
    # --- chain
    n, k = CHAIN_N, CHAIN_FACTORS
    text = "tr(" + " ".join(f"A{j} X" for j in range(1, k + 1)) + ")"
    where = "X: matrix(n, n); " + "; ".join(f"A{j}: matrix(n, n)" for j in range(1, k + 1))
    g = ed.diff(text, "X", where=where, layout="denominator")
    As = [rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(k)]
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    args = {"X": X, **{f"A{j + 1}": a for j, a in enumerate(As)}}
    fn = g.compile()
    share = plan.share_chains
    plan.share_chains = lambda t: t
    try:
        before = g.compile()
    finally:
        plan.share_chains = share
    products = (fn.source(n=n).count(" @ "), before.source(n=n).count(" @ "))
    want = chain_grad_numpy(X, As)
    assert np.allclose(fn(**args), want) and np.allclose(before(**args), want)
    fns = [fn, before, lambda **a: chain_grad_numpy(a["X"], As)]
    kws = [args, args, {"X": X}]
    jitted = _jax_chain(As, X, want) if jax_ok else None
    if jitted is not None:
        fns.append(jitted[0])
        kws.append({"X": jitted[1]})
    times = measure(fns, kws, min_time, repeats)
    if jitted is None:  # jax not installed: the row says so ("-") rather than being short
        times.append(None)
    out.append((f"chain-{k} grad n={n} ({products[0]} vs {products[1]} @)", *times))
    # --- mlp value and both gradients
    n = MLP_N
    W1, W2 = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, n)) / np.sqrt(n)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    loss = "sum((W2 tanh(W1 x) - y).^2)"
    vg = ed.value_and_grad(loss, ["W1", "W2"])
    separate = [ed.parse(loss).compile()] + [
        ed.diff(loss, w, layout="denominator").compile() for w in ("W1", "W2")
    ]

    def three(**a):
        return separate[0](**a), {"W1": separate[1](**a), "W2": separate[2](**a)}

    a = {"W1": W1, "W2": W2, "x": x, "y": y}
    value, grads = vg(**a)
    ref_value, ref = mlp_value_and_grad_numpy(**a)
    assert np.isclose(value, ref_value) and all(np.allclose(grads[w], ref[w]) for w in ref)
    times = measure([vg, three, mlp_value_and_grad_numpy], [a, a, a], min_time, repeats)
    out.append((f"mlp value+2 grads n={n}", *times, None))
    # --- symmetric
    n = SYM_N
    S = rng.standard_normal((n, n))
    S = S + S.T
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    sym = ed.diff("tr(S A S B)", "S", where="S: symmetric(n)", layout="denominator").compile()
    plain = ed.diff("tr(S A S B)", "S", where="S: matrix(n, n)", layout="denominator").compile()
    a = {"S": S, "A": A, "B": B}
    half = plain(**a)
    assert np.allclose(sym(**a), (half + half.T) / 2)

    def careful(**kw):
        return sym.compiled.call(kw)

    times = measure([sym, careful, plain], [a, a, a], min_time, repeats)
    out.append((f"symmetric grad n={n} (ref: plain matrix)", *times, None))
    return out


def _jax_chain(As, X, want):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    with jax.enable_x64(True):
        jAs = [jnp.asarray(a) for a in As]

        def f(X):
            M = jAs[0] @ X
            for a in jAs[1:]:
                M = M @ a @ X
            return jnp.trace(M)

        grad = jax.jit(jax.grad(f))
        jX = jnp.asarray(X)
        assert np.allclose(np.asarray(grad(jX)), want)

    def run(X):
        with jax.enable_x64(True):
            return grad(X).block_until_ready()

    return run, jX


def report(rows_) -> str:
    fmt = "{:<44} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8}"
    lines = [fmt.format("row", "einderiv", "before", "numpy", "jax", "ed/np", "bef/np", "ed/jax")]
    for name, ed_t, before, ref, jax_t in rows_:
        lines.append(
            fmt.format(
                name,
                f"{ed_t * 1e3:.2f} ms",
                f"{before * 1e3:.2f} ms",
                f"{ref * 1e3:.2f} ms",
                "-" if jax_t is None else f"{jax_t * 1e3:.2f} ms",
                f"{ed_t / ref:.2f}",
                f"{before / ref:.2f}",
                "-" if jax_t is None else f"{ed_t / jax_t:.2f}",
            )
        )
    return "\n".join(lines)
