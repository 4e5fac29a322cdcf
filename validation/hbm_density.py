"""What-if: HBM bits per wafer held at 2026's to 2032, against base-world's density
(one DRAM node every two years from mid-2026).

Writes, for each shipped deal scenario, a scenario that extends it and gives the three
HBM vendors of base-world a ``density`` of 1 throughout, runs both at central values
and prints each milestone's date in both and the difference in days; then, for
``openai-nvidia-10gw``, the market figures of ``validation/market_2026.py`` in the
variant, the input that binds each product by year, and the most dies any product
holds at a month's end, in months of what its next month's packages take.

base-world's series (its HBM vendors' ``density``): DRAM makers move to a new node about
every two years (Micron 1-alpha 2021-01, 1-beta 2022-11, 1-gamma 2025-02), each with
about 30 % more bits per wafer (Micron, 2025-02-25: 1-gamma more than 30 % over 1-beta;
2021-01: 1-alpha 40 % over 1z). Check against TrendForce's HBM shares (DESIGN.md §7): 9 %
of DRAM bits on about 20 % of its wafers in 2026 (the mean of 18 % at end-2025 and 22 %
at end-2026), 13 % on about 26 % in 2027, so at least 13/26 / (9/20) - 1 = 11 % more
bits per HBM wafer in 2027 than in 2026 if DRAM bits per wafer do not fall; the script
prints base-world's 2027-over-2026 gain beside it.

    python validation/hbm_density.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

import capsim
from capsim.analysis.compare import comparison_answer
from capsim.model.resolve import resolve

sys.path.insert(0, str(Path(__file__).resolve().parent))
import market_2026 as market  # the market figures, from their script

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEALS = [
    "openai-nvidia-10gw",
    "openai-amd-6gw",
    "openai-broadcom-10gw",
    "openai-all-deals",
    "stargate-korea-memory",
]
VENDORS = ("sk-hynix", "samsung", "micron")
#: Good stacks per wafer relative to base-world's stacks per wafer [dimensionless]:
#: 2026's throughout.
FLAT = [{"date": "2026-06-30", "value": 1, "source": "what-if: HBM bits per wafer held at 2026's"}]
#: TrendForce (DESIGN.md §7): HBM's share of DRAM bits over its share of DRAM wafers,
#: 2026 and 2027 (wafer shares: means of the end-of-year figures).
BITS_OVER_WAFERS = {2026: 0.09 / 0.20, 2027: 0.13 / 0.26}


def variant(name: str, folder: Path) -> Path:
    """A scenario file extending the shipped ``name`` with :data:`FLAT` at the vendors."""
    data = {
        "extends": str(SCENARIOS / f"{name}.yaml"),
        "name": f"{name}-flat-hbm-density",
        "hbm_vendors": {vid: {"density": FLAT} for vid in VENDORS},
    }
    path = folder / f"{name}-flat-hbm-density.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def gain_2027(scenario) -> float:
    """The central density's mean over 2027 over its mean over 2026, at sk-hynix."""
    inputs = resolve(scenario)
    density = inputs.vendors["sk-hynix"].density
    times = inputs.calendar.month_starts()
    years = np.asarray(times, dtype="datetime64[Y]").astype(int) + 1970
    return float(density[years == 2027].mean() / density[years == 2026].mean())


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        print("central milestone dates: shipped (density) | 2026's bits per wafer | days")
        for name in DEALS:
            shipped = capsim.load_scenario(SCENARIOS / f"{name}.yaml")
            flat = capsim.load_scenario(variant(name, Path(folder)))
            results = capsim.simulate(shipped), capsim.simulate(flat)
            print(f"\n{name}")
            for shift in comparison_answer(shipped, flat, *results).shifts:
                before, after = shift.left or "not met", shift.right or "not met"
                days = "-" if shift.days_later is None else f"{shift.days_later:+.0f}"
                print(f"  {shift.milestone:36} {before:>10} {after:>10} {days:>6}")
        scenario, result = market.run(variant("openai-nvidia-10gw", Path(folder)))
    rows = market.figures(scenario, result)
    inside = sum(row.within for row in rows)
    print(f"\nopenai-nvidia-10gw at 2026's bits per wafer: {inside} of {len(rows)} market figures")
    for row in rows:
        if not row.within:
            print(f"  outside: {row.quantity} ({row.show(row.model)} {row.unit})")
    print("\n" + "\n".join(market.binding_table(result)))
    need = BITS_OVER_WAFERS[2027] / BITS_OVER_WAFERS[2026]
    shipped = capsim.load_scenario(SCENARIOS / "openai-nvidia-10gw.yaml")
    print(
        f"\nbase-world's bits per HBM wafer, 2027 over 2026: {gain_2027(shipped):.3f}; "
        f"TrendForce's shares need at least {need:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
