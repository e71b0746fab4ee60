"""Odd arguments to the Python API (session 30): a clear ``EinderivError``, never a traceback
or another value read silently."""

import numpy as np
import pytest

import einderiv as ed


@pytest.mark.parametrize("shape", [1, "n", b"n", {3}, (True,), (2.5,), (0,), (-1,)])
def test_a_shape_that_is_not_a_tuple_of_sizes_is_refused(shape):
    # shape=1 was a TypeError; b"n" was read as the size 110 (ord("n")) and "nn" as (n, n)
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


def test_a_name_of_10000_letters_is_not_split_into_a_chain_past_the_limit():
    # xxx...x (10,000 letters) read as x x ... x: a chain of 10,000 factors, past the 2,500
    # every chain may have; it failed deep in a later pass ("nested too deeply to process",
    # 11 s at 1,000,000 letters), it is refused where it is split now
    with pytest.raises(ed.EinderivError, match="too long a chain"):
        ed.diff("x" * 10000, "x")
    long_name = "x" * 3000  # declared: one name, as any other
    g = ed.diff(f"{long_name}' y", "y", where=f"{long_name}: vector(2); y: vector(2)")
    np.testing.assert_allclose(g(**{long_name: np.array([1.0, 2.0])}), [1.0, 2.0])


def test_numbers_past_a_float_are_refused_when_evaluated():
    # 10^400 given as a size or an integer, or as the size of a zero, raised OverflowError
    # (a float made of it for a message, or for the value): an EvaluationError now
    with pytest.raises(ed.EvaluationError, match="401 digits"):
        ed.parse("0", shape=(10**400,))()
    with pytest.raises(ed.EvaluationError, match="401 digits"):
        ed.parse("x", where="x: vector(n)")(x=np.ones(3), n=10**400)
    times_n = ed.parse("sum(x) n", where="x: vector(3); n: integer")
    for n in (10**400, -(10**400)):
        with pytest.raises(ed.EvaluationError, match="too large for a float"):
            times_n(x=np.ones(3), n=n)
    assert times_n(x=np.ones(3), n=10**300) == 3.0 * 10**300  # sum of three ones, times n


def test_a_chain_past_the_limit_is_refused_at_its_first_link_past_it():
    # 100,000 Greek letters read as a product: refused when the parser builds the 2,501st
    # link, not after reading the rest (1,000,000 letters took over two minutes, now 2 s)
    with pytest.raises(ed.EinderivError, match=r"too long a chain \(depth 2501"):
        ed.diff("α" * 100_000, "x")
    with pytest.raises(ed.EinderivError, match=r"too long a chain \(depth 2501"):
        ed.diff(" + ".join(["x' x"] * 10_000), "x")
