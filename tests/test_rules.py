"""The rule tables: every node kind and function has a derivative rule, every rewrite is sound.

Derivatives of the elementwise functions are checked against central differences of numpy code
written here. Each simplification rule is applied to a small example on which it fires, and the
term before and after must have the same value on random inputs.
"""

from fractions import Fraction

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.execute import evaluate
from einderiv.calculus.differentiate import FUNCTION_DERIVATIVES, RULES
from einderiv.calculus.simplify import RULES as REWRITES
from einderiv.ir import index_ir as T
from einderiv.ir.matrix_ir import SCALAR_FUNCTIONS

N = 3
i, j, k, l2 = (T.Index(name, N) for name in ("i", "j", "k", "l"))
p, q = T.bound_pair(N)
C = T.Index("c", N * N)  # a compound index over pairs (i, j)


def X(a, b):
    return T.Var("X", (a, b))


def test_every_node_type_has_a_derivative_rule():
    assert set(T.NODE_TYPES) <= set(RULES)


def test_every_function_has_a_derivative():
    assert set(SCALAR_FUNCTIONS) == set(FUNCTION_DERIVATIVES)


# each function's derivative against finite differences: tests/test_registry.py


def _sumover(body, count=3):
    return T.SumOver("r", T.affine(count), body)


R = T.affine(0, {"r": 1})

# One example per rewrite rule, on which that rule fires.
EXAMPLES = {
    # sum_j softmax(X)[i,j] -> 1[i]: each row of softmax sums to 1
    "prod_row_sum": T.Prod(
        (T.RowFunc("softmax", X(i, T.row_bound(N)), T.row_bound(N), (j,)),), (j,)
    ),
    "pow_broadcast": T.Pow(T.Prod((T.Var("s"), T.Ones(i))), T.Num(Fraction(-1, 2))),
    # 1[i] - sigmoid(x[i]) -> sigmoid(-x[i])
    "add_sigmoid_complement": T.Add(
        (T.Ones(i), T.Prod((T.MINUS_ONE, T.Func("sigmoid", T.Var("x", (i,))))))
    ),
    # sum_p (1[p] - y[p]) sigmoid(x[p]) A[p,i] - sum_q y[q] sigmoid(-x[q]) A[q,i]
    #   -> sum_p (sigmoid(x[p]) - y[p]) A[p,i]   (the binders named apart: equal up to names)
    "add_sigmoid_pair": T.Add(
        (
            T.Prod(
                (
                    T.Add((T.Ones(p), T.Prod((T.MINUS_ONE, T.Var("y", (p,)))))),
                    T.Func("sigmoid", T.Var("x", (p,))),
                    T.Var("A", (p, i)),
                ),
                (p,),
            ),
            T.Prod(
                (
                    T.MINUS_ONE,
                    T.Var("y", (q,)),
                    T.Func("sigmoid", T.Prod((T.MINUS_ONE, T.Var("x", (q,))))),
                    T.Var("A", (q, i)),
                ),
                (q,),
            ),
        )
    ),
    # sinh(x[i]) cosh(x[i])^-2 -> tanh(x[i]) cosh(x[i])^-1
    "prod_tanh": T.Prod(
        (
            T.Func("sinh", T.Var("x", (i,))),
            T.Pow(T.Func("cosh", T.Var("x", (i,))), T.Num(Fraction(-2))),
        )
    ),
    # -(-X[i,j] - 2 A[i,j]) -> (X[i,j] + 2 A[i,j])
    "prod_negated_sum": T.Prod(
        (
            T.MINUS_ONE,
            T.Add(
                (T.Prod((T.MINUS_ONE, X(i, j))), T.Prod((T.Num(Fraction(-2)), T.Var("A", (i, j)))))
            ),
        )
    ),
    # sign(X[i,j]) abs(X[i,j])^-3 -> X[i,j]^-3   (X's entries take both signs)
    "prod_sign": T.Prod(
        (T.Func("sign", X(i, j)), T.Pow(T.Func("abs", X(i, j)), T.Num(Fraction(-3))))
    ),
    # (2 x[i] y[i])^-2 -> 1/4 (x[i] y[i])^-2
    "pow_of_scaled": T.Pow(
        T.Prod((T.Num(Fraction(2)), T.Var("x", (i,)), T.Var("y", (i,)))), T.Num(Fraction(-2))
    ),
    # sqrt(s 1[i]) -> sqrt(s) 1[i]
    "func_broadcast": T.Func("sqrt", T.Prod((T.Var("s"), T.Ones(i)))),
    "prod_sigmoid": T.Prod(
        (
            T.Func("exp", T.Var("x", (i,))),
            T.Pow(T.Add((T.Ones(i), T.Func("exp", T.Var("x", (i,))))), T.MINUS_ONE),
        )
    ),
    "prod_sum_of_add": T.Prod((T.Add((X(i, i), T.Var("A", (i, i)))),), (i,)),
    # sum_k s (x[k] - N^-1 sum_j x[j]) -> s (sum_k x[k] - sum_k N^-1 sum_j x[j])
    "prod_sum_of_deviations": T.Prod(
        (
            T.Var("s"),
            T.Add(
                (
                    T.Var("x", (k,)),
                    T.Prod(
                        (T.Num(Fraction(-1, N)), T.Ones(k), T.Var("x", (j,))),
                        (j,),
                    ),
                )
            ),
        ),
        (k,),
    ),
    "add_flatten": T.Add((X(i, j), T.Add((X(j, i), T.Var("A", (i, j)))))),
    "add_collect": T.Add((X(i, j), T.Prod((T.Num(Fraction(2)), X(i, j))))),
    "prod_zero": T.Prod((T.Zero((i, j)), X(i, j))),
    "prod_flatten": T.Prod((X(i, k), T.Prod((X(k, l2), X(l2, j)), (l2,))), (k,)),
    "prod_numbers": T.Prod((T.Num(Fraction(2)), T.Num(Fraction(3)), X(i, j))),
    # 2^3 2^-2 X[i,j] -> 2 X[i,j] (the powers past float64 in use; small here to evaluate)
    "prod_number_powers": T.Prod(
        (
            T.Pow(T.Num(Fraction(2)), T.Num(Fraction(3))),
            T.Pow(T.Num(Fraction(2)), T.Num(Fraction(-2))),
            X(i, j),
        )
    ),
    # (3) X[i,j] -> 3 X[i,j]: the integer form left by writing out sum_{r<4} r X^(r-1)
    "affine_literal": T.Prod((T.affine(3), X(i, j))),
    "prod_delta": T.Prod((T.Delta(i, k), T.Var("A", (k, j))), (k,)),
    "prod_ones": T.Prod((T.Ones(i), T.Var("x", (i,)))),
    "prod_distribute_delta": T.Prod(
        (
            T.Add(
                (
                    T.Prod((T.Delta(k, i), T.Var("z", (j,)))),
                    T.Prod((T.Var("y", (k,)), T.Var("A", (i, j)))),
                )
            ),
            T.Var("w", (k,)),
        ),
        (k,),
    ),
    "prod_hoist_sumover": T.Prod(
        (T.Var("A", (i, j)), _sumover(T.MatPow(X(p, q), (p, q), R, (i, j))))
    ),
    "prod_same_base": T.Prod((T.Var("x", (i,)), T.Pow(T.Var("x", (i,)), T.Num(Fraction(2))))),
    # (y[a] y[a])^(1/2) ((x[b] x[b])^(1/2) (y[c] y[c])^(1/2))^-2, the cosine's divisor:
    #   -> (y y)^(1/2) ((x x)^(1/2))^-2 ((y y)^(1/2))^-2, which then merge
    "prod_spread_power": T.Prod(
        (
            T.Pow(T.Prod((T.Var("y", (j,)), T.Var("y", (j,))), (j,)), T.Num(Fraction(1, 2))),
            T.Pow(
                T.Prod(
                    (
                        T.Pow(
                            T.Prod((T.Var("x", (k,)), T.Var("x", (k,))), (k,)),
                            T.Num(Fraction(1, 2)),
                        ),
                        T.Pow(
                            T.Prod((T.Var("y", (l2,)), T.Var("y", (l2,))), (l2,)),
                            T.Num(Fraction(1, 2)),
                        ),
                    )
                ),
                T.Num(Fraction(-2)),
            ),
        )
    ),
    # x[j] x[j] (x[k] x[k])^(-1/2) x[i] -> (x[k] x[k])^(1/2) x[i]
    "prod_closed_power": T.Prod(
        (
            T.Var("x", (j,)),
            T.Var("x", (j,)),
            T.Pow(T.Prod((T.Var("x", (k,)), T.Var("x", (k,))), (k,)), T.Num(Fraction(-1, 2))),
            T.Var("x", (i,)),
        ),
        (j,),
    ),
    "prod_merge_powers": T.Prod((X(i, k), X(k, j)), (k,)),
    "delta_diagonal": T.Prod((T.Delta(i, i), T.Var("x", (i,)))),
    "det_of_identity": T.Prod((T.Det(T.Delta(p, q), (p, q)), T.Var("x", (i,)))),
    "logdet_of_identity": T.Add((T.LogDet(T.Delta(p, q), (p, q)), T.Var("s", ()))),
    # det(2 I) x[i] -> 2^n x[i]
    "det_of_scaled_identity": T.Prod(
        (T.Det(T.Prod((T.Num(Fraction(2)), T.Delta(p, q))), (p, q)), T.Var("x", (i,)))
    ),
    "pow_simple": T.Pow(T.Var("x", (i,)), T.Num(Fraction(1))),
    "func_inverse_pair": T.Func("log", T.Func("exp", T.Var("x", (i,)))),
    "matpow_trivial": T.MatPow(X(p, q), (p, q), T.affine(1), (i, j)),
    "matpow_normalise": T.MatPow(X(q, p), (p, q), T.affine(-1), (i, j)),
    # (-3 X)^-2[i,j] -> 1/9 X^-2[i,j]
    "matpow_scalar": T.MatPow(T.Prod((T.Num(Fraction(-3)), X(p, q))), (p, q), T.affine(-2), (i, j)),
    "sumover_simple": _sumover(T.Var("A", (i, j))),
    # sum_{c,k,l} delta[c,(i,j)] delta[c,(k,l)] X[k,l] -> X[i,j] (a compound names one pair)
    "prod_pair_shared": T.Prod((T.Pair(C, i, j), T.Pair(C, k, l2), X(k, l2)), (C, k, l2)),
    # sum_c delta[c,(i,j)] X[i,j] -> X[i,j] (every pair has one compound)
    "prod_pair_summed": T.Prod((T.Pair(C, i, j), X(i, j)), (C,)),
    # n / n -> 1: the size n (of x: vector(n)) by the integer n^-1 (n: integer) -> n n^-1
    "prod_size_as_integer": T.Prod((T.Size("n"), T.Pow(T.affine(0, {"n": 1}), T.MINUS_ONE))),
    # -ones[i] / len(x) + ones[i] / n -> -ones[i] / n + ones[i] / n: the size n (of x's index)
    # is the integer n a term of the sum holds, and the like terms merge (to 0)
    "add_size_as_integer": T.Add(
        (
            T.Prod((T.Num(Fraction(-1)), T.Ones(i), T.Pow(T.Size("n"), T.MINUS_ONE))),
            T.Prod((T.Ones(i), T.Pow(T.affine(0, {"n": 1}), T.MINUS_ONE))),
        )
    ),
    # -1 + (n) -> (n - 1): the exponent of d y^len(x) / dy, the size written as the integer
    "add_affine": T.Add((T.Num(Fraction(-1)), T.affine(0, {"n": 1}))),
}
SIZES = {"n": N}  # the size n and the integer n: one value (as evaluation requires)


def _find(term, kind):
    """The first subterm of ``term`` of type ``kind`` (the rule's own node)."""
    if isinstance(term, kind):
        return term
    for child in T.children(term):
        found = _find(child, kind)
        if found is not None:
            return found
    return None


def _value(term):
    rng = np.random.default_rng(7)
    values = {name: rng.normal(size=(N, N)) + N * np.eye(N) for name in ("X", "A")}
    values.update({name: rng.uniform(0.5, 1.5, size=N) for name in ("x", "y", "z", "w")})
    values["s"] = 1.7
    axes = tuple(sorted(T.free(term), key=lambda idx: idx.name))
    return evaluate(term, axes, values, SIZES, SIZES), axes


def test_every_rewrite_rule_has_an_example_and_a_formula():
    assert {r.name for r in REWRITES} == set(EXAMPLES)
    assert all(r.formula for r in REWRITES)


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda r: r.name)
def test_rewrite_rule_fires_and_keeps_the_value(rewrite):
    example = EXAMPLES[rewrite.name]
    node = _find(example, rewrite.kind)
    result = rewrite.rewrite(node)
    assert result is not None, f"{rewrite.name} did not fire on its example"
    before, axes = _value(node)
    rng = np.random.default_rng(7)
    values = {name: rng.normal(size=(N, N)) + N * np.eye(N) for name in ("X", "A")}
    values.update({name: rng.uniform(0.5, 1.5, size=N) for name in ("x", "y", "z", "w")})
    values["s"] = 1.7
    after = evaluate(result, axes, values, SIZES, SIZES)
    np.testing.assert_allclose(after, before, rtol=1e-10, atol=1e-12)


def test_zero_short_circuits():
    # d a / dX = 0 for a term without X: the rule table returns the dedicated ZERO
    from einderiv.calculus.differentiate import Wrt, derivative

    assert derivative(T.Var("A", (i, j)), Wrt("X", (k, l2))) is T.ZERO


def test_no_expansion_blowup():
    # tr((X + A)^8): 8 terms before merging, one term after; never the 256 of full expansion
    g = ed.diff("tr((X + A)^8)", "X")
    raw = g.stages[1].term
    assert _count_terms(raw) <= 50
    assert _count_terms(g.term) == 1
    rng = np.random.default_rng(3)
    Xv, Av = rng.normal(size=(3, 3)) / 3, rng.normal(size=(3, 3)) / 3
    expected = 8 * np.linalg.matrix_power(Xv + Av, 7)  # d tr(M^8)/dX = 8 M^7 (numerator)
    np.testing.assert_allclose(g(X=Xv, A=Av), expected, rtol=1e-9, atol=1e-12)


def _count_terms(t):
    if isinstance(t, T.Add):
        return sum(_count_terms(x) for x in t.terms)
    if isinstance(t, T.Prod):
        total = 1
        for f in t.factors:
            if isinstance(f, T.Add):
                total = max(total, _count_terms(f))
        return total
    return 1


def test_a_compound_split_two_ways_is_left_as_it_is():
    # delta[c,(i,j)] delta[c,(k,l)] with i 2-sized and k 3-sized (c = 6 as 2*3 and 3*2): no
    # pair by pair deltas, delta[i,k] would be over sizes 2 and 3 (it raised ValueError)
    from einderiv.calculus.compound import prod_pair_shared

    c = T.Index("c", 6)
    i, j, k, l2 = T.Index("i", 2), T.Index("j", 3), T.Index("k", 3), T.Index("l", 2)
    term = T.Prod((T.Pair(c, i, j), T.Pair(c, k, l2)), (c,))
    assert prod_pair_shared(term) is None
    # the same split twice still pairs: delta[c,(i,j)] delta[c,(p,q)] -> delta[i,p] delta[j,q]
    p, q = T.Index("p", 2), T.Index("q", 3)
    made = prod_pair_shared(T.Prod((T.Pair(c, i, j), T.Pair(c, p, q)), (c,)))
    assert made is not None and T.Delta(i, p) in made.factors
