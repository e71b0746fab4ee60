"""A power moved after a norm's subscript never joins a power written after it.

``‖X‖²_F`` is read as ``‖X‖_F²`` (``frontend/norm_scripts.py``: the power moved after the
subscript). With another superscript digit right after the subscript, ``‖X‖²_F²`` moved was
``‖X‖_F²²``, and consecutive superscript digits are one number: it read ``norm2(X)^22``
silently (``‖X‖²_F³`` ``^23``, ``‖x‖²₂²`` ``^22``). Such a text is not moved now, so it is
refused as before the move existed. Truth: numpy sums of squares at a random point.
"""

import numpy as np
import pytest

import einderiv as ed

RNG = np.random.default_rng(3849)
X0 = RNG.normal(size=(3, 2))
x0 = RNG.normal(size=4)


@pytest.mark.parametrize("text", ["‖X‖²_F²", "‖X‖²_F³", "‖x‖²₂²", "||x||^2_2²", "‖x‖²_1²"])
def test_a_power_glued_after_the_subscript_is_refused(text):
    with pytest.raises(ed.ParseError):
        ed.parse(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("‖X‖²_F", lambda: np.sum(X0 * X0)),
        ("‖X‖²_F ²", lambda: np.sum(X0 * X0) ** 2),  # as (x' x)² ² reads: (...)^2 squared
        ("‖x‖²₂", lambda: x0 @ x0),
        ("‖x‖²₂ + 1", lambda: x0 @ x0 + 1),
    ],
)
def test_the_power_alone_still_moves(text, value):
    f = ed.parse(text)
    got = f(**{name: {"X": X0, "x": x0}[name] for name in f.variables})
    assert np.isclose(got, value())
