"""Odd arguments to the Python API (session 30): a clear ``EinderivError``, never a traceback
or another value read silently."""

import numpy as np
import pytest

import einderiv as ed


@pytest.mark.parametrize("shape", [1, "n", b"n", {3}, (True,), (2.5,), (0,), (-1,), (10**400,)])
def test_a_shape_that_is_not_a_tuple_of_sizes_is_refused(shape):
    # shape=1 was a TypeError; b"n" was read as the size 110 (ord("n")) and "nn" as (n, n);
    # shape=(10**400,) made a zero whose evaluation raised OverflowError
    for text in ("x", "0"):
        with pytest.raises(ed.EinderivError, match="shape="):
            ed.parse(text, where="x: vector(3)", shape=shape)


def test_a_shape_of_numpy_or_whole_float_sizes_is_read_as_ints():
    # parse("0", shape=(3.0,)) kept the size 3.0; (np.int64(3),) and (3.0,) are the size 3
    for shape in [(np.int64(3),), (3.0,), [3]]:
        zero = ed.parse("0", shape=shape)
        assert zero.shape == (3,) and all(type(d) is int for d in zero.shape)
        np.testing.assert_array_equal(zero(), np.zeros(3))
        x = ed.parse("x", where="x: vector(3)", shape=shape)
        np.testing.assert_array_equal(x(x=np.arange(3.0)), np.arange(3.0))
