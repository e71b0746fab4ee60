"""LaTeX of matrix notation (SPEC section 1's precedence), readable back by ``einderiv.parse``.

Input: a matrix expression (``matrix_ir``) or a variable's name.
Output: LaTeX text: ``X^{\\top} \\, A``, ``\\operatorname{tr}\\left(X\\right)``, ``\\mathrm{W}_{1}``.
Invariants: an operand is parenthesised exactly when its precedence is below its place's; a
Greek name prints as its command (``\\lambda``), any other name of several letters in
``\\mathrm`` (so the LaTeX front end reads it as one name, not a product of letters), and a
name whose first part a reader takes for a function or the Kronecker delta (``tr_A``,
``delta_x``) whole in ``\\mathrm`` (``\\mathrm{tr\\_A}``); matrix functions print by their
registry record's template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from einderiv.ir import greek
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import MATRIX
from einderiv.ir.number_text import latex_float
from einderiv.ir.ops import ELEMENTWISE, ROW

__all__ = ["latex_fraction", "latex_name", "matrix_latex"]

_COMPOSITE = re.compile(r"(\\[A-Za-z]+){2,}\\left")  # \log\det\left(#1\right)
_LATEX_FUNCTIONS = {name: op.latex for name, op in (ELEMENTWISE | ROW).items()}


# first parts of a name that LaTeX reads as a function (\mathrm{tr}_{A}, \log_{2}) or the
# Kronecker delta (\delta_{x}): such a name prints whole, \mathrm{tr\_A}
_FUNCTION_LIKE = frozenset(M.FUNCTIONS).union(
    *(op.aliases for op in MATRIX.values()), ("ln", "delta")
)
_ACCENTED = re.compile(r"(hat|bar|tilde)(?:_(.+))?")  # y_hat is \hat{y} (as LaTeX reads it)


def latex_name(name: str) -> str:
    base, _, sub = name.partition("_")
    # tr_A: \mathrm{tr\_A}, not the trace's \mathrm{tr}_{A}; x_, a__b: \mathrm{x\_} (x_{} is x)
    if sub and base in _FUNCTION_LIKE or "" in name.split("_"):
        return rf"\mathrm{{{name.replace('_', chr(92) + '_')}}}"
    text = (
        f"\\{base}" if base in greek.NAMES else (base if len(base) == 1 else rf"\mathrm{{{base}}}")
    )
    accent = _ACCENTED.fullmatch(sub) if len(base) == 1 or base in greek.NAMES else None
    if accent is not None:  # y_hat -> \hat{y}, mu_tilde_0 -> \tilde{\mu}_{0}
        text, sub = rf"\{accent.group(1)}{{{text}}}", accent.group(2) or ""
    if not sub:
        return text
    sub = sub.replace("_", chr(92) + "_")  # W_{1\_2}; d_{\mathrm{k}}: letters are a label, upright
    return (
        f"{text}_{{{sub}}}" if re.fullmatch(r"[0-9\\_]+", sub) else rf"{text}_{{\mathrm{{{sub}}}}}"
    )


def latex_exponent(text: str) -> str:
    """An exponent for ``^{...}`` without parentheses around the whole of it: ``^{(k)}`` and
    ``^{(1 + k)}`` are labels to the LaTeX reader (``W^{(1)}`` is ``W_1``), ``^{k}`` a power."""
    depth = 0
    for at, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and at < len(text) - 1:
            return text  # (a) (b): the first pair closes early
    return text[1:-1] if text.startswith("(") and text.endswith(")") and depth == 0 else text


def latex_fraction(value) -> str:
    """A fraction as ``\\frac{2}{3}`` (``-\\frac{1}{3}``)."""
    sign = "-" if value < 0 else ""
    return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def matrix_latex(e: M.MExpr) -> str:
    """LaTeX for a matrix expression, with the precedence of SPEC section 1."""
    text, _ = _latex(e)
    return text


@dataclass(frozen=True)
class _Infix:
    """A binary operator: its LaTeX, its precedence (the left operand's place: left-associative)
    and the precedence its right operand's place needs."""

    symbol: str
    own: int
    right: int


_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 0, 1, 2, 3, 5  # precedence levels (SPEC 1)
_INFIX = {
    M.Add: _Infix("+", _SUM, _PRODUCT),  # a + (b + c), a + b c
    M.Sub: _Infix("-", _SUM, _PRODUCT),
    M.MatMul: _Infix(r"\,", _PRODUCT, _POWER),  # A (B C): a product on the right is wrapped
    M.Hadamard: _Infix(r"\odot", _PRODUCT, _UNARY),
    M.ElemDiv: _Infix(r"\oslash", _PRODUCT, _UNARY),
}


def _sized(e: M.MExpr) -> str | None:
    """``I`` or ``1`` (or ``1^T``) of a number of rows written with it, ``I_{3}``,
    ``\\mathbf{1}_{2}^{\\top}``; None for anything else (a size name: ``\\mathbf{1}_{d2}``
    would read as an entry)."""
    inner = e.operand if isinstance(e, M.Transpose) else e
    if not isinstance(inner, (M.Identity, M.Ones)) or not isinstance(inner.dim, int):
        return None
    name = "I" if isinstance(inner, M.Identity) else r"\mathbf{1}"
    return f"{name}_{{{inner.dim}}}" + (r"^{\top}" if inner is not e else "")


def _lwrap(e: M.MExpr, level: int) -> str:
    text, own = _latex(e)
    return rf"\left({text}\right)" if own < level else text


def _latex(e: M.MExpr) -> tuple[str, int]:
    SUM, PRODUCT, UNARY, POWER, ATOM = _SUM, _PRODUCT, _UNARY, _POWER, _ATOM
    match e:
        case M.Name(name=name):
            return latex_name(name), ATOM
        case M.Number(value=value):
            huge = latex_float(value)  # 2^1031: \left(0.5 \cdot 2^{1032}\right); 10^{20}
            if huge is not None:  # 10^{20} is a power: (10^{20})^{a} as a base
                return huge, (POWER if huge.startswith("10^") else ATOM)
            text = M.format_number(value)
            if value.denominator != 1 and len(text) < len(str(value)):  # a decimal: 3.14159...
                return text, (UNARY if value < 0 else ATOM)
            if value.denominator != 1:
                return latex_fraction(value), PRODUCT
            return str(value), (UNARY if value < 0 else ATOM)
        case M.Identity(dim=dim, sized=True) if dim is not None:
            return f"I_{{{dim}}}", ATOM
        case M.Identity():
            return "I", ATOM
        case M.Ones():
            return r"\mathbf{1}", ATOM
        case M.Add() | M.Sub() | M.MatMul() | M.Hadamard() | M.ElemDiv():
            infix = _INFIX[type(e)]
            # (A \odot B) \, C: a factor after an explicit operator is refused when read back
            explicit = type(e) is M.MatMul and type(e.left) in (M.Hadamard, M.ElemDiv)
            left = _lwrap(e.left, infix.own + explicit)
            right = _lwrap(e.right, infix.right)
            if type(e) is M.MatMul and right == "1":  # x 1 reads as x times ones: refused
                right = r"\left(1\right)"
            if left.endswith(r"\sigma") and right.startswith((r"\left(", "(")):
                return f"{left} \\cdot {right}", infix.own  # \sigma \, (A) reads sigmoid(A)
            return f"{left} {infix.symbol} {right}", infix.own
        case M.Neg(operand=x):
            return f"-{_lwrap(x, UNARY)}", UNARY
        case M.Div(left=a, right=b):
            return rf"\frac{{{matrix_latex(a)}}}{{{matrix_latex(b)}}}", PRODUCT
        case M.ElemPow(base=b, exponent=p):
            return rf"{_lwrap(b, ATOM)}^{{\circ {matrix_latex(p)}}}", POWER
        case M.Power(base=b, exponent=p):
            return f"{_lwrap(b, ATOM)}^{{{matrix_latex(p)}}}", POWER
        case M.Transpose(operand=M.Inverse(operand=x)) | M.Inverse(operand=M.Transpose(operand=x)):
            return rf"{_lwrap(x, ATOM)}^{{-\top}}", POWER  # (X^\top)^{-1} = X^{-\top}
        case M.Transpose(operand=M.Entry(indices=indices) as x) if len(indices) > 1:
            return rf"\left({matrix_latex(x)}\right)^{{\top}}", POWER  # bare: refused when read
        case M.Transpose(operand=x):
            return rf"{_lwrap(x, ATOM)}^{{\top}}", POWER
        case M.Inverse(operand=x):
            return f"{_lwrap(x, ATOM)}^{{-1}}", POWER
        case M.Call(fn=fn, args=args) if fn in MATRIX:  # the record's LaTeX
            if MATRIX[fn].infix:  # parenthesised in any product: (B^T \otimes A) K reads one way
                sized = [_sized(a) for a in args]  # I \otimes 1: only their product sized
                if None in sized:  # kron(I, vec(A)): I sized by vec(A)'s pair (1*2: not 2)
                    sized = [_lwrap(a, POWER) for a in args]
                return MATRIX[fn].to_latex(tuple(sized)), SUM
            text = MATRIX[fn].to_latex(tuple(map(matrix_latex, args)))
            # \log\det\left(W\right)^{2} reads as log(det(W)^2): a composite is wrapped in powers
            return text, (UNARY if _COMPOSITE.match(MATRIX[fn].latex) else ATOM)
        case M.Call(fn=fn, args=(x,)) if fn in ELEMENTWISE and ELEMENTWISE[fn].braced:
            return rf"{ELEMENTWISE[fn].latex}{{{matrix_latex(x)}}}", ATOM
        case M.Call(fn=fn, args=(x,)):
            return rf"{_LATEX_FUNCTIONS[fn]}\left({matrix_latex(x)}\right)", ATOM
        case M.Entry(base=b, indices=indices):  # (...)_{(i,j) (l,k)}: always parenthesised
            text, _ = _latex(b)
            return rf"\left({text}\right)_{{{' '.join(map(M.show_index, indices))}}}", ATOM
        case M.KDelta(indices=indices):
            return rf"\delta_{{{' '.join(map(M.show_index, indices))}}}", ATOM
        case M.FiniteSum(var=var, lower=lower, upper=upper, body=body):
            bounds = f"_{{{latex_name(var)}={matrix_latex(lower)}}}^{{{matrix_latex(upper)}}}"
            # a product's level: a power of the sum is \left(\sum ...\right)^{2}, as a
            # paper's \sum_{r} (a + r)^2 is the sum of the squares (refused when read)
            return rf"\sum{bounds} \left({matrix_latex(body)}\right)", PRODUCT
    raise TypeError(f"no LaTeX for {type(e).__name__}")
