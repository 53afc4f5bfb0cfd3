"""Interval arithmetic for rates: Wilson score intervals and funnel-plot limits."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8 %


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


def funnel_limits(p0: float, n, z: float):
    """Control limits around a target rate p0 for a unit with n courses (Spiegelhalter's funnel plot).

    Uses the Wilson interval around p0 so limits stay within [0, 1] for small n.
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n
        centre = (p0 + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p0 * (1 - p0) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
