"""``check`` of an expression with many variables (session 30; ``ir/names_used``).

The sampler asked ``index_ir.mentions`` of each declared variable, walking the expression once
per variable: quadratic in their number (1,000 names ``a_k' x_k``: 5.4 s; 2,000: 18 s). The
variables used are now gathered in one walk. No timings: the term's nodes visited are counted.
"""

import numpy as np

import einderiv as ed
from einderiv.ir import index_ir as T
from tests.fd import jacobian_fd


def _sum_text(n: int) -> str:
    return " + ".join(f"a{k}' x{k}" for k in range(n))


def test_a_claim_over_400_variables_is_judged():
    # d (a0' x0 + ... + a399' x399) / dx0 = a0' (central differences of the numpy sum agree)
    n = 400
    rng = np.random.default_rng(30)
    values = {f"{v}{k}": rng.normal(size=3) for k in range(n) for v in "ax"}

    def f(**v):
        return sum(v[f"a{k}"] @ v[f"x{k}"] for k in range(n))

    np.testing.assert_allclose(jacobian_fd(f, values, "x0"), values["a0"], atol=1e-6)
    assert ed.check(_sum_text(n), "x0", claim="a0'").verdict == "right"
    assert ed.check(_sum_text(n), "x0", claim="a1'").verdict == "wrong"


def test_the_work_of_a_check_grows_linearly_with_its_variables(monkeypatch):
    # nodes visited by check of a sum over n and 2n variables: about twice as many (was four)
    real, visits = T.children, [0]

    def counted(t):
        visits[0] += 1
        return real(t)

    monkeypatch.setattr(T, "children", counted)
    counts = []
    for n in (200, 400):
        visits[0] = 0
        assert ed.check(_sum_text(n), "x0", claim="a1'").verdict == "wrong"
        counts.append(visits[0])
    assert counts[1] < 2.5 * counts[0], counts
