"""Interval arithmetic for rates: Wilson score intervals and funnel-plot limits."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054
# The funnel's limits by their tail probability: 95 % (0.025 each side) and 99.8 % (0.001 each side).
TAIL95 = 0.025
TAIL998 = 0.001


def wilson(k, n, z: float = Z95):
    """Wilson score interval of k successes in n trials; NaN where n is 0.

    >>> [round(float(x), 4) for x in wilson(216, 347)]
    [0.5704, 0.6719]
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, centre - half, np.nan)
        high = np.where(n > 0, centre + half, np.nan)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def _binomial_cdf(n: int, p: float) -> tuple[int, np.ndarray]:
    """(k0, F) with F[i] the distribution function of Bin(n, p) at k0 + i.

    Only the stretch within ten standard deviations (and ten courses) of the mean is summed:
    the mass outside it is below 1e-20, and a municipality of a million courses needs
    thousands of terms, not a million.
    """
    if p <= 0:
        return 0, np.ones(n + 1)
    if p >= 1:
        return 0, np.r_[np.zeros(n), 1.0]
    spread = 10 * math.sqrt(n * p * (1 - p)) + 10
    k0, k1 = max(0, math.floor(n * p - spread)), min(n, math.ceil(n * p + spread))
    k = np.arange(k0, k1 + 1, dtype=float)
    # log C(n, k) from the first k on: C(n, k + 1) = C(n, k) · (n - k) / (k + 1).
    first = math.lgamma(n + 1) - math.lgamma(k0 + 1) - math.lgamma(n - k0 + 1)
    log_choose = first + np.r_[0.0, np.cumsum(np.log((n - k[:-1]) / (k[:-1] + 1)))]
    pmf = np.exp(log_choose + k * math.log(p) + (n - k) * math.log1p(-p))
    return k0, np.minimum(np.cumsum(pmf), 1.0)


def _limit(n: int, k0: int, cdf: np.ndarray, q: float) -> float:
    """Spiegelhalter's interpolated q-quantile of Bin(n, p0) as a rate, clipped to [0, 1]; (k0, cdf)
    are `_binomial_cdf(n, p0)`."""
    i = min(int(np.searchsorted(cdf, q, side="left")), len(cdf) - 1)  # smallest r with F(r) >= q
    below = cdf[i - 1] if i > 0 else 0.0
    r = k0 + i
    return min(max((r - (cdf[i] - q) / (cdf[i] - below)) / n, 0.0), 1.0)


def funnel_limits(p0: float, n, tail: float):
    """Control limits around a target rate p0 for a unit with n courses (Spiegelhalter's funnel plot).

    The binomial quantiles of Bin(n, p0) at `tail` and 1 - `tail` (TAIL95, TAIL998), made
    continuous by Spiegelhalter's interpolation (Statistics in Medicine 2005) and clipped to
    [0, 1]: the data contract's "Comparing municipalities fairly". n is a whole number of
    courses (rounded if not); NaN where n is 0.

    >>> [round(float(x), 4) for x in funnel_limits(0.38, 5, TAIL95)]
    [0.0, 0.7472]
    """
    n = np.rint(np.asarray(n, dtype=float))
    low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    for size in np.unique(n[n > 0]):
        at = n == size
        k0, cdf = _binomial_cdf(int(size), p0)
        low[at] = _limit(int(size), k0, cdf, tail)
        high[at] = _limit(int(size), k0, cdf, 1 - tail)
    return low, high
