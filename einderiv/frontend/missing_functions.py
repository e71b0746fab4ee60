"""Functions a user may call that einderiv does not have, with what to write instead.

Input: the name of an unknown function as written (``gelu``, ``GELU``, ``leaky_relu``) and the
closest known name. Output: ``unknown_function_hint(name, guess)``, the end of the parse error's
message: the formula in functions einderiv has, when the name is a known layer or loss;
otherwise ``did you mean`` the closest name, or how to write a product.
Invariants: data only, one formula per name (``u`` standing for the argument); every formula
is in the language of SPEC 1 and 6.1 and parses (tests/test_ml_losses_review.py evaluates each
against numpy). Names are compared in lower case, without ``_`` or ``-``.
"""

from __future__ import annotations

# an activation or loss of ML libraries -> the same function in einderiv's functions
MISSING = {
    "gelu": "0.5 u .* (1 + erf(u / sqrt(2)))",  # the exact GELU (torch's default)
    "silu": "u .* sigmoid(u)",
    "swish": "u .* sigmoid(u)",
    "mish": "u .* tanh(softplus(u))",
    "leakyrelu": "relu(u) - 0.01 relu(-u)",  # slope 0.01 below 0
    "elu": "relu(u) + exp(-relu(-u)) - 1",  # alpha = 1
    "softsign": "u ./ (1 + abs(u))",
    "logsigmoid": "-softplus(-u)",
    "hardtanh": "relu(u + 1) - relu(u - 1) - 1",
    "crossentropy": "-sum(y .* log_softmax(u)) for labels y",
    "mse": "mean((u - y) .^ 2) for targets y",
    "logistic": "sigmoid(u)",
    "expit": "sigmoid(u)",
    "logit": "log(u ./ (1 - u))",
}


def unknown_function_hint(name: str, guess: str | None) -> str:
    """The hint after ``unknown function 'name'``."""
    formula = MISSING.get(name.lower().replace("_", "").replace("-", ""))
    if formula:
        return f"; einderiv has no {name}: write it out, {name}(u) is {formula}"
    if name == "max":  # not softmax
        return "; did you mean relu? (max(0, u) is relu(u))"
    if guess:
        return f"; did you mean '{guess}'?"
    return f"; for a product write '{name} * (...)' or declare {name}"
