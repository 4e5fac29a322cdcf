"""base-world's HBM density against TrendForce's HBM shares (DESIGN.md §7), and the
what-if of ``validation/hbm_density.py`` (2026's bits per wafer held to 2032)."""

from __future__ import annotations

import numpy as np

import capsim
from capsim.model.resolve import resolve
from scripts import validation_script

what_if = validation_script("hbm_density")
SHIPPED = what_if.SCENARIOS / "openai-nvidia-10gw.yaml"


def test_base_world_gives_at_least_the_bits_per_wafer_trendforce_s_shares_need():
    # TrendForce (DESIGN.md §7): HBM is 9 % of DRAM bits on 18-22 % of its wafers in 2026
    # (mean 20 %) and 13 % on 22-30 % (mean 26 %) in 2027. If DRAM bits per wafer do not
    # fall, an HBM wafer of 2027 holds at least (13 / 26) / (9 / 20) = 1.111 times the bits
    # of one of 2026.
    assert what_if.gain_2027(capsim.load_scenario(SHIPPED)) >= (0.13 / 0.26) / (0.09 / 0.20)


def test_base_world_density_follows_its_nodes():
    # Every vendor: 1 until mid-2026, rising (linearly) to the central value of
    # triangular(1.4, 1.69, 1.96) from mid-2030 on, its median:
    # 1.4 + sqrt(0.5 x 0.56 x 0.29) = 1.68496 (the mode lies above the middle).
    inputs = resolve(capsim.load_scenario(SHIPPED))
    months = inputs.calendar.month_starts().astype("datetime64[M]").astype(str).tolist()
    median = 1.4 + (0.5 * (1.96 - 1.4) * (1.69 - 1.4)) ** 0.5
    for vendor in inputs.vendors.values():
        density = vendor.density
        assert density[months.index("2025-06")] == 1.0
        assert abs(density[months.index("2031-01")] - median) < 1e-12
        assert (np.diff(density) >= 0).all()


def test_the_variant_changes_only_the_vendors_density(tmp_path):
    # The what-if holds every vendor's density at 1; nothing else of the deal changes.
    shipped = resolve(capsim.load_scenario(SHIPPED))
    flat = resolve(capsim.load_scenario(what_if.variant("openai-nvidia-10gw", tmp_path)))
    for vid, vendor in flat.vendors.items():
        assert (vendor.density == 1.0).all()
        assert vendor.stacks_per_wafer == shipped.vendors[vid].stacks_per_wafer
        assert (vendor.wafers == shipped.vendors[vid].wafers).all()
    for gid, programme in flat.programmes.items():
        assert programme.target_packages == shipped.programmes[gid].target_packages
