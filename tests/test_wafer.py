"""Dies per wafer and die yield against published worked examples."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsim.model.wafer import die_yield, good_dies_per_wafer, gross_dies_per_wafer

MODELS = [("poisson", None), ("murphy", None), ("negative_binomial", 3.0)]


def test_gross_dies_hennessy_patterson_1_5_cm_die():
    # Hennessy & Patterson, Computer Architecture 5th ed., §1.6: 300 mm wafer,
    # 1.5 cm x 1.5 cm die: pi*15**2/2.25 - pi*30/sqrt(2*2.25) (in cm)
    # = 706.86/2.25 - 94.248/2.1213 = 314.16 - 44.43 = 269.73, "about 270".
    assert gross_dies_per_wafer(225.0) == pytest.approx(269.73, abs=0.01)


def test_gross_dies_hennessy_patterson_1_cm_die():
    # Same example, 1.0 cm x 1.0 cm die: 706.86/1.00 - 94.248/1.4142
    # = 706.86 - 66.64 = 640.22, "about 640".
    assert gross_dies_per_wafer(100.0) == pytest.approx(640.22, abs=0.01)


def test_gross_dies_edge_exclusion_shrinks_the_wafer():
    # 3 mm exclusion: d = 294 mm; pi*147**2/100 - pi*294/sqrt(200)
    # = 678.87 - 65.31 = 613.56.
    assert gross_dies_per_wafer(100.0, 300.0, 3.0) == pytest.approx(613.56, abs=0.01)


def test_gross_dies_is_not_rounded_and_floors_at_zero():
    assert gross_dies_per_wafer(225.0) % 1 != 0
    # A die larger than the wafer: 706.86/800 - 94.25/40 < 0 -> 0.
    assert gross_dies_per_wafer(80_000.0) == 0.0


def test_poisson_yield_1_cm2_die_at_0_1_per_cm2():
    # A = 100 mm² = 1 cm², D0 = 0.1 /cm²: exp(-1*0.1) = 0.904837.
    assert die_yield(100.0, 0.1) == pytest.approx(0.904837, abs=1e-6)


def test_murphy_yield_1_cm2_die_at_0_1_per_cm2():
    # ((1 - exp(-0.1)) / 0.1)**2 = (0.0951626 / 0.1)**2 = 0.951626**2 = 0.905592.
    assert die_yield(100.0, 0.1, model="murphy") == pytest.approx(0.905592, abs=1e-6)


def test_negative_binomial_yield():
    # A*D0 = 1, alpha = 3: (1 + 1/3)**-3 = (3/4)**3 = 0.421875;
    # alpha = 1 is Seeds' model 1/(1 + A*D0) = 0.5.
    assert die_yield(100.0, 1.0, model="negative_binomial", cluster_alpha=3.0) == pytest.approx(
        0.421875, rel=1e-12
    )
    assert die_yield(100.0, 1.0, model="negative_binomial", cluster_alpha=1.0) == pytest.approx(
        0.5, rel=1e-12
    )


@pytest.mark.parametrize(("model", "alpha"), MODELS)
def test_yield_is_one_without_defects(model, alpha):
    assert die_yield(100.0, 0.0, model=model, cluster_alpha=alpha) == 1.0


def test_good_dies_is_gross_times_yield():
    # 640.22 gross dies * 0.904837 Poisson yield = 579.30.
    assert good_dies_per_wafer(100.0, 0.1) == pytest.approx(579.30, abs=0.01)


def test_functions_broadcast_over_arrays():
    areas = np.array([[100.0], [225.0]])
    d0 = np.array([0.0, 0.1])
    good = good_dies_per_wafer(areas, d0, model="murphy")
    assert good.shape == (2, 2)
    assert good[:, 0] == pytest.approx([640.22, 269.73], abs=0.01)
    assert good[0, 1] == pytest.approx(640.22 * 0.905592, abs=0.01)
    assert gross_dies_per_wafer(100.0, np.array([200.0, 300.0])).shape == (2,)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: gross_dies_per_wafer(0.0), "die_area_mm2"),
        (lambda: die_yield(np.array([100.0, math.nan]), 0.1), "die_area_mm2"),
        (lambda: die_yield(100.0, -0.1), "defect_density_per_cm2"),
        (lambda: die_yield(100.0, 0.1, model="seeds"), "model"),
        (lambda: die_yield(100.0, 0.1, model="negative_binomial"), "cluster_alpha"),
        (lambda: die_yield(100.0, 0.1, cluster_alpha=2.0), "cluster_alpha"),
        (
            lambda: die_yield(100.0, 0.1, model="negative_binomial", cluster_alpha=0),
            "cluster_alpha",
        ),
    ],
)
def test_bad_inputs_name_the_field(call, field):
    with pytest.raises(ValueError, match=f'"{field}"'):
        call()


areas = st.floats(1.0, 2000.0)
densities = st.floats(0.0, 5.0)


@given(a=areas, b=areas, d0=densities, m=st.sampled_from(MODELS))
def test_yield_decreases_with_area(a, b, d0, m):
    small, large = sorted((a, b))
    model, alpha = m
    assert die_yield(large, d0, model=model, cluster_alpha=alpha) <= die_yield(
        small, d0, model=model, cluster_alpha=alpha
    )


@given(a=areas, d=densities, e=densities, m=st.sampled_from(MODELS))
def test_yield_decreases_with_defect_density(a, d, e, m):
    low, high = sorted((d, e))
    model, alpha = m
    y_high = die_yield(a, high, model=model, cluster_alpha=alpha)
    y_low = die_yield(a, low, model=model, cluster_alpha=alpha)
    assert 0.0 <= y_high <= y_low <= 1.0
