"""The two statistics the evaluation reports: percentiles (latency) and a paired permutation
test (whether one configuration's lead over another could be chance). Plain functions of
numbers, so the benchmarks can use the same definitions."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

ROUNDS = 5000  # random sign flips per permutation test
SEED = 0  # a fixed seed: the same report for the same results


def percentile(values: Iterable[float], pct: int) -> float:
    """The `pct`-th percentile (a whole number 0-100), linear between the closest ranks:
    statistics.quantiles(n=100, method="inclusive"), so 50 is the median, 0 the minimum and
    100 the maximum. Raises ValueError when there are no values."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100 or pct != int(pct):
        raise ValueError(f"percentile {pct!r}: expected a whole number from 0 to 100")
    if len(data) == 1 or pct == 0:
        return data[0]
    if pct == 100:
        return data[-1]
    return statistics.quantiles(data, n=100, method="inclusive")[int(pct) - 1]


def paired_permutation_p(a: dict[str, float], b: dict[str, float], rounds: int = ROUNDS) -> tuple[float, int]:
    """Two-sided p-value that per-item scores `a` and `b` (by item id) differ only by chance:
    the share of random swaps within pairs (sign flips of the differences) whose mean difference
    is at least as far from zero as the observed one; exact when there are few pairs.
    Returns (p, number of paired items)."""
    import numpy as np
    from scipy.stats import permutation_test

    ids = sorted(a.keys() & b.keys())  # sorted: the same resamples whatever the hash seed
    if not ids:
        return 1.0, 0
    x, y = np.array([a[i] for i in ids]), np.array([b[i] for i in ids])
    if statistics.fmean(x - y) == 0:
        return 1.0, len(ids)
    result = permutation_test(
        (x, y),
        _distance_of_mean_difference,
        permutation_type="samples",
        vectorized=True,
        n_resamples=rounds,
        alternative="greater",  # the statistic is already two-sided: |mean difference|
        rng=np.random.default_rng(SEED),
    )
    return float(result.pvalue), len(ids)


def _distance_of_mean_difference(x, y, axis: int):
    import numpy as np

    return np.abs(np.mean(x - y, axis=axis))
