"""Blocks of more than ``MAX_PERIOD`` factors repeated in a chain, found in linear time.

Input: a chain's factors as integer codes (equal factors share one), the shortest period to
look for, and a budget of steps.
Output: ``long_runs``: for a start s, the runs that begin there, as ``(period, copies)``:
the block ``code[s : s + period]`` written ``copies`` >= 2 times in a row; ``repeats``, the
exact check of one; ``codes``, the codes of a chain's factors (None when no block can repeat);
``repeats_at_end``, whether a chain ends with a short block written twice.
Invariants:
- a period q is looked for at i only as the distance to the c-th next factor equal to
  code[i], c <= ``COPIES`` (a factor written c times in the block: its c-th next copy is the
  next block's first), and the block compared with the next by prefix hashes (polynomial,
  modulo the prime 2^61 - 1), so each position costs O(COPIES); a run is walked to its first factor and counted once (positions of it
  met later are skipped), its copies compared by hash;
- a hash's equality is a guess: a block the caller writes as a power is first checked factor by
  factor (``repeats``; the blocks written are disjoint, so that check is linear too);
- linear: the work is at most ``budget`` steps past the O(n) hashing; runs past it are not
  looked for (a chain of n factors has fewer than n runs, but their lengths can add up to more
  than n; the budget is a few n).
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

COPIES = 4  # a block is found when one of its factors is written at most this often in it
_MOD = (1 << 61) - 1
_BASE = 1_000_003


def long_runs(code: list[int], shortest: int, budget: int) -> dict[int, list[tuple[int, int]]]:
    """``{start: [(period, copies), ...]}``: runs of a block of ``shortest`` factors or more
    repeated at least twice (see the module's docstring)."""
    n = len(code)
    nxt, last = [n] * (n + 1), {}
    for i in range(n - 1, -1, -1):
        nxt[i] = last.get(code[i], n)
        last[code[i]] = i
    nexts = [nxt]  # nexts[c - 1][i]: the c-th next copy of code[i] (n: none)
    for _ in range(COPIES - 1):
        nexts.append([nxt[j] for j in nexts[-1]])
    candidates = [
        [q for q in {at[i] - i for at in nexts} if q >= shortest and 2 * q <= n - i]
        for i in range(n)
    ]
    if not any(candidates):
        return {}
    powers, h = [1] * (n + 1), [0] * (n + 1)
    for i, c in enumerate(code):
        powers[i + 1] = powers[i] * _BASE % _MOD
        h[i + 1] = (h[i] * _BASE + c + 1) % _MOD

    def same(i: int, j: int, q: int) -> bool:  # code[i : i + q] == code[j : j + q], by hash
        a = (h[i + q] - h[i] * powers[q]) % _MOD
        return a == (h[j + q] - h[j] * powers[q]) % _MOD

    found: dict[int, list[tuple[int, int]]] = {}
    first: dict[int, int] = {}  # period -> the first factor of the run of it found last
    ends: dict[int, int] = {}  # period -> the end of the run of it found last
    for i in range(n - 1, -1, -1):
        inside = []  # the periods of found runs holding i (a multiple of one: the same run)
        for q in sorted(candidates[i]):
            if any(q % p == 0 and i + 2 * q <= ends[p] for p in inside):
                continue
            if first.get(q, n) <= i:
                inside.append(q)
                continue
            if not same(i, i + q, q):
                continue
            s = i
            while s > 0 and code[s - 1] == code[s - 1 + q] and budget > 0:  # to the run's start
                s, budget = s - 1, budget - 1
            first[q] = s
            copies = 1
            while s + (copies + 1) * q <= n and same(s, s + copies * q, q) and budget > 0:
                copies, budget = copies + 1, budget - 1
            found.setdefault(s, []).append((q, copies))
            ends[q] = s + copies * q
            inside.append(q)
            budget -= q  # (the caller's check that the block is square)
            if budget <= 0:
                return found
    return found


def repeats(code: list[int], s: int, q: int, copies: int) -> bool:
    """Whether ``code[s : s + q]`` is written ``copies`` times in a row from s, factor by
    factor (a hash's guess checked)."""
    block = code[s : s + q]
    return all(code[s + k * q : s + (k + 1) * q] == block for k in range(1, copies))


def codes(factors: list) -> list | None:
    """A number per factor (equal factors one), or None when no block of them can be written
    twice in a row: no factor is written twice, or no two side by side each are (a block
    written twice has its factors twice, and its first two, or its one factor written twice,
    are neighbours)."""
    codes: dict = {}
    code = [codes.setdefault(f, len(codes)) for f in factors]
    if len(codes) == len(code):
        return None  # no factor twice: nothing repeats (the common case)
    twice = Counter(code)
    if not any(twice[a] > 1 and twice[b] > 1 for a, b in pairwise(code)):
        return None  # each written twice (A1 X A2 X ... A9 X: X twice, no neighbour twice)
    return code


def repeats_at_end(factors: tuple, longest: int) -> bool:
    """Whether the last p factors are the p before them, for some p <= ``longest``."""
    n, last = len(factors), factors[-1]
    for p in range(1, min(longest, n // 2) + 1):
        if factors[n - 1 - p] == last and factors[n - p :] == factors[n - 2 * p : n - p]:
            return True
    return False
