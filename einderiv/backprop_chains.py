"""A backpropagated gradient that is a sum of chains of matrix names (``backprop``): the products
its terms share named before it is simplified, and each chain grouped at its adjoint after.

Input: ``calculus.reverse.Adjoints`` (its equal terms merged) and the variables (``VarInfo``).
Output: ``shared_products``: the adjoints with each product of matrix variables that two or more
nodes of the result use (``A1 X ... Ak``, the prefix the rotations of ``tr(A1 X ... An X)``
share) defined by a placeholder of its own (``%p1``, ...), with its names, or None when no such
product is shared; ``split_at_adjoints``: a re-contracted sum of chains of names written
``before (adjoint) after``, each part a left-to-right chain.
Invariants:
- a product named is a chain of matrix variables (two indices each, no number, no placeholder)
  from one free index to the other; its placeholder is over those, the end its first factor
  holds first, so the value of every term is unchanged;
- named, a term is simplified and re-contracted in the length of its own factors, not of the
  chain it stands for: the simplifier writes each product flat, and the n terms of
  ``tr(A1 X ... An X)``'s gradient were n flat chains of 2n - 1 factors (quadratic work before
  naming); written in, a product's form is the left-to-right chain of its factors, which is
  what the flat term's part was: ``split_at_adjoints`` returns None (the caller writes the
  gradient without these names) unless each product named is, in every part and every
  product's form, its first factor and not transposed, so the form written in is the same
  matrix-IR graph as the flat one, shared (and the factor after it is not its last: flat,
  ``X X`` is ``X^2``).
"""

from __future__ import annotations

from functools import reduce
from itertools import pairwise

from einderiv.calculus.reverse import Adjoints, Definition
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.transpose_count import transposes
from einderiv.notation.transposing import transpose

PRODUCT = "%p"  # the prefix of a shared product's placeholder: %p1, %p2, ...
_MATRICES = ("matrix", "symmetric")  # (a vector or scalar: v' w is a number, not spliced)


def shared_products(adjoints: Adjoints, variables: dict) -> tuple[Adjoints, frozenset] | None:
    """``adjoints`` with each chain of matrix variables that two or more nodes of its result
    use (a product, by identity) defined by a placeholder, and the placeholders' names; None
    when there is none. One walk of the result's graph (in a loop: a chain is nested deep)."""
    order, parents = _walk(adjoints.result)
    plain: dict[int, bool] = {}
    first: dict[int, T.Term] = {}  # a node -> its first factor that is no product
    chosen: dict[int, T.Index] = {}  # a product named -> the end its placeholder starts at
    for t in order:  # children first
        plain[id(t)] = ok = _plain(t, variables, plain)
        first[id(t)] = first[id(t.factors[0])] if type(t) is T.Prod and t.factors else t
        if ok and type(t) is T.Prod and parents.get(id(t), 0) > 1:
            chosen[id(t)] = _start(t, first[id(t)])
    if not chosen:
        return None
    made: dict[int, T.Term] = {}
    definitions = []
    for t in order:
        new = T.with_children(t, [made[id(c)] for c in T.children(t)])
        start = chosen.get(id(t))
        if start is not None:
            (end,) = T.free(t) - {start}
            placeholder = T.Var(f"{PRODUCT}{len(definitions) + 1}", (start, end))
            definitions.append(Definition(placeholder, new))
            new = placeholder
        made[id(t)] = new
    names = frozenset(d.placeholder.name for d in definitions)
    result = made[id(adjoints.result)]
    return Adjoints((*definitions, *adjoints.definitions), result), names


def _walk(top: T.Term) -> tuple[list, dict[int, int]]:
    """The nodes of ``top`` (a graph), children before parents, and how many parents each has
    (a parent holding it twice counts twice)."""
    order: list = []
    parents: dict[int, int] = {}
    opened: set[int] = set()
    stack = [(top, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)  # (its children all done: one still open would be above it)
            continue
        if id(t) in opened:
            continue
        opened.add(id(t))
        stack.append((t, True))
        for c in T.children(t):
            parents[id(c)] = parents.get(id(c), 0) + 1
            if id(c) not in opened:
                stack.append((c, False))
    return order, parents


def _plain(t: T.Term, variables: dict, plain: dict) -> bool:
    """Whether ``t`` is a matrix variable (two distinct indices) or a product of such and of
    plain products, one chain from one free index to the other (``plain``: its factors')."""
    kind = type(t)
    if kind is T.Var:
        info = variables.get(t.name)
        ok = info is not None and info.kind == "matrix"
        return ok and len(t.indices) == 2 and t.indices[0] != t.indices[1]
    if kind is not T.Prod or not all(plain.get(id(f), False) for f in t.factors):
        return False
    summed = set(t.summed)
    held: dict[T.Index, list[int]] = {}
    for k, f in enumerate(t.factors):
        for i in T.free(f):
            held.setdefault(i, []).append(k)
    ends = [i for i, where in held.items() if i not in summed]
    if len(ends) != 2 or len(held) != len(summed) + 2:
        return False
    if any(len(where) != (2 if i in summed else 1) for i, where in held.items()):
        return False
    at, position, walked = ends[0], held[ends[0]][0], 1  # one path through every factor
    while True:
        (other,) = T.free(t.factors[position]) - {at}
        if other == ends[1]:
            return walked == len(t.factors)
        first, second = held[other]
        position, at, walked = (second if first == position else first), other, walked + 1


def _start(t: T.Prod, first: T.Var) -> T.Index:
    """The free index of ``t`` its first factor (``first``, read left to right, into nested
    products) holds: the row of the chain ``A1 X A2`` its nesting writes."""
    ends = T.free(t)
    for i in first.indices:
        if i in ends:
            return i
    return min(ends, key=lambda i: i.name)  # (the first factor inside: any end is right)


def split_at_adjoints(
    made: M.MExpr, written: dict, known: dict, products: frozenset = frozenset()
) -> M.MExpr | None:
    """``made`` (a sum of chains, the adjoints by name) with each chain grouped as ``before
    (adjoint) after``, each part its own left-to-right chain, when every term is a chain of
    matrix names and transposed ones (``known``: no vector, no scalar, so any bracketing is the
    same product) holding at most one adjoint and every adjoint's form is such a chain; None
    otherwise (the form is written as before). ``products``: the names of shared products
    (``shared_products``), not adjoints; None unless each is the first factor of its part and
    of each form, untransposed, and each form and term without an adjoint a left-to-right chain.
    Why: ``tr(A1 X ... An X)`` by X is the sum of the n rotations ``S_k P_k`` (S_k the adjoint
    above the k-th X, ``A(k+1) X ... An X``; P_k the prefix ``A1 X ... Ak``). The simplifier
    flattens each term into one product, so each rotation was written as one chain of 2n - 1
    factors sharing no subterm with the others: named text quadratic in n (23,643 characters at
    n = 64). Grouped, each P_k holds P_(k-1) (left to right) and each S_k, written in as its
    adjoint's form turned right-nested (``turned_shared``), holds S_(k+1): ``notation.cse``
    names them, one short definition each."""
    terms: list[M.MExpr] = []
    stack = [made]
    while stack:
        e = stack.pop()
        if type(e) is M.Add:
            stack += [e.right, e.left]
        else:
            terms.append(e)
    if len(terms) < 2:
        return None
    for form in written.values():
        factors = _names_chain(form, known)
        if factors is None or (products and not _leads(factors, form, products, written)):
            return None
    chains = [_names_chain(term, known) for term in terms]
    if None in chains or (products and not _as_flat(chains, written, products)):
        return None
    out = None
    for term, factors in zip(terms, chains):
        at = [k for k, f in enumerate(factors) if _adjoint(f, written, products)]
        if len(at) > 1:
            return None
        if at:
            k = at[0]
            parts = [p for p in (factors[:k], factors[k : k + 1], factors[k + 1 :]) if p]
            if products and not all(_leads(p, None, products, written) for p in parts):
                return None
            term = reduce(M.MatMul, [reduce(M.MatMul, part) for part in parts])
        elif products and not _leads(factors, term, products, written):
            return None
        out = term if out is None else M.Add(out, term)
    return out


def _leads(factors: list, form: M.MExpr | None, products: frozenset, written: dict) -> bool:
    """Whether each shared product among ``factors`` is the first, untransposed, the factor
    after it is not its last (flat, ``X X`` is ``X^2``: written in, it would be ``X X``), and
    ``form`` (None: no form to check) is their left-to-right chain, when one is among them."""
    found = False
    for k, f in enumerate(factors):
        name = f.operand if type(f) is M.Transpose else f
        if type(name) is M.Name and name.name in products:
            if k or f is not name or (len(factors) > 1 and factors[1] == _last(f, written)):
                return False
            found = True
    return not found or form is None or form == reduce(M.MatMul, factors)


def _last(e: M.MExpr, written: dict, side: int = -1) -> M.MExpr:
    """The last (``side`` 0: first) factor of the chain that ``e``, a shared product's name,
    stands for (its form's, the products in it written in)."""
    seen = set()
    while type(e) is M.Name and e.name in written and e.name not in seen:
        seen.add(e.name)
        e = M.chain(written[e.name])[side]
    return e


def _as_flat(chains: list, written: dict, products: frozenset) -> bool:
    """Whether the sum of ``chains`` (its terms' factors, in the order re-contraction wrote
    them) is the sum the same terms written flat, their shared products written in, are
    re-contracted into (``notation.algebra``): no two terms have the same first or last factor
    (flat, it would be factored out: ``X' A + X' B`` is ``X' (A + B)``), and sorted by their
    transposes (``join_sum``, stable) they come in the same order: the count of each, written
    in, orders them as the count of each with its products' transposes left out."""
    hidden: dict[str, int] = {}  # a product -> the transposes it is written with

    def inside(name: str) -> int:
        if name not in hidden:
            hidden[name] = 0  # (a product's form holds only earlier ones: no cycle)
            hidden[name] = sum(map(seen, M.chain(written[name])))
        return hidden[name]

    def seen(f: M.MExpr) -> int:
        return inside(f.name) if type(f) is M.Name and f.name in products else transposes(f)

    firsts, lasts, keys = set(), set(), []
    for factors in chains:
        firsts.add(_last(factors[0], written, 0))
        lasts.add(_last(factors[-1], written))
        shown = [0 if type(f) is M.Name and f.name in products else transposes(f) for f in factors]
        keys.append((sum(shown), sum(map(seen, factors))))
    if len(firsts) < len(chains) or len(lasts) < len(chains):
        return False
    return all((a < c, a == c) == (b < d, b == d) for (a, b), (c, d) in pairwise(keys))


def _adjoint(e: M.MExpr, written: dict, products: frozenset) -> bool:
    if type(e) is M.Transpose:
        e = e.operand
    return type(e) is M.Name and e.name in written and e.name not in products


def _names_chain(e: M.MExpr, known: dict) -> list[M.MExpr] | None:
    """The factors of ``e``, a product of matrix names and transposed ones (``known``: name ->
    its ``VarInfo``), left to right; None for anything else."""
    factors = M.chain(e)
    for f in factors:
        name = f.operand if type(f) is M.Transpose else f
        info = known.get(name.name) if type(name) is M.Name else None
        if info is None or info.kind not in _MATRICES:
            return None
    return factors


def turned_shared(e: M.MExpr, symmetric, vectors, memo: dict, scalars) -> M.MExpr:
    """The transpose of ``e``, a product of names and transposed names, with each product
    turned whole (``(L R)' = R' L'``, right-nested where ``e`` is left-nested), so that the
    transpose of a chain holds the transpose of its left part (one memo; a left-nested chain
    walked down its left operands, no recursion)."""
    spine = []
    while type(e) is M.MatMul and e not in memo:
        spine.append(e)
        e = e.left
    found = memo.get(e)
    if found is None:
        found = memo[e] = transpose(e, symmetric, vectors, scalars=scalars)
    for node in reversed(spine):  # (L R)' = R' L', L' the one just made
        right = turned_shared(node.right, symmetric, vectors, memo, scalars)
        found = memo[node] = M.MatMul(right, found)
    return found
