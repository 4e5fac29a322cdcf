"""How fast each shipped campus's crews can fill it, against how fast real campuses
added power.

A site's crews install ``crews`` x ``crew_rate`` racks a month; at its product's
packages per rack, IT power per package and the site's PUE that is the facility power
they can bring into use a month [MW/month]. The reference class (data/builds, 27
campuses) gives how fast campuses added facility power after their first operation:
each builder archetype's fitted ramp (``capsim.scenario.archetypes``, log-normal,
P10/P50/P90); the script prints where the crews' install capacity falls among those
ramps (its percentile). Crews that install slower than most of the archetype's ramps
hold a campus back where the reference class saw few held back; crews far faster
never bind. Central values throughout:

    python validation/crew_capacity.py
"""

from __future__ import annotations

from pathlib import Path

import capsim
from capsim.model.resolve import resolve
from capsim.scenario.archetypes import shipped

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MW = 1e6


def rows():
    """(scenario, site, product, crews, racks per crew-month, install capacity
    [facility MW/month], archetype, (ramp P10, P50, P90 [facility MW/month], the
    install capacity's percentile among the ramps [%]) or None)."""
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = capsim.load_scenario(path)
        inputs = resolve(scenario)
        for sid, site in inputs.sites.items():
            written = scenario.sites[sid]
            products = sorted({g.product for g in inputs.programmes.values() if sid in g.sites})
            for pid in products:
                product = inputs.products[pid]
                per_month = site.crews * site.racks_per_crew_month
                capacity = per_month * product.packages_per_rack * product.it_power * site.pue
                ramp = None
                if written.archetype is not None:
                    fitted = shipped(written.region)[written.archetype].ramp
                    if fitted is not None:
                        low, mid, high = fitted.ppf([0.1, 0.5, 0.9]) / MW
                        rank = 100 * float(fitted.frozen().cdf(capacity))  # percentile
                        ramp = (float(low), float(mid), float(high), rank)
                yield (
                    path.stem,
                    sid,
                    pid,
                    site.crews,
                    site.racks_per_crew_month,
                    capacity / MW,
                    written.archetype,
                    ramp,
                )


def main() -> None:
    print(
        f"{'scenario':24s} {'site':26s} {'product':15s} {'crews':>5s} {'rack/crew-mo':>12s} "
        f"{'install MW/mo':>13s}  archetype ramp P10/P50/P90 MW/mo, crews' percentile"
    )
    for scenario, sid, pid, crews, rate, capacity, archetype, ramp in rows():
        if ramp is None:
            against = f"{archetype or 'no archetype'}: no fitted ramp"
        else:
            low, mid, high, rank = ramp
            against = f"{archetype}: {low:.0f} / {mid:.0f} / {high:.0f}, crews at P{rank:.0f}"
        print(
            f"{scenario:24s} {sid:26s} {pid:15s} {crews:5.0f} {rate:12.1f} {capacity:13.0f}  "
            f"{against}"
        )


if __name__ == "__main__":
    main()
