"""High-precision reference values (Python's decimal module), independent of scipy."""

from __future__ import annotations

from decimal import Decimal, localcontext


def bgnbd_expected_purchases(t, x, t_x, T, r, alpha, a, b, *, digits=60):
    """E[X(T, T+t) | x, t_x, T] from equation (10) of Fader, Hardie & Lee (2005), summing the
    Gauss hypergeometric series 2F1(r+x, b+x; a+b+x-1; z) term by term in ``digits``-digit
    decimal arithmetic: no transformation, no overflow (decimal exponents are unbounded)."""
    with localcontext() as ctx:
        ctx.prec = digits
        t, x, t_x, T, r, alpha, a, b = (Decimal(repr(float(v))) for v in (t, x, t_x, T, r, alpha,
                                                                           a, b))
        big_a, big_b, big_c = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        term = Decimal(1)
        total = Decimal(1)
        k = 0
        tiny = Decimal(10) ** (-digits + 5)
        while True:
            term *= (big_a + k) * (big_b + k) / ((big_c + k) * (k + 1)) * z
            total += term
            k += 1
            # the terms first grow (for heavy buyers), then fall geometrically
            if k > 10 and abs(term) < tiny * abs(total) and (big_a + k) * z < (k + 1):
                break
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * total
        denominator = Decimal(1)
        if x > 0:
            denominator += a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        return float(first * second / denominator)
