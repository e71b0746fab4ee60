"""Products and transposes in matrix notation: flat chains, transposes pushed inward.

Input: re-contraction's matrix IR, the symmetric and vector variables. Output: ``product``, a
left-to-right product; ``transpose(e)``, equal to ``e'`` (``transposes``, its count of ``'``:
``notation.transpose_count``).
Invariants: ``product`` and ``chain_of`` flatten nested products except one that may be a scalar
after a factor (``L (v' w)``) or may hold one (``r (a v' w c)``: flat, ``r a v'`` is a row times
a row), so every product read left to right multiplies what fits; ``transpose`` pushes ``'``
inward (``(A B)' = B' A'``) unless wrapping is shorter, and reverses no chain that holds a
scalar (``2 c' v D``); a symmetric variable is its own transpose; neither changes a value.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import memo_table
from einderiv.ir.matrix_ops import DIAG, KRON, MATRIX, VEC
from einderiv.ir.memo import remembered, remembered_tuple
from einderiv.ir.ops import ROW
from einderiv.notation.transpose_count import transposes

_OWN = frozenset({"symmetric", "scalar", "integer"})  # the kinds of their own transposes


def own_transposes(variables: dict) -> frozenset:
    """The names of ``variables`` (name -> ``VarInfo``) that are their own transpose."""
    return frozenset(n for n, v in variables.items() if v.kind in _OWN)


# Products: flat left-to-right chains


def product(chain, scalars: int = 0, vectors=None) -> M.MExpr:
    """A left-to-right product, nested ones flattened but for one that may be a scalar after a
    factor that may not be (``scalars``: leading factors known to be scalars). One node per
    chain of these factors, split once by ``chain_of`` (new ones: 2^depth along row-led ones)."""
    return remembered_tuple(_PRODUCTS, _product, tuple(chain), scalars, vectors)


def _product(chain: tuple, scalars: int, vectors) -> M.MExpr:
    flat: list[M.MExpr] = []
    for k, x in enumerate(chain):
        if type(x) is not M.MatMul:  # the common case: a factor that is no product
            flat.append(x)
            continue
        inner = chain_of(x, vectors)
        if k > scalars and (_maybe_scalar(x, vectors) or _unsplicable(inner, vectors)):
            # r (v' v): a scalar after a row stays grouped; so does a product that starts
            # with a row (after its numbers: r (2 v' w c)), or holds one after a non-column (a
            # scalar inside: dB (x' A x v x') is not dB x' A x v x', which reads dB x' first)
            flat.append(product(inner, 0, vectors))
        else:
            flat.extend(inner)
    factors = [x for x in flat if not (isinstance(x, M.Number) and x.value == 1)] or flat[:1]
    if not factors:
        return M.Number(Fraction(1))
    out = factors[0]
    for x in factors[1:]:
        out = M.MatMul(out, x)
    return out


def leading_scalar(e: M.MExpr, names) -> tuple[M.Name | None, M.MExpr]:
    """The scalar (of ``names``) leading a chain, and the rest: ``(alpha J) W -> (alpha, J W)``."""
    if type(e) is not M.MatMul:
        return None, e
    if type(e.left) is M.Name and e.left.name in names:
        return e.left, e.right
    found, left = leading_scalar(e.left, names)
    return (found, e) if found is None else (found, M.MatMul(left, e.right))


def _maybe_scalar(e: M.MExpr, vectors) -> bool:
    """Whether the product ``e`` may be a scalar: it starts with a row (``v' w``, ``b' Q b``)
    and does not end with one. Spliced after a factor, ``L (v' w)`` -> ``L v' w`` is the same
    product only when ``v' w`` is not a scalar (a scalar scales any ``L``; ``v'`` needs a
    column ``L``). ``vectors``: the vector variables' names; None: any transpose a row."""
    if not isinstance(e, M.MatMul):
        return False
    first, last = e, e
    while isinstance(first, M.MatMul) or isinstance(last, M.MatMul):
        first = first.left if isinstance(first, M.MatMul) else first
        last = last.right if isinstance(last, M.MatMul) else last
    return _row_like(first, vectors) and not isinstance(last, M.Transpose)


def _unsplicable(chain: list[M.MExpr], vectors) -> bool:
    """Whether a product with these factors must stay grouped after a factor that may not be
    a scalar: its first factor after its numbers may be a row (``2 v' w c`` after a row ``r``:
    ``r 2 v' w c`` reads ``r v'``), or it holds a row after a non-column (``_inner_row``)."""
    first = next((f for f in chain if type(f) is not M.Number), None)
    return (first is not None and _row_like(first, vectors)) or _inner_row(chain, vectors)


def _inner_row(chain: list[M.MExpr], vectors) -> bool:
    """Whether a factor after the first that may be a row follows one not known to be a
    column: ``u v' A`` is an outer product, but in ``p v' B w C`` (``p`` a scalar) ``v' B w``
    is a scalar whose factors a reversed chain would scatter."""
    factors = [f for f in chain if type(f) is not M.Number]  # numbers scale: u 2 v' is u v'
    known = vectors if vectors is not None else frozenset()  # None: no name a known column
    return any(
        _row_like(f, vectors) and not is_column(before, known)
        for before, f in itertools.pairwise(factors)
    )


_ROWS = memo_table()  # _row_like walks a whole argument: each node once (tanh(W tanh(W ..)))


def _row_like(e: M.MExpr, vectors) -> bool:
    """Whether ``e`` may be a row vector (never for a transposed matrix variable)."""
    if vectors is None:  # no name known to be a column
        return remembered(_ROWS, _row_like_of, e, _NO_VECTORS)
    return remembered(_ROWS, _row_like_of, e, vectors)


_PRODUCTS = memo_table()  # product's nodes, per chain of factors (by identity) and context
_NO_VECTORS = ("None",)  # stands for ``vectors=None`` in the memo key (by identity)
_CHAINS = memo_table()  # chain_of's tuples, per product node and context of vector names


def _row_like_of(e: M.MExpr, vectors) -> bool:
    vectors = None if vectors is _NO_VECTORS else vectors
    match e:
        case M.Transpose(operand=M.Name(name=name) | M.Inverse(operand=M.Name(name=name))):
            return vectors is None or name in vectors
        case M.Transpose(operand=M.Identity() | M.Inverse() | M.Power()):
            return False
        case M.Transpose():
            return True
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b):  # c + z': a scalar broadcasts
            return _row_like(a, vectors) or _row_like(b, vectors)
        case M.Hadamard(left=a, right=b) | M.ElemDiv(left=a, right=b):
            return _row_like(a, vectors) or _row_like(b, vectors)
        case M.ElemPow(base=a, exponent=b):  # 2 .^ z': a row from its exponent
            return _row_like(a, vectors) or _row_like(b, vectors)
        case M.Neg(operand=a) | M.Div(left=a):
            return _row_like(a, vectors)
        case M.Call(fn=fn, args=(a,)) if fn in M.SCALAR_FUNCTIONS:
            return _row_like(a, vectors)
        case M.MatMul(left=a, right=b):  # a row times a matrix, a scalar times a row (2 v')
            known = vectors if vectors is not None else frozenset()
            return _row_like(a, vectors) or (_row_like(b, vectors) and not is_column(a, known))
    return False


def chain_of(e: M.MExpr, vectors=None) -> list[M.MExpr]:
    """The factors of a product, left to right; a right operand that may be a scalar, or whose
    row would follow a non-column (``r (2 v' w)``), stays one factor (``M.chain`` splits ``I
    (v' A v)`` into ``I, v', A, v``). Each node split once (``_CHAINS``, per vector names)."""
    if not isinstance(e, M.MatMul):
        return [e]
    return list(remembered(_CHAINS, _chain_of, e, _NO_VECTORS if vectors is None else vectors))


def _chain_of(e: M.MatMul, vectors) -> tuple[M.MExpr, ...]:
    vectors = None if vectors is _NO_VECTORS else vectors
    left, right = chain_of(e.left, vectors), chain_of(e.right, vectors)
    before = next((f for f in reversed(left) if type(f) is not M.Number), left[-1])
    if type(e.right) is M.MatMul and (
        _maybe_scalar(e.right, vectors) or _inner_row([before, *right], vectors)
    ):  # kept whole, its inside flattened alike: r (a v' w c), r (2 v' w c): not r 2 v' w c
        right = [product(right, 0, vectors)]
    return (*left, *right)


# Transposes ---------------------------------------------------------------------------------


def transpose(
    e: M.MExpr,
    symmetric=frozenset(),
    vectors=frozenset(),
    memo: dict | None = None,
    scalars=frozenset(),
) -> M.MExpr:
    """``e'`` with the transpose pushed inward (``vectors``: names of vector variables;
    ``scalars``: names of scalar variables, kept in front as numbers are: (beta X)' is
    beta X', not X' beta, which reads as if a vector beta were meant).
    ``memo``: node -> its transpose, for a caller that transposes many subterms of one graph
    (each shared subterm then transposed once) with the names fixed."""
    if memo is None:
        return _transpose(e, symmetric, vectors, None, scalars)
    found = memo.get(e)
    if found is None:
        found = memo[e] = _transpose(e, symmetric, vectors, memo, scalars)
    return found


def _transpose(e: M.MExpr, symmetric, vectors, memo: dict | None, scalars) -> M.MExpr:
    if type(e) is M.Name:  # the commonest cases, before the closures and the match below
        return e if e.name in symmetric else M.Transpose(e)
    if type(e) is M.Transpose:
        return e.operand

    def t(x: M.MExpr) -> M.MExpr:
        return transpose(x, symmetric, vectors, memo, scalars)

    def coefficient(x: M.MExpr) -> bool:  # a number, scalar variable or sum(y): in front
        return (type(x) is M.Name and x.name in scalars) or _scalar_value(x)

    match e:  # (a name, a transpose: above)
        case M.Number() | M.Identity():
            return e
        case M.MatMul(left=a, right=b) if coefficient(a):  # (2 v)' = 2 v': the number in front
            return M.MatMul(a, t(b))
        case M.MatMul(left=a, right=b):
            chain = chain_of(e, vectors)
            first = next((f for f in chain if not coefficient(f)), chain[0])
            if _row_like(first, vectors) or _inner_row(chain, vectors):
                # (2 v' w A)': v' w may be a scalar, grouped by the left nesting; reversed it
                # needs brackets (so does (p v' B w C)', p a scalar: not C' w' B' v p)
                found, rest = leading_scalar(e, scalars)
                if found is not None:  # (beta x' W' W)' = beta W' W x: a scalar stays in front
                    return M.MatMul(found, t(rest))
                return M.MatMul(t(b), t(a))
            # (A B C)' = C' B' A', one chain (not C' (B' A')), numbers and scalars in front
            numbers = [f for f in chain if coefficient(f)]
            turned = [t(f) for f in reversed(chain) if not coefficient(f)]
            return product((*numbers, *turned), len(numbers), vectors)
        case M.Neg(operand=x):
            return M.Neg(t(x))
        case M.Div(left=a, right=b):  # (A / s)' = A' / s: the divisor is a scalar
            return _fewer(M.Div(t(a), b), e)
        case M.Call(fn=DIAG.name, args=(x,)) if is_column(x, vectors):
            return e  # diag(v) is symmetric
        case M.Call(fn=fn) if fn in MATRIX and MATRIX[fn].scalar:  # a scalar is its own transpose
            return e
        case M.Call(fn=KRON.name, args=(a, b)):  # kron(P, Q)' = kron(P', Q')
            return _fewer(M.Call(KRON.name, (t(a), t(b))), e)
        case M.Inverse(operand=M.Name(name=name)) | M.Power(base=M.Name(name=name)) if (
            name in symmetric
        ):
            return e
        case M.Inverse(operand=x) | M.Power(base=x) if type(x) is not M.Name and t(x) == x:
            return e  # ((X' X)^-1)' = (X' X)^-1: a power of a base that is its own transpose
        case M.Power(base=b, exponent=p):  # (X^k)' = X'^k; ((A B)^k)' = (B' A')^k, one chain
            return M.Power(product((t(b),), 0, vectors), p)
        case M.Add() | M.Sub() if _own_transpose(
            e, scalars, scalars
        ):  # a scalar's (1 - tanh(s)^2)'
            return e  # is no row: spliced into a chain it read M p' A' A p (1 - tanh(s)^2)'
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b) if _beside_scalar(e):
            return M.Transpose(e)  # (x - mean(x))', not x' - mean(x)
        case M.Add(left=a, right=b):
            ta, tb = t(a), t(b)
            if transposes(tb) < transposes(ta):  # (A + A')' = A + A', not A' + A
                ta, tb = tb, ta
            return _fewer(M.Add(ta, tb), e)
        case M.Sub(left=a, right=b):
            return _fewer(M.Sub(t(a), t(b)), e)
        case M.Hadamard(left=a, right=b):
            return _fewer(M.Hadamard(t(a), t(b)), e)
        case M.ElemDiv(left=a, right=b):
            return _fewer(M.ElemDiv(t(a), t(b)), e)
        case M.Call(fn=fn, args=(x,)) if fn in M.SCALAR_FUNCTIONS:
            inner = t(x)  # exp(x - 1)', not exp((x - 1)'): outside, unless it reaches a name
            wrapped = type(inner) is M.Transpose and type(inner.operand) is not M.Name
            return M.Transpose(e) if wrapped else _fewer(M.Call(fn, (inner,)), e)
        case M.ElemPow(base=b, exponent=p) if _own_transpose(p, symmetric, scalars):
            return _fewer(M.ElemPow(t(b), p), e)  # (x .^ 2)' = x' .^ 2, (x .^ (s - 1))'
        case M.ElemPow(base=b, exponent=p) if t(b) != b:  # (z .^ w)' = z' .^ w'
            return _fewer(M.ElemPow(t(b), t(p)), e)
    return M.Transpose(e)  # (2 .^ z)'


def _own_transpose(e: M.MExpr, symmetric, scalars=frozenset()) -> bool:
    """Whether ``e`` is built of numbers and names that are their own transposes (scalars
    and symmetric matrices, as ``symmetric`` names them): an exponent that stays as it is. A
    product is one only with a side of numbers and ``scalars``: (S T)' = T S for symmetric S, T."""
    match e:
        case M.Number():
            return True
        case M.Name(name=name):
            return name in symmetric
        case M.MatMul(left=a, right=b):
            own = _own_transpose(a, symmetric, scalars) and _own_transpose(b, symmetric, scalars)
            return own and any(_own_transpose(x, scalars, scalars) for x in (a, b))
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b):
            return _own_transpose(a, symmetric, scalars) and _own_transpose(b, symmetric, scalars)
        case M.Div(left=a, right=b) | M.Power(base=a, exponent=b):
            return _own_transpose(a, symmetric, scalars) and _own_transpose(b, symmetric, scalars)
        case M.Neg(operand=a):
            return _own_transpose(a, symmetric, scalars)
        case M.Call(fn=fn, args=(a,)) if fn in M.SCALAR_FUNCTIONS:
            return _own_transpose(a, symmetric, scalars)
    return False


def _beside_scalar(e: M.Add | M.Sub) -> bool:
    """A sum of a scalar value (``mean(x)``, ``2``) and a term with no transpose: the scalar
    broadcasts, so the transpose is written on the whole sum."""
    a, b = e.left, e.right
    return (_scalar_value(a) or _scalar_value(b)) and transposes(e) == 0


def _scalar_value(e: M.MExpr) -> bool:
    """A number, a scalar matrix function's value, or a product or quotient of those."""
    match e:
        case M.Number():
            return True
        case M.Call(fn=fn):
            return fn in MATRIX and MATRIX[fn].scalar
        case M.MatMul(left=a, right=b) | M.Div(left=a, right=b):
            return _scalar_value(a) and _scalar_value(b)
        case M.Neg(operand=a):
            return _scalar_value(a)
    return False


def _fewer(pushed: M.MExpr, original: M.MExpr) -> M.MExpr:
    """``pushed`` (the transpose moved inward) unless ``(original)'`` has fewer transposes."""
    if transposes(pushed) <= transposes(original) + 1:
        return pushed
    return M.Transpose(original)


_KINDS = memo_table()  # is_column and is_scalar call each other along a chain: each node once


def is_column(e: M.MExpr, vectors) -> bool:
    """Whether ``e`` (built by re-contraction) is a column vector."""
    return remembered(_KINDS, _is_column, e, vectors)


def _is_column(e: M.MExpr, vectors) -> bool:
    match e:
        case M.Name(name=name):
            return name in vectors
        case M.Ones():
            return True
        case M.MatMul(left=a, right=b):
            if is_scalar(b, (), vectors):  # x (w' z), x tr(A): a column times a scalar
                return is_column(a, vectors)
            return is_column(b, vectors) and not is_scalar(e, (), vectors)  # not w' x
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b) | M.Hadamard(left=a, right=b):
            return is_column(a, vectors) or is_column(b, vectors)  # w' t1 + x' w: a row
        case M.ElemDiv(left=a, right=b) | M.ElemPow(base=a, exponent=b):  # 2 .^ z: a column
            return is_column(a, vectors) or is_column(b, vectors)
        case M.Neg(operand=a) | M.Div(left=a):  # u / t1: t1 a scalar
            return is_column(a, vectors)
        case M.Call(fn=DIAG.name, args=(x,)):
            return not is_column(x, vectors)
        case M.Call(fn=VEC.name):  # vec(X): a column whatever X is (diag(vec(X)) a matrix)
            return True
        case M.Call(fn=fn, args=(x,)) if fn in M.SCALAR_FUNCTIONS:
            return is_column(x, vectors)
        case M.Call(fn=fn, args=(x,)) if fn in ROW and not ROW[fn].reduces:
            return is_column(x, vectors)  # softmax(x): a vector of x's shape
    return False


def is_scalar(e: M.MExpr, scalars, vectors) -> bool:
    """Whether ``e`` is a scalar by its form alone (False when unsure): numbers, ``scalars``
    (names), ``tr(A)``, ``exp(c)``, ``c^2``, sums and products of scalars, and an inner product
    ``u' A v`` (a product whose first non-scalar factor is a row and last a column)."""
    return remembered(_KINDS, _is_scalar, e, scalars, vectors)


def _is_scalar(e: M.MExpr, scalars, vectors) -> bool:
    match e:
        case M.Number():
            return True
        case M.Name(name=name):
            return name in scalars
        case M.Call(fn=fn) if fn in MATRIX and MATRIX[fn].scalar:  # tr(A), det(X), sum(x)
            return True
        case M.Call(fn=fn, args=(x,)) if fn in M.SCALAR_FUNCTIONS:  # exp(c)
            return is_scalar(x, scalars, vectors)
        case M.Neg(operand=x) | M.Power(base=x) | M.Transpose(operand=x):  # -c, c^2, c'
            return is_scalar(x, scalars, vectors)
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b) | M.Div(left=a, right=b):
            return is_scalar(a, scalars, vectors) and is_scalar(b, scalars, vectors)
        case (
            M.Hadamard(left=a, right=b) | M.ElemDiv(left=a, right=b) | M.ElemPow(base=a, exponent=b)
        ):
            return is_scalar(a, scalars, vectors) and is_scalar(b, scalars, vectors)
        case M.MatMul():  # c d, u' A v: 1-by-1
            rest = [f for f in chain_of(e, vectors) if not is_scalar(f, scalars, vectors)]
            return _inner_products(rest, vectors)
    return False


def _inner_products(factors: list[M.MExpr], vectors) -> bool:
    """Whether the non-scalar factors of a product are inner products one after another:
    each a row, then anything but a column, then a column (``u' A v``, ``u' v w' z``); a
    column that closes one and is followed by another factor (``u' v w``: a scalar times
    the column w) is no scalar."""
    closed = True
    for f in factors:
        if closed:
            if not (type(f) is M.Transpose and is_column(f.operand, vectors)):
                return False
            closed = False
        elif is_column(f, vectors):
            closed = True
    return closed
