"""Fresh names for canonical binders: ``unbind``, the step before a canonical term is built on.

Input: an index-IR term, typically canonical (its summed indices named ``%d.n``, its summation
variables ``%r...``). Output: an equal term in which every such binder has a fresh ``_`` name.
Invariants:
- Index identity across derivations: a derivative's term is canonical, and differentiating it
  again splices inner products (which sum ``%1.0``) into outer ones next to factors that still
  bind ``%1.0`` themselves. Shadowing is legal in the IR, but canonical naming is not
  capture-avoiding against it; fresh names make every binder distinct again.
- ``MatPow``/``Det``/``LogDet`` keep their ``%p``, ``%q`` (their bases are closed); a ``RowFunc``
  keeps its ``%s``, which no other binder uses.
- One pass, linear in the size of ``t``: a subterm is revisited only under a different renaming
  of the names it mentions, and a subterm that binds no ``%`` name and mentions no renamed name
  is returned as it is, without a walk.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir.canon import memo_table

_MENTIONED = memo_table()
_PERCENT = memo_table()


def unbind(t: T.Term) -> T.Term:
    """``t`` with every summed index and summation variable named ``%...`` renamed fresh."""
    return _Unbinder().run(t, {})


def _binds_percent(t: T.Term) -> bool:
    """Whether a product or symbolic sum inside ``t`` binds a ``%`` name."""
    found = _PERCENT.get(t)
    if found is None:
        kind = type(t)
        if kind is T.Prod:
            own = [s.name for s in t.summed]
        else:
            own = [t.var] if kind is T.SumOver else []
        found = any(n.startswith("%") for n in own) or any(map(_binds_percent, T.children(t)))
        _PERCENT[t] = found
    return found


class _Unbinder:
    def __init__(self):
        self.memo: dict = {}

    def run(self, t: T.Term, env: dict) -> T.Term:
        if type(t) in (T.Num, T.Size):
            return t
        if env:
            mentioned = _mentioned(t)
            if len(mentioned) < len(env):
                live = tuple(sorted((k, env[k]) for k in mentioned if k in env))
            else:
                live = tuple(sorted((k, v) for k, v in env.items() if k in mentioned))
        else:
            live = ()
        if not live and not _binds_percent(t):
            return t
        if type(t) is T.Affine:
            return self._ints(t, env)
        found = self.memo.get((t, live))
        if found is None:
            found = self.memo[(t, live)] = self._run(t, dict(live))
        return found

    def _ints(self, a: T.Affine, env: dict) -> T.Affine:
        hit = [n for n in a.names if n in env]
        for name in hit:
            a = T._subst_affine(a, name, T.affine(0, {env[name]: 1}))
        return a

    def _run(self, t: T.Term, env: dict) -> T.Term:
        ix = ix_in(env)
        match t:
            case T.Var(indices=indices):
                return t.replace(indices=tuple(map(ix, indices))) if env else t
            case T.Zero(indices=indices):
                return T.Zero(tuple(map(ix, indices)))
            case T.Delta(a=a, b=b):
                return T.Delta(ix(a), ix(b))
            case T.Pair(c=c, i=i, j=j):
                return T.Pair(ix(c), ix(i), ix(j))
            case T.Ones(index=index):
                return T.Ones(ix(index))
            case T.Add(terms=terms):
                return T.Add(tuple(self.run(x, env) for x in terms))
            case T.Prod(factors=factors, summed=summed):
                inner = dict(env)
                for s in summed:
                    if s.name.startswith("%"):
                        inner[s.name] = T.fresh(s.dim).name
                    else:
                        inner.pop(s.name, None)
                return T.Prod(
                    tuple(self.run(f, inner) for f in factors), tuple(map(ix_in(inner), summed))
                )
            case T.Func(arg=arg):
                return t.replace(arg=self.run(arg, env))
            case T.Pow(base=base, exponent=exponent):
                return T.Pow(self.run(base, env), self.run(exponent, env))
            case T.MatPow(base=base, bound=bound, exponent=exponent, indices=indices):
                inner = {k: v for k, v in env.items() if k not in {b.name for b in bound}}
                return t.replace(
                    base=self.run(base, inner),
                    exponent=self._ints(exponent, env),
                    indices=tuple(map(ix, indices)),
                )
            case T.Det(base=base, bound=bound) | T.LogDet(base=base, bound=bound):
                inner = {k: v for k, v in env.items() if k not in {b.name for b in bound}}
                return t.replace(base=self.run(base, inner))
            case T.RowFunc(base=base, bound=bound, indices=indices):
                inner = {k: v for k, v in env.items() if k != bound.name}
                return t.replace(base=self.run(base, inner), indices=tuple(map(ix, indices)))
            case T.SumOver(var=var, count=count, body=body):
                inner = dict(env)
                if var.startswith("%"):
                    inner[var] = T.fresh_int()
                else:
                    inner.pop(var, None)
                return T.SumOver(inner.get(var, var), self._ints(count, env), self.run(body, inner))
        raise TypeError(f"cannot unbind in {type(t).__name__}")


def ix_in(env: dict):
    def ix(i: T.Index) -> T.Index:
        return T.Index(env[i.name], i.dim) if i.name in env else i

    return ix


def _mentioned(t: T.Term) -> frozenset[str]:
    """Every index name and integer symbol that occurs in ``t`` (free or bound)."""
    found = _MENTIONED.get(t)
    if found is None:
        names: set[str] = set()
        match t:
            case T.Var(indices=indices) | T.Zero(indices=indices):
                names.update(i.name for i in indices)
            case T.Delta(a=a, b=b):
                names.update((a.name, b.name))
            case T.Pair(c=c, i=i, j=j):
                names.update((c.name, i.name, j.name))
            case T.Ones(index=index):
                names.add(index.name)
            case T.Affine(names=ints):
                names.update(ints)
            case T.MatPow(indices=indices, exponent=exponent):
                names.update(i.name for i in indices)
                names.update(exponent.names)
            case T.RowFunc(indices=indices):
                names.update(i.name for i in indices)
            case T.SumOver(count=count):
                names.update(count.names)
        for c in T.children(t):
            names |= _mentioned(c)
        found = _MENTIONED[t] = frozenset(names)
    return found
