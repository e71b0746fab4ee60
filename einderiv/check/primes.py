"""The primes of ``check``'s exact arithmetic (``exact``), drawn at random in each process.

Input: nothing. Output: ``PRIMES``, a prime of 61 bits and one of 89 bits.
Invariants: fixed primes (Mersenne primes, before) let a claim be built to vanish modulo both
(a constant p q, a power a^E with E = 1 modulo p - 1, by Fermat) and be proved "right" while it
differs; primes unknown in advance cannot be aimed at, so a claim that differs is found to
differ with the probability Schwartz-Zippel gives, whoever wrote it.
"""

from __future__ import annotations

import secrets

__all__ = ["PRIMES"]


def _random_prime(bits: int) -> int:
    """A prime of ``bits`` bits drawn at random (Miller-Rabin, 40 random bases: a composite
    passes with probability below 4^-40). Drawn afresh in each process, so no claim can be
    built to vanish modulo it (a constant p q, a^E with E = 1 modulo p - 1), as for fixed
    primes; a claim that differs is then found to differ with the probability Schwartz-Zippel
    gives, whoever wrote it."""
    while True:
        n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if all(n % q for q in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and _probable(n):
            return n


def _probable(n: int) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(40):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


PRIMES = (_random_prime(61), _random_prime(89))
