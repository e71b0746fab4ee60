"""The parser (SPEC section 1 and the ``where`` declarations; errors of section 5)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from einderiv.errors import EinderivError, ParseError
from einderiv.frontend.parse import MAX_DEPTH, parse_declarations, parse_expression
from einderiv.ir.matrix_ir import (
    Add,
    Bars,
    Call,
    Decl,
    Div,
    ElemDiv,
    ElemPow,
    Entry,
    FiniteSum,
    Hadamard,
    Identity,
    Inverse,
    KDelta,
    MatMul,
    Name,
    Neg,
    Number,
    Ones,
    Power,
    Sub,
    Transpose,
    show,
)

parse = parse_expression

A, B, C, X, Y = Name("A"), Name("B"), Name("C"), Name("X"), Name("Y")
a, b, c, k, x, y = Name("a"), Name("b"), Name("c"), Name("k"), Name("x"), Name("y")


def num(v) -> Number:
    return Number(Fraction(v))


def det(e):
    return Call("det", (e,))


def bars(e):  # |e| as parsed: det of a matrix, abs of a scalar, once the shape pass knows which
    return Bars(e)


# ---------------------------------------------------------------------------------------------
# every form of SPEC section 1

FORMS = [
    ("X", X),
    ("alpha_2", Name("alpha_2")),
    ("2", num(2)),
    ("0.5", num("0.5")),
    ("1e-3", num("1e-3")),
    (".5", num("0.5")),
    ("2.5E2", num(250)),
    ("I", Identity()),
    ("ones", Ones()),
    ("delta[i,j]", KDelta(("i", "j"))),
    ("A + B", Add(A, B)),
    ("A - B", Sub(A, B)),
    ("-A", Neg(A)),
    ("A * B", MatMul(A, B)),
    ("A @ B", MatMul(A, B)),
    ("A B", MatMul(A, B)),
    ("x' A x", MatMul(MatMul(Transpose(x), A), x)),
    ("2 x'", MatMul(num(2), Transpose(x))),
    ("2x", MatMul(num(2), x)),
    ("2k", MatMul(num(2), k)),
    ("A .* B", Hadamard(A, B)),
    ("A ./ B", ElemDiv(A, B)),
    ("A / a", Div(A, a)),
    ("2.*x", Hadamard(num(2), x)),
    ("X'", Transpose(X)),
    ("X''", Transpose(Transpose(X))),
    ("X^T", Transpose(X)),
    ("X^{T}", Transpose(X)),
    ("X.T", Transpose(X)),
    ("inv(X)", Inverse(X)),
    ("X^-1", Inverse(X)),
    ("X^{-1}", Inverse(X)),
    ("X^-T", Transpose(Inverse(X))),
    ("X^{-T}", Transpose(Inverse(X))),
    ("X^3", Power(X, num(3))),
    ("X^k", Power(X, k)),
    ("X^(k-1)", Power(X, Sub(k, num(1)))),
    ("X^{k-1}", Power(X, Sub(k, num(1)))),
    ("X^-2", Power(X, num(-2))),
    ("X^(2k)", Power(X, MatMul(num(2), k))),
    ("a^0.5", Power(a, num("0.5"))),
    ("a^-k", Power(a, Neg(k))),
    ("a^b^c", Power(a, Power(b, c))),
    ("A .^ 2", ElemPow(A, num(2))),
    ("A .^ -1", ElemPow(A, num(-1))),
    ("A .^ {k+1}", ElemPow(A, Add(k, num(1)))),
    ("A .^ (a b)", ElemPow(A, MatMul(a, b))),
    ("x.^2", ElemPow(x, num(2))),
    ("tr(X)", Call("tr", (X,))),
    ("det(X)", det(X)),
    ("logdet(X)", Call("logdet", (X,))),
    ("diag(x)", Call("diag", (x,))),
    ("sum(X)", Call("sum", (X,))),
    ("norm2(x)", Call("norm2", (x,))),
    ("exp(x)", Call("exp", (x,))),
    ("log(x)", Call("log", (x,))),
    ("sin(x) + cos(x)", Add(Call("sin", (x,)), Call("cos", (x,)))),
    ("tanh(x)", Call("tanh", (x,))),
    ("sqrt(a)", Call("sqrt", (a,))),
    ("sigmoid(x)", Call("sigmoid", (x,))),
    ("softplus(x)", Call("softplus", (x,))),
    ("exp (x)", Call("exp", (x,))),
    ("|X|", bars(X)),
    ("log|X|", Call("log", (bars(X),))),
    ("log |X|", Call("log", (bars(X),))),
    ("2 * |X|", MatMul(num(2), bars(X))),
    ("2 log|X|", MatMul(num(2), Call("log", (bars(X),)))),
    ("|X|^2", Power(bars(X), num(2))),
    ("X[i,j]", Entry(X, ("i", "j"))),
    ("x[i]", Entry(x, ("i",))),
    ("(A B)[i,j]", Entry(MatMul(A, B), ("i", "j"))),
    ("X'[i,j]", Entry(Transpose(X), ("i", "j"))),
    ("X[i,k] Y[k,j]", MatMul(Entry(X, ("i", "k")), Entry(Y, ("k", "j")))),
    ("a(b+c)", MatMul(a, Add(b, c))),
    ("a (b + c)", MatMul(a, Add(b, c))),
    ("A^T(x - y)", MatMul(Transpose(A), Sub(x, y))),
    ("x'A(x)", MatMul(MatMul(Transpose(x), A), x)),
    ("(x)(y)", MatMul(x, y)),
    ("I + ones ones'", Add(Identity(), MatMul(Ones(), Transpose(Ones())))),
    ("-2 x", MatMul(num(-2), x)),
    ("1/3 x", MatMul(num(Fraction(1, 3)), x)),
    ("x / 0", Div(x, num(0))),
    ("log(1 + exp(z))", Call("log", (Add(num(1), Call("exp", (Name("z"),))),))),
    ("tr(X' A X)", Call("tr", (MatMul(MatMul(Transpose(X), A), X),))),
    ("x\n + \n y", Add(x, y)),
    ("sum_{r=0}^{k-1}(X^r)", FiniteSum("r", num(0), Sub(k, num(1)), Power(X, Name("r")))),
]


@pytest.mark.parametrize("text, expected", FORMS, ids=[t for t, _ in FORMS])
def test_forms(text, expected):
    assert parse(text) == expected


def test_numbers_are_exact_fractions():
    assert parse("1e-3").value == Fraction(1, 1000)
    assert type(parse("0.1").value) is Fraction and parse("0.1").value == Fraction(1, 10)


PRECEDENCE = [
    ("-A B", MatMul(Neg(A), B)),
    ("-X^2", Neg(Power(X, num(2)))),
    ("-2^2", Neg(Power(num(2), num(2)))),
    ("x'^2", Power(Transpose(x), num(2))),
    ("A -B", Sub(A, B)),
    ("A - -B", Sub(A, Neg(B))),
    ("A * -B", MatMul(A, Neg(B))),
    ("A + B C", Add(A, MatMul(B, C))),
    ("A B + C", Add(MatMul(A, B), C)),
    ("A - B - C", Sub(Sub(A, B), C)),
    ("A - (B - C)", Sub(A, Sub(B, C))),
    ("A B C", MatMul(MatMul(A, B), C)),
    ("A .* B C", MatMul(Hadamard(A, B), C)),
    ("A B .* C", Hadamard(MatMul(A, B), C)),
    ("A / a b", MatMul(Div(A, a), b)),
    ("a / b / c", Div(Div(a, b), c)),
    ("2x^2", MatMul(num(2), Power(x, num(2)))),
    ("A B'", MatMul(A, Transpose(B))),
    ("(A B)'", Transpose(MatMul(A, B))),
    ("A^2'", None),
    ("X^2k", MatMul(Power(X, num(2)), k)),
    ("-x' y", MatMul(Neg(Transpose(x)), y)),
    ("--x", Neg(Neg(x))),
]


@pytest.mark.parametrize("text, expected", PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse(text)
    else:
        assert parse(text) == expected


def test_spans():
    text = "x' A x + tr(B)"
    e = parse(text)
    assert e.span == (0, len(text))
    assert text[slice(*e.left.span)] == "x' A x"
    assert text[slice(*e.right.span)] == "tr(B)"
    assert text[slice(*e.left.left.left.span)] == "x'"
    assert text[slice(*e.left.left.left.operand.span)] == "x"
    e = parse("(A B)[i,j]")
    assert e.span == (0, 10) and e.base.span == (1, 4)
    e = parse("2 log|X|")
    assert e.right.span == (2, 8) and e.right.args[0].span == (5, 8)


def test_spans_do_not_affect_equality():
    assert parse("A+B") == parse("A   +   B")
    assert hash(parse("A+B")) == hash(parse("(A) + (B)"))


ROUND_TRIP = [
    "x' A x",
    "tr(X' A X)",
    "-A B",
    "-X^2",
    "x'^2",
    "A - (B - C)",
    "A (B C)",
    "X^-T + inv(X)",
    "X^(k-1) + X^-2",
    "a^(b^c)",
    "(a^b)^c",
    "(-x)^2",
    "A .^ (k + 1)",
    "A .* -B ./ C",
    "A / (a b)",
    "1/3 x - 2 y",
    "x (-2)",
    "a + -2",
    "log|X| + log(det(Y))",
    "2 |X' A X| X^-1",
    "|A| |B| + ||X| A|",
    "(X')[i,j] Y[j,k] delta[k,l]",
    "(A + B)^-T",
    "exp(-x' x / 2) / sqrt(2)",
    "I + ones ones'",
    "1e-30 x + 0.125",
    "sigmoid(A x) .* (1 - sigmoid(A x))",
    "--x",
    "x / 0",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_show_reads_back(text):
    e = parse(text)
    assert parse(show(e)) == e


# ---------------------------------------------------------------------------------------------
# finite sums: sum_{r=lower}^{upper}(body), as show prints FiniteSum

r, n = Name("r"), Name("n")
K_1 = Sub(k, num(1))
XR = Power(X, r)

FINITE_SUMS = [
    (
        "sum_{r=0}^{k-1}((X^r)[i,l] (X^(k-1-r))[k,j])",
        FiniteSum(
            "r",
            num(0),
            K_1,
            MatMul(Entry(XR, ("i", "l")), Entry(Power(X, Sub(K_1, r)), ("k", "j"))),
        ),
    ),
    ("sum_{r=0}^{k-1} (X^r)", FiniteSum("r", num(0), K_1, XR)),
    ("sum_{ r = 0 }^{ k - 1 }  ( X^r )", FiniteSum("r", num(0), K_1, XR)),
    ("sum_{r=0}^n(X^(-r-1))", FiniteSum("r", num(0), n, Power(X, Sub(Neg(r), num(1))))),
    ("sum_{r=0}^n (X^r)", FiniteSum("r", num(0), n, XR)),
    ("sum_{r=0}^3(X^r)", FiniteSum("r", num(0), num(3), XR)),
    ("sum_{r=0}^(k-1)(X^r)", FiniteSum("r", num(0), K_1, XR)),
    ("sum_{r=0}^nn(X^r)", FiniteSum("r", num(0), Name("nn"), XR)),  # not a call of nn
    ("sum_{r=1}^{k}(X^r)", FiniteSum("r", num(1), k, XR)),
    ("sum_{r=-k}^{-1}(X^r)", FiniteSum("r", Neg(k), num(-1), XR)),
    (
        "sum_{idx=a b}^{2k}(X^idx)",
        FiniteSum("idx", MatMul(a, b), MatMul(num(2), k), Power(X, Name("idx"))),
    ),
    ("sum_{r=0}^{k-1}(X^r)'", Transpose(FiniteSum("r", num(0), K_1, XR))),
    ("sum_{r=0}^{k-1}(X^r)[i,j]", Entry(FiniteSum("r", num(0), K_1, XR), ("i", "j"))),
    ("sum_{r=0}^{k-1}(X^r)^2", Power(FiniteSum("r", num(0), K_1, XR), num(2))),
    (
        "2 sum_{r=0}^{k-1}(X^r) A",
        MatMul(MatMul(num(2), FiniteSum("r", num(0), K_1, XR)), A),
    ),
    ("A sum_{r=0}^n(X^r)", MatMul(A, FiniteSum("r", num(0), n, XR))),
    ("-sum_{r=0}^n(X^r)", Neg(FiniteSum("r", num(0), n, XR))),
    ("tr(sum_{r=0}^n(X^r))", Call("tr", (FiniteSum("r", num(0), n, XR),))),
    ("a^sum_{r=0}^n(r)", Power(a, FiniteSum("r", num(0), n, r))),
    (
        "sum_{r=0}^n(sum_{s=0}^{r}(X^s))",
        FiniteSum("r", num(0), n, FiniteSum("s", num(0), r, Power(X, Name("s")))),
    ),
    ("sum_{r=0}^n(r(x))", FiniteSum("r", num(0), n, MatMul(r, x))),
]


@pytest.mark.parametrize("text, expected", FINITE_SUMS, ids=[t for t, _ in FINITE_SUMS])
def test_finite_sum(text, expected):
    assert parse(text) == expected


FINITE_SUM_SHOWN = [
    "sum_{r=0}^{k - 1}((X^r)[i,l] (X^(k - 1 - r))[k,j])",
    "sum_{r=0}^{n}(X^(-r - 1))",
    "2 sum_{r=0}^{k - 1}(X^r) A",
    "sum_{r=-k}^{-1}(X^r)",
    "sum_{r=0}^{n}(sum_{s=0}^{r}(X^s))'",
    "sum_{r=0}^{n}(X^r)^2 + sum(X)",
]


@pytest.mark.parametrize("text", FINITE_SUM_SHOWN)
def test_finite_sum_show_is_the_input(text):
    assert show(parse(text)) == text


@pytest.mark.parametrize("text", [t for t, _ in FINITE_SUMS])
def test_finite_sum_reads_back(text):
    e = parse(text)
    assert parse(show(e)) == e


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sum(X)", Call("sum", (X,))),
        ("sum (X)", Call("sum", (X,))),
        ("sum(X) sum_x", MatMul(Call("sum", (X,)), Name("sum_x"))),
        ("sum_x", Name("sum_x")),
        ("sum_x^2 + sum_", Add(Power(Name("sum_x"), num(2)), Name("sum_"))),
        ("summary", Name("summary")),
        ("sum_x(y)", MatMul(Name("sum_x"), y)),  # declared below
        ("x_sum_{r}", None),
    ],
)
def test_sum_names_are_not_finite_sums(text, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse(text)
    else:
        assert parse(text, declared=frozenset({"sum_x"})) == expected


def test_finite_sum_spans_and_depth():
    text = "2 sum_{r=0}^{k-1}(X^r) A"
    e = parse(text)
    s = e.left.right
    assert text[slice(*s.span)] == "sum_{r=0}^{k-1}(X^r)"
    assert text[slice(*s.upper.span)] == "k-1"
    assert text[slice(*s.body.span)] == "X^r"
    s = parse("sum_{r=0}^n (X)")
    assert s.span == (0, 15) and s.upper.span == (10, 11)
    nested = "sum_{r=0}^n(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert isinstance(parse(nested), FiniteSum)
    with pytest.raises(EinderivError, match=r"depth 401; the limit is 400"):
        parse("sum_{r=0}^n(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)


@pytest.mark.parametrize(
    "text, column, expected, message",
    [
        ("sum_{r}^{k}(X)", 7, "'='", "unexpected '}' (a finite sum is written sum_{r=0}^{k-1}"),
        ("sum_{=0}^{k}(X)", 6, "a name", "unexpected '='"),
        ("sum_{r=0}(X)", 10, "'^'", "unexpected '('"),
        ("sum_{r=0}^{k}", 14, "'('", "the body in parentheses"),
        ("sum_{r=0}^{k} X", 15, "'('", "the body in parentheses"),
        ("sum_{r=0}^k-1(X)", 12, "'('", "the upper bound in braces unless it is one atom"),
        ("sum_{r=0^{k}(X)", 16, "'}'", "unexpected end of input"),
        ("sum_{r=0}^{k}()", 15, "an operand", "unexpected ')'"),
        ("sum_{r=0}^{k}(X, Y)", 16, "')'", "unexpected ','"),
        ("sum_ {r=0}^{k}(X)", 6, "end of input", "unexpected '{'"),
        ("sum_{I=0}^{k}(X)", 6, None, "'I' cannot be a summation variable"),
        ("sum_{T=0}^{k}(X^T)", 6, None, "'T' cannot be a summation variable"),
    ],
)
def test_finite_sum_errors(text, column, expected, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert (err.line, err.column) == (1, column) and caret_column(err) == column
    assert message in str(err)
    if expected is not None:
        assert expected in err.expected
    assert not any(e.isupper() for e in err.expected)


# What a ParseError says was expected is written in the user's words: a token as typed, in
# quotes, or a phrase; never a grammar terminal's name ("norm_open", "sup", "top" leaked).
_PHRASES = {"a name", "a number", "a function call", "a new line", "end of input", "an operand"}
_PHRASES |= {"an operator", "a superscript"}


@pytest.mark.parametrize("text", ["x +", "X^", "||x||_2 ]", "X⊤ )", "x ⊙", "tr(X", "(x ||"])
def test_expected_tokens_are_written_as_a_user_writes_them(text):
    with pytest.raises(ParseError) as info:
        parse_expression(text)
    expected = info.value.expected
    assert expected and all(e[0] in "'\"" or e in _PHRASES for e in expected), expected


# ---------------------------------------------------------------------------------------------
# names written against "(": functions, products, unknown functions


def test_declared_name_against_paren_is_a_product():
    assert parse("alpha(x + y)", declared=frozenset({"alpha"})) == MatMul(Name("alpha"), Add(x, y))
    assert parse("alpha (x + y)") == MatMul(Name("alpha"), Add(x, y))


@pytest.mark.parametrize(
    "text, message",
    [
        ("tracee(X)", "unknown function 'tracee'; did you mean 'trace'?"),
        ("2 + logdett(X)", "unknown function 'logdett'; did you mean 'logdet'?"),
        ("foo(x)", "unknown function 'foo'"),
    ],
)
def test_unknown_function(text, message):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert message in str(err)
    assert err.column == text.index(message.split("'")[1]) + 1
    assert err.context.splitlines()[1].index("^") - 2 == err.column - 1


# ---------------------------------------------------------------------------------------------
# bars: juxtaposition with |...|; a '|' opens or closes by context (see the grammar)

BARS = [
    ("2 |X|", MatMul(num(2), bars(X))),
    (
        "2 |X' A X| X^-1",
        MatMul(MatMul(num(2), bars(MatMul(MatMul(Transpose(X), A), X))), Inverse(X)),
    ),
    ("|X| X^-1", MatMul(bars(X), Inverse(X))),
    ("k |X^k| X^-1", MatMul(MatMul(k, bars(Power(X, k))), Inverse(X))),
    ("|A| |B|", MatMul(bars(A), bars(B))),
    ("x' A x |X|", MatMul(MatMul(MatMul(Transpose(x), A), x), bars(X))),
    ("| -X |", bars(Neg(X))),
    ("|(A)|", bars(A)),
    ("||X| A|", bars(MatMul(bars(X), A))),
    ("|X'|", bars(Transpose(X))),
    ("|X.T|", bars(Transpose(X))),
    ("|X[i,j]|", bars(Entry(X, ("i", "j")))),
    ("|X^{2}|", bars(Power(X, num(2)))),
    ("|2|", bars(num(2))),
    ("|a |B| c|", MatMul(MatMul(bars(a), B), bars(c))),  # documented: write |a det(B) c|
    ("|a det(B) c|", bars(MatMul(MatMul(a, det(B)), c))),
    ("X^|A|", Power(X, bars(A))),
    ("log|X|", Call("log", (bars(X),))),
    ("log |X| |Y|", MatMul(Call("log", (bars(X),)), bars(Y))),
    ("|log|X||", bars(Call("log", (bars(X),)))),
    ("2 log|X| |Y|^2", MatMul(MatMul(num(2), Call("log", (bars(X),))), Power(bars(Y), num(2)))),
    ("|X|\n|Y|", MatMul(bars(X), bars(Y))),
]


@pytest.mark.parametrize("text, expected", BARS, ids=[t for t, _ in BARS])
def test_bars(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "juxtaposed, starred",
    [
        ("2 |X|", "2 * |X|"),
        ("2 |X' A X| X^-1", "2 * |X' A X| * X^-1"),
        ("k |X^k| X^-1", "k * |X^k| * X^-1"),
        ("|A| |B|", "|A| * |B|"),
        ("x' A x |X|", "x' A x * |X|"),
        ("||X| A|", "| |X| * A |"),
    ],
)
def test_bar_juxtaposition_is_a_product(juxtaposed, starred):
    assert parse(juxtaposed) == parse(starred)


def test_bar_spans():
    text = "2 |X' A X| X^-1"
    e = parse(text)
    assert e.span == (0, len(text))
    assert text[slice(*e.left.span)] == "2 |X' A X|"
    assert text[slice(*e.left.right.span)] == "|X' A X|"
    assert text[slice(*e.left.right.operand.span)] == "X' A X"
    text = "||X| A|"
    e = parse(text)
    assert e.span == (0, 7) and e.operand.span == (1, 6) and e.operand.left.span == (1, 4)


@pytest.mark.parametrize(
    "text, column",
    [
        ("|X", 1),
        ("X|", 2),
        ("|X| |", 5),
        ("||X|", 1),
        ("|A| |B| |", 9),
        ("log |X", 5),
        ("|", 1),
        ("|A |X||", 7),  # |A| X | |: a bar after an operand closes; write |A det(X)|
    ],
)
def test_unmatched_bar(text, column):
    with pytest.raises(ParseError, match=r"unmatched '\|'") as info:
        parse(text)
    err = info.value
    assert text[err.column - 1] == "|"
    assert err.column == column and caret_column(err) == column


# ---------------------------------------------------------------------------------------------
# syntax errors: line, column, caret, expected


def caret_column(err: ParseError) -> int:
    return err.context.splitlines()[1].index("^") - 1  # context lines are indented by 2


@pytest.mark.parametrize(
    "text, line, column, expected",
    [
        ("tr(X", 1, 5, "')'"),
        ("X +* Y", 1, 4, "an operand"),
        ("A ]", 1, 3, "end of input"),
        ("x' A x +\n  * y", 2, 3, "an operand"),
        ("X[i", 1, 4, "']'"),
        ("X^", 1, 3, "'{'"),
        ("x $ y", 1, 3, "an operator"),
        ("tr(X, Y)", 1, 5, "')'"),
        ("|X", 1, 1, "'|'"),
        ("X|", 1, 2, "'|'"),
        ("|X| |", 1, 5, "'|'"),
        ("log|X", 1, 4, "'|'"),
        ("2 |X|\n + |Y", 2, 4, "'|'"),
        ("|(X|)", 1, 4, "')'"),
    ],
)
def test_syntax_errors(text, line, column, expected):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert caret_column(err) == column
    assert expected in err.expected
    assert f"line {line}, column {column}" in str(err)
    assert err.context.splitlines()[0].strip() == text.splitlines()[line - 1].strip()
    assert not any(e.isupper() for e in err.expected)  # human names, not lark terminal names


def test_error_messages_are_specific():
    with pytest.raises(ParseError, match=r"unmatched '\|'"):
        parse("2 |X| |")
    with pytest.raises(ParseError, match="one argument"):
        parse("tr(X, Y)")
    with pytest.raises(ParseError, match="delta takes two or more indices"):
        parse("delta[i]")
    with pytest.raises(ParseError, match="out of range"):
        parse("1e999999999")


def test_what_names_the_text():
    with pytest.raises(ParseError, match="cannot parse the claim") as info:
        parse("A +", what="claim")
    assert info.value.what == "claim"


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty(text):
    with pytest.raises(ParseError, match="empty expression"):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10_000 + "x" + ")" * 10_000,
        "-(" * 10_000 + "x" + ")" * 10_000,
        "exp(" * 10_000 + "x" + ")" * 10_000,
        "x" + "'" * 10_000,
        "x" + " + x" * 10_000,
        "|" * 10_000 + "x" + "|" * 10_000,
        "(" * 10_000,
        "x^" * 10_000 + "2",
        # LaTeX groups: each group's closing brace is found once for the text (each group
        # scanned the rest of the text for it: 20,000 nested \sqrt{ took minutes)
        "\\sqrt{" * 20_000 + "x" + "}" * 20_000,
        "\\frac{" * 10_000 + "x" + "}{2}" * 10_000,
        "\\mathbf{" * 10_000 + "x" + "}" * 10_000,
        "\\sqrt{" * 1_000 + "x" + " " * 100_000 + "}" * 1_000,
    ],
)
def test_deep_nesting_never_recurses(text):
    try:
        e = parse(text)
    except EinderivError as err:
        said = "nested too deeply" in str(err) or "too long a chain" in str(err)  # x + x ...
        assert said or isinstance(err, ParseError)
    else:
        assert e == x


def test_depth_limit():
    ok = "-(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert isinstance(parse(ok), Neg)
    with pytest.raises(EinderivError, match=r"depth 401; the limit is 400"):
        parse("-(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)


ALPHABET = "xXAk2.5e-+*/@^'|()[]{},;: \nIT" + "\x00é"
TOKENS = ["x", "A", "X", "2", "0.5", "+", "-", "*", "@", ".*", "./", "/", "^", ".^", "'", ".T"]
TOKENS += ["(", ")", "[i,j]", "{", "}", "|", "log|", "tr(", "exp(", "inv(", "foo(", "a(", " "]
TOKENS += ["sum_{", "r=", "=", "}^", "sum(", "sum_x", "n("]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(ALPHABET, max_size=30), st.lists(st.sampled_from(TOKENS)).map("".join)))
def test_any_string_parses_or_raises_einderiv_error(text):
    try:
        e = parse(text)
    except EinderivError as err:
        if isinstance(err, ParseError):
            assert err.line >= 1 and err.column >= 1
        return
    assert parse(show(e)) == e


# ---------------------------------------------------------------------------------------------
# declarations


def test_declarations():
    text = "X: matrix(m, n); S: symmetric(n)\n x: vector(n); a: scalar; k: integer"
    assert parse_declarations(text) == (
        Decl("X", "matrix", ("m", "n")),
        Decl("S", "symmetric", ("n", "n")),
        Decl("x", "vector", ("n",)),
        Decl("a", "scalar"),
        Decl("k", "integer"),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ()),
        (" ;\n; \n", ()),
        ("A: matrix(3, n);;\n", (Decl("A", "matrix", (3, "n")),)),
        ("X, Y: matrix(n, n)", (Decl("X", "matrix", ("n", "n")), Decl("Y", "matrix", ("n", "n")))),
        (
            "A: matrix; v: vector; S: symmetric",
            (Decl("A", "matrix"), Decl("v", "vector"), Decl("S", "symmetric")),
        ),
        ("S: symmetric(n, n)", (Decl("S", "symmetric", ("n", "n")),)),
        ("A: matrix(m,\n  n)\n\nb: scalar", (Decl("A", "matrix", ("m", "n")), Decl("b", "scalar"))),
        ("X,\nY: scalar", (Decl("X", "scalar"), Decl("Y", "scalar"))),
    ],
)
def test_declaration_forms(text, expected):
    assert parse_declarations(text) == expected


def test_declaration_spans():
    text = "a: scalar; X: matrix(m, n)"
    second = parse_declarations(text)[1]
    assert text[slice(*second.span)] == "X: matrix(m, n)"


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("X: matrx(n, n)", "unknown kind 'matrx'; did you mean 'matrix'?", 4),
        ("x: vector(m, n)", "'vector' takes one dimension, not 2", 11),
        ("X: matrix(n)", "'matrix' takes two dimensions, not 1", 11),
        ("a: scalar(n)", "'scalar' takes no dimensions", 11),
        ("X: matrix(0, n)", "positive integer", 11),
        ("X: matrix(2.5, n)", "positive integer", 11),
        ("S: symmetric(m, n)", "square", 14),
        ("X: scalar; X: matrix", "'X' is declared twice", 12),
        ("X, X: scalar", "'X' is declared twice", 4),
        ("I: matrix", "'I' is reserved", 1),
        ("a: scalar b: scalar", "unexpected name 'b'", 11),
        ("X matrix", "unexpected name 'matrix'", 3),
        ("X: matrix(m n)", "unexpected name 'n'", 13),
    ],
)
def test_declaration_errors(text, message, column):
    with pytest.raises(ParseError) as info:
        parse_declarations(text)
    err = info.value
    assert message in str(err)
    assert err.what == "declarations" and "cannot parse the declarations" in str(err)
    assert err.column == column and caret_column(err) == column


def test_declaration_error_on_second_line():
    with pytest.raises(ParseError) as info:
        parse_declarations("a: scalar\nx: vectr(n)")
    assert (info.value.line, info.value.column) == (2, 4)
    assert "did you mean 'vector'" in str(info.value)


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        parse("A +")
    with pytest.raises(ValueError):
        parse_declarations("X: matrix(n)")


@pytest.mark.parametrize("text, column", [("tr", 1), ("log + exp", 1), ("sum", 1), ("2 exp x", 3)])
def test_a_function_name_without_parentheses_is_refused(text, column):
    # exp alpha was the product of a vector named exp and alpha: a function needs its "("
    with pytest.raises(ParseError, match="is a function: write") as info:
        parse(text)
    assert info.value.column == column
    assert parse("exp x", declared=frozenset({"exp"})) == MatMul(Name("exp"), x)  # a declared name


def test_two_numbers_written_together_are_refused():
    # 1.2.3 was read as 1.2 times 0.3 = 0.36: a number has one decimal point
    with pytest.raises(ParseError, match="one decimal point") as info:
        parse("1.2.3 x")
    assert info.value.column == 4
    assert parse("1.2 .3") == MatMul(num("1.2"), num("0.3"))  # apart: a product, as written


@pytest.mark.parametrize("text", [r"\mathbf{}_n", r"\mathbf{ }_{m,n}", r"\boldsymbol{} + x"])
def test_an_empty_font_group_is_a_parse_error(text):
    # \mathbf{} has no symbol to make bold (it was an IndexError)
    with pytest.raises(ParseError, match=r"empty font group"):
        parse(text)


def test_an_entry_subscript_ending_in_a_comma_says_so():
    # x_{i,} was "unexpected ']'", a character the text does not have
    with pytest.raises(ParseError, match=r"ends with ','"):
        parse(r"x_{i,} x_{i,}")


# A transpose right after an exponent (X^2', X^-1') was "unexpected \"'\"" with no reason; the
# message now spells both readings, and both spellings read: (X^2)' = X'^2 = X' X'.
@pytest.mark.parametrize("text", ["X^2'", "X^-1'", "X^(k-1)'", "x .^ 2'", "X^2.T"])
def test_a_transpose_after_an_exponent_says_how_to_write_it(text):
    with pytest.raises(ParseError, match=r"transpose right after an exponent.*\(X\^2\)'"):
        parse_expression(text)


def test_the_spellings_the_transpose_hint_offers_read():
    import numpy as np

    import einderiv as ed

    X = np.random.default_rng(1).normal(size=(3, 3))
    for text in ("(X^2)'", "X'^2"):
        assert np.allclose(ed.parse(text)(X=X), X.T @ X.T)
