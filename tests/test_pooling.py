"""A log-normal pooled partially over groups, with censored values (capsim.scenario.pooling).

References: the closed-form posterior of a Gaussian two-level model (a group's mean
shrunk towards the grand mean), with sigma maximising the likelihood factorised by hand
into within-group contrasts and group means; and a sample of a known log-normal,
right-censored.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from capsim.scenario.pooling import Value, pooled_lognormal

TAU = 0.3


def test_a_group_s_median_is_shrunk_towards_the_grand_one_as_a_hand_calculation_gives():
    # Logs: group A {0.9, 1.1}, group B {1.9, 2.1}. Per group (n = 2) the contrast
    # (y1 - y2) / sqrt(2) = 0.2 / sqrt(2) ~ N(0, s) and the mean ~ N(mu, tau^2 + s / 2),
    # s = sigma^2; by symmetry mu = 1.5, so each mean is 0.5 from it.
    def minus_loglik(s):
        mean_var = TAU**2 + s / 2
        per_group = -0.5 * math.log(s) - 0.02 / (2 * s)
        per_group += -0.5 * math.log(mean_var) - 0.25 / (2 * mean_var)
        return -2 * per_group

    s = optimize.minimize_scalar(minus_loglik, bounds=(1e-4, 1.0), method="bounded").x
    group_var = s / 2  # variance of a group's mean about its effect
    shrink = TAU**2 / (TAU**2 + group_var)
    # Flat prior on mu: mu | data ~ N(1.5, (tau^2 + s/2) / 2); the effect of A given mu
    # is shrunk by `shrink` with variance shrink * s/2.
    centre_a = 1.5 + shrink * (1.0 - 1.5)
    var_a = shrink * group_var + (1 - shrink) ** 2 * (TAU**2 + group_var) / 2
    values = [
        Value(math.exp(log), group=group)
        for log, group in ((0.9, "A"), (1.1, "A"), (1.9, "B"), (2.1, "B"))
    ]
    fitted = pooled_lognormal(values, "A", TAU)
    assert math.log(fitted.median) == pytest.approx(centre_a, abs=0.003)
    assert fitted.sigma == pytest.approx(math.sqrt(s + var_a), abs=0.003)
    # A group without values: the grand median, and tau^2 added to the spread.
    new = pooled_lognormal(values, "C", TAU)
    assert math.log(new.median) == pytest.approx(1.5, abs=0.003)
    assert new.sigma == pytest.approx(math.sqrt(s + (TAU**2 + group_var) / 2 + TAU**2), abs=0.003)


def test_one_group_without_censoring_is_the_sample_s_log_normal():
    # Close to the logs' mean and their n - 1 spread widened by sqrt(1 + 1/n).
    months = [16.4, 30.2, 33.1, 20.7, 26.6, 28.1, 24.6, 15.6, 24.0, 34.4, 15.0, 15.5, 19.8]
    logs = np.log(months)
    fitted = pooled_lognormal([Value(m, group="x") for m in months], "x", TAU)
    assert fitted.median == pytest.approx(math.exp(logs.mean()), rel=1e-3)
    expected = logs.std(ddof=1) * math.sqrt(1 + 1 / len(months))
    assert fitted.sigma == pytest.approx(expected, rel=0.02)


def test_censored_values_are_counted_as_longer_than_so_far():
    # 80 values at the quantiles of a log-normal of median 24 months and sigma 0.3;
    # those past 27 months are known only as "longer than 27". Fitted as censored they
    # give the log-normal back; left out, they bias the median low.
    quantiles = stats.lognorm(0.3, scale=24.0).ppf((np.arange(80) + 0.5) / 80)
    values = [Value(min(q, 27.0), censored=q > 27.0, group="x") for q in quantiles]
    assert 15 < sum(v.censored for v in values) < 30
    fitted = pooled_lognormal(values, "x", TAU)
    assert fitted.median == pytest.approx(24.0, abs=0.5)
    assert fitted.sigma == pytest.approx(0.3, abs=0.02)
    uncensored = pooled_lognormal([v for v in values if not v.censored], "x", TAU)
    assert uncensored.median < 22.0
