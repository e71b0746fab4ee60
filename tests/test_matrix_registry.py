"""The matrix-function registry (``einderiv/ir/matrix_ops.py``), walked record by record.

Each record has cases here: a call, its declarations, inputs inside its domain and a plain numpy
reference written in this file. Every stage is checked for every record: the text parses (with
each alias and norm subscript), the shape rule gives the reference's shape and rejects a misfit
argument with an error naming the function, the value matches
the reference, the Jacobian matches central finite differences of the reference
(``tests/fd.py``), the printed text and LaTeX read back (with each LaTeX command and word),
``compile()`` agrees on every installed backend and ``ed.codegen`` on numpy, and the name is
written in at most two modules of the package.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir.matrix_ops import MATRIX
from tests.fd import jacobian_fd
from tests.native_util import precise
from tests.test_registry import modules_naming

RNG = np.random.default_rng(111)
BACKENDS = ["numpy"] + [b for b in ("torch", "jax") if importlib.util.find_spec(b)]


def _general(n):  # a square matrix, well conditioned, determinant of either sign
    return RNG.standard_normal((n, n)) + 3.0 * np.diag(RNG.choice([-1.0, 1.0], n))


def _spd(n):  # symmetric positive definite: det > 0
    a = RNG.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def _away_from_zero(shape):  # entries of both signs, |x| >= 0.3 (norm1 has kinks at 0)
    x = RNG.uniform(0.3, 2.0, size=shape)
    return x * RNG.choice([-1.0, 1.0], size=shape)


@dataclass(frozen=True)
class Case:
    text: str  # the call, in the sizes of ``where``
    where: str
    inputs: Callable[[], dict]
    reference: Callable[..., np.ndarray]  # plain numpy, keyword arguments as ``inputs``
    arg: str = "X"  # the argument's text, for alias and LaTeX spellings


# tr(X) = sum_a X[a,a];  det, logdet = log det;  diag of a vector and of a matrix;  vec stacks
# columns;  kron as numpy.kron;  len counts rows (numpy's len);  K vec(X) = vec(X') for X m-by-n;  adj(X) = det(X) inv(X)
CASES = {
    "tr": [Case("tr(X)", "X: matrix(3, 3)", lambda: {"X": _general(3)}, lambda X: np.trace(X))],
    "det": [
        Case("det(X)", "X: matrix(3, 3)", lambda: {"X": _general(3)}, lambda X: np.linalg.det(X))
    ],
    "logdet": [
        Case(
            "logdet(X)",
            "X: matrix(3, 3)",
            lambda: {"X": _spd(3)},
            lambda X: np.log(np.linalg.det(X)),
        )
    ],
    "diag": [
        Case(
            "diag(x)",
            "x: vector(3)",
            lambda: {"x": RNG.standard_normal(3)},
            lambda x: np.diag(x),
            "x",
        ),
        Case("diag(X)", "X: matrix(3, 3)", lambda: {"X": _general(3)}, lambda X: np.diag(X)),
    ],
    "sum": [
        Case(
            "sum(X)",
            "X: matrix(3, 2)",
            lambda: {"X": RNG.standard_normal((3, 2))},
            lambda X: np.sum(X),
        )
    ],
    "mean": [
        Case(
            "mean(X)",
            "X: matrix(3, 2)",
            lambda: {"X": RNG.standard_normal((3, 2))},
            lambda X: np.mean(X),
        )
    ],
    # len(x) = n for x of n entries; len(X) = m, len(X') = n for X m-by-n (numpy's len)
    "len": [
        Case(
            "len(x)", "x: vector(4)", lambda: {"x": RNG.standard_normal(4)}, lambda x: len(x), "x"
        ),
        Case(
            "len(X) + 10 len(X')",
            "X: matrix(3, 2)",
            lambda: {"X": RNG.standard_normal((3, 2))},
            lambda X: X.shape[0] + 10 * X.shape[1],
        ),
    ],
    "norm1": [
        Case(
            "norm1(X)",
            "X: matrix(3, 2)",
            lambda: {"X": _away_from_zero((3, 2))},
            lambda X: np.sum(np.abs(X)),
        )
    ],
    "norm2": [
        Case(
            "norm2(x)",
            "x: vector(4)",
            lambda: {"x": RNG.standard_normal(4)},
            lambda x: np.sqrt(np.sum(x * x)),
            "x",
        ),
        Case(
            "norm2(X)",
            "X: matrix(3, 2)",
            lambda: {"X": RNG.standard_normal((3, 2))},
            lambda X: np.sqrt(np.sum(X * X)),
        ),
    ],
    "inv": [
        Case("inv(X)", "X: matrix(3, 3)", lambda: {"X": _general(3)}, lambda X: np.linalg.inv(X))
    ],
    "adj": [
        Case(
            "adj(X)",
            "X: matrix(3, 3)",
            lambda: {"X": _general(3)},
            lambda X: np.linalg.det(X) * np.linalg.inv(X),
        )
    ],
    "vec": [
        Case(
            "vec(X)",
            "X: matrix(3, 2)",
            lambda: {"X": RNG.standard_normal((3, 2))},
            lambda X: X.reshape(-1, order="F"),
        )
    ],
    "kron": [
        Case(
            "kron(A, B)",
            "A: matrix(2, 3); B: matrix(2, 2)",
            lambda: {"A": RNG.standard_normal((2, 3)), "B": RNG.standard_normal((2, 2))},
            lambda A, B: np.kron(A, B),
            "A, B",
        )
    ],
    "commutation": [
        Case(
            "commutation(2, 3) vec(X)",
            "X: matrix(2, 3)",
            lambda: {"X": RNG.standard_normal((2, 3))},
            lambda X: X.T.reshape(-1, order="F"),  # vec(X')
            "2, 3",
        )
    ],
}
# a call each shape rule (or the parser's arity check) rejects: a clear error naming the function
_NON_SQUARE = "X: matrix(2, 3)"
MISFITS = {
    "tr": ("tr(X)", _NON_SQUARE),
    "det": ("det(X)", _NON_SQUARE),
    "logdet": ("logdet(X)", _NON_SQUARE),
    "inv": ("inv(X)", _NON_SQUARE),
    "adj": ("adj(X)", _NON_SQUARE),
    "diag": ("diag(X)", _NON_SQUARE),
    "sum": ("sum(X, X)", _NON_SQUARE),
    "mean": ("mean(X, X)", _NON_SQUARE),
    "norm1": ("norm1(X, X)", _NON_SQUARE),
    "norm2": ("norm2(X, X)", _NON_SQUARE),
    "len": ("len(a)", "a: scalar"),
    "vec": ("vec(a)", "a: scalar"),
    "kron": ("kron(a, X)", "a: scalar"),
    "commutation": ("commutation(X, 2)", _NON_SQUARE),
}
PARAMS = [
    pytest.param(name, case, id=f"{name}-{case.text}")
    for name in sorted(MATRIX)
    for case in CASES.get(name, ())
]


def _values(text: str, case: Case, env: dict):
    return np.asarray(ed.parse(text, where=case.where)(**env))


def _spellings(name: str, case: Case) -> list[str]:
    """The call written with each alias, LaTeX command, LaTeX word and norm subscript."""
    op, arg = MATRIX[name], case.arg
    out = [case.text.replace(f"{name}(", f"{alias}(", 1) for alias in op.aliases]
    out += [rf"\{command}\left({arg}\right)" for command in op.latex_commands]
    out += [rf"\operatorname{{{word}}}\left({arg}\right)" for word in op.latex_words]
    for sub in op.norm_subscripts:
        out.append(f"‖{arg}‖{sub}" if sub in "₁₂" else f"||{arg}||_{sub}")
        if sub in "12F":
            out.append(rf"\left\| {arg} \right\|_{sub}")
    return out


def test_every_record_has_a_case():
    assert set(CASES) == set(MATRIX) == set(MISFITS)


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_value_and_shape_against_numpy(name, case):
    env = case.inputs()
    expected = case.reference(**env)
    e = ed.parse(case.text, where=case.where)
    assert tuple(e.shape) == np.shape(expected)  # the record's shape rule
    np.testing.assert_allclose(np.asarray(e(**env)), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_misfit_argument_is_an_error_naming_the_function(name):
    text, where = MISFITS[name]
    with pytest.raises(ed.EinderivError, match=rf"\b{name}\b") as caught:
        ed.parse(text, where=where)
    assert isinstance(caught.value, (ed.ShapeError, ed.ParseError))


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_every_spelling_reads_as_the_function(name, case):
    env = case.inputs()
    expected = case.reference(**env)
    spellings = _spellings(name, case)
    for text in spellings:
        np.testing.assert_allclose(_values(text, case, env), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_printed_text_and_latex_read_back(name, case):
    env = case.inputs()
    e = ed.parse(case.text, where=case.where)
    assert name in str(e) or name == "inv"  # inv(X) prints as X^-1
    np.testing.assert_allclose(_values(str(e), case, env), e(**env), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_values(e.latex(), case, env), e(**env), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_jacobian_against_finite_differences(name, case):
    env = case.inputs()
    for wrt in env:
        # d F(X)[I] / d X[J], every entry: central differences of the numpy reference
        got = ed.diff(case.text, wrt, where=case.where, layout="jacobian")(**env)
        expected = jacobian_fd(case.reference, env, wrt)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_compiled_and_generated_code(name, case, backend):
    env = case.inputs()
    expected = case.reference(**env)
    e = ed.parse(case.text, where=case.where)
    with precise(backend):  # float64 on jax needs the user's x64 setting (SPEC 9)
        got = np.asarray(e.compile(backend=backend)(**env))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    if backend != "numpy":
        return
    for source in (ed.codegen(e, name="f"), e.einsum("f")):  # standalone; each product einsum
        namespace: dict = {}
        exec(source, namespace)  # noqa: S102 - the package's own output
        # its parameters are the arrays the code reads (len(X) of a declared X reads none)
        params = inspect.signature(namespace["f"]).parameters
        assert set(params) <= set(env)
        args = {k: v for k, v in env.items() if k in params}
        np.testing.assert_allclose(namespace["f"](**args), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_matrix_function_is_named_in_at_most_two_modules(name):
    """Its record and at most one place that needs it by name (issue 11): stages read the
    record (``MATRIX``, ``DET.name``), never the quoted name."""
    modules = modules_naming(name, after="[\"']")
    assert "ir/matrix_ops.py" in modules
    assert len(modules) <= 2, modules
