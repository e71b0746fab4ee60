"""Fresh names for canonical binders: ``unbind``, the step before a canonical term is built on.

Input: an index-IR term, typically canonical (its summed indices named ``%d.n``, its summation
variables ``%rd``). Output: the same term with every such name replaced by a fresh ``_`` name; and, built on it,
``comparable`` and ``subterm_key``: the canonical form and key of any sub-term of a canonical
term (whose free indices may be ``%`` names bound further out).
Invariants:
- Why: a derivative's term is canonical, and differentiating it again splices inner products
  (which sum ``%1.0``) into outer ones next to factors that bind ``%1.0`` themselves. Canonical
  naming is not capture-avoiding against a ``%`` name that is free where it names a binder
  (``A[%0.1,%1.0] x[%1.0]`` became ``A[%1.0,%1.0]``); after ``unbind`` no ``%`` name is bound
  by a product or a symbolic sum, so none can be free anywhere.
- How: one renaming for the whole term, each canonical name to its own fresh name (an index
  by name and size, a summation variable by name). It is a consistent change of names, never
  of which binder an occurrence refers to (shadowing stays shadowing, which the IR allows and
  every rule respects), so the term means the same.
- ``MatPow``/``Det``/``LogDet`` keep their ``%p``, ``%q`` and ``RowFunc`` its ``%s``: they are
  not canonical product names. Linear in the size of ``t`` as a graph: each node is renamed
  once, so shared subterms stay shared.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, key, memo_table

_NAMES = memo_table()  # node -> whether it mentions a canonical binder name


def unbind(t: T.Term) -> T.Term:
    """``t`` with every summed index and summation variable named ``%...`` renamed fresh."""
    return _Unbinder().run(t)


def comparable(t: T.Term) -> T.Term:
    """The canonical form of any term, a sub-term of a canonical term included, for comparing
    and keying only: its free indices named ``%...`` (bound further out) are renamed
    ``#%...``, so the canonical names given to its own binders capture none of them, and its
    binders are unbound first. Two terms get equal forms exactly when they are equal with
    the same free indices."""
    hidden = {i: T.Index(f"#{i.name}", i.dim) for i in T.free(t) if i.name.startswith("%")}
    return canonical(unbind(T.rename(t, hidden) if hidden else t))


def subterm_key(t: T.Term) -> tuple[str, tuple[T.Index, ...]]:
    """The key of ``t`` blind to the names of its free indices, and its free indices in the
    order that key writes them: terms equal up to a renaming of free indices get equal keys
    (``exp(A[i,b] x[b])`` and ``exp(A[j,c] x[c])``), other terms different ones.

    For any term, in particular a sub-term of a canonical term, whose free indices can be
    canonical names (``%0.0``, bound further out) and whose own binders can be too: its free
    indices are first renamed to names no binder has, then its binders unbound, so canonical
    naming captures nothing (``tanh(A[i,b] S[b,%0.0])`` is not ``tanh(A[i,%0.0] S[%0.0,%0.0])``).
    """
    free = sorted(T.free(t), key=lambda i: i.name)
    hidden = {i: T.Index(f"#h{k}", i.dim) for k, i in enumerate(free)}
    original = {h: i for i, h in hidden.items()}
    form = comparable(T.rename(t, hidden))
    text = key(form)
    order = sorted(T.free(form), key=lambda i: text.find(f"\u2039{i.name}\u203a"))
    by_position = {h: T.Index(f"#{k}", h.dim) for k, h in enumerate(order)}
    return key(comparable(T.rename(form, by_position))), tuple(original[h] for h in order)


def _canonical_name(name: str) -> bool:
    """``%0.1`` (a product's summed index) or ``%r0`` (a symbolic sum's variable)."""
    return name[:1] == "%" and (name[1:2].isdigit() or (name[1:2] == "r" and name[2:3].isdigit()))


def _mentions(t: T.Term) -> bool:
    """Whether ``t`` mentions a canonical binder name (free or bound)."""
    found = _NAMES.get(t)
    if found is None:
        own = _OWN_NAMES.get(type(t))
        found = (own is not None and any(map(_canonical_name, own(t)))) or any(
            map(_mentions, T.children(t))
        )
        _NAMES[t] = found
    return found


def _names_of(indices) -> list[str]:
    return [i.name for i in indices]


# the names each node type holds itself (its children's are theirs); a type not here holds none
_OWN_NAMES = {  # a dict by type, not a match: every node of every simplified term is asked
    T.Var: lambda t: _names_of(t.indices),
    T.Zero: lambda t: _names_of(t.indices),
    T.Delta: lambda t: (t.a.name, t.b.name),
    T.Pair: lambda t: (t.c.name, t.i.name, t.j.name),
    T.Ones: lambda t: (t.index.name,),
    T.Affine: lambda t: t.names,
    T.Prod: lambda t: _names_of(t.summed),
    T.MatPow: lambda t: _names_of(t.indices) + list(t.exponent.names),
    T.RowFunc: lambda t: _names_of(t.indices),
    T.SumOver: lambda t: (t.var, *t.count.names),
}


class _Unbinder:
    def __init__(self):
        self.memo: dict = {}
        self.indices: dict = {}  # canonical Index -> its fresh Index
        self.ints: dict = {}  # canonical summation variable -> its fresh name

    def ix(self, i: T.Index) -> T.Index:
        if not _canonical_name(i.name):
            return i
        found = self.indices.get(i)
        if found is None:
            found = self.indices[i] = T.fresh(i.dim)
        return found

    def name(self, n: str) -> str:
        if not _canonical_name(n):
            return n
        found = self.ints.get(n)
        if found is None:
            found = self.ints[n] = T.fresh_int()
        return found

    def affine(self, a: T.Affine) -> T.Affine:
        if not any(map(_canonical_name, a.names)):
            return a
        terms: dict[str, int] = {}
        for n, c in zip(a.names, a.coeffs):
            terms[self.name(n)] = c
        return T.affine(a.const, terms)

    def run(self, t: T.Term) -> T.Term:
        if not _mentions(t):
            return t
        found = self.memo.get(t)
        if found is None:
            found = self.memo[t] = self._run(t)
        return found

    def _run(self, t: T.Term) -> T.Term:
        ix, run = self.ix, self.run
        match t:
            case T.Var(name=name, indices=indices):
                return T.Var(name, tuple(map(ix, indices)))
            case T.Zero(indices=indices):
                return T.Zero(tuple(map(ix, indices)))
            case T.Delta(a=a, b=b):
                return T.Delta(ix(a), ix(b))
            case T.Pair(c=c, i=i, j=j):
                return T.Pair(ix(c), ix(i), ix(j))
            case T.Ones(index=index):
                return T.Ones(ix(index))
            case T.Affine():
                return self.affine(t)
            case T.Add(terms=terms):
                return T.Add(tuple(map(run, terms)))
            case T.Prod(factors=factors, summed=summed):
                return T.Prod(tuple(map(run, factors)), tuple(map(ix, summed)))
            case T.Func(arg=arg):
                return t.replace(arg=run(arg))
            case T.Pow(base=base, exponent=exponent):
                return T.Pow(run(base), run(exponent))
            case T.MatPow(base=base, exponent=exponent, indices=indices):
                return t.replace(
                    base=run(base), exponent=self.affine(exponent), indices=tuple(map(ix, indices))
                )
            case T.Det(base=base) | T.LogDet(base=base):
                return t.replace(base=run(base))
            case T.RowFunc(base=base, indices=indices):
                return t.replace(base=run(base), indices=tuple(map(ix, indices)))
            case T.SumOver(var=var, count=count, body=body):
                return T.SumOver(self.name(var), self.affine(count), run(body))
        raise TypeError(f"cannot unbind in {type(t).__name__}")
