"""``check`` of deeply nested expressions: bounded work (issue 13 item 6).

The derivative of ``y' softmax(softmax(...softmax(x)))`` is a small graph whose tree grows
3x per level (softmax(u)[i] = exp(u[i]) / sum_s exp(u[s]) writes u three times). ``check``'s
exact evaluator, its degree bounds, its conditions and its rounding bound walked that tree, not
the graph: 55 s at depth 8, minutes at depth 10. Each now looks at every node of the graph once:
the work grows with the size of the claim, not exponentially with the depth.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.check import degrees, domain, exact, sampling


def nested(k: int) -> str:
    return "softmax(" * k + "x" + ")" * k


def chain_rule(n: int, sign: str = "-") -> str:
    """d/dx y' s_n(x), s_k = softmax(s_(k-1)): y' J_n ... J_1, J_k = diag(s_k) - s_k s_k'
    (written by hand here, not by einderiv)."""
    factors = [f"(diag({nested(k)}) {sign} {nested(k)} {nested(k)}')" for k in range(n, 0, -1)]
    return "y' " + " ".join(factors)


def numpy_gradient(n: int, x: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    def f(v):
        for _ in range(n):
            v = np.exp(v - v.max())
            v = v / v.sum()
        return y @ v

    unit = np.eye(len(x))
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in unit])


@pytest.mark.parametrize("n", [3, 12])
def test_a_deep_softmax_chain_rule_is_judged_and_a_wrong_one_caught(n):
    # the hand-written chain rule is the gradient (central differences agree) ...
    rng = np.random.default_rng(n)
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    claim = chain_rule(n)
    value = ed.parse(claim, where="x: vector(n)")(x=x, y=y)
    assert np.allclose(value, numpy_gradient(n, x, y), rtol=1e-5, atol=1e-9)
    # ... so check never calls it wrong; one sign flipped in every Jacobian is wrong
    expr = "y' " + nested(n)
    assert ed.check(expr, "x", claim=claim).verdict in ("right", "undecided")
    assert ed.check(expr, "x", claim=chain_rule(n, "+")).verdict == "wrong"


def test_check_work_grows_with_the_claim_not_with_three_to_the_depth(monkeypatch):
    # count the nodes each walk computes: a tree walk of depth 12 does 3^6 = 729 times the work
    # of depth 6; a graph walk about (12 / 6)^2 = 4 times (the claim's text is quadratic)
    counts = {}

    def counted(owner, name):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    counted(exact._Evaluator, "_prod")
    counted(degrees, "_size_degree")
    counted(sampling, "_magnitude")
    counted(domain, "_collect")
    work = []
    for n in (6, 12):
        counts.clear()
        ed.check("y' " + nested(n), "x", claim=chain_rule(n))
        work.append(dict(counts))
    for name, small in work[0].items():
        assert work[1][name] < 12 * small, (name, small, work[1][name])
