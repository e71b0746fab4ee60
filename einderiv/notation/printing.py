"""Printing index IR in index notation (SPEC section 1), readable back by ``einderiv.parse``.

Input: a term and the ordered axes of its value.
Output: text such as ``A[j,a] X[a,i] + A[a,j] X[a,i]`` or LaTeX of the same.
Invariants:
- Index names are readable letters: the axes get ``i, j, k, l, ...`` in axis order (so the
  alphabetical order that ``parse`` gives free indices is the axis order), user-chosen free names
  are kept, summed indices get ``a, b, c, ...``; a summed index occurs exactly twice per product,
  so Einstein summation reads the text back to the same sum.
- Matrix atoms (``inv``, powers, ``det``) print their base in matrix notation, indexed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction

from einderiv.errors import NoReadableText
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import BY_ATOM, SIZED_LETTERS
from einderiv.ir.node import dim_factors, is_compound
from einderiv.ir.number_text import latex_float
from einderiv.ir.ops import ELEMENTWISE, ROW
from einderiv.notation.atoms import atom_matrix, sum_names
from einderiv.notation.chain_powers import raised
from einderiv.notation.compound_names import commutations, record_pairs, size_key, unit_pairs
from einderiv.notation.compound_names import units_dropped as _units_dropped
from einderiv.notation.einstein import einsteinise, occurrences, spliced
from einderiv.notation.entry_names import LATEX_NAMES, delta_name, var_name, variable_sizes
from einderiv.notation.matrix_latex import latex_exponent, latex_fraction, latex_name, matrix_latex
from einderiv.notation.scalars import affine_tree, divisor_of, exponent_text, folded, is_divisor
from einderiv.notation.scalars import integer_text as _integer_text
from einderiv.notation.sizing import measured_size
from einderiv.notation.written import printable

_AXIS_NAMES = "ijklmnopqrstuvwxyz"
_SUMMED_NAMES = "abcdefghpqrstuvw"
_SIMPLE = (T.Var, T.Delta, T.Pair, T.Ones, T.Func, T.MatPow, T.Det, T.LogDet, T.RowFunc, T.Affine)
_SIZE_ATOM = re.compile(r"[A-Za-z_]\w*(?:\([^()]*\))?")  # n, len(z), len(A')


def index_notation(term: T.Term, axes, variables: dict | None = None, readable: bool = True) -> str:
    """``readable``: refuse (``NoReadableText``) a matrix function whose argument has no matrix
    form (index notation inside the call does not read back); False for text only shown."""
    if isinstance(term, T.Zero):  # zero prints as 0 (parse("0", shape=...) reads it back)
        return "0"
    printable(term := _units_dropped(term))  # delta[h,(e,g)], e of 1 summed: delta[h,g]
    printer = _Printer(term, axes, variables=variables, readable=readable)
    return printer.text(term) if isinstance(term, T.Add) else printer.term(term)


def index_latex(term: T.Term, axes, variables: dict | None = None, readable: bool = True) -> str:
    if isinstance(term, T.Zero):
        return "0"
    printable(term := _units_dropped(term))  # delta[h,(e,g)], e of 1 summed: delta[h,g]
    for lone in (False, True):  # x_{k} x_{l}, no W_{a,b} or \delta, reads as x_k: (x)_{k}
        printer = _Printer(
            term, axes, latex=True, variables=variables, lone=lone, readable=readable
        )
        text = printer.text(term) if isinstance(term, T.Add) else printer.term(term)
        if re.search(r"_\{[^{}]*[,(]|\\delta_", text):
            break
    return text


def index_definition(
    name: str,
    body: T.Term,
    axes,
    variables: dict | None = None,
    latex: bool = False,
    avoid: frozenset = frozenset(),
) -> str:
    """``t1[i,j] = <body>`` (LaTeX ``\\left(t_{1}\\right)_{i,j} = ...``): the definition of a
    shared subexpression (``notation.index_cse``), its axes named as in the body, so the line
    reads back with the earlier names declared; its summed indices take no name of ``avoid``
    (those of the line that uses it: a scalar substituted there sums over its own)."""
    printer = _Printer(body, axes, latex=latex, variables=variables, avoid=avoid)
    left = printer.entry(name, tuple(axes))
    right = printer.text(body) if isinstance(body, T.Add) else printer.term(body)
    return f"{left} = {right}"


class _Printer:
    def __init__(
        self,
        term: T.Term,
        axes,
        latex: bool = False,
        variables: dict | None = None,
        avoid: frozenset = frozenset(),
        lone: bool = False,  # every entry of one index parenthesised (index_latex)
        readable: bool = True,  # refuse what does not read back (``index_notation``)
    ):
        self.latex, self.lone, self.readable = latex, lone, readable
        self.variables, self.sizes_had = variables or {}, variable_sizes(variables)
        self.names: dict[T.Index, str] = {}
        user = [i for i in axes if i.name[0].isalpha()]
        self.uses = Counter(n.name for n in T.nodes(term) if type(n) is T.Var)  # (its entries)
        variables = set(self.uses) | T.int_names(term) | set(self.variables)
        taken = {i.name for i in user} | variables  # never a[a]
        previous = ""
        for position, i in enumerate(axes):
            if i in user:
                self.names[i] = previous = i.name
                continue
            # the axes must read back in order: parse sorts free indices by name
            bound = min((j.name for j in axes[position:] if j in user), default="~")
            preferred = [n for n in _AXIS_NAMES if previous < n < bound and n not in taken]
            others = sorted(n for n in _SUMMED_NAMES if previous < n < bound and n not in taken)
            fallback = [n for n in _AXIS_NAMES if n not in taken]
            free_names = preferred or others or fallback
            self.names[i] = previous = free_names[0]
            taken.add(previous)
        self.taken = set(self.names.values()) | variables
        known = self.variables  # sizes the text fixes: an I of another size writes its size
        self.anchored = {d for n in self.uses if n in known for d in getattr(known[n], "dims", ())}
        self.summed_pool = [n for n in _SUMMED_NAMES if n not in self.taken and n not in avoid]
        self.counter = 0
        self.compounds: dict[T.Index, tuple] = {}  # the pairs of the products being printed
        self.apart = unit_pairs(term)  # then every summed index has a name of its own
        self.sizes: dict[str, tuple] = {self.names[i]: dim_factors(i.dim) for i in axes}

    def matrix(self, base: T.Term, bound) -> str:
        tree = atom_matrix(base, bound, self.variables, self.anchored, self.taken)
        return M.show(tree) if tree is not None else self.unwritten(base, bound)

    def unwritten(self, base: T.Term, axes) -> str:
        """A matrix function's argument with no matrix form: refused where the text must read
        back (no index notation inside ``inv``, a power, ``det``...), else in index notation."""
        if self.readable:
            shown = index_notation(base, axes, self.variables, readable=False)
            shown = shown if len(shown) <= 200 else f"{shown[:200]}..."
            raise NoReadableText(
                "this result has no text that reads back: einderiv finds no matrix form for "
                f"the argument of a matrix function ({shown}), and index notation cannot be "
                "written inside one; its value, g.einsum() and g.compile() are unaffected"
            )
        return index_notation(base, axes, self.variables, readable=False)

    def carrier(self, i: T.Index) -> str:
        """A factor whose only free index is ``i``, sized by a variable: ``x[i]``, ``A[i,b]
        ones[b]`` (so a zero or a size prints with its shape and reads back evaluable)."""
        for name, info in sorted(self.variables.items()):
            if info.kind == "vector" and info.dims[0] == i.dim:
                return self.entry(name, (i,))
        for name, info in sorted(self.variables.items()):
            if info.kind in ("matrix", "symmetric") and i.dim in info.dims:
                other = T.fresh(info.dims[1] if info.dims[0] == i.dim else info.dims[0])
                slots = (i, other) if info.dims[0] == i.dim else (other, i)
                return f"{self.entry(name, slots)} {self.entry('ones', (other,))}"
        return self.entry("ones", (i,))

    def size(self, dim) -> str:
        """The size of ``dim`` measured on a variable: ``len(x)``, ``len(A)`` (rows),
        ``len(A')`` (columns), ``(len(X) len(X'))`` (a compound size, parenthesised: it may
        be a divisor); with none, ``sum_a 1`` written ``(ones[a] .^ 0 ones[a])``."""
        if is_compound(dim):
            return f"({self.join([self.size(d) for d in dim_factors(dim)])})"
        found = measured_size(dim, self.variables, self.uses)
        if found is not None:
            return matrix_latex(found) if self.latex else M.show(found)
        a = T.fresh(dim)
        zero = "^{0}" if self.latex else " .^ 0"
        return f"(({self.carrier(a)}){zero} {self.entry('ones', (a,))})"  # sum_a 1 = n

    def name(self, i: T.Index) -> str:
        """The printed name of ``i``: its own if free, else the pool's next. A name stands for
        one size in the whole text (``parse`` requires it), even where a sum's terms reuse it;
        a compound size is another size than its product (``compound_names``)."""
        if i not in self.names:
            key = size_key(i, self.compounds)
            own = i.name[0].isalpha() and i.name not in self.taken
            if own and self.sizes.get(i.name, key) == key:
                chosen = i.name
            else:
                while self.counter < len(self.summed_pool) and (
                    self.summed_pool[self.counter] in self.taken
                    or self.sizes.get(self.summed_pool[self.counter], key) != key
                ):
                    self.counter += 1
                if self.counter < len(self.summed_pool):
                    chosen = self.summed_pool[self.counter]
                else:
                    chosen = f"a{self.counter}"
                    while chosen in self.taken or self.sizes.get(chosen, key) != key:
                        self.counter += 1  # a15 of size d2 is never also a15 of size d3
                        chosen = f"a{self.counter}"
                self.counter += 1
            self.names[i] = chosen
            self.taken.add(chosen)
            self.sizes.setdefault(chosen, key)
        return self.names[i]

    def entry(self, name: str, indices) -> str:
        named = len(indices) == 1 and f"{name}_{self.name(indices[0])}" in self.taken
        if self.latex:  # W_{a,b}, \mathbf{1}_{a}, \sigma_{3}: read back (frontend.latex_entries)
            name = LATEX_NAMES.get(name) or (latex_name(name) if name.isidentifier() else name)
        if not indices:
            return name
        inner = ",".join(self.name(i) for i in indices)
        special = named or "_" in name or name in SIZED_LETTERS or self.lone and len(indices) == 1
        if self.latex and special and not name.startswith("\\left("):
            name = rf"\left({name}\right)"  # an entry of W_{1}: \left(W_{1}\right)_{a,b}; of K too
        return f"{name}_{{{inner}}}" if self.latex else f"{name}[{inner}]"

    def text(self, t: T.Term) -> str:
        match t:
            case T.Zero(indices=indices):
                return self.join(["0", *(self.carrier(i) for i in indices)])
            case T.Num(value=value):
                return self.number(value)
            case T.Affine():  # k bare, (k - 1) and (2k) in parentheses
                return exponent_text(t, self.term, self.latex)
            case T.Size(dim=dim):
                return self.size(dim)
            case T.Var(name=name, indices=indices):  # delta'[a]: a vector named delta
                return self.entry(var_name(name, len(indices), self.latex), indices)
            case T.Delta(a=a, b=b):  # symmetric: its names in order, not in the order made
                pair = (a, b) if self.name(a) <= self.name(b) else (b, a)  # (fresh names')
                return self.entry(delta_name(a.dim, self.sizes_had, self.latex), pair)  # I_2[a,b]
            case T.Pair(c=c, i=i, j=j):  # delta[c,(i,j)]: c is the pair (i, j)
                pair = f"({self.name(i)},{self.name(j)})"
                if self.latex:
                    return rf"\delta_{{{self.name(c)},{pair}}}"
                return f"delta[{self.name(c)},{pair}]"
            case T.Ones(index=index):
                return self.entry(r"\mathbf{1}" if self.latex else "ones", (index,))
            case T.Add(terms=terms):
                if (whole := folded(t)) is not None:  # -1 + k: k - 1 (integers: no indices)
                    return _integer_text(whole, self.latex)
                released: set[str] = set()
                reached = [self.counter]
                parts = [self.scoped(x, released, reached) for x in terms]
                self.taken |= released  # reused across the terms, never by the sum's neighbours
                self.counter = max(reached)
                if type(terms[0]) is T.Num and terms[0].value < 0:  # -1 + p is written p - 1
                    parts.append(parts.pop(0))
                signed = (f" - {p[1:]}" if p.startswith("-") else f" + {p}" for p in parts[1:])
                return parts[0] + "".join(signed)
            case T.Prod():
                return self.product(t)
            case T.Func(name=name, arg=arg):
                inner = self.term(arg)  # exp(x[i] + y[i]): a sum bare in the call's parentheses
                if self.latex and ELEMENTWISE[name].braced:  # \sqrt{...}
                    return rf"{ELEMENTWISE[name].latex}{{{inner}}}"
                if self.latex:  # \tanh\left(W_{a,b} x_{b}\right)
                    return rf"{ELEMENTWISE[name].latex}\left({inner}\right)"
                return f"{name}({inner})"
            case T.Pow(base=base, exponent=exponent):
                if self.latex:  # (\log\det W)^{2}: bare \log would take \det(W)^{2}
                    text = self.atom(base)
                    text = rf"\left({text}\right)" if isinstance(base, T.LogDet) else text
                    return f"{text}^{{{latex_exponent(self.term(exponent))}}}"  # s^{0.5}, x^{k}
                op = ".^" if T.free(base) else "^"
                return f"{self.atom(base)}{op}{self.exponent(exponent)}"
            case T.MatPow(base=base, bound=bound, exponent=e, indices=indices):
                inner = atom_matrix(base, bound, self.variables, self.anchored, self.taken)
                if inner is None:
                    inner = M.Name(f"({self.unwritten(base, bound)})")
                made = raised(inner, None if e == T.affine(-1) else affine_tree(e))  # (A X)^-2
                if self.latex:  # \left(A^{-1}\right)_{i,j}
                    return self.entry(rf"\left({matrix_latex(made)}\right)", indices)
                text = M.show(made)
                return self.entry(text if text.startswith("inv(") else f"({text})", indices)
            case T.Det(base=base, bound=bound) | T.LogDet(base=base, bound=bound):
                tree = (
                    atom_matrix(base, bound, self.variables, self.anchored, self.taken)
                    if self.latex
                    else None
                )
                if tree is not None:
                    return matrix_latex(M.Call(BY_ATOM[type(t)].name, (tree,)))
                return f"{BY_ATOM[type(t)].name}({self.matrix(base, bound)})"
            case T.RowFunc(name=name, base=base, bound=bound, indices=indices):
                rest = sorted(T.free(base) - {bound}, key=lambda i: i.name)
                axes = (*rest, bound) if rest else (bound, None)
                tree = atom_matrix(base, axes, self.variables, self.anchored, self.taken)
                if tree is None and ROW[name].definition is not None:  # no matrix form of the
                    made = self.term(ROW[name].definition(t))  # row: written with exp and log,
                    return rf"\left({made}\right)" if self.latex else f"({made})"  # readable
                if tree is None:
                    inner = self.unwritten(base, (*rest, bound))
                else:
                    inner = matrix_latex(tree) if self.latex else M.show(tree)
                if self.latex:
                    return self.entry(rf"{ROW[name].latex}\left({inner}\right)", (*rest, *indices))
                return self.entry(f"{name}({inner})", (*rest, *indices))
            case T.SumOver(var=var, count=count, body=body):
                taken = T.int_names(t) | self.taken
                name = next(n for n in sum_names() if n not in taken)
                body = T.subst_int(body, var, T.affine(0, {name: 1}))
                last = T.affine_add(count, T.affine(1), -1)
                self.taken.add(name)  # a nested sum gets another counter (never shadowed)
                try:
                    upper = _integer_text(last, self.latex)  # LaTeX's names: \mu, \mathrm{TW}_{1}
                    if self.latex:
                        return rf"\sum_{{{name}=0}}^{{{upper}}} \left({self.term(body)}\right)"
                    return f"sum_{{{name}=0}}^{{{upper}}}({self.term(body)})"
                finally:
                    self.taken.discard(name)
        raise TypeError(type(t).__name__)

    def product(self, t: T.Prod) -> str:
        """A product in Einstein notation: every summed index twice, every free index once.

        Where the product is elementwise (``x[i] y[i]`` with ``i`` free) or an index is summed
        over three factors, the occurrences are renamed apart and tied by a generalised delta
        ``delta[i,a,b]`` (1 where all its indices are equal), so the text reads back exactly.
        """
        for i in t.summed:  # a binder printed again (a shared subterm) gets names of its own
            self.names.pop(i, None)
        outer = self.compounds  # the terms of a sum bind the same index in other roles
        self.compounds = {i: pair for i, pair in outer.items() if i not in set(t.summed)}
        try:
            return self._product(t)
        finally:
            self.compounds = outer

    def _product(self, t: T.Prod) -> str:
        factors, ties = einsteinise(spliced(t))
        record_pairs(self.compounds, factors, ties)
        numbers = [f for f in factors if isinstance(f, T.Num)]
        others = [f for f in factors if not isinstance(f, T.Num)]
        coeff = math.prod((f.value for f in numbers), start=Fraction(1))
        below = [f for f in others if is_divisor(f)]  # s^-1: / s (\frac in LaTeX), read back
        others = [f for f in others if f not in below] if below else others  # with s a scalar
        others = commutations(others, ties, self.latex)  # delta[r,(u,v)] delta[s,(v,u)]: K
        others.sort(key=lambda f: type(f) is not T.Affine)  # (k - 1) x[i].^(k - 2): k first
        parts = [self.atom(f) if isinstance(f, (T.Add, T.Prod)) else self.text(f) for f in others]
        for tie in ties:
            if len(tie) > 1:
                parts.append(self.entry(r"\delta" if self.latex else "delta", tie))
            else:
                parts.append(self.entry(r"\mathbf{1}" if self.latex else "ones", tie))
        sign = "-" if coeff < 0 else ""
        if abs(coeff) != 1 or not parts:
            parts.insert(0, self.number(abs(coeff)))
        if below:
            powers = [divisor_of(f) for f in below]
            divisor = (r" \, " if self.latex else " ").join(
                self.atom(f) if isinstance(f, (T.Add, T.Prod)) else self.text(f) for f in powers
            )
            if self.latex:
                return rf"{sign}\frac{{{self.join(parts)}}}{{{divisor}}}"
            return f"{sign}{self.join(parts)} / {divisor if len(powers) == 1 else f'({divisor})'}"
        return sign + self.join(parts)

    def number(self, value) -> str:
        """``2/3`` in text; in LaTeX ``\\frac{2}{3}`` (LaTeX refuses a factor after a ``/``)."""
        text = M.format_number(value)
        if self.latex and latex_float(value) is not None:  # 2^1031, past float64
            return latex_float(value)
        return latex_fraction(value) if self.latex and "/" in text else text

    def join(self, factors: list[str]) -> str:
        """A product's factors: ``W[a,b] x[b]``; in LaTeX ``W_{a,b} \\, x_{b}`` (reads as LaTeX)."""
        return (r" \, " if self.latex else " ").join(factors)

    def scoped(self, t: T.Term, released: set, reached: list) -> str:
        """A term of a sum: the names of the indices it binds are free again for the next term
        (``A[a,b] x[b] + B[a,b] x[b]``); ``released`` collects them and ``reached`` the counter,
        so that the sum's caller keeps them from the sum's neighbours. With a pair of a factor
        1 (``apart``) no name is free again: the reader would tie the terms' sizes by it."""
        before, counter = set(self.names), self.counter
        text = self.term(t)
        reached.append(self.counter)
        free = T.free(t)
        new = [i for i in self.names if i not in before]
        bound = [i for i in new if i not in free]
        for i in bound:
            name = self.names.pop(i)
            if not self.apart:
                self.taken.discard(name)
                released.add(name)
        if len(bound) == len(new) and not self.apart:  # nothing named here outlives the term:
            self.counter = counter  # reuse the pool
        return text

    def term(self, t: T.Term) -> str:
        """``t`` where Einstein summation applies to it on its own; a sum bare (exp(x + y))."""
        alone = t if isinstance(t, (T.Prod, T.Add)) else T.Prod((t,))
        return self.product(alone) if isinstance(alone, T.Prod) else self.text(alone)

    def atom(self, t: T.Term) -> str:
        if isinstance(t, (T.Var, T.MatPow, T.RowFunc)):  # X[a,a] with a free, outside a
            written = occurrences(t)  # product (softmax(X)[a,a] .^ 2): tied by a delta
            if len(set(written)) < len(written):
                return f"({self.term(t)})"
        text = self.text(t)  # an integer form once (k, (k + 1)); a size n, len(z): n^2, not (n)^2
        simple = isinstance(t, _SIMPLE) or type(t) is T.Size and _SIZE_ATOM.fullmatch(text)
        if simple or (isinstance(t, T.Num) and t.value >= 0 and t.value.denominator == 1):
            return text
        return f"({text})"

    def exponent(self, t: T.Term) -> str:  # .^2, .^k, .^(k - 1), .^p, .^(p - 1), .^(1.5)
        return exponent_text(t, self.term, self.latex)
