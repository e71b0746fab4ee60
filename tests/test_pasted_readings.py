"""Identities pasted from papers read as their authors meant, or refused with a reason.

Each reading is decided here with plain numpy: the value a careful reader means, written out,
against einderiv's value of the parsed text; and derivatives against central finite
differences of that numpy function.
"""

from __future__ import annotations

import re
import time
import warnings
from fractions import Fraction

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ReadAsEntrywise, ReadAsProduct, ReadAsScalar
from tests.fd import jacobian_fd
from tests.test_check_soundness import numerator_fd

X3 = np.array([1.0, -2.0, 4.0])


# -- sizes written on I and 1 ------------------------------------------------------------------


def test_a_vector_of_ones_with_its_size_is_that_vector():
    # x' 1_n 1_n' x = (sum x)^2: once 1_n was the entry ones[n], summed over n (14, not 9)
    e = ed.parse(r"\mathbf{x}^\top \mathbf{1}_n \mathbf{1}_n^\top \mathbf{x}")
    assert np.isclose(e(x=X3), X3.sum() ** 2)
    outer = ed.parse(r"\mathbf{1}_n\mathbf{1}_n^\top")  # the n-by-n matrix of ones
    assert len(outer.shape) == 2
    assert np.isclose(ed.parse(r"\mathbf{1}_3^\top x")(x=X3), X3.sum())


def test_the_centering_matrix_as_written_in_papers():
    # C = I_n - (1/n) 1_n 1_n'; x' C x = sum (x - mean x)^2, with gradient 2 (x - mean x)'
    text = r"\mathbf{x}^\top (I_n - \frac{1}{n}\mathbf{1}_n\mathbf{1}_n^\top) \mathbf{x}"
    c = ed.parse(r"I_n - \frac{1}{n}\mathbf{1}_n\mathbf{1}_n^\top", where="n: integer")
    assert np.allclose(c(n=3), np.eye(3) - np.ones((3, 3)) / 3)
    g = ed.diff(text, "x", where="n: integer")
    truth = numerator_fd(lambda x: x @ x - x.sum() ** 2 / len(x), {"x": X3}, "x")
    assert np.allclose(g(x=X3), truth)


def test_a_size_written_on_the_identity_is_kept():
    # I_2 x with x of length 3: the sizes do not fit (the 2 was dropped, and I was 3-by-3)
    with pytest.raises(ed.ShapeError, match="2 vs 3"):
        ed.parse(r"\, I_2 x", where="x: vector(3)")
    assert np.allclose(ed.parse(r"\, I_3 x", where="x: vector(3)")(x=X3), X3)


def test_index_notation_with_ones_still_reads_as_entries():
    # x_i 1_j (no transpose, as einderiv prints index forms): the outer product x 1'
    e = ed.parse(r"x_{i} \, \mathbf{1}_{j}", where="x: vector(n)")
    assert e.shape == ("n", "m")
    assert np.allclose(e(x=X3, m=2), np.outer(X3, np.ones(2)))


# -- names and calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [r"\mathrm{Softmax}(x)", r"\text{Sigmoid}(x)", r"\mathrm{GELU}\left(x\right)"]
)
def test_an_unknown_function_in_a_roman_font_is_refused(text):
    # was: an undeclared matrix Softmax times x, silently
    with pytest.raises(ed.ParseError, match="unknown function"):
        ed.parse(text)


def test_a_declared_roman_name_against_a_parenthesis_is_a_product():
    # lr (a + b) with lr declared a scalar: 2 (a + b) at lr = 2
    e = ed.parse(r"\mathrm{lr}(a + b)", where="lr: scalar; a: scalar; b: scalar")
    assert np.isclose(e(lr=2.0, a=1.5, b=-4.0), 2.0 * (1.5 - 4.0))


@pytest.mark.parametrize("text", [r"\mathbf{X}^ᵀ \mathbf{y}", r"\alpha^³", r"\, x^é"])
def test_a_unicode_symbol_after_a_caret_is_refused(text):
    # X^ᵀ was a power by an integer variable named ᵀ; \alpha^³ raised ValueError
    with pytest.raises(ed.ParseError, match="after '\\^'"):
        ed.parse(text)


@pytest.mark.parametrize("text", [r"\,a^0.²5", r"\mathbf{\,}_i", r"\mathbf{~}_i"])
def test_odd_latex_is_a_parse_error(text):
    # AttributeError and IndexError once
    with pytest.raises(ed.ParseError):
        ed.parse(text)


def test_an_identity_split_out_of_letters_is_the_identity():
    # x'Ix = x' x: gradient 2 x' (I was a free matrix variable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReadAsProduct)
        g = ed.diff("x'Ix", "x")
        value = ed.parse("x'Ix")(x=X3)
    assert np.isclose(value, X3 @ X3)
    assert np.allclose(g(x=X3), numerator_fd(lambda x: x @ x, {"x": X3}, "x"))


# -- constants beyond float64 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("2^20000 a", np.inf),  # exact, 6,021 digits: past what str() of an int may print
        ("10^-40000 a", 0.0),
        ("9^9^9 a", np.inf),  # 9^387420489: computing it exactly never ended
        ("10^-1e308 a", 0.0),
        ("2^1000 a", float(2**1000)),
    ],
)
def test_a_power_of_numbers_beyond_float64_stays_a_power(text, value):
    start = time.perf_counter()
    g = ed.diff(text, "a", where="a: scalar")
    assert time.perf_counter() - start < 5  # not a timing test: a hang guard
    with np.errstate(over="ignore"):
        assert g(a=1.0) == value
        back = ed.parse(str(g), where="a: scalar")
        assert back(a=1.0) == value


def test_a_product_of_huge_constants_evaluates_as_float64_does():
    # 1e308 written 15 times (4,620 digits exactly): inf, as numpy's product is
    text = " ".join(["1e308"] * 15) + " a"
    with np.errstate(over="ignore"):
        assert ed.diff(text, "a", where="a: scalar")(a=1.0) == np.prod([1e308] * 15)


@pytest.mark.parametrize(
    "text, value",
    [
        ("2^6001 / 2^6000 a", 2.0),  # 2^6001 alone stays a power: multiplied exactly, 2
        ("(1 + 2^-6000) (1 + 2^-6000) a", 1.0),  # exactly within 2^-5999 of 1
        ("(1 + 2^-3000)^4 a", 1.0),
    ],
)
def test_constants_past_float64_in_a_result_read_back(text, value):
    g = ed.diff(text, "a", where="a: scalar")
    assert g(a=1.0) == value
    for form in (str(g), g.latex()):
        assert ed.parse(form, where="a: scalar")(a=1.0) == value


# -- readings that are said ----------------------------------------------------------------


def test_a_matrix_one_norm_is_said_to_be_entrywise():
    # ||X||_1 of a matrix: the induced norm is the largest column sum; einderiv's is sum |X_ij|
    X = np.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.warns(ReadAsEntrywise, match="entrywise 1-norm"):
        e = ed.parse("||X||_1")
    assert np.isclose(e(X=X), np.abs(X).sum())


def test_sigma_squared_against_a_parenthesis_is_said_to_be_a_product():
    # \sigma^2(x) as \sin^2(x) would be sigmoid(x)^2; read as the variance sigma^2 times x
    with pytest.warns(ReadAsProduct, match="sigma\\^2"):
        e = ed.parse(r"\sigma^2(x)", where="x: scalar")
    assert np.isclose(e(sigma=3.0, x=0.5), 9.0 * 0.5)


_XM = np.array([[1.0, -2.0], [3.0, 4.0]])
_NORMS = {"F": np.sqrt((_XM**2).sum()), "2": np.sqrt(X3 @ X3), "1": np.abs(X3).sum()}


@pytest.mark.parametrize(
    "text, meant, key",
    [
        ("‖X‖F", "‖X‖_F", "F"),
        ("||X||F^2", "||X||_F", "F"),
        ("‖x‖2", "‖x‖_2", "2"),
        ("||x||1", "||x||_1", "1"),
        (r"\frac{1}{2}‖X‖F", "‖X‖_F", "F"),
    ],
)
def test_a_norm_subscript_flattened_by_a_pdf_is_refused(text, meant, key):
    # ‖X‖F copied from a PDF is ‖X‖_F = sqrt(sum X_ij^2); it was read norm2(X) times a matrix
    # F (‖x‖2 as 2 ‖x‖, where ‖x‖_2 or ‖x‖^2 is meant): now refused, the subscript spelt
    with pytest.raises(ed.ParseError, match=re.escape(meant)):
        ed.parse(text)
    value = {"X": _XM} if "X" in meant else {"x": X3}
    assert np.isclose(ed.parse(meant)(**value), _NORMS[key])


def test_a_factor_after_a_norm_with_a_space_is_a_product():
    # ‖x‖ y, a space apart, is the scalar ‖x‖ times the vector y; ‖x‖y is refused as ‖x‖F is
    y = np.array([0.5, -1.0, 2.0])
    assert np.allclose(ed.parse("‖x‖ y")(x=X3, y=y), np.sqrt(X3 @ X3) * y)
    with pytest.raises(ed.ParseError, match="with a space, for a product"):
        ed.parse("||x||y")


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f"])
def test_spaces_pasted_from_a_pdf_are_spaces(space):
    # x' A x with no-break or thin spaces: was "unexpected character"
    A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 2.0]])
    e = ed.parse(f"x'{space}A{space}x")
    assert np.isclose(e(x=X3, A=A), X3 @ A @ X3)


def test_index_latex_beside_a_transposed_matrix_still_reads_back():
    # d/dx_i sum(x)^2 / len(X') = 2 sum(x) / m for every i: printed as index LaTeX with
    # \mathbf{1}_{i} beside \operatorname{len}(X^\top), which must stay an entry, not a size
    where = "X: matrix(n, m); x: vector(n)"
    g = ed.diff("sum(x)^2 / len(X')", "x[i]", where=where)
    X, x = np.ones((3, 2)), X3
    truth = numerator_fd(lambda x: x.sum() ** 2 / 2, {"x": x}, "x")
    back = ed.parse(g.latex(), where=where, shape=g.shape)
    assert np.allclose(back(X=X, x=x), truth)
    # hand-written index text too: x_i 1_i (y' x) = sum(x) (y' x)
    y = np.array([0.5, -1.0, -2.0])
    e = ed.parse(r"x_i \mathbf{1}_i \, (y^\top x)")
    assert np.isclose(e(x=x, y=y), x.sum() * (y @ x))


@pytest.mark.parametrize(
    "text",
    [
        r"\mathrm{Softmax}\Big(x\Big)",
        r"\operatorname{GELU}\Big(x\Big)",
        r"\mathrm{MLP}\!\left(x\right)",
        r"\mathrm{Softmax}\left[x\right]",
    ],
)
def test_an_unknown_function_called_with_any_parenthesis_is_refused(text):
    with pytest.raises(ed.ParseError, match="unknown function"):
        ed.parse(text)


def test_a_roman_label_against_a_parenthesis_is_a_product():
    # \mathrm{W_1}(x + b): the weight matrix W_1 times x + b, as before
    W, x, b = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]]), X3, np.array([1.0, 1.0, -1.0])
    e = ed.parse(r"\mathrm{W_1}(x + b)")
    assert np.allclose(e(W_1=W, x=x, b=b), W @ (x + b))


@pytest.mark.parametrize(
    "text, value",
    [
        ("a * 3^1000 / 3^999", 3.0),  # exactly 3: the powers fold, as in exact arithmetic
        ("2^1101 / 2^1100 * a", 2.0),
        ("4^1000 / 2^1999 * a", 2.0),
        ("3^3000 / 2^5000 * a", float(Fraction(3**3000, 2**5000))),  # 1.6e-74: in range
        ("2^1050 * a", np.inf),  # past float64: inf, as numpy's 2.0 ** 1050 (was OverflowError)
        ("(2^600 a)^2", np.inf),
    ],
)
def test_constants_of_derivatives_evaluate_as_float64_does(text, value):
    with np.errstate(over="ignore"):
        assert ed.diff(text, "a", where="a: scalar")(a=1.0) == value


def test_a_scalar_named_as_a_size_is_said():
    # n in 1/n is another number than the size n of I_n unless declared an integer
    text = r"\mathbf{x}^\top (I_n - \frac{1}{n}\mathbf{1}_n\mathbf{1}_n^\top) \mathbf{x}"
    with pytest.warns(ReadAsScalar, match="n: integer"):
        ed.parse(text)
    x4 = np.array([1.0, 2.0, -1.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared: no note, and n is the size
        e = ed.parse(text, where="n: integer")
    assert np.isclose(e(x=x4), x4 @ x4 - x4.sum() ** 2 / 4)


@pytest.mark.parametrize(
    "text, value",
    [
        # a label subscript elsewhere leaves 1_n a size: (sum x)^2 = 36 (was 14 m, an entry)
        (r"\mathbf{x}_{t}^\top \mathbf{1}_n \mathbf{1}_n^\top \mathbf{x}_{t}", 36.0),
        (r"\mathbf{1}_n^\top \mathbf{x}_i", 6.0),
    ],
)
def test_ones_with_a_size_beside_labelled_names(text, value):
    e = ed.parse(text)
    (name,) = e.variables
    assert np.isclose(e(**{name: np.array([1.0, 2.0, 3.0])}), value)


@pytest.mark.parametrize(
    "text, fn",
    [
        # a negative thin space before the parenthesis: still the call, the power outside it
        (r"\exp\!\left(a\right)^2", lambda a, b: np.exp(a) ** 2),  # was exp(a^2)
        (r"\sin\!\left(a+b\right)^2", lambda a, b: np.sin(a + b) ** 2),  # was sin((a + b)^2)
    ],
)
def test_a_tightened_call_keeps_its_power_outside(text, fn):
    e = ed.parse(text, where="a: scalar; b: scalar")
    assert np.isclose(e(a=1.5, b=0.5), fn(1.5, 0.5))


@pytest.mark.parametrize(
    "text, fn",
    [
        # a transpose anywhere outside a call makes 1_n a size: (x - 1)'(x - 1), x' A 1, ...
        (
            r"(\mathbf{x} - \mathbf{1}_n)^\top (\mathbf{x} - \mathbf{1}_n)",
            lambda x, A: (x - 1) @ (x - 1),
        ),
        (r"\mathbf{x}^\top \mathbf{A} (\mathbf{x} - \mathbf{1}_n)", lambda x, A: x @ A @ (x - 1)),
        (r"\mathbf{A}^\top \mathbf{x} + \mathbf{1}_n", lambda x, A: A.T @ x + 1),
        (r"\mathbf{1}_n^\prime \mathbf{x}", lambda x, A: x.sum()),
    ],
)
def test_ones_with_a_size_in_matrix_notation(text, fn):
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 1.0, 1.0]])
    e = ed.parse(text)
    given = {k: v for k, v in {"x": X3, "A": A}.items() if k in e.variables}
    assert np.allclose(e(**given), fn(X3, A))


@pytest.mark.parametrize("space", [r"\,", r"\;", r"\ ", r"\quad", "~", r"\!"])
def test_spacing_before_a_call_keeps_the_power_outside(space):
    # \exp\,(a)^2 is exp(a)^2 (was exp(a^2)): spacing commands are read as nothing
    e = ed.parse(rf"\exp{space}\left(a\right)^2", where="a: scalar")
    assert np.isclose(e(a=0.7), np.exp(0.7) ** 2)


@pytest.mark.parametrize(
    "text, value",
    [
        ("a (1 + 2^-1100) 2^1100 - a 2^1100", 1.0),  # exactly 1: in float64, nan (inf 0)
        ("a (1 + 2^-1100) 3 - 3 a", float(Fraction(3, 2**1100))),  # 3 2^-1100: 0.0
        ("2^12001 / 2^12000 a", 2.0),
        ("2^1030 a^2", np.inf),  # 2^1031 prints as (0.5 2^1032): past float64, reads back
        ("-(2^1100) a", -np.inf),
    ],
)
def test_constants_are_exact_and_their_text_reads_back(text, value):
    g = ed.diff(text, "a", where="a: scalar")
    with np.errstate(over="ignore"):
        assert g(a=1.0) == value
        for form in (str(g), g.latex(), g.index()):
            assert ed.parse(form, where="a: scalar")(a=1.0) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("15e19 a", 15 * 10**19),  # printed 15e19 (was 21 digits); LaTeX 15 \cdot 10^{19}
        ("1e308 a", 10**308),  # 1e308, 10^{308} in LaTeX (was 309 digits)
        ("-25e40 a", -25 * 10**40),
        ("2^100 a", 2**100),  # no trailing zeros: all its digits
    ],
)
def test_large_integers_print_short_and_read_back_exactly(text, value):
    # a constant with many trailing zeros prints as mantissa and exponent, exactly
    g = ed.diff(text, "a", where="a: scalar")
    for form in (str(g), g.latex(), g.index()):
        assert len(form) < 40 and ed.parse(form)() == float(value)
    e = ed.parse(text, where="a: scalar")
    for form in (str(e), e.latex(), e.index()):
        assert len(form) < 40 and ed.parse(form, where="a: scalar")(a=-3.0) == -3.0 * value
    assert ed.check(text, "a", str(g), where="a: scalar").verdict == "right"  # exactly equal


def test_a_function_squared_of_a_vector_is_entrywise():
    # d tanh(W x)/dx = diag(1 - tanh^2(W x)) W, as papers write it: \tanh^2 of a vector is
    # entrywise (was a matrix power of a vector, "not well-formed", so the identity was wrong)
    W = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    e = ed.parse(r"\operatorname{diag}(1-\tanh^2(W\mathbf{x}))W")
    truth = numerator_fd(lambda x: np.tanh(W @ x), {"x": X3 / 4}, "x")
    assert np.allclose(e(W=W, x=X3 / 4), truth)


def test_an_operator_written_before_a_sum_is_refused():
    # d/dx a'x + b'x: (d/dx a'x) + b'x by precedence, or the sum's derivative as often meant
    with pytest.raises(ed.EinderivError, match="scope is unclear"):
        ed.check_identity(
            r"\frac{\partial}{\partial \mathbf{x}} \mathbf{a}^\top\mathbf{x} + \mathbf{b}^\top"
            r"\mathbf{x} = \mathbf{a}^\top + \mathbf{b}^\top"
        )


def test_an_equation_number_after_the_right_side_is_a_label():
    # d(x'x)/dx = x'  (2): false (the derivative is 2 x'); the (2) was read as a factor 2
    text = r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} = \mathbf{x}^\top"
    assert np.allclose(numerator_fd(lambda x: x @ x, {"x": X3}, "x"), 2 * X3)
    assert ed.check_identity(text + r" \quad (2)").verdict == "wrong"


@pytest.mark.parametrize(
    "document",
    [
        (
            r"$$\frac{d\,\mathbf{x}^\top\mathbf{y}}{d\mathbf{x}} = \mathbf{y}^\top"
            r" \quad \text{where } \mathbf{y} = \mathbf{A}\mathbf{x}$$"
        ),
        (
            r"$$\mathbf{y} = \mathbf{A}\mathbf{x}, \qquad"
            r" \frac{d\,\mathbf{x}^\top\mathbf{y}}{d\mathbf{x}} = \mathbf{y}^\top$$"
        ),
    ],
)
def test_a_definition_beside_an_identity_keeps_it_from_right(document):
    # with y = A x, d(x' y)/dx = x' (A + A') is not y' = x' A' (right only with y a constant)
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 1.0, 1.0]])
    truth = numerator_fd(lambda x: x @ A @ x, {"x": X3}, "x")
    assert not np.allclose(truth, A @ X3)
    assert [a.verdict for a in ed.audit(document)] == ["undecided"]


def test_a_spectral_norm_identity_is_not_right_by_the_frobenius_reading():
    # d||X||_2/dX = v1 u1' (spectral); X'/||X||_2 is the Frobenius norm's: undecided, said
    X = np.array([[2.0, 1.0], [0.0, 1.0]])
    u, _, vt = np.linalg.svd(X)
    spectral = np.outer(vt[0], u[:, 0])  # numerator layout
    fd = numerator_fd(lambda X: np.linalg.norm(X, 2), {"X": X}, "X")
    assert np.allclose(fd, spectral, atol=1e-6) and not np.allclose(fd, X.T / np.linalg.norm(X))
    text = (
        r"\frac{\partial \|\mathbf{X}\|_2}{\partial \mathbf{X}} = "
        r"\frac{\mathbf{X}^\top}{\|\mathbf{X}\|_2}"
    )
    with pytest.warns(ReadAsEntrywise):
        assert ed.check_identity(text).verdict == "undecided"


@pytest.mark.parametrize("call", [r"f'(\mathbf{x})", r"f' \left( \mathbf{x} \right)"])
def test_a_primed_function_letter_in_latex_is_said(call):
    # f'(x) in a paper is f's derivative; einderiv reads f transposed times x (an inner
    # product, as a'(x + y) in plain text): said, and kept (a check resting on it: undecided)
    with pytest.warns(ed.errors.ReadAsCall, match="derivative written f'"):
        e = ed.parse(call)
    f, x = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7, -1.1])
    assert np.isclose(e(f=f, x=x), f @ x)  # the reading, said, and kept for check
    assert e.readings and "derivative written f'" in e.readings[0]
    assert ed.parse(r"\mathbf{a}'(\mathbf{x}+\mathbf{y})").readings == ()  # bold: a vector


@pytest.mark.parametrize(
    "identity",
    [
        r"\frac{\partial h(\mathbf{x})}{\partial \mathbf{x}} = h \mathbf{I}",
        r"\frac{\partial f'(\mathbf{x})}{\partial \mathbf{x}} = f' \mathbf{I}",
        r"\frac{\partial g(\mathbf{x})}{\partial \mathbf{x}} = g(\mathbf{I})",
    ],
)
def test_a_function_letter_that_an_identity_makes_a_scalar_is_still_said(identity):
    # the identity's plain h is a scalar by typesetting convention, so h(x) read h x, and
    # d(h x)/dx = h I was "right" with no note; with h a function (h(x) = x'x, say) the
    # derivative is 2 x', not h(x) I: undecided, the reading said
    x = np.array([0.3, 0.7, -1.1])
    gradient = numerator_fd(lambda x: x @ x, {"x": x}, "x")
    assert np.allclose(gradient, 2 * x) and not np.allclose(gradient, x @ x)
    with pytest.warns(ed.errors.ReadAsCall, match="as the product"):
        assert ed.check_identity(identity).verdict == "undecided"
    declared = ed.check_identity(identity, where="h: scalar; f: scalar; g: scalar")
    assert declared.verdict == "right"  # declared by the user: a product, as written


def test_an_expression_parsed_before_check_keeps_its_other_reading():
    # ‖X‖_2 parsed first, then checked: X'/‖X‖_F is the Frobenius norm's derivative, not the
    # spectral norm's (v1 u1'); the reading is kept with the Expr, through diff and +, so the
    # verdict is undecided as for the text (was right)
    X = np.array([[2.0, 1.0], [0.0, 1.0]])
    fd = numerator_fd(lambda X: np.linalg.norm(X, 2) + np.trace(X), {"X": X}, "X")
    assert not np.allclose(fd, X.T / np.linalg.norm(X) + np.eye(2), atol=1e-3)
    with pytest.warns(ReadAsEntrywise):
        f = ed.parse(r"\|\mathbf{X}\|_2")
    assert f.readings and "Frobenius" in f.readings[0]
    frobenius = numerator_fd(lambda X: np.linalg.norm(X), {"X": X}, "X")
    assert np.allclose(ed.diff(f, "X")(X=X), frobenius, atol=1e-6)  # as read: Frobenius
    assert ed.check(f, "X", "X' / norm(X)").verdict == "undecided"
    assert ed.check(f + ed.parse("tr(X)"), "X", "X' / norm(X) + I").verdict == "undecided"
    assert ed.check("norm(X)", "X", ed.diff(f, "X")).verdict == "undecided"  # claim from f
    assert ed.check("norm(X)", "X", "X' / norm(X)").verdict == "right"  # no other reading
    assert ed.parse("norm(X)").readings == ()


@pytest.mark.parametrize(
    "document, verdict",
    [
        # x'(A + A')(I + A), written over two rows, is not d(x'Ax)/dx = x'(A + A') (the
        # second row, a factor, was dropped: right)
        (
            (
                r"\begin{multline}\frac{\partial \mathbf{x}^\top\mathbf{A}\mathbf{x}}{\partial"
                r" \mathbf{x}} = \mathbf{x}^\top(\mathbf{A}+\mathbf{A}^\top) \\"
                r" (\mathbf{I}+\mathbf{A})\end{multline}"
            ),
            "wrong",
        ),
        (
            (
                r"\begin{align}\frac{\partial \mathbf{x}^\top\mathbf{A}\mathbf{x}}{\partial"
                r" \mathbf{x}} &= \mathbf{x}^\top(\mathbf{A}+\mathbf{A}^\top) \\ &\quad"
                r" (\mathbf{I}+\mathbf{A})\end{align}"
            ),
            "wrong",
        ),
        # x' over one row, (A + A') on the next: the derivative, right (was wrong)
        (
            (
                r"\begin{multline}\frac{\partial \mathbf{x}^\top\mathbf{A}\mathbf{x}}{\partial"
                r" \mathbf{x}} = \mathbf{x}^\top \\ (\mathbf{A}+\mathbf{A}^\top)\end{multline}"
            ),
            "right",
        ),
    ],
)
def test_a_row_without_a_relation_goes_on_with_the_row_above(document, verdict):
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 1.0, 1.0]])
    truth = numerator_fd(lambda x: x @ A @ x, {"x": X3}, "x")
    assert np.allclose(truth, X3 @ (A + A.T))
    assert not np.allclose(truth, X3 @ (A + A.T) @ (np.eye(3) + A))
    assert [a.verdict for a in ed.audit(document)] == [verdict]


def test_ones_with_a_size_inside_a_trace():
    # tr(X' 1_n 1_n' X) = |X' 1|^2 (a scalar): the transposes inside tr(...) count, as the ones
    # are transposed (was tr(X' ones[n] ones[n]' X), a vector of entries)
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    e = ed.parse(r"\operatorname{tr}(\mathbf{X}^\top \mathbf{1}_n \mathbf{1}_n^\top \mathbf{X})")
    assert np.isclose(e(X=X), np.sum((X.T @ np.ones(3)) ** 2))


@pytest.mark.parametrize(
    "text, value",
    [
        # a minus inside norm bars is no sum after the operator (were refused as unclear)
        (
            (
                r"\frac{\partial}{\partial \mathbf{x}} \|\mathbf{x} - \mathbf{y}\|^2 = 2(\mathbf{x}"
                r" - \mathbf{y})^\top"
            ),
            "right",
        ),
        (r"\frac{\partial}{\partial a} |a - 1| = \operatorname{sign}(a - 1)", "right"),
        # a thin space before (2) is a product: 2 x', right
        (
            (
                r"\frac{\partial\, \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} = \mathbf{x}^\top"
                r" \, (2)"
            ),
            "right",
        ),
    ],
)
def test_identities_with_bars_and_thin_spaces(text, value):
    assert np.allclose(numerator_fd(lambda x: x @ x, {"x": X3}, "x"), 2 * X3)
    assert ed.check_identity(text, where="a: scalar").verdict == value


@pytest.mark.parametrize(
    "row",
    [r" \\ & \quad (2)", r" \\ \mathbf{A} \succ 0", r" \\ \mathbf{a} \in \mathbb{R}^n"],
)
def test_a_label_or_a_statement_on_the_next_row_is_not_a_factor(row):
    # d(x'x)/dx = 2 x' stays right whatever row follows that is no factor
    document = (
        r"\begin{align}\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} &= 2"
        r" \mathbf{x}^\top" + row + r"\end{align}"
    )
    assert [a.verdict for a in ed.audit(document)][:1] == ["right"]


def test_a_row_with_a_leading_and_a_trailing_label_labels_each_identity():
    # (C1) d(x'x)/dx = 2x'  (right)  d(a'x)/dx = x'  (C2)  (wrong: it is a'): the wrong one
    # carried (C1), and (C2) was lost
    a = np.array([0.5, -1.0, 2.0])
    assert not np.allclose(numerator_fd(lambda x: a @ x, {"x": X3}, "x"), X3)
    document = (
        r"$$ (C1) \quad \frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} ="
        r" 2\mathbf{x}^\top \qquad \frac{\partial \mathbf{a}^\top \mathbf{x}}{\partial"
        r" \mathbf{x}} = \mathbf{x}^\top \quad (C2) $$"
    )
    assert [(a.label, a.verdict) for a in ed.audit(document)] == [
        ("(C1)", "right"),
        ("(C2)", "wrong"),
    ]


@pytest.mark.parametrize(
    "sign", [r"\stackrel{\mathrm{def}}{=}", r"\overset{\Delta}{=}", r"\,:=\,", r"\eqqcolon"]
)
def test_a_definition_written_as_papers_do_keeps_an_identity_from_right(sign):
    # with r defined from x, d(x' r)/dx = r' is not shown right: d(x'Ax)/dx = x'(A + A')
    document = (
        r"$$\frac{\partial\, \mathbf{x}^\top \mathbf{r}}{\partial \mathbf{x}} = \mathbf{r}^\top,"
        rf" \quad \mathbf{{r}} {sign} \mathbf{{A}}\mathbf{{x}}$$"
    )
    assert [a.verdict for a in ed.audit(document)] != ["right"]


@pytest.mark.parametrize(
    "row", [r"&\qquad (\mathbf{A} \text{ symmetric})", r"&\qquad [\text{see } (3)]"]
)
def test_a_remark_row_in_parentheses_is_no_factor(row):
    # d(x'Ax)/dx = x'A + x'A' (right) followed by a remark in parentheses
    document = (
        r"\begin{align} \frac{\partial\, \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial"
        r" \mathbf{x}} &= \mathbf{x}^\top \mathbf{A} + \mathbf{x}^\top \mathbf{A}^\top \\ "
        + row
        + r" \end{align}"
    )
    assert [a.verdict for a in ed.audit(document)][:1] == ["right"]


def test_an_operator_before_a_difference_of_bars_is_refused():
    # d/da |a| - |b|: (d|a|/da) - |b| by precedence, or d(|a| - |b|)/da: unclear
    with pytest.raises(ed.EinderivError, match="scope is unclear"):
        ed.check_identity(
            r"\frac{\partial}{\partial a} |a| - |b| = \operatorname{sign}(a)",
            where="a: scalar; b: scalar",
        )


@pytest.mark.parametrize("power", ["^2", "^{2}", "^{-1}", " ^ 3"])
def test_a_power_after_a_finite_sums_body_is_refused(power):
    # \sum_{r=1}^{3} (a + r)^2 is the sum of the squares in a paper (50 at a = 2), where
    # einderiv's grammar ends the sum at its body and squared the sum (144): refused, both
    # spellings suggested
    with pytest.raises(ed.ParseError, match="sum of the squares"):
        ed.parse(rf"\sum_{{r=1}}^{{3}} \left(a + r\right){power}", where="a: scalar")


def test_the_sum_of_squares_and_the_square_of_a_sum_print_and_read_back_apart():
    # sum_{r=1}^{3} (a + r)^2 = 9 + 16 + 25 = 50 at a = 2; (sum_{r=1}^{3} (a + r))^2 = 144
    squares = sum((2.0 + r) ** 2 for r in range(1, 4))
    square = sum(2.0 + r for r in range(1, 4)) ** 2
    assert (squares, square) == (50.0, 144.0)
    for text, value, slope in [
        (r"\sum_{r=1}^{3} \left((a + r)^2\right)", squares, sum(2 * (2.0 + r) for r in (1, 2, 3))),
        (r"\left(\sum_{r=1}^{3} (a + r)\right)^2", square, 2 * 3 * sum(2.0 + r for r in (1, 2, 3))),
        (r"\sum_{r=1}^{3} (a + r)^\top", 12.0, 3.0),  # a transpose: either reading (linear)
    ]:
        e = ed.parse(text, where="a: scalar")
        g = ed.diff(e, "a")
        for form in (str(e), e.latex()):
            assert ed.parse(form, where="a: scalar")(a=2.0) == value, form
        for form in (str(g), g.latex()):
            assert np.isclose(ed.parse(form, where="a: scalar")(a=2.0), slope), form


def test_review_rv1_readings_and_refusals():
    # (10^20)^a: 1e16 at a = 0.8; its LaTeX printed 10^{20}^{a}, read back 10^(20^a)
    e = ed.parse("(1e20)^a", where="a: scalar")
    assert np.isclose(ed.parse(e.latex(), where="a: scalar")(a=0.8), 10 ** (20 * 0.8))
    # sum_r (X^r)^{-T}: the sum of inverse transposes in a paper; was the sum's: refused
    with pytest.raises(ed.ParseError, match="sum of the squares"):
        ed.parse(r"\sum_{r=1}^{2} (\mathbf{X}^{r})^{-\top}")
    X = np.array([[2.0, 1.0], [0.5, 3.0]])  # ^{T} after the body: a transpose, either reading
    assert np.allclose(ed.parse(r"\sum_{r=1}^{2} (\mathbf{X}^{r})^{T}")(X=X), (X + X @ X).T)
    # A_ij x_j (two new names, said): d/dx is 0 as read, A as meant; a claim 0 is not right
    where = "A: matrix(n, n); x: vector(n)"
    with pytest.warns(ed.errors.ReadAsName):
        assert ed.check("A_ij x_j", "x", claim="0", where=where).verdict == "undecided"
    # p(theta) in an identity: a function in a paper, read as a product: said, undecided
    with pytest.warns(ed.errors.ReadAsCall):
        assert ed.check_identity(r"\frac{\partial p(\theta)}{\partial \theta} = p").verdict == (
            "undecided"
        )
    for text in ("X + 2I(3)", "X^-H", "X^{-H}"):  # 2 I 3 = 6 I read silently; a power by H
        with pytest.raises(ed.ParseError):
            ed.parse(text)


def test_ones_with_a_size_after_a_bold_matrix_is_the_vector_of_ones():
    # X 1_n is the row sums of X (X m-by-n); \mathbf{1}_n was read as an entry, then refused
    X = np.arange(6.0).reshape(2, 3)
    e = ed.parse(r"\mathbf{X}\mathbf{1}_n", where="X: matrix(m, n)")
    assert np.allclose(e(X=X), X.sum(axis=1))


def _grad_fd(f, X):
    """The gradient of a scalar f at X (denominator layout: shaped like X), central FD."""
    return jacobian_fd(lambda Y: f(Y), {"Y": X}, "Y")


def test_a_sum_counter_in_a_bold_identity_is_no_variable():
    # Cookbook: d tr(A X^k)/dX = sum_{r=0}^{k-1} (X^r A X^(k-r-1))' (gradient); numpy at k = 3.
    # The bold convention made r (in a bold matrix's exponent) an integer variable, so the
    # sum's counter r clashed: a right identity was "wrong" (not well-formed)
    rng = np.random.default_rng(0)
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    mp = np.linalg.matrix_power
    claim = sum((mp(X, r) @ A @ mp(X, 2 - r)).T for r in range(3))
    assert np.allclose(_grad_fd(lambda Y: np.trace(A @ mp(Y, 3)), X), claim, atol=1e-6)
    left = r"\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X}^k)}{\partial \mathbf{X}} = "
    right = r"\sum_{r=0}^{k-1}(\mathbf{X}^r\mathbf{A}\mathbf{X}^{k-r-1})"
    ok = ed.check_identity(left + right + "^T", layout="denominator", where="k: integer")
    assert ok.verdict in ("right", "undecided")  # X^(k-r-1) at k < 1: inverses (see README)
    # without the transpose it is the numerator-layout form: wrong as a gradient
    assert not np.allclose(claim, claim.T)
    bad = ed.check_identity(left + right, layout="denominator", where="k: integer")
    assert bad.verdict == "wrong"


def test_a_spaced_partial_in_the_denominator_names_the_variable():
    # \partial\, \mathbf{X}: the thin space is typesetting; d tr(X'X)/dX = 2X (numpy FD),
    # was "the variable '\, \mathbf{X}' is not a variable name"
    X = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    assert np.allclose(_grad_fd(lambda Y: np.trace(Y.T @ Y), X), 2 * X, atol=1e-6)
    text = (
        r"\frac{\partial\, \mathrm{tr}(\mathbf{X}^\intercal\mathbf{X})}{\partial\, \mathbf{X}} = "
    )
    assert ed.check_identity(text + r"2\,\mathbf{X}", layout="denominator").verdict == "right"
    assert ed.check_identity(text + r"\mathbf{X}", layout="denominator").verdict == "wrong"
    spaced = r"\frac{\partial \operatorname{tr}(X^\top X)}{\partial\;X} = 2 X"
    assert ed.check_identity(spaced, layout="denominator").verdict == "right"


def test_a_transpose_t_in_a_text_font_is_a_transpose():
    # a' X^-T b, with the T set as papers set it: ^\mathsf{T}, ^{\rm T}, ^{\text{T}},
    # ^{\mathsf T}, ^{-\rm T} (each was a parse error: unknown \rm, 'T' not supported, '{')
    rng = np.random.default_rng(1)
    a, b, X = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((3, 3))
    want = a @ np.linalg.inv(X).T @ b
    for t, inv_t in [
        (r"^\mathsf{T}", r"^{-\mathsf{T}}"),
        (r"^{\rm T}", r"^{-\rm T}"),
        (r"^{\text{T}}", r"^{-\text{T}}"),
        (r"^{\mathsf T}", r"^{-\mathrm T}"),
        (r"^\mathrm T", r"^{-\textrm{T}}"),
    ]:
        e = ed.parse(rf"\mathbf{{a}}{t}\mathbf{{X}}{inv_t}\mathbf{{b}}")
        assert np.isclose(e(a=a, b=b, X=X), want), t
    # d a' X b / dX = a b' (gradient, numpy FD), with \mathsf{T} unbraced
    g = _grad_fd(lambda Y: a @ Y @ b, X)
    assert np.allclose(g, np.outer(a, b), atol=1e-6)
    text = r"\frac{\partial \mathbf{a}^\mathsf{T}\mathbf{X}\mathbf{b}}{\partial \mathbf{X}} = "
    assert ed.check_identity(text + r"\mathbf{a}\mathbf{b}^\mathsf{T}", layout="denominator")
    bad = ed.check_identity(text + r"\mathbf{b}\mathbf{a}^{\rm T}", layout="denominator")
    assert bad.verdict == "wrong"


# d tr(A X)/dX = A' (denominator layout: numpy finite differences below), as papers write it
# with tr bare: \operatorname{tr} A X. einderiv reads a bare tr as tr of the next symbol only
# (tr(A) X), with a note; under that reading the identity is wrong, under the paper's it is
# right, so the verdict rests on neither: undecided, never "wrong". With parentheses it is
# decided: right, and A for A' wrong.
def test_a_bare_trace_before_a_product_decides_nothing():
    A, X = np.random.default_rng(5).normal(size=(2, 3, 3))
    fd = np.array(
        [
            [(np.trace(A @ (X + e)) - np.trace(A @ (X - e))) / 2e-6 for e in row]
            for row in np.eye(9).reshape(3, 3, 3, 3) * 1e-6
        ]
    )
    assert np.allclose(fd, A.T, atol=1e-6)  # the paper's identity is right
    left = r"\frac{\partial \operatorname{tr} \mathbf{A}\mathbf{X}}{\partial \mathbf{X}}"
    paren = r"\frac{\partial \operatorname{tr}(\mathbf{A}\mathbf{X})}{\partial \mathbf{X}}"
    with pytest.warns(ed.errors.ReadAsBareCall):
        bare = ed.check_identity(left + r" = \mathbf{A}^\top", layout="denominator")
    assert bare.verdict == "undecided" and "other reading" in bare.reason
    assert ed.check_identity(paren + r" = \mathbf{A}^\top", layout="denominator").verdict == "right"
    assert ed.check_identity(paren + r" = \mathbf{A}", layout="denominator").verdict == "wrong"


# -- an identity pasted with its delimiters ----------------------------------------------------


@pytest.mark.parametrize(
    "wrap",
    [
        "$%s$",
        "$$%s$$",
        r"\[ %s \]",
        r"\( %s \)",
        r"\begin{equation} %s \end{equation}",
        r"\begin{align*} %s \end{align*}",
        "%s \\\\",  # an align row, its break at the end
    ],
)
def test_an_identity_pasted_with_its_delimiters_is_the_math_inside(wrap):
    # d(x' A x)/dx = x' (A + A') (numerator layout); 2 x' A is wrong unless A is symmetric.
    # Pasted as $...$, \[...\] or an align row (... &= ... \\), it was "the left side is not a
    # derivative such as dY/dX" (or '\\' an unknown command)
    rng = np.random.default_rng(28)
    x, A = rng.normal(size=3), rng.normal(size=(3, 3))
    truth = jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    assert np.allclose(x @ (A + A.T), truth, atol=1e-6)
    assert not np.allclose(2 * x @ A, truth, atol=1e-3)
    left = r"\frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x}} &= "
    right = ed.check_identity(wrap % (left + r"\mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)"))
    assert right.verdict == "right", right
    wrong = ed.check_identity(wrap % (left + r"2 \mathbf{x}^\top \mathbf{A}"))
    assert wrong.verdict == "wrong", wrong


@pytest.mark.parametrize(
    "row",
    [
        (
            r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} &= \mathbf{x}^\top & +"
            r" \mathbf{x}^\top"
        ),
        r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} &= 2 & \mathbf{x}^\top",
        (
            r"$\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}} = \mathbf{x}^\top &+"
            r" \mathbf{x}^\top$"
        ),
    ],
)
def test_an_align_column_after_the_right_side_is_not_read_into_it(row):
    # d(x'x)/dx = 2 x' (numpy central differences): the right side up to the '&' (x', 2) is
    # wrong, the row with the '&' read as a space (x' + x', 2 x') right. In an align, an '&'
    # after the relation's starts another column (a second equation, a remark), so a reading
    # is a guess: refused (was 'right', the '&' a space); the alignment at '=' still reads
    truth = numerator_fd(lambda x: x @ x, {"x": X3}, "x")
    assert np.allclose(truth, 2 * X3) and not np.allclose(truth, X3)
    with pytest.raises(ed.EinderivError, match="&"):
        ed.check_identity(row)
    left = r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial \mathbf{x}}"
    assert ed.check_identity(left + r" &= 2 \mathbf{x}^\top \\").verdict == "right"
