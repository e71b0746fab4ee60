"""Refusals that say what is wrong: the hint of an error names the real mistake.

Each test: a mistaken input is refused with a message that says what it is; the spelling the
message suggests gives the derivative meant, checked against finite differences of plain numpy.
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import jacobian_fd

import einderiv as ed

RNG = np.random.default_rng(2323)


@pytest.mark.parametrize(
    "wrt, what", [("exp", "a function"), ("tr", "a function"), ("I", "the identity matrix")]
)
def test_differentiating_by_a_function_says_it_is_one(wrt, what):
    # --wrt exp said "exp is not a variable of the expression; did you mean x?": exp is no
    # misspelt x, it is a function
    with pytest.raises(ed.EinderivError) as info:
        ed.diff("exp(x)' a + tr(X)", wrt)
    assert f"{wrt} is {what}, not a variable" in str(info.value)
    assert "did you mean" not in str(info.value)
    # by the variable meant: d(exp(x)' a)/dx = (exp(x) .* a)'
    x, a = RNG.normal(size=3), RNG.normal(size=3)
    g = ed.diff("exp(x)' a", "x")
    expected = jacobian_fd(lambda x, a: np.exp(x) @ a, {"x": x, "a": a}, "x")
    np.testing.assert_allclose(g(x=x, a=a), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("where", [None, "k: integer", "k: scalar"])
def test_a_matrix_power_of_a_power_says_how_powers_group(where):
    # X^(-1)^k is X^((-1)^k) (powers group from the right), refused: its exponent is no
    # integer einderiv reads. Undeclared, k was "taken as a vector: declare `k: scalar`", and
    # declared a scalar or an integer, "(-1)^k is not one": neither says that (X^-1)^k is meant
    with pytest.raises(ed.EinderivError) as info:  # refused as written (see below)
        ed.diff("tr(X^(-1)^k)", "X", where=where)
    message = str(info.value)
    assert "powers group from the right" in message and "`(X^(-1))^k`" in message
    assert "vector" not in message and "k: scalar" not in message
    # the spelling suggested: d tr(X^-k)/dX = -k X^(-k-1), here at k = 3 by differences
    X = np.eye(3) + 0.3 * RNG.normal(size=(3, 3))
    g = ed.diff("tr((X^-1)^k)", "X", where="k: integer")
    expected = jacobian_fd(lambda X: np.trace(np.linalg.matrix_power(np.linalg.inv(X), 3)),
                           {"X": X}, "X")  # fmt: skip
    np.testing.assert_allclose(g(X=X, k=3), expected.T, rtol=1e-5, atol=1e-7)


def test_a_power_of_minus_one_in_a_matrix_exponent_reads_k_as_an_integer():
    # the k of (-1)^k in X's exponent is an integer, as the k of (-1)^k x is (so the refusal
    # above is about the grouping, whatever k is declared); d((-1)^k x' x)/dx = 2 (-1)^k x'
    x = RNG.normal(size=3)
    g = ed.diff("(-1)^k x' x", "x")
    expected = jacobian_fd(lambda x: (-1) ** 3 * (x @ x), {"x": x}, "x")
    np.testing.assert_allclose(g(x=x, k=3), expected, rtol=1e-6, atol=1e-8)


def test_check_of_an_expression_past_float64_says_it_overflows():
    # 1e308 * 1e308 x' x is infinite in float64 at every x != 0 (numpy agrees below): check said
    # "could not draw inputs where the expression is defined", which it is, everywhere
    x = RNG.normal(size=3)
    with np.errstate(over="ignore"):
        assert np.isinf(1e308 * 1e308 * (x @ x))
    with pytest.raises(ed.EinderivError, match="overflows float64"):
        ed.check("1e308 * 1e308 * x' x", "x", claim="2 x'")
    # in range it is checked: d(1e300 x' x)/dx = 2e300 x', by differences of x' x
    expected = 1e300 * jacobian_fd(lambda x: x @ x, {"x": x}, "x")
    np.testing.assert_allclose(2e300 * x, expected, rtol=1e-6)
    assert ed.check("1e300 * x' x", "x", claim="2e300 x'").verdict == "right"


def test_a_size_past_what_a_declaration_states_is_checked():
    # X in tr(commutation(10^9, 10^9) X) is 10^18 by 10^18, a size of 19 digits, which a
    # declaration cannot state (at most 18): check gave the claim the declaration
    # `X: matrix(1000000000000000000, ...)` and said "cannot parse the claim at column 11: the
    # dimension ... is too large", a caret in the claim at what it never wrote.
    # d tr(K X)/dX = K (numerator layout), and K(m, m) is symmetric, here at m = 3 in numpy
    m = 3
    K = np.zeros((m * m, m * m))
    for i in range(m):
        for j in range(m):
            K[i * m + j, j * m + i] = 1.0  # K vec(X) = vec(X') (vec stacks columns)
    X = RNG.normal(size=(m * m, m * m))
    expected = jacobian_fd(lambda X: np.trace(K @ X), {"X": X}, "X").T  # d/dX[i,j] at [j,i]
    np.testing.assert_allclose(expected, K, atol=1e-8)
    np.testing.assert_allclose(K, K.T)
    for size in (3, 10**9):
        text = f"tr(commutation({size}, {size}) X)"
        claim = f"commutation({size}, {size})'"
        assert ed.check(text, "X", claim=claim).verdict == "right"


@pytest.mark.parametrize(
    "text, says",
    [
        ("sum_{r=0}^{k}(tr(X^r))", "declare `k: integer`"),
        ("sum_{r=0}^{k - 1}(tr(X^r))", "declare `k: integer`"),
        ("sum_{r=0}^{2.5}(r)", "not 2.5"),
        ("sum_{r=0}^{x}(r)", "`x` is declared a vector"),  # not "declare `x: integer`"
    ],
)
def test_a_sum_bound_that_is_not_an_integer_says_what_to_declare(text, says):
    # sum_{r=0}^{k} with k undeclared: the message names k and its declaration
    with pytest.raises(ed.ShapeError, match=re.escape(says)):
        ed.parse(text, where="x: vector(n)" if "{x}" in text else None)
    if "k" in says:  # declared, it reads: sum_{r=0}^{2} tr(X^r) at X = I_3 is 3 * 3
        f = ed.parse(text, where="k: integer")
        assert float(f(X=np.eye(3), k=2 + text.count("- 1"))) == 9.0


@pytest.mark.parametrize(
    "text, power_of_power",
    [
        ("tr(A X^(-1)^2)", "tr(A (X^(-1))^2)"),
        ("tr(A X^-1^2)", "tr(A (X^-1)^2)"),
        ("tr(X^2^3)", "tr((X^2)^3)"),
        (r"\operatorname{tr}(\mathbf{A}\mathbf{X}^{-1}^{2})", r"\operatorname{tr}(A (X^{-1})^{2})"),
        (r"\operatorname{tr}(\mathbf{X}^{2}^{3})", r"\operatorname{tr}((X^{2})^{3})"),
    ],
)
def test_a_power_of_a_power_without_parentheses_is_refused(text, power_of_power):
    # X^(-1)^2 read with powers grouped from the right was X^((-1)^2) = X, silently, where
    # (X^-1)^2 is meant (MATLAB groups from the left; TeX refuses a double superscript):
    # refused, and the spelling it suggests for the power of a power is (X^-1)^2
    with pytest.raises(ed.ParseError, match="power of a power|double superscript"):
        ed.parse(text)
    X, A = np.array([[2.0, 1.0], [0.5, 3.0]]), np.array([[1.0, -2.0], [0.3, 0.7]])
    if "3" in text:  # tr((X^2)^3)
        assert np.isclose(
            float(ed.parse(power_of_power)(X=X)), np.trace(np.linalg.matrix_power(X, 6))
        )
    else:  # tr(A (X^-1)^2)
        inv = np.linalg.inv(X)
        assert np.isclose(float(ed.parse(power_of_power)(X=X, A=A)), np.trace(A @ inv @ inv))


def test_a_power_in_parentheses_is_one_exponent():
    # X^((-1)^2) as written, with its parentheses, is X^1
    X = np.array([[2.0, 1.0], [0.5, 3.0]])
    np.testing.assert_allclose(ed.parse("X^((-1)^2)")(X=X), X)


def test_a_power_of_a_bracket_without_parentheses_is_refused():
    # a^(k - 1)^2: a^((k - 1)^2) grouped from the right, (a^(k - 1))^2 from the left: refused;
    # a^b^c (no bracket) stays a^(b^c): 2^(3^2) = 512
    with pytest.raises(ed.ParseError, match="power of a power"):
        ed.parse("a^(k - 1)^2", where="a: scalar; k: integer")
    f = ed.parse("a^b^c", where="a: scalar; b: scalar; c: scalar")
    assert float(f(a=2.0, b=3.0, c=2.0)) == 512.0


@pytest.mark.parametrize("text", ["x.^2.^3", "a .^ (k - 1) .^ 2"])
def test_an_elementwise_power_of_a_power_says_both_groupings(text):
    # x.^2.^3 is no reading of the grammar: the error says where, and how to write each
    # grouping; both spellings it names read, and differ: (x.^2).^3 = x.^6, x.^(2.^3) = x.^8
    with pytest.raises(ed.ParseError, match=r"\(u \.\^ a\) \.\^ b .* u \.\^ \(a \.\^ b\)"):
        ed.parse(text, where="k: integer")
    x = np.array([1.5, -0.5, 2.0])
    np.testing.assert_allclose(ed.parse("(x.^2).^3")(x=x), x**6)
    np.testing.assert_allclose(ed.parse("x.^(2.^3)")(x=x), x**8)


@pytest.mark.parametrize("text, written", [("x_*", "x_star"), ("k_*' x", "k_star' x")])
def test_a_test_point_label_in_plain_text_says_how_to_write_it(text, written):
    # R&W's test point k_* (LaTeX \mathbf{k}_* reads as k_star) in plain text was only
    # "unexpected end of input" / unexpected "'": refused, naming the spelling k_star
    name = written.split("'")[0]
    with pytest.raises(ed.ParseError, match=f"write {name} for the test-point label"):
        ed.parse(text)
    k, x = np.array([1.0, -2.0, 0.5]), np.array([3.0, 0.25, 4.0])
    value = ed.parse(written)(**{name: k, **({"x": x} if "x" in written[1:] else {})})
    assert np.allclose(value, k @ x if "'" in written else k)  # the suggested spelling reads


def test_a_declared_name_ending_in_underscore_times_a_factor_is_read():
    # x_ declared: x_*y is the product x_ y (as before the test-point label refusal); an
    # undeclared k_* in the same text is still refused
    f = ed.parse("x_*y", where="x_: scalar; y: vector(n)")
    y = np.array([1.0, -2.0, 0.5])
    assert np.allclose(f(x_=3.0, y=y), 3.0 * y)
    with pytest.raises(ed.ParseError, match="write k_star for the test-point label"):
        ed.parse("x_*y + k_*", where="x_: scalar; y: vector(n); k_star: vector(n)")


def test_a_matrix_power_of_a_squared_integer_says_what_the_power_of_a_power_is():
    # X^(k^2) is refused (its exponent is not linear in integers); the message must not offer
    # (X^k)^2 as the same thing: it is X^(2 k), X^6 at k = 3, not X^9
    with pytest.raises(ed.ShapeError) as info:
        ed.parse("X^(k^2)", where="k: integer")
    assert "`(X^k)^2`, which is X^(k 2)" in str(info.value)
    X = np.array([[1.0, 0.5], [0.2, 1.1]])
    six = ed.parse("(X^k)^2", where="k: integer")(X=X, k=3)
    np.testing.assert_allclose(six, np.linalg.matrix_power(X, 6))
    assert not np.allclose(six, np.linalg.matrix_power(X, 9))


@pytest.mark.parametrize(
    "text, where",
    [
        ("javascript:alert(1)", None),  # ':' after an operand: was "norm_open, sup, top"
        ("x' x \N{GRINNING FACE}", None),  # an unexpected character after an operand
        ("x' x", "\\href{a}"),  # a declaration: '||' and '‖' were listed as expected
        ("x' x", "x: vector(n) \N{GRINNING FACE}"),
    ],
)
def test_what_is_expected_is_named_as_a_person_types_it(text, where):
    # the expected tokens are what a person types (quoted) or a phrase, never a grammar
    # terminal's name (norm_open, sup, top); a declaration never expects a norm's bars; a
    # backslash is quoted as the one character it is
    with pytest.raises(ed.ParseError) as info:
        ed.parse(text, where=where)
    expected = info.value.expected
    assert expected, str(info.value)
    for item in expected:
        assert item[0] in "'\"" or " " in item, (item, str(info.value))
    if where is not None:
        assert "'||'" not in expected and "'‖'" not in expected, str(info.value)
        assert "'\\\\'" not in str(info.value)
    # the spelling meant parses: d(x' x)/dx = 2 x'
    x = RNG.normal(size=3)
    g = ed.diff("x' x", "x", where="x: vector(n)")
    np.testing.assert_allclose(g(x=x), jacobian_fd(lambda x: x @ x, {"x": x}, "x"), rtol=1e-6)


def test_a_vector_named_delta_is_never_told_to_be_declared():
    # `delta x` (two columns) suggested "declare `delta: scalar`", a declaration that is then
    # refused ('delta' is reserved): the hint is to rename it; renamed, d x is a scaling:
    # d(d x)/dx = d I
    with pytest.raises(ed.ShapeError) as info:
        ed.parse("delta x")
    assert "declare `delta" not in str(info.value) and "rename it" in str(info.value)
    with pytest.raises(ed.ParseError, match="reserved"):
        ed.parse("delta x", where="delta: scalar")
    x = RNG.normal(size=3)
    g = ed.diff("d x", "x", where="d: scalar")
    expected = jacobian_fd(lambda x: 0.7 * x, {"x": x}, "x")
    np.testing.assert_allclose(g(x=x, d=0.7), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("size, written", [("n", "len(X)"), ("d", "len(X')")])
def test_a_claim_dividing_by_a_size_name_is_told_to_write_len(size, written):
    # the claim X' (X w - y) / n for d/dw of norm2(X w - y)^2 / (2 len(y)) with X: matrix(n, d)
    # was refused with "the claim uses names that are not in the expression: n" only; n is a
    # size of the expression, a number in the claim written len(X) (d: len(X'))
    where = "X: matrix(n, d); w: vector(d); y: vector(n)"
    f = "norm2(X w - y)^2 / (2 len(y))"
    with pytest.raises(ed.EinderivError) as info:
        ed.check(f, "w", claim=f"(X w - y)' X / {size}", where=where)
    assert f"{size} is a size of the expression: write it {written}" in str(info.value)
    # the spelling suggested: right for n, and (X w - y)' X / d differs from the gradient
    X, w, y = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=4)
    truth = jacobian_fd(
        lambda X, w, y: (X @ w - y) @ (X @ w - y) / 8, {"X": X, "w": w, "y": y}, "w"
    )
    claimed = (X @ w - y) @ X / {"n": 4, "d": 3}[size]
    assert np.allclose(claimed, truth, atol=1e-7) == (size == "n")
    verdict = ed.check(f, "w", claim=f"(X w - y)' X / {written}", where=where).verdict
    assert verdict == ("right" if size == "n" else "wrong")


@pytest.mark.parametrize(
    "text, declared",
    [("T[i,j,k] x[k]", "T: tensor(n1, n2, n3)"), ("x[i,j] y[j]", "x: matrix(m, n)")],
)
def test_an_undeclared_name_with_more_indices_says_what_to_declare(text, declared):
    # T[i,j,k] x[k] with T undeclared (taken as a matrix): the refusal names the declaration,
    # which then reads: T[i,j,k] x[k] is np.einsum("ijk,k->ij")
    with pytest.raises(ed.ShapeError, match=re.escape(f"declare `{declared}`")):
        ed.parse(text)
    rng = np.random.default_rng(2)
    f = ed.parse(text, where=declared)
    if text.startswith("T"):
        T, x = rng.normal(size=(2, 3, 4)), rng.normal(size=4)
        np.testing.assert_allclose(f(T=T, x=x), np.einsum("ijk,k->ij", T, x))
    else:
        X, y = rng.normal(size=(2, 3)), rng.normal(size=3)
        np.testing.assert_allclose(f(x=X, y=y), X @ y)


def test_an_upper_index_is_refused_with_the_entry_to_write():
    # x^i y_i (a physicist's upper index) is no power of a vector: the refusal names x[i] too,
    # and x[i] y[i] is the sum x' y
    with pytest.raises(ed.ShapeError, match=re.escape(r"the entry x[i] (\left(x\right)_{i} in")):
        ed.parse(r"x^i y_i")
    x, y = np.array([1.0, -2.0, 0.5]), np.array([3.0, 1.0, 4.0])
    assert float(ed.parse("x[i] y[i]")(x=x, y=y)) == float(x @ y)


@pytest.mark.parametrize(
    "text, truth",
    [
        ("x^i y_i", lambda x, y: x @ y),  # x[i] y[i] = x' y
        ("(x + y)^i y[i]", lambda x, y: (x + y) @ y),  # (x + y)[i] y[i] = (x + y)' y
    ],
)
def test_the_entry_an_upper_index_names_reads_as_that_entry(text, truth):
    # the entry named, in text and in LaTeX, is the entry of the power's base: (x + y)[i], not
    # x + y[i]; in LaTeX \left(x\right)_{i}, for x_{i} y_{i} is two names x_i, y_i (no entry of
    # two indices in the text); numpy: the dot products
    with pytest.raises(ed.ShapeError) as refused:
        ed.parse(text)
    found = re.search(r"the entry (.+) \((.+) in LaTeX\)$", str(refused.value))
    entry, latex = found[1], found[2]
    x, y = np.array([1.0, -2.0, 0.5]), np.array([3.0, 1.0, 4.0])
    for written in (f"{entry} y[i]", f"{latex} \\left(y\\right)_{{i}}"):
        assert np.isclose(float(ed.parse(written)(x=x, y=y)), truth(x, y))


@pytest.mark.parametrize("written", [r"\mathbf{A}^{\top -1}", r"\mathbf{A}^{-1\top}"])
def test_a_transpose_beside_minus_one_in_one_superscript_says_what_to_write(written):
    # \mathbf{A}^{\top -1} meant the inverse transpose inv(A)'; it was refused with "\top belongs
    # in a superscript", where it is in one. The message now gives two spellings einderiv
    # reads; each is inv(A)' in numpy, and its derivative agrees with finite differences
    with pytest.raises(ed.ParseError, match=r"inverse transpose") as refused:
        ed.parse(written)
    said = r"\\mathbf\{A\}\^\{-\\top\}|\(\\mathbf\{A\}\^\{\\top\}\)\^\{-1\}"
    spellings = re.findall(said, str(refused.value))
    assert len(spellings) == 2, str(refused.value)
    A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    fd = jacobian_fd(lambda A: np.linalg.inv(A).T, {"A": A}, "A")
    for spelt in spellings:
        assert np.allclose(ed.parse(spelt)(A=A), np.linalg.inv(A).T)
        assert np.allclose(ed.diff(spelt, "A", layout="jacobian")(A=A), fd, atol=1e-6)


@pytest.mark.parametrize("written", [r"\mathbf{X}^{+}", "X^+", r"X^{+} y"])
def test_a_plus_superscript_says_einderiv_has_no_pseudo_inverse(written):
    # X^{+} (the Moore-Penrose pseudo-inverse) was refused with "unexpected '+'" only; it now
    # says, as X^\dagger does, that einderiv has none, and the spellings it names are numpy's
    # pinv: (X' X)^{-1} X' for a full-rank tall X, X^{-1} for an invertible X
    with pytest.raises(ed.ParseError, match=r"pseudo-inverse.*X\^\{-1\}.*\(X\^\\top X\)"):
        ed.parse(written)
    tall, square = RNG.normal(size=(5, 3)), RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    assert np.allclose(ed.parse(r"(X^\top X)^{-1} X^\top")(X=tall), np.linalg.pinv(tall))
    assert np.allclose(ed.parse("X^{-1}")(X=square), np.linalg.pinv(square))


def _sum_exp(x, w, y, X):
    return np.sum(np.exp(x))


def _logistic(x, w, y, X):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


@pytest.mark.parametrize(
    "written, meant, wrt, f",
    [
        ("sum(e .^ x)", "sum(exp(x))", "x", _sum_exp),
        ("sum(log(1 + e .^ (-y .* (X w))))", "sum(log(1 + exp(-y .* (X w))))", "w", _logistic),
    ],
)
def test_e_to_an_elementwise_power_of_a_variable_says_exp(written, meant, wrt, f):
    # e .^ x, e undeclared, was read silently as a vector variable e and x as a scalar (the
    # exponent of .^), so d/dx was by a scalar; a reader means exp(x), as e^x (refused with
    # that hint) does. The spelling suggested gives the derivative meant, against numpy
    with pytest.raises(ed.ShapeError, match=r"for the exponential write exp") as caught:
        ed.parse(written)
    assert "^" in str(caught.value).splitlines()[-1]  # a caret under `e .^`
    x, w, y, X = RNG.normal(size=3), RNG.normal(size=2), RNG.normal(size=3), RNG.normal(size=(3, 2))
    values = {"x": x, "w": w, "y": y, "X": X}
    g = ed.diff(meant, wrt)
    used = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**used), jacobian_fd(f, values, wrt), atol=1e-6)


def test_e_declared_or_to_a_number_stays_a_variable():
    # e .^ 2 of an undeclared e is the square of a vector e: d sum(e .^ 2) / de = 2 e';
    # declared, e .^ x is the variable e to the power x: d sum(e .^ x) / dx = sum(e .^ x log e)
    e = np.abs(RNG.normal(size=3)) + 0.5
    g = ed.diff("sum(e .^ 2)", "e")
    np.testing.assert_allclose(
        g(e=e), jacobian_fd(lambda e: np.sum(e**2), {"e": e}, "e"), atol=1e-6
    )
    g = ed.diff("sum(e .^ x)", "x", where="e: vector(n); x: scalar")
    truth = jacobian_fd(lambda e, x: np.sum(e**x), {"e": e, "x": 0.7}, "x")
    np.testing.assert_allclose(g(e=e, x=0.7), truth, atol=1e-6)


def test_a_claim_with_pi_says_to_write_its_value():
    # d erf(a) / da = 2 exp(-a^2) / sqrt(pi) (math.erf, central differences): pi in a claim
    # was refused as "a name not in the expression" with no way out; the error now says to
    # write the number, and that claim is right
    import math

    for a in (-1.3, 0.2, 0.9):
        h = 1e-6
        slope = (math.erf(a + h) - math.erf(a - h)) / (2 * h)
        assert abs(slope - 2 * math.exp(-(a**2)) / math.sqrt(math.pi)) < 1e-8
    with pytest.raises(ed.EinderivError, match=r"no constant pi.*3\.141592653589793"):
        ed.check("erf(a)", "a", claim="2 exp(-a^2) / sqrt(pi)", where="a: scalar")
    claim = "2 exp(-a^2) / sqrt(3.141592653589793)"
    assert ed.check("erf(a)", "a", claim=claim, where="a: scalar").verdict == "right"


def test_an_entry_with_the_wrong_number_of_indices_says_how_many():
    # "x has 1 indices", "a has 0 indices" for a scalar a: now "1 index" and "a is a scalar,
    # with no index"; the spelling said gives d(a x)/da = x (numpy central differences)
    with pytest.raises(ed.EinderivError, match=r"x has 1 index, but wrt='x\[i,j\]' gives 2"):
        ed.diff("A x", "x[i,j]")
    with pytest.raises(ed.EinderivError, match=r"a is a scalar, with no index: write wrt='a'"):
        ed.diff("a x", "a[i]", where="a: scalar")
    x = RNG.normal(size=3)
    got = ed.diff("a x", "a", where="a: scalar")(a=0.4, x=x)
    np.testing.assert_allclose(got, jacobian_fd(lambda a, x: a * x, {"a": 0.4, "x": x}, "a"))


@pytest.mark.parametrize("text", ["exp(t) A + B", "A sin(-t)'"])
def test_a_function_of_a_name_taken_as_a_vector_says_to_declare_it(text):
    # exp(t) A, t undeclared (a vector by its case): the shape error said only that exp(t) is
    # a column vector; it now says `t` is taken as a vector and to declare `t: scalar`, as for
    # t A. Declared: d(exp(t) A + B)/dt = exp(t) A (numpy central differences)
    with pytest.raises(ed.ShapeError, match=r"`t` is taken as a vector: declare `t: scalar`"):
        ed.diff(text, "t")
    A, B, t = RNG.normal(size=(2, 2)), RNG.normal(size=(2, 2)), np.array(0.4)
    g = ed.diff("exp(t) A + B", "t", where="t: scalar")
    expected = jacobian_fd(lambda t, A, B: np.exp(t) * A + B, {"t": t, "A": A, "B": B}, "t")
    np.testing.assert_allclose(g(t=t, A=A, B=B), expected, rtol=1e-6)


def test_an_unknown_latex_function_is_said_in_one_sentence():
    # \operatorname{foo}(x) said "unknown function 'foo'; For a product write ..." (a capital
    # after ';'); as the message says, \operatorname{foo} \, (x' x) is the product foo x' x:
    # d(foo x' x)/dx = 2 foo x' (foo a vector here: numpy central differences)
    with pytest.raises(ed.ParseError, match=r"unknown function 'foo'; for a product write"):
        ed.parse(r"\operatorname{foo}(x)")
    g = ed.diff(r"\operatorname{foo} \, (x^\top x)", "x", where="foo: scalar")
    x = RNG.normal(size=3)
    expected = jacobian_fd(lambda x: 1.5 * (x @ x), {"x": x}, "x")
    np.testing.assert_allclose(g(foo=1.5, x=x), expected, rtol=1e-6)


@pytest.mark.parametrize("text, fixed", [("norm(x, 1)", "norm1(x)"), ("norm(x, 2)", "norm2(x)")])
def test_a_norm_with_its_order_says_which_function_is_that_norm(text, fixed):
    # norm(x, 1) said "norm2 takes one argument, not 2" (the name as normalised, no way out);
    # it names norm1 and norm2, and the spelling it suggests is numpy's norm of that order
    with pytest.raises(ed.ParseError, match="norm1\\(x\\).*norm2\\(x\\)"):
        ed.parse(text)
    x = RNG.normal(size=4)
    order = int(text[-2])
    np.testing.assert_allclose(ed.parse(fixed)(x=x), np.linalg.norm(x, order), rtol=1e-12)
    g = ed.diff(fixed, "x", layout="denominator")
    want = jacobian_fd(lambda x: np.linalg.norm(x, order), {"x": x}, "x")
    np.testing.assert_allclose(g(x=x), want, atol=1e-7)


# hessian and value_and_grad of a non-scalar: the shape in words, as check says it
# (was "this one has shape ('n',)", a Python tuple)
@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ed.hessian("A x", "x"), "`A x` is a column vector of length n"),
        (lambda: ed.value_and_grad("x' A", ["x"]), "`x' A` is a row vector of length m"),
    ],
)
def test_a_non_scalar_for_a_hessian_or_a_gradient_is_said_in_words(call, words):
    with pytest.raises(ed.EinderivError) as caught:
        call()
    assert words in str(caught.value) and "('" not in str(caught.value)


# x^2 of a vector (\mathbf{x}^2 pasted from a paper) names both readings: x .^ 2 = each entry
# squared, norm2(x)^2 = x' x; it was only "a matrix power needs a square matrix"
@pytest.mark.parametrize("text", ["x^2", r"\mathbf{x}^2"])
def test_a_square_of_a_vector_names_the_entries_squared_and_the_squared_length(text):
    with pytest.raises(ed.ShapeError) as caught:
        ed.parse(text, where="x: vector(n)")
    said = str(caught.value)
    each, length = said.split("write ")[1].split(", for the squared length ")
    x = RNG.normal(size=4)
    np.testing.assert_allclose(ed.parse(each)(x=x), x**2)
    np.testing.assert_allclose(ed.parse(length)(x=x), x @ x)


# an array of the wrong order says the kind once: "x is a scalar, but the array given has shape
# (3,)" (was "x is a scalar (scalar), ..."), a matrix with its sizes "(n x m)" (was "(nxm)")
def test_a_wrong_order_array_names_the_kind_once():
    # 2^x makes x a scalar (the exponent of a scalar, SPEC 6.3); 2 .^ x is the elementwise one
    with pytest.raises(ed.EvaluationError) as caught:
        ed.parse("2^x")(x=np.ones(3))
    assert str(caught.value) == "x is a scalar, but the array given has shape (3,)"
    with pytest.raises(ed.EvaluationError, match=r"A is a matrix \(n x m\), but"):
        ed.parse("A x")(A=np.ones(3), x=np.ones(3))
    np.testing.assert_allclose(ed.parse("2 .^ x")(x=np.arange(3.0)), 2.0 ** np.arange(3.0))
