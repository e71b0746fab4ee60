"""Reverse-mode order for chains: the leave-one-out sums of the product rule, shared.

Input: an index term (the planner's input).
Output: ``share_chains(term)``, an equal term in which a sum of chain products that are one
cyclic chain with one factor left out each -- what the product rule makes of
``tr(A1 X A2 X ... AN X)`` differentiated by ``X``, ``sum_k A_{k+1} X ... AN X A1 X ... A_k`` --
is rewritten with prefix and suffix products: term k = Suf(p_k + 1) Pre(p_k), where
``Pre(j) = c_0 ... c_{j-1}`` and ``Suf(j) = c_j ... c_{L-1}`` are nested two-factor products.
Invariants:
- The value is unchanged (only the grouping of the matrix products differs), and the result is
  an ordinary index term: the planner shares ``Pre(j)`` and ``Suf(j)`` between terms by its
  structural keys, so N terms of 2N - 1 factors cost O(N) matrix products instead of O(N^2).
- Only a sum of at least three terms is rewritten, and only the terms that are products of
  matrix entries ``V[a,b]`` (and index-free factors) forming one path between the two free
  indices, all read off the same cycle; anything else is left as it was.
- Prefix and suffix link indices are named ``%chain<k>`` by position, so the same prefix built
  for two terms is the same (interned) node.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T

MIN_TERMS = 3  # fewer terms: nothing to share


def share_chains(t: T.Term) -> T.Term:
    if isinstance(t, T.Add) and len(t.terms) >= MIN_TERMS:
        made = _rewrite_sum(t)
        if made is not None:
            return made
    return t


def _path(p: T.Prod, ends):
    """(tokens, others) of a product that is one path of matrix entries from ``ends[0]`` to
    ``ends[1]``: tokens ``(Var, entering index, leaving index)`` in path order; ``others`` the
    index-free factors. None when it is not such a product."""
    links: dict = {}  # index -> the factors (positions) holding it
    mats, others = [], []
    for f in p.factors:
        if isinstance(f, T.Var) and len(f.indices) == 2 and f.indices[0] != f.indices[1]:
            mats.append(f)
        elif not T.free(f):
            others.append(f)
        else:
            return None
    summed = set(p.summed)
    for k, f in enumerate(mats):
        for i in f.indices:
            links.setdefault(i, []).append(k)
    for i, holders in links.items():
        if len(holders) != (1 if i in ends else 2) or (i not in ends and i not in summed):
            return None
    if any(i not in links for i in ends) or len(summed) != len(mats) - 1:
        return None
    tokens, used = [], set()
    index = ends[0]
    while index != ends[1]:
        k = next((k for k in links[index] if k not in used), None)
        if k is None:
            return None
        used.add(k)
        f = mats[k]
        leave = f.indices[1] if f.indices[0] == index else f.indices[0]
        tokens.append((f, index, leave))
        index = leave
    if len(used) != len(mats):
        return None
    return tokens, others


def _key(token):
    f, enter, _ = token
    return (f.name, f.indices[0] == enter, f.indices[0].dim, f.indices[1].dim)


def _rewrite_sum(t: T.Add):
    ends = tuple(sorted(T.free(t), key=lambda i: i.name))
    if len(ends) != 2:
        return None
    paths = []
    for term in t.terms:
        made = _path(term, ends) if isinstance(term, T.Prod) else None
        paths.append(made)
    chains = [k for k, p in enumerate(paths) if p is not None]
    if len(chains) < MIN_TERMS:
        return None
    first = paths[chains[0]][0]
    keys = [_key(tok) for tok in first]
    length = len(keys) + 1
    # the left-out factor: a token (and its orientation) that completes the cycle for all terms
    for hole in {k: tok for k, tok in zip(keys, first)}.items():
        cycle = keys + [hole[0]]
        places = _places(cycle, [[_key(tok) for tok in paths[k][0]] for k in chains])
        if places is not None:
            break
    else:
        return None
    # one representative factor per cycle position (reindexed below)
    reps = list(first) + [hole[1]]
    dims_in = [tok[1].dim for tok in reps]  # the dim entering each position
    link = [T.Index(f"%chain{j}", dims_in[j]) for j in range(length)]  # enters position j

    def factor(j):
        f, enter, _ = reps[j]
        out = link[(j + 1) % length]
        indices = (link[j], out) if f.indices[0] == enter else (out, link[j])
        return T.Var(f.name, indices)

    pre: dict = {}
    suf: dict = {}

    def prefix(j):  # c_0 ... c_{j-1}: from link[0] to link[j]
        if j not in pre:
            pre[j] = factor(0) if j == 1 else T.Prod((prefix(j - 1), factor(j - 1)), (link[j - 1],))
        return pre[j]

    def suffix(j):  # c_j ... c_{L-1}: from link[j] to link[0]
        if j not in suf:
            last = length - 1
            suf[j] = (
                factor(last) if j == last else T.Prod((factor(j), suffix(j + 1)), (link[j + 1],))
            )
        return suf[j]

    for j in range(1, length):  # built iteratively: no deep recursion for long chains
        prefix(j)
    for j in range(length - 1, 0, -1):
        suffix(j)
    new_terms = list(t.terms)
    for k, p in zip(chains, places):
        tokens, others = paths[k]
        start, stop = tokens[0][1], tokens[-1][2]  # the term's free ends
        parts = []
        summed = []
        if p + 1 < length:
            parts.append(suffix(p + 1))
        if p > 0:
            parts.append(prefix(p))
        if len(parts) == 2:
            summed.append(link[0])
        enter, leave = link[(p + 1) % length], link[p]
        parts += [T.Delta(start, enter), T.Delta(leave, stop)]
        summed += [enter, leave]
        new_terms[k] = T.Prod(tuple(others) + tuple(parts), tuple(summed))
    return T.Add(tuple(new_terms))


def _places(cycle, sequences):
    """For each sequence, the position p of the cycle it leaves out (the sequence reads
    cycle[p+1:] + cycle[:p]); None if one of them is not such a reading."""
    length = len(cycle)
    places = []
    for seq in sequences:
        if len(seq) != length - 1:
            return None
        found = None
        for p in range(length):
            if p not in places and cycle[p] == cycle[-1] and seq == cycle[p + 1 :] + cycle[:p]:
                found = p
                break
        if found is None:
            return None
        places.append(found)
    return places
