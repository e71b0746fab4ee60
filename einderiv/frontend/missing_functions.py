"""Functions a user may call that einderiv does not have, with what to write instead.

Input: the name of an unknown function as written (``gelu``, ``GELU``, ``leaky_relu``,
``np.dot``'s ``dot``) and the closest known name. Output: ``unknown_function_hint(name,
guess)``, the end of the parse error's message: the formula in functions einderiv has, when
the name is a known layer, loss or array function; otherwise ``did you mean`` the closest
name, or how to write a product.
Invariants: data only, one formula per name, written ``call = formula`` with the arguments
``u`` (one) or ``x, y`` (two); every formula is in the language of SPEC 1 and 6.1 and parses
(tests/test_ml_bad_input_review.py evaluates each against numpy). Names are compared in
lower case, without ``_`` or ``-``.
"""

from __future__ import annotations

# an activation, loss or array function of ML libraries -> the same in einderiv's functions
MISSING = {
    "gelu": "gelu(u) is 0.5 u .* (1 + erf(u / sqrt(2)))",  # the exact GELU (torch's default)
    "silu": "silu(u) is u .* sigmoid(u)",
    "swish": "swish(u) is u .* sigmoid(u)",
    "mish": "mish(u) is u .* tanh(softplus(u))",
    "leakyrelu": "leaky_relu(u) is relu(u) - 0.01 relu(-u)",  # slope 0.01 below 0
    "elu": "elu(u) is relu(u) + exp(-relu(-u)) - 1",  # alpha = 1
    "softsign": "softsign(u) is u ./ (1 + abs(u))",
    "logsigmoid": "logsigmoid(u) is -softplus(-u)",
    "hardtanh": "hardtanh(u) is relu(u + 1) - relu(u - 1) - 1",
    "softmin": "softmin(u) is softmax(-u)",
    "logistic": "logistic(u) is sigmoid(u)",
    "expit": "expit(u) is sigmoid(u)",
    "logit": "logit(u) is log(u ./ (1 - u))",
    "hinge": "hinge(u) is relu(1 - u)",
    "huber": "the pseudo-Huber loss of u is sqrt(1 + u .^ 2) - 1",
    "crossentropy": "cross_entropy(u, y) is -sum(y .* log_softmax(u))",
    "bce": "bce(u, y) is -sum(y .* log(sigmoid(u)) + (1 - y) .* log(1 - sigmoid(u)))",
    "nll": "nll(u, y) is -sum(y .* log(u))",
    "mse": "mse(u, y) is mean((u - y) .^ 2)",
    "layernorm": "layer_norm(u) is (u - mean(u)) / sqrt(mean((u - mean(u)) .^ 2) + 1e-5)",
    "var": "var(u) is mean((u - mean(u)) .^ 2)",
    "std": "std(u) is sqrt(mean((u - mean(u)) .^ 2))",
    "square": "square(u) is u .^ 2",
    "log2": "log2(u) is log(u) / log(2)",
    "log10": "log10(u) is log(u) / log(10)",
    "exp2": "exp2(u) is 2 .^ u",
    "dot": "dot(x, y) is x' y",
    "inner": "inner(x, y) is x' y",
    "outer": "outer(x, y) is x y'",
    "transpose": "transpose(u) is u'",
    "cosinesimilarity": "cosine_similarity(x, y) is x' y / (norm2(x) norm2(y))",
    "numel": "numel(u) is len(u) for a vector (len(X) len(X') for a matrix)",
    "size": "size(u) is len(u) for a vector (len(X) len(X') for a matrix)",
}


def unknown_function_hint(name: str, guess: str | None) -> str:
    """The hint after ``unknown function 'name'``."""
    formula = MISSING.get(name.lower().replace("_", "").replace("-", ""))
    if formula:
        return f"; einderiv has no {name}: write it out, {formula}"
    if name == "max":  # not softmax
        return "; did you mean relu? (max(0, u) is relu(u))"
    if guess:
        return f"; did you mean '{guess}'?"
    return f"; for a product write '{name} * (...)' or declare {name}"
