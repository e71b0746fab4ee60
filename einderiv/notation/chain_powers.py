"""Repeated blocks of a product chain written as powers, as experts write them (issue 13).

Input: a matrix-IR expression (what ``str``, ``latex`` and the differential print) and the
variables (their kinds and sizes, by name).
Output: ``powered``: the same expression with every product chain that repeats a block of
factors k >= 2 times in a row written as a power of the block: ``A X A X A X A`` ->
``(A X)^3 A``, ``X X X`` -> ``X^3``, ``X^-1 X^-1`` -> ``X^-2``, ``A X' A X'`` -> ``(A X')^2``;
the expression itself (the same object) when no chain repeats a block.
Invariants:
- the value is kept: a block is made a power only when its shape is known and square (its
  rows and columns the same size, by name, or a scalar: ``(x' A x)^2``); a factor of unknown
  shape (an ``I`` of no size, an entry, a function of no shape rule here) is never in one;
- of the ways to write a chain, the shortest text is taken (each factor's width estimated on its
  tree); a tie keeps the power that starts first, so ``(A X)^3 A``, not ``A (X A)^3``
  (numerator layout's ``n (A X)^(n-1) A``), and a power over writing the factors out;
- a block of at most ``MAX_PERIOD`` factors is looked for at every factor; a longer one where
  one of its factors is written once in it (``chain_runs``: by hashes, in linear time); the
  work is linear in the size of the tree: per chain of n factors O(n * MAX_PERIOD)
  comparisons of integer codes (equal factors share one) and of text lengths (prefix sums), a
  block's shape found once per run of its repeats; the chains walked in loops (no recursion
  along a chain or a sum); a chain whose spine holds one known written as it is (``tails``)
  is checked from there, a block ending at each factor above it, so chains sharing their
  left parts cost their nodes;
- a chain is a product's left spine (what the printer writes as one run of factors); a
  product on the right is one factor of it, its brackets kept (a scalar in a chain reads
  back only so), its own spine folded apart; a chain with a power is rebuilt left-nested as
  it was, the power one factor of it;
- a block repeated across brackets is found: a chain with a bracketed product is also
  searched with the products written out (``chain_merge.unbracketed``: ``A (X A) (X A) X``
  -> ``(A X)^3``), taken when a power is found and its text is shorter;
- then neighbouring powers of one base are one power (``chain_merge``: ``X^2 X^3`` -> ``X^5``,
  ``A X (A X)^2`` -> ``(A X)^3``, only where the domain is kept), as is an integer power of an
  integer power (``((A X)^2)^3`` -> ``(A X)^6``), and equal neighbouring terms of a sum one
  term (``t + t`` -> ``2 t``);
- an identity of a size (a number or a name) that no variable has is written with it
  (``kron(I_2, A)``: written ``kron(I, A)``, its size was open when read back).
"""

from __future__ import annotations

from fractions import Fraction
from functools import reduce

from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import ADJ, INV, MATRIX
from einderiv.ir.number_text import format_number
from einderiv.ir.ops import ELEMENTWISE, ROW
from einderiv.notation.chain_merge import doubled, merged, raised, unbracketed
from einderiv.notation.chain_merge import spine as _spine
from einderiv.notation.chain_runs import codes, long_runs, repeats, repeats_at_end
from einderiv.notation.entry_names import lost_size, variable_sizes

MAX_PERIOD = 16  # the most factors of a block looked for at every factor (longer: chain_runs)
_UNKNOWN = "?"  # a shape not known here
_SCALAR = (None, None)
_POWERISH = (M.Power, M.Inverse, M.MatMul)  # what may merge with a neighbour (chain_merge)


def powered(e: M.MExpr, variables: dict) -> M.MExpr:
    """``e`` with its chains' repeated blocks written as powers (see the module's docstring)."""
    return _Powers(variables).rebuild(e)


class _Powers:
    def __init__(self, variables: dict):
        self.variables = variables
        self.done: dict[int, M.MExpr] = {}  # id -> rebuilt (a shared subtree done once)
        self.shapes: dict[int, object] = {}
        self.widths: dict[int, int] = {}
        self.keep: list = []  # the nodes keyed by id, kept alive
        self.tails: dict[int, tuple] = {}  # a chain written as it is -> its last factors
        self.sizes = variable_sizes(variables)

    def rebuild(self, e: M.MExpr) -> M.MExpr:
        found = self.done.get(id(e))
        if found is None:
            kind = type(e)
            if kind is M.MatMul:
                found = self.chain(e)
            elif kind is M.Add or kind is M.Sub:  # a long sum: its left spine in a loop
                spine: list[M.Add | M.Sub] = []
                while isinstance(e, (M.Add, M.Sub)):
                    spine.append(e)
                    e = e.left
                found = self.rebuild(e)
                for node in reversed(spine):
                    right = self.rebuild(node.right)
                    twice = doubled(found, right) if type(node) is M.Add else None
                    if twice is not None:  # t + t: 2 t
                        found = twice
                        continue
                    same = found is node.left and right is node.right
                    found = node if same else node.replace(left=found, right=right)
                e = spine[0]
            elif kind is M.Identity:  # I_2: a size no variable has is written (kron(I_2, A))
                lost = not e.sized and lost_size(e.dim, self.sizes)
                found = e.replace(sized=True) if lost else e
            else:
                found = M.map_children(e, self.rebuild)
                if type(found) is M.Inverse and type(found.operand) is M.Power:
                    found = raised(found.operand, None)  # inv((A X)^2): (A X)^-2
                    found = e if found == e else found
                elif type(found) is M.Power and type(found.base) is M.Power:
                    found = raised(found.base, found.exponent)  # ((A X)^2)^3: (A X)^6
                    found = e if found == e else found
            self.done[id(e)] = found
            self.keep.append(e)
        return found

    # -- one chain ----------------------------------------------------------------------------

    def chain(self, e: M.MatMul) -> M.MExpr:
        """The product ``e``, its left spine one chain, written with ``powers``; ``e`` itself
        when nothing changes."""
        if self.written_as_is(e):
            return e
        factors = _spine(e)
        made = [self.rebuild(f) for f in factors]
        code = codes(made)  # None: no block written twice in a row
        folded = self.powers(made, code)
        if any(type(f) is M.MatMul for f in made):  # A (X A) (X A) X: (A X)^3
            folded = self.across(made, folded)
        if folded is None and all(a is b for a, b in zip(made, factors)):
            if code is None and not any(type(f) in _POWERISH for f in made):
                self.remember(e, made)
            return e
        return _product(folded or made)

    def across(self, made: list, folded: list | None) -> list | None:
        """``folded`` (the powers of ``made``, None: none), or the powers of ``made`` with its
        bracketed products written out (``chain_merge.unbracketed``) when that text is
        shorter: a block repeated across brackets (``A (X A) (X A) X`` -> ``(A X)^3``)."""
        flat = unbracketed(made, self.shape, _times, 2 * MAX_PERIOD)
        other = None if flat is None else self.powers(flat, codes(flat))
        if other is None or not any(type(f) is M.Power for f in other):
            return folded
        return other if self.chain_width(other) < self.chain_width(folded or made) else folded

    def chain_width(self, factors: list) -> int:
        """An estimate of the text of a chain of ``factors``: ``width``'s, a power of a number
        as written (``(A X)^19``: its base's, ``^``, the digits), the spaces between."""
        total = len(factors) - 1
        for f in factors:
            if type(f) is M.Power and type(f.exponent) is M.Number:
                total += self.width(f.base) + 1 + len(format_number(f.exponent.value))
            else:
                total += self.width(f)
        return total

    def remember(self, e: M.MatMul, factors: list) -> None:
        """Remembers the chain ``e`` of ``factors`` as written as it is: its last factors
        (``tails``: a chain holding it on its spine is checked from it)."""
        self.tails[id(e)] = tuple(factors[1 - 2 * MAX_PERIOD :])
        self.keep.append(e)

    def powers(self, factors: list, code: list | None) -> list | None:
        """The factors with repeated blocks as powers (``code``: their ``codes``), and
        neighbouring powers of one base as one (``chain_merge``), or None when nothing
        changes."""
        folded = None if code is None else self.fold(factors, code)
        made = folded or factors
        if folded is None and not any(type(f) in _POWERISH for f in made):
            return None  # (the common case: no power, inverse nor bracketed product)
        return merged(made, self.square_base) or folded

    def square_base(self, base: M.MExpr) -> bool:
        """Whether ``base`` has a known shape, square or scalar (a power of it is one)."""
        if type(base) is M.Number:
            return False
        shape = self.shape(base)
        return shape is not _UNKNOWN and shape[0] == shape[1]

    def written_as_is(self, e: M.MatMul) -> bool:
        """Whether the chain ``e`` (its left spine) is written as it is: no factor rebuilt and
        no block of at most ``MAX_PERIOD`` factors written twice in a row (``fold`` then finds
        no power) and no factor that may merge with a neighbour (``_POWERISH``:
        ``chain_merge``); a block of more than ``MAX_PERIOD`` factors written twice is not
        looked for past the known chain (``chain_runs`` would need the whole chain). Known from the nearest product below on the spine known
        so (``tails``: its last ``2 MAX_PERIOD - 1`` factors), each product above checked once
        for a block ending at its factor; False when none is known (the chain is walked whole).
        Chains sharing their left parts (``A1 X ... Ak`` for every k, in a backpropagated
        gradient) cost their nodes, not the sum of their lengths."""
        spine, node = [], e
        while type(node) is M.MatMul and id(node) not in self.tails:
            spine.append(node)
            node = node.left
        if type(node) is not M.MatMul:
            return False
        tail = self.tails[id(node)]
        for product in reversed(spine):
            factor = product.right
            if (
                type(factor) in _POWERISH
                or self.rebuild(factor) is not factor
                or repeats_at_end(tail := (*tail, factor), MAX_PERIOD)
            ):
                return False
            tail = self.tails[id(product)] = tail[1 - 2 * MAX_PERIOD :]
            self.done[id(product)] = product  # (what rebuild makes of it: itself)
            self.keep.append(product)
        return True

    def fold(self, factors: list, code: list, longer: bool = True) -> list | None:
        """The factors with repeated blocks as powers (``code``: their ``codes``), or None
        when none repeats; blocks of more than ``MAX_PERIOD`` factors too when ``longer``
        (``chain_runs``)."""
        n = len(factors)
        upto = [0]  # upto[j]: the widths of factors[:j]
        for f in factors:
            upto.append(upto[-1] + self.width(f))
        best = [0] * (n + 1)  # the length of the text of factors[i:]
        choice: list[tuple[int, int]] = [(1, 1)] * n  # (period, count) taken at i
        periods = range(1, min(MAX_PERIOD, n // 2) + 1)
        runs = [[0] * (n + 1) for _ in range(len(periods) + 1)]
        squares = [[False] * (n + 1) for _ in range(len(periods) + 1)]
        far = long_runs(code, MAX_PERIOD + 1, 4 * n) if longer and n > 2 * MAX_PERIOD else {}
        for i in range(n - 1, -1, -1):
            options = []
            for p in periods:  # runs[p][i]: how many j >= i have code[j + p] == code[j], in a row
                run = runs[p]
                run[i] = run[i + 1] + 1 if i + p < n and code[i] == code[i + p] else 0
                if run[i] < p:
                    continue
                # the block at i is the one at i + p: its squareness is known when that repeats
                same = i + p < n and run[i + p] >= p
                square = squares[p][i] = squares[p][i + p] if same else self.square(factors, i, p)
                if square:
                    top = 1 + run[i] // p
                    options += [(p, k) for k in (top, top - 1) if k >= 2]
            for q, top in far.get(i, ()):  # a longer block, its run starting here
                if self.square(factors, i, q):
                    options += [(q, k) for k in (top, top - 1) if k >= 2]
            options.append((1, 1))
            lengths = [
                self.cost(factors, upto, i, p, k) + _gap(best, i + p * k) for p, k in options
            ]
            at = min(range(len(options)), key=lengths.__getitem__)  # the first shortest
            best[i], choice[i] = lengths[at], options[at]
        out, i = [], 0
        while i < n:
            p, k = choice[i]
            if p > MAX_PERIOD and not repeats(code, i, p, k):  # two blocks of one hash
                return self.fold(factors, code, longer=False)
            out.append(factors[i] if k == 1 else self.power(factors[i : i + p], k))
            i += p * k
        return None if len(out) == n else out

    def power(self, block: list, k: int) -> M.MExpr:
        """``block^k``: ``X^3``; of an inverse, ``X^-k``; of an integer power, ``X^(e k)``;
        else the block's own chain (its repeats written as powers too) to the k-th power."""
        if len(block) == 1:
            (x,) = block
            if type(x) is M.Inverse:
                return M.Power(x.operand, M.Number(Fraction(-k)))
            exponent = x.exponent if type(x) is M.Power else None
            if type(exponent) is M.Number and exponent.value.denominator == 1:
                return M.Power(x.base, M.Number(x.exponent.value * k))
            return M.Power(x, M.Number(Fraction(k)))
        inner = self.powers(block, codes(block)) or block
        if len(inner) == 1:  # X X^2 X X^2: (X^3)^2, one power X^6
            return raised(inner[0], M.Number(Fraction(k)))
        return M.Power(reduce(M.MatMul, inner), M.Number(Fraction(k)))

    def cost(self, factors: list, upto: list, i: int, p: int, k: int) -> int:
        """The text length of ``factors[i : i + p]`` written k times: out, or as a power
        (``upto``: the sums of the factors' widths)."""
        if k == 1:
            return upto[i + 1] - upto[i]
        inside = upto[i + p] - upto[i] + p - 1
        brackets = 0 if p == 1 and type(factors[i]) in (M.Name, M.Transpose) else 2
        return inside + brackets + 1 + len(str(k))

    # -- shapes and widths ----------------------------------------------------------------------

    def square(self, factors: list, i: int, p: int) -> bool:
        """Whether the product ``factors[i : i + p]`` has a known, square shape."""
        if p == 1 and type(factors[i]) is M.Number:  # 2 2: numbers are the coefficient's
            return False
        shape = _SCALAR
        try:
            for f in factors[i : i + p]:
                shape = _times(shape, self.shape(f))
        except RecursionError:  # (a factor nested past the guard's room: not known here)
            return False
        return shape is not _UNKNOWN and shape[0] == shape[1]

    def shape(self, e: M.MExpr):
        """``(rows, cols)`` by size name (None: 1), or ``_UNKNOWN``."""
        found = self.shapes.get(id(e))
        if found is None:
            found = self.shapes[id(e)] = self._shape(e)
            self.keep.append(e)
        return found

    def _shape(self, e: M.MExpr):
        match e:
            case M.Name(name=name):
                info = self.variables.get(name)
                shape = getattr(info, "shape", _UNKNOWN) if info is not None else _UNKNOWN
                return shape if len(shape) == 2 else _UNKNOWN  # (a tensor: none)
            case M.Number():
                return _SCALAR
            case M.Identity(dim=dim) if dim is not None:
                return (dim, dim)
            case M.Ones(dim=dim) if dim is not None:
                return (dim, None)
            case M.MatMul():
                return reduce(_times, map(self.shape, M.chain(e)), _SCALAR)
            case M.Add(left=a, right=b) | M.Sub(left=a, right=b) | M.Hadamard(left=a, right=b):
                return _either(self.shape(a), self.shape(b))
            case M.ElemDiv(left=a, right=b) | M.ElemPow(base=a, exponent=b):
                return _either(self.shape(a), self.shape(b))
            case M.Transpose(operand=x):
                shape = self.shape(x)
                return shape if shape is _UNKNOWN else (shape[1], shape[0])
            case M.Neg(operand=x) | M.Inverse(operand=x) | M.Power(base=x) | M.Div(left=x):
                return self.shape(x)
            case M.Call(fn=fn, args=(x,)) if fn in ELEMENTWISE or fn in (INV.name, ADJ.name):
                return self.shape(x)
            case M.Call(fn=fn) if fn in MATRIX and MATRIX[fn].scalar:
                return _SCALAR
            case M.Call(fn=fn, args=(x,)) if fn in ROW:
                shape = self.shape(x)
                if not ROW[fn].reduces or shape is _UNKNOWN:
                    return shape
                return _UNKNOWN if None in shape else (shape[0], None)
        return _UNKNOWN

    def width(self, e: M.MExpr) -> int:
        """An estimate of the length of ``e``'s text (a name's own, a transpose one more, any
        other node three more than its children's): each node looked at once, in a loop."""
        widths, stack = self.widths, [e]
        while stack:
            node = stack[-1]
            if id(node) in widths:
                stack.pop()
                continue
            kids = _children(node)
            missing = [c for c in kids if id(c) not in widths]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            own = len(node.name) if type(node) is M.Name else 1 if type(node) is M.Transpose else 3
            widths[id(node)] = own + sum(widths[id(c)] for c in kids)
            self.keep.append(node)
        return widths[id(e)]


def _product(factors: list) -> M.MExpr:
    """The chain of ``factors``; led by the negative of a product with a coefficient, the
    coefficient negated: ``-(2 (A X)^-3) A`` -> ``-2 (A X)^-3 A`` (-(k u) v = (-k) u v)."""
    first = factors[0]
    if type(first) is M.Neg and type(first.operand) is M.MatMul:
        k, *rest = _spine(first.operand)
        if type(k) is M.Number:
            factors = [M.Number(-k.value), *rest, *factors[1:]]
    return reduce(M.MatMul, factors)


def _gap(best: list, j: int) -> int:
    """The text after a part ending before ``j``: a space and the rest, or nothing."""
    return best[j] + 1 if j < len(best) - 1 else 0


def _children(e: M.MExpr) -> list:
    found = []
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, M.MExpr):
            found.append(value)
        elif isinstance(value, tuple):
            found += [v for v in value if isinstance(v, M.MExpr)]
    return found


def _times(a, b):
    """The shape of a product (a scalar scales the other side)."""
    if a is _UNKNOWN or b is _UNKNOWN:
        return _UNKNOWN
    if a == _SCALAR:
        return b
    if b == _SCALAR:
        return a
    return (a[0], b[1]) if a[1] == b[0] else _UNKNOWN


def _either(a, b):
    """The shape of an elementwise operation (a scalar broadcast to the other's)."""
    if a is _UNKNOWN or b is _UNKNOWN:
        return _UNKNOWN
    return b if a == _SCALAR else a
