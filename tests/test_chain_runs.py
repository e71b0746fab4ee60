"""Blocks of more than 16 factors repeated in a chain printed as powers (issue 13 item 4,
``notation.chain_runs``): ``(A1 X A2 X ... A20 X)^3``, found in linear time by hashing the
chain's factor codes, each block written as a power checked factor by factor.

Each chain is parsed, printed, read back and evaluated against the numpy product written here.
"""

from functools import reduce

import numpy as np

import einderiv as ed
from einderiv.notation import chain_powers, chain_runs
from tests.fd import jacobian_fd, to_layout

NAMES = [f"A{k}" for k in range(1, 41)]
WHERE = "; ".join(f"{a}: matrix(n, n)" for a in NAMES) + "; X: matrix(n, n); P: matrix(m, n)"
rng = np.random.default_rng(3504)
N = 3
VALUES = {a: rng.normal(size=(N, N)) * 0.4 + np.eye(N) * 0.6 for a in NAMES + ["X"]}
VALUES["P"] = rng.normal(size=(2, N))


def value(names: list[str]) -> np.ndarray:
    return reduce(np.matmul, [VALUES[a] for a in names])


def reads_back(text: str, expected: np.ndarray) -> str:
    printed = str(ed.parse(text, where=WHERE))
    for form in (printed, ed.parse(text, where=WHERE).latex()):
        back = ed.parse(form, where=WHERE)
        np.testing.assert_allclose(back(**VALUES), expected, rtol=1e-8, atol=1e-10)
    return printed


def test_a_block_of_forty_factors_three_times():
    # (A1 X ... A20 X)^3 A1: the block's 40 factors are more than the 16 looked at by period
    block = [f for k in range(1, 21) for f in (f"A{k}", "X")]
    chain = ["A40"] + block * 3 + ["A1"]
    printed = reads_back(" ".join(chain), value(chain))
    assert printed == "A40 (" + " ".join(block) + ")^3 A1"


def test_random_long_blocks_read_back():
    # blocks of 17..40 factors (some written twice in the block), repeated 2..3 times with
    # factors before and after: every text reads back to the numpy product
    r = np.random.default_rng(3505)
    powers = 0
    for _ in range(60):
        q = int(r.integers(17, 41))
        block = list(r.choice(NAMES[:30] + ["X"] * 10, size=q))
        chain = list(r.choice(NAMES, size=r.integers(0, 3)))
        chain += block * int(r.integers(2, 4)) + list(r.choice(NAMES, size=r.integers(0, 3)))
        printed = reads_back(" ".join(chain), value(chain))
        powers += ")^" in printed
    assert powers > 30  # most are written as powers


def test_a_hash_that_guesses_wrong_is_checked(monkeypatch):
    # a run the hash reports that is not one (two different blocks of one hash): the block is
    # compared factor by factor and not written as a power
    chain = NAMES[:17] + NAMES[:16] + ["A40"]
    monkeypatch.setattr(chain_powers, "long_runs", lambda code, shortest, budget: {0: [(17, 2)]})
    printed = reads_back(" ".join(chain), value(chain))
    assert "^" not in printed


def test_long_runs_linear_work():
    # a chain of 1,200 factors with a period of 40 is one run, found once (not once per factor
    # of its block); one of 1,200 without any square has none; 2,400 factors print as a power
    # (the time: benchmarks/bench_derive.py, family "tr((A1 X..A20 X)^N)")
    periodic = [NAMES[k % 40] for k in range(1200)]
    code = [int(a[1:]) for a in periodic]
    runs = chain_runs.long_runs(code, 17, 4 * len(code))
    assert runs == {0: [(40, 30)]}
    bits = [k.bit_count() % 2 for k in range(1201)]
    free = [bits[k + 1] - bits[k] + 1 for k in range(1200)]  # ternary Thue-Morse: square-free
    assert chain_runs.long_runs(free, 17, 4800) == {}
    f = ed.parse(" ".join(periodic + periodic), where=WHERE)
    assert str(f) == "(" + " ".join(NAMES) + ")^60"


def test_gradient_of_a_long_power_reads_back_to_central_differences():
    # d tr((A1 X ... A9 X)^3) / dX: each of its terms a rotation of a chain of 53 factors,
    # a block of 18 written twice in it: 3 ((A2 X ... A1 X)^2 A2 X ... A1 + ...)
    names = [f for k in range(1, 10) for f in (f"A{k}", "X")]
    text = "tr(" + " ".join(names * 3) + ")"
    g = ed.diff(text, "X", where=WHERE)
    assert str(g).count(")^2") == 9
    small = {a: VALUES[a] for a in NAMES[:9]}

    def f(X):
        v = {**small, "X": X}
        return np.trace(reduce(np.matmul, [v[a] for a in names * 3]))

    expected = to_layout(jacobian_fd(f, {"X": VALUES["X"]}, "X"), 0, 2, "numerator")
    back = ed.parse(str(g), where=WHERE)
    np.testing.assert_allclose(back(**small, X=VALUES["X"]), expected, rtol=1e-6, atol=1e-8)
