"""Peak memory of one call, for the tests that bound a plan's temporaries.

Input: a callable and its keyword arguments. Output: the peak bytes that tracemalloc sees during
a second call (the first call warms caches and compiled plans, so it is not measured). Plain
Python, independent of einderiv.
"""

from __future__ import annotations

import tracemalloc


def peak_bytes(fn, args) -> int:
    """Peak traced memory of ``fn(**args)``, measured on a second call."""
    fn(**args)
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(**args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak
