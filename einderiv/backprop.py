"""A gradient kept as shared adjoints, in matrix form: what ``show(cse=True)`` names.

Input: ``calculus.reverse.Adjoints`` of a scalar's derivative (placeholder definitions and a
result), the variables and the result's matrix slots (row and column indices).
Output: ``matrix_form``: the derivative as one matrix-IR graph in which each placeholder's
matrix form is written where it is used (one object, shared: a graph linear in the term, whose
text is the chain rule written out); ``notation.cse`` then names what repeats. None when a
definition or the result has no matrix form (the caller re-contracts the whole derivative).
Invariants:
- the definitions and the result are simplified by one driver and re-contracted by one
  ``recontract`` memo within one memo scope, so what they share is done once: the cost is linear
  in the size of the term, where the chain rule written out (``differentiate``) is quadratic;
- what a definition says is used where its name is: a body that is 0 is written as 0, and a
  sum of a placeholder over an index its body sums to 0 over (a deviation from the mean) is 0
  (``_centred``), so a named form simplifies as its text written out would;
- a placeholder is a variable to both stages (a vector, a matrix or a scalar over its
  indices, in their order), so the graph has exactly the derivative's value;
- when every term is a chain of matrix names with at most one adjoint in it, each chain is
  grouped at its adjoint (``before (adjoint) after``) and a transposed adjoint written in
  right-nested, so the parts that rotations of one chain share are shared subterms
  (``backprop_chains.split_at_adjoints``): only the bracketing changes, never the product;
- a product of matrix variables that terms share (``A1 X ... Ak``) is named before simplifying
  (``backprop_chains.shared_products``), so no term is written as one flat chain of the
  products it holds, and the form is kept only when it is the graph the flat terms give.
"""

from __future__ import annotations

from einderiv.backprop_chains import shared_products, split_at_adjoints, turned_shared
from einderiv.backprop_merge import merged
from einderiv.calculus.reverse import Adjoints
from einderiv.calculus.rewriting import zero_like
from einderiv.calculus.simplify import simplifier, simplify_together
from einderiv.frontend.shapes import VarInfo
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import scope
from einderiv.notation.chain_powers import powered
from einderiv.notation.cse_names import map_subterms
from einderiv.notation.recontract import recontract
from einderiv.notation.transposing import own_transposes, transpose

_KINDS = {0: "scalar", 1: "vector", 2: "matrix"}  # a placeholder's kind by its index count


def matrix_form(adjoints: Adjoints, variables: dict, slots: tuple) -> M.MExpr | None:
    """The derivative ``adjoints`` stands for, as matrix IR with rows on ``slots[0]`` and
    columns on ``slots[1]``; None when a part has no matrix form."""
    adjoints = merged(adjoints, slots)  # equal terms summed: n splits of one chain are n F
    named = shared_products(adjoints, variables)  # A1 X .. Ak shared by rotations: one name
    if named is not None:
        made = _matrix_form(*named, variables, slots)
        if made is not _UNSHARED and made is not None:
            return made
    return _matrix_form(adjoints, frozenset(), variables, slots)


_UNSHARED = M.Name("%unshared")  # (shared products not written as their flat chains would be)


def _matrix_form(
    adjoints: Adjoints, products: frozenset, variables: dict, slots: tuple
) -> M.MExpr | None:
    """``matrix_form`` of ``adjoints`` whose placeholders ``products`` (``backprop_chains``)
    stand for shared chains of variables: ``_UNSHARED`` unless those are written in as the flat
    terms' chains would be (then the caller writes it without them)."""
    placeholders = [d.placeholder for d in adjoints.definitions]
    known = dict(variables)
    for p in placeholders:
        known[p.name] = VarInfo(p.name, _KINDS[len(p.indices)], tuple(i.dim for i in p.indices))
    with scope():  # one scope: the memo tables (transposes, views) serve every part
        terms = simplify_together([d.term for d in adjoints.definitions] + [adjoints.result])
        placeholders, terms = _put_back(*_centred(placeholders, terms))
        *bodies, result = terms
        memo: dict = {}
        written: dict[str, M.MExpr] = {}
        for p, body in zip(placeholders, bodies):
            row, col = (tuple(p.indices) + (None, None))[:2]
            made = _recontract(body, row, col, known, memo)
            if made is None:
                return None
            written[p.name] = made
        made = _recontract(result, *slots, known, memo)
    if made is None:
        return None
    done: dict = {}
    turned: dict = {}  # node -> its transpose pushed inward (one memo: each node turned once)
    split = split_at_adjoints(made, written, known, products)
    if split is not None:  # chains of names: each adjoint and each rest of a chain shared
        made, turn = split, turned_shared
    elif products:
        return _UNSHARED
    else:
        turn = transpose
    kinds = {name: info.kind for name, info in variables.items()}
    symmetric = own_transposes(variables)
    vectors = frozenset(k for k, kind in kinds.items() if kind == "vector")
    scalars = frozenset(k for k, kind in kinds.items() if kind in ("scalar", "integer"))

    def written_in(e: M.MExpr) -> M.MExpr | None:  # a placeholder: its form, itself written in
        if type(e) is M.Name and e.name in written:
            return map_subterms(written[e.name], written_in, done)
        if type(e) is M.Transpose and type(e.operand) is M.Name and e.operand.name in written:
            # t' of t = C' X' B' is B X C, not (C' X' B')' (named, t1'' when t1 = (X' A')')
            form = map_subterms(e.operand, written_in, done)
            return turn(form, symmetric, vectors, memo=turned, scalars=scalars)
        return None

    return powered(map_subterms(made, written_in, done), known)  # n (A X)^(n-1) A


def node_count(adjoints: Adjoints, bound: int) -> int:
    """The distinct nodes of ``adjoints``' definitions and result (a graph), counted up to
    ``bound``: a walk of at most ``bound`` nodes, whatever the size of the graph."""
    seen: set[int] = set()
    stack = [d.term for d in adjoints.definitions] + [adjoints.result]
    while stack and len(seen) < bound:
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            stack.extend(T.children(t))
    return len(seen)


def tree_size(adjoints: Adjoints, bound: int) -> int:
    """The nodes of the tree ``adjoints``' result stands for, each placeholder written as its
    body (the chain rule written out: what deriving the forward form walks), counted up to
    ``bound`` (past it: ``bound + 1``); each node of the graph sized once, in a loop."""
    bodies = {d.placeholder.name: d.term for d in adjoints.definitions}
    sizes: dict[int, int] = {}
    stack = [(adjoints.result, False)]
    while stack:
        t, ready = stack.pop()
        if id(t) in sizes:
            continue
        placeholder = type(t) is T.Var and t.name in bodies
        kids = (bodies[t.name],) if placeholder else T.children(t)
        if ready:  # (its children sized: pushed after it, or sized before)
            total = (0 if placeholder else 1) + sum(sizes[id(c)] for c in kids)
            sizes[id(t)] = min(total, bound + 1)
        else:
            stack.append((t, True))
            stack.extend((c, False) for c in kids if id(c) not in sizes)
    return sizes[id(adjoints.result)]


def _put_back(placeholders: list, terms: list[T.Term]) -> tuple[list, list[T.Term]]:
    """The placeholders kept, and ``terms`` (their simplified bodies, then the result) with
    each placeholder used once, or whose body is a number (``_spread``: over its indices),
    written as its body, simplified
    again: a name used once names nothing, and apart from its use its factors cannot merge
    (the adjoint of u' u under ``norm2(u)^2`` is 2 (u'u)^0.5 * 0.5 (u'u)^-0.5, which is 1:
    named, ``t3 = 1 (x - mean(x))``; under ``exp(-norm2(u)^2 / 2)``, ``2 (-(0.5 exp(..)))``).
    Moving a body used once copies nothing, a number over indices only that number: the terms
    stay linear in the chain."""
    *bodies, result = terms
    uses = _uses(terms, {p.name for p in placeholders})
    putting = {
        p.name
        for p, body in zip(placeholders, bodies)
        if uses.get(p.name, 0) == 1 or (type(body) is T.Num and not p.indices)
    }
    if not putting and not any(map(_spread, bodies)):
        return placeholders, terms
    put_in: dict[str, tuple] = {}  # a placeholder -> (its indices, its body, written in)
    memo: dict[int, T.Term] = {}

    def put(t: T.Term) -> T.Term:
        found = memo.get(id(t))
        if found is None:
            if type(t) is T.Var and t.name in put_in:
                indices, body = put_in[t.name]
                body = _fresh_binders(body, {})  # its sums never the use's: no index captured
                found = T.rename(body, dict(zip(indices, t.indices))) if indices else body
            else:
                found = T.with_children(t, [put(c) for c in T.children(t)])
            memo[id(t)] = found
        return found

    kept, made = [], []
    for p, body in zip(placeholders, bodies):
        body = put(body)
        if p.name in putting or _spread(body):
            put_in[p.name] = (p.indices, body)
        else:
            kept.append(p)
            made.append(body)
    return kept, simplify_together([*made, put(result)])


def _fresh_binders(t: T.Term, memo: dict) -> T.Term:
    """``t`` with every index a product of it sums renamed to a fresh one (``%a[i]`` put back
    where the product around it sums an index the body sums inside a function's argument:
    ``X[f,q] sigmoid(W[f,g] ...)`` summed over f twice, one index for two sums)."""
    found = memo.get(id(t))
    if found is None:
        found = T.with_children(t, [_fresh_binders(c, memo) for c in T.children(t)])
        if type(found) is T.Prod and found.summed:
            fresh = {i: T.fresh(i.dim) for i in found.summed}
            factors = tuple(T.rename(f, fresh) for f in found.factors)
            found = T.Prod(factors, tuple(fresh[i] for i in found.summed))
        memo[id(t)] = found
    return found


def _centred(placeholders: list, terms: list[T.Term]) -> tuple[list, list[T.Term]]:
    """The placeholders and ``terms`` (their simplified bodies, then the result) with what the
    definitions say used: a placeholder whose body is 0 is written as 0 (and dropped), and a
    sum over an index of a placeholder whose body sums to 0 over that index (``t1 = x -
    mean(x)``, ``t2 = 3 t1``: deviations from the mean) is 0, so ``t1' - mean(t1)`` is
    ``t1'``. Named, the bodies are apart from their uses, where the simplifier saw such sums
    (``sum(x - mean(x))`` is 0). Each body is walked once, in order (a body uses only earlier
    placeholders), with one memo and one simplifier: linear in the chain."""
    run = simplifier()
    zero: set[str] = set()  # the placeholders whose body is 0
    centred: dict[str, frozenset[int]] = {}  # placeholder -> where its sum is 0 (positions)
    memo: dict[T.Term, T.Term] = {}
    kept, made = [], []
    for p, body in zip([*placeholders, None], terms):
        if zero or centred:
            dropped = _drop(body, zero, centred, memo)
            body = body if dropped is body else run(dropped)
        made.append(body)
        if p is None:
            break
        if isinstance(body, T.Zero):
            zero.add(p.name)
            made.pop()
            continue
        kept.append(p)
        positions = frozenset(
            k
            for k, i in enumerate(p.indices)
            if p.indices.count(i) == 1
            and _may_sum_to_zero(body, i, centred)
            and isinstance(_summed(run(T.Prod((body,), (i,))), zero, centred, memo, run), T.Zero)
        )
        if positions:
            centred[p.name] = positions
    return kept, made


def _may_sum_to_zero(t: T.Term, i: T.Index, centred: dict) -> bool:
    """Whether the simplifier may find ``sum_i t`` is 0: ``t`` is a sum (of deviations), a
    placeholder of ``centred`` over ``i``, or a product with one factor only holding ``i``
    (ones aside), one of these (an RNN's ``W[j,i] a[j] (1 - h[i]^2)`` is not: not tried)."""
    kind = type(t)
    if kind is T.Add:
        return True
    if kind is T.Var:
        return t.name in centred and t.indices.index(i) in centred[t.name]
    if kind is not T.Prod:
        return False
    holders = _holders(t, i)
    return len(holders) == 1 and _may_sum_to_zero(holders[0], i, centred)


def _holders(t: T.Prod, i: T.Index) -> list[T.Term]:
    """The factors of ``t`` that hold the index ``i``, ``ones`` aside."""
    return [f for f in t.factors if type(f) is not T.Ones and i in T.free(f)]


def _summed(total: T.Term, zero: set, centred: dict, memo: dict, run) -> T.Term:
    """``total`` (a body summed over an index, simplified) with the known sums dropped."""
    if isinstance(total, T.Zero) or not (zero or centred):
        return total
    dropped = _drop(total, zero, centred, memo)
    return total if dropped is total else run(dropped)


def _drop(t: T.Term, zero: set, centred: dict, memo: dict) -> T.Term:
    """``t`` with each placeholder of ``zero`` written as 0, and each product summing a
    placeholder of ``centred`` over an index where its sum is 0 written as 0."""
    # sum_a p[a] c[b] = c[b] sum_a p[a] = 0 (p the only factor holding a, ones aside)
    found = memo.get(t)
    if found is None:
        kind = type(t)
        if kind is T.Var:
            found = zero_like(t) if t.name in zero else t
        else:
            kids = T.children(t)
            new = tuple(_drop(c, zero, centred, memo) for c in kids)
            found = t if new == kids else T.with_children(t, list(new))
            if type(found) is T.Prod and found.summed and _sums_to_zero(found, centred):
                found = zero_like(found)
        memo[t] = found
    return found


def _sums_to_zero(t: T.Prod, centred: dict) -> bool:
    """Whether an index summed by ``t`` is held (ones aside) by one factor only, a placeholder
    of ``centred`` whose sum over that index (its only use in it) is 0."""
    for a in t.summed:
        holders = _holders(t, a)
        if len(holders) != 1 or type(holders[0]) is not T.Var:
            continue
        p = holders[0]
        if p.name in centred and p.indices.count(a) == 1 and p.indices.index(a) in centred[p.name]:
            return True
    return False


def _spread(body: T.Term) -> bool:
    """Whether ``body`` is one number over each of its indices, ``c 1[i]`` (the adjoint of
    ``sum(x)``): written in, its sums fold (``t - mean(t)`` is 0), and it copies only ``c``."""
    over = T.free(body)
    return type(body) is T.Prod and bool(over) and _only_ones(body, over)


def _only_ones(t: T.Prod, over: frozenset) -> bool:
    """Whether every factor of ``t`` (of its inner products too) holding an index of ``over``
    is ``ones`` over it."""
    for f in t.factors:
        kind = type(f)
        if kind is not T.Ones and T.free(f) & over and not (kind is T.Prod and _only_ones(f, over)):
            return False
    return True


def _uses(terms: list[T.Term], names: set) -> dict[str, int]:
    """How many times each placeholder of ``names`` occurs in ``terms`` written as trees (a
    subterm shared by two parents counted twice), computed over the graph."""
    memo: dict[int, dict] = {}

    def count(t: T.Term) -> dict:
        found = memo.get(id(t))
        if found is None:
            found = {t.name: 1} if type(t) is T.Var and t.name in names else {}
            for c in T.children(t):
                for name, n in count(c).items():
                    found[name] = found.get(name, 0) + n
            memo[id(t)] = found
        return found

    total: dict[str, int] = {}
    for t in terms:
        for name, n in count(t).items():
            total[name] = total.get(name, 0) + n
    return total


def _recontract(term: T.Term, row, col, variables: dict, memo: dict) -> M.MExpr | None:
    if isinstance(term, T.Zero):
        return None  # (a zero part: the whole derivative is re-contracted instead)
    return recontract(term, row, col, variables, memo=memo)
