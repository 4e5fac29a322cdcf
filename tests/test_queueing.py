"""The crew pool against queueing theory: an exact log, then M/M/1 and Erlang C."""

import math

import numpy as np
import pytest
import simpy

from capsim.model.crews import CrewPool


def erlang_c(c, lam, mu):
    """Erlang C for M/M/c: probability of waiting and mean wait in queue Wq.

    With A = lam/mu: P_wait = (A^c/c!)(c/(c-A)) / (sum_{k<c} A^k/k! + (A^c/c!)(c/(c-A)))
    and Wq = P_wait / (c*mu - lam).
    """
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait, p_wait / (c * mu - lam)


def mean_wait(crews, lam, mu, u_gap, u_work):
    """Mean wait for a crew, for arrivals and jobs drawn by inversion from uniforms."""
    gaps = (-np.log1p(-u_gap) / lam).tolist()
    works = (-np.log1p(-u_work)).tolist()  # Exp(1) job sizes, served at mu per unit time
    env = simpy.Environment()
    pool = CrewPool(env, crews)

    def service_time(work):
        return work / mu

    def arrivals():
        for gap, work in zip(gaps, works, strict=True):
            yield env.timeout(gap)
            env.process(pool.serve(work, service_time))

    env.process(arrivals())
    env.run()
    return float(np.mean(pool.waits))


def test_exact_log_two_crews():
    # Two crews; jobs of 3, 2 and 4 at t=0 and of 1 at t=1. The first two start at
    # once (crews free at 3 and 2); the third waits for t=2, the fourth for t=3.
    env = simpy.Environment()
    pool = CrewPool(env, crews=2)
    log = []

    def job(name, at, work):
        yield env.timeout(at)
        wait = yield env.process(pool.serve(work, float))  # a month per unit of work
        log.append((name, env.now, wait))

    for name, at, work in [("a", 0, 3), ("b", 0, 2), ("c", 0, 4), ("d", 1, 1)]:
        env.process(job(name, at, work))
    env.run()
    assert log == [("b", 2, 0), ("a", 3, 0), ("d", 4, 2), ("c", 6, 2)]
    assert pool.waits == [0, 0, 2, 2]
    assert pool.crews == 2


@pytest.mark.parametrize("crews", [0, 1.5, True])
def test_bad_crews(crews):
    with pytest.raises(ValueError, match='"crews"'):
        CrewPool(simpy.Environment(), crews)


def test_erlang_c_reduces_to_mm1():
    # c = 1: P_wait = rho = 0.5 and Wq = rho/(mu - lam) = 0.5/0.5 = 1.0.
    assert erlang_c(1, 0.5, 1.0) == pytest.approx((0.5, 1.0), rel=1e-12)


# Each run is 2 x 100,000 customers, antithetic (uniforms u and 1 - u), which cuts the
# spread by a fifth to a third. Over 200 seeds (same estimator, replayed by the FCFS
# recursion that reproduces these waits exactly) the relative SD of the mean wait is
# 1.1 % (M/M/1) and 1.9 % (M/M/3), the worst seed 3.1 % and 5.3 % off: tolerances of
# 5 % and 10 % are about 5 SD. The wrong models (a crew more or fewer, service 10 %
# faster or slower) differ from the right one by 24 % or more, and fail the check.
@pytest.mark.parametrize(
    ("crews", "lam", "mu", "rtol", "expected_wq"),
    [
        # rho = 0.5: Wq = 0.5/(1.0 - 0.5) = 1.0.
        (1, 0.5, 1.0, 0.05, 1.0),
        # A = 1.5: A^3/3! = 0.5625; * 3/1.5 = 1.125; sum_{k<3} = 1 + 1.5 + 1.125
        # = 3.625; P_wait = 1.125/4.75 = 0.236842; Wq = 0.236842/(3 - 1.5) = 0.157895.
        (3, 1.5, 1.0, 0.10, 0.157895),
    ],
)
def test_pool_matches_erlang_c(crews, lam, mu, rtol, expected_wq):
    assert erlang_c(crews, lam, mu)[1] == pytest.approx(expected_wq, abs=1e-6)
    rng = np.random.default_rng(20250101)
    u_gap, u_work = rng.random(100_000), rng.random(100_000)
    wq = (
        mean_wait(crews, lam, mu, u_gap, u_work) + mean_wait(crews, lam, mu, 1 - u_gap, 1 - u_work)
    ) / 2
    assert wq == pytest.approx(expected_wq, rel=rtol)
    for wrong in [(crews + 1, lam, mu), (crews, lam, 1.1 * mu), (crews, lam, 0.9 * mu)]:
        assert wq != pytest.approx(erlang_c(*wrong)[1], rel=rtol), wrong
    if crews > 1:
        assert wq != pytest.approx(erlang_c(crews - 1, lam, mu)[1], rel=rtol)
