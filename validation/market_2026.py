"""The market of base-world's central run next to the public figures of DESIGN.md §7 (and
the §5 rows they lean on), so anyone can rerun the comparison.

Runs a scenario that extends base-world (by default ``scenarios/openai-nvidia-10gw.yaml``)
once at central values, reads the packages produced, each supplier's capacity and grants,
and the binding input, and prints one row per public figure: the model's value, the band
it is held to (a point value +-15 %, a range as published unless the row says otherwise),
whether it lands in it, and the public figure with its source and date. Then the input
that binds each product in most months of each year, and how much of each supplier was
used.

Units: packages are good packages out of CoWoS in the calendar year; CoWoS is interposer
wafers (a run rate is the month's capacity, a yearly figure the wafers granted in the
year); HBM bits are good stacks x GB per stack, where the stacks of a month's wafers are
wafers x good stacks per wafer (stacks per wafer x yield) of the vendor and generation,
and are counted in the year they are finished (the vendor's lead time after the wafers
start), as shipments are. 1 GB = 8 Gb.

Usage::

    PYTHONPATH=src python validation/market_2026.py [SCENARIO]

``tests/test_market_figures.py`` checks the same figures.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "openai-nvidia-10gw.yaml"
#: The band a point value is held to: the model within +-15 % of it.
TOLERANCE = 0.15
NVIDIA = ("b300", "vera-rubin", "rubin-ultra")
PACKAGING = ("tsmc-cowos", "osat-cowos")
HBM_VENDORS = ("sk-hynix", "samsung", "micron")


@dataclass(frozen=True)
class Figure:
    """One public figure and the model's value for it [``unit``]; the model is held to
    ``low``-``high``; ``public`` is the figure as published."""

    key: str
    quantity: str
    model: float
    low: float
    high: float
    unit: str
    public: str
    source: str
    show: Callable[[float], str] = "{:.3g}".format

    @property
    def within(self) -> bool:
        """Whether the model's value lies in the band."""
        return self.low <= self.model <= self.high


def point(value: float, tolerance: float = TOLERANCE) -> tuple[float, float]:
    """The band of a point value: +-``tolerance`` of it."""
    return value * (1 - tolerance), value * (1 + tolerance)


def run(path: Path = DEFAULT):
    """The scenario at ``path`` and its central run (an xarray Dataset)."""
    import capsim

    scenario = capsim.load_scenario(path)
    return scenario, capsim.simulate(scenario)


def in_year(variable: xr.DataArray, year: int) -> xr.DataArray:
    """``variable`` summed over the months of calendar ``year``."""
    return variable.sel(time=variable.time.dt.year == year).sum("time")


def at_month(variable: xr.DataArray, month: str) -> xr.DataArray:
    """``variable`` in ``month`` ("YYYY-MM")."""
    return variable.sel(time=month).squeeze("time", drop=True)


# --- HBM -------------------------------------------------------------------------------


def gb_per_wafer(scenario) -> dict[str, float]:
    """Good GB per wafer of each HBM supplier ("vendor/generation") at central values:
    good stacks per wafer as stated x GB per stack of the products that take the
    generation (a month's wafers make that times the vendor's density then)."""
    from capsim.model.resolve import resolve

    per_stack: dict[str, float] = {}
    for pid, product in scenario.products.items():
        hbm = product.hbm
        if hbm.capacity_per_stack is None:
            continue
        size = hbm.capacity_per_stack.central
        if per_stack.setdefault(hbm.generation, size) != size:
            raise ValueError(
                f"{pid}: {hbm.generation} stacks of {size} GB and of "
                f"{per_stack[hbm.generation]} GB; GB per wafer is ambiguous"
            )
    vendors = resolve(scenario).vendors
    return {
        f"{vid}/{generation}": good * per_stack.get(generation, math.nan)
        for vid, vendor in vendors.items()
        for generation, good in vendor.stacks_per_wafer.items()
    }


def finished(monthly: np.ndarray, lead: float) -> np.ndarray:
    """A monthly series of wafer starts moved to the months their stacks are finished,
    ``lead`` months later (rounded); starts before the horizon are unknown (zero)."""
    shift = round(lead)
    out = np.zeros_like(monthly)
    if shift < len(monthly):
        out[shift:] = monthly[: len(monthly) - shift]
    return out


def hbm_gb(
    ds: xr.Dataset, scenario, year: int, *, of: str = "granted", designer: str | None = None
) -> dict[str, float]:
    """Good GB of HBM per supplier ("vendor/generation") finished in ``year`` from the
    wafers ``of``: ``"granted"`` (to ``designer``, or to every buyer), ``"tooled"`` (set up
    for the generation, used or not) or ``"wafers"`` (all the vendor's wafers, at the mix
    of generations it has set up that month)."""
    from capsim.model.resolve import resolve

    vendors = resolve(scenario).vendors
    per_wafer = gb_per_wafer(scenario)
    months = ds.time.dt.year.values == year
    out = {}
    for supplier, gb in per_wafer.items():
        vid = supplier.split("/")[0]
        if of == "granted":
            wafers = ds.supplier_granted.sel(supplier=supplier)
            wafers = wafers.sum("designer") if designer is None else wafers.sel(designer=designer)
            wafers = wafers.values
        else:
            wafers = ds.supplier_capacity.sel(supplier=supplier).values
            if of == "wafers":
                tooled = (
                    ds.supplier_capacity.sel(
                        supplier=[s for s in per_wafer if s.startswith(f"{vid}/")]
                    )
                    .sum("supplier")
                    .values
                )
                share = np.divide(wafers, tooled, out=np.zeros_like(wafers), where=tooled > 0)
                wafers = share * vendors[vid].wafers
        made = wafers * vendors[vid].density  # in wafers at the density of their start
        out[supplier] = float(finished(made, vendors[vid].lead_time)[months].sum()) * gb
    return out


def shares(amounts: dict[str, float]) -> dict[str, float]:
    """``amounts`` as fractions of their sum."""
    total = sum(amounts.values())
    return {k: v / total if total > 0 else math.nan for k, v in amounts.items()}


def by_vendor(amounts: dict[str, float], generation: str | None = None) -> dict[str, float]:
    """Per-supplier ``amounts`` summed by vendor (of one ``generation`` if given)."""
    out = dict.fromkeys(HBM_VENDORS, 0.0)
    for supplier, amount in amounts.items():
        vendor, gen = supplier.split("/")
        if generation is None or gen == generation:
            out[vendor] = out.get(vendor, 0.0) + amount
    return out


# --- the figures -------------------------------------------------------------------------


def _month_name(index: float) -> str:
    """Months after 2026-01 as "YYYY-MM" ("never" when infinite)."""
    if not math.isfinite(index):
        return "never"
    year, month = divmod(int(index), 12)
    return f"{2026 + year}-{month + 1:02d}"


@dataclass(frozen=True)
class Public:
    """A public figure: what it is, the band the model is held to, the figure as
    published and where it comes from."""

    quantity: str
    band: tuple[float, float]
    unit: str
    public: str
    source: str


MS = "Morgan Stanley, 2025-07 (DESIGN.md §7)"
JPM = "JPMorgan, 2026-01 (DESIGN.md §7)"
TF_HBM = "TrendForce, 2025-05 (DESIGN.md §7)"
TF_WAFERS = (
    "TrendForce, 2026 (HBM share of DRAM wafer input); TechInsights/TrendForce, 2025 "
    "(DRAM wafers) (DESIGN.md §5, §7)"
)
HBM_2026 = (3.75 * (1 - TOLERANCE), math.inf)

#: The public figures, by key (the keys of :func:`model_values`).
PUBLIC: dict[str, Public] = {
    "tsmc_cowos_end-2025": Public(
        "TSMC CoWoS run rate, end-2025",
        (75, 80),
        "k wafer/month",
        "75-80k",
        "TrendForce, 2025-12 (DESIGN.md §7)",
    ),
    "tsmc_cowos_end-2026": Public(
        "TSMC CoWoS run rate, end-2026",
        (120, 130),
        "k wafer/month",
        "120-130k",
        "TrendForce, 2025-12 (DESIGN.md §7)",
    ),
    "osat_cowos_end-2026": Public(
        "CoWoS at outside packagers, end-2026", (12, 15), "k wafer/month", "12-15k", JPM
    ),
    "cowos_2026": Public(
        "CoWoS wafers used in 2026, all buyers", point(1000), "k wafer", "about 1M", MS
    ),
    "nvidia_cowos_2026": Public(
        "NVIDIA CoWoS wafers in 2026", point(595), "k wafer", "about 595k", MS
    ),
    "nvidia_cowos_share_2026": Public(
        "NVIDIA share of CoWoS wafers used in 2026",
        point(60),
        "%",
        "about 60 %",
        "JPMorgan, Epoch AI, Morgan Stanley, 2023-2026 (DESIGN.md §5); 595k of 1M (§7)",
    ),
    "broadcom_cowos_2026": Public(
        "Broadcom CoWoS wafers in 2026", point(230), "k wafer", "about 230k", JPM
    ),
    "broadcom_cowos_2027": Public(
        "Broadcom CoWoS wafers in 2027", point(350), "k wafer", "about 350k", JPM
    ),
    "tsmc_cowos_used_2026": Public(
        "TSMC CoWoS used in 2026 (granted / capacity)",
        (75, 100),
        "%",
        "at least about 80 %",
        "derived: about 1M wafers wanted in 2026 (Morgan Stanley, 2025-07) against about 1.2M "
        "of TSMC capacity (75-80k to 120-130k wpm through 2026, TrendForce) and 12-15k wpm at "
        "outside packagers (JPMorgan) (DESIGN.md §7)",
    ),
    "google_tpu_2026": Public("Google TPU packages in 2026", point(3.7), "M", "about 3.7M", JPM),
    "google_tpu_2027": Public("Google TPU packages in 2027", point(5.0), "M", "about 5M", JPM),
    "nvidia_2026": Public("NVIDIA packages in 2026", point(5.4), "M", "about 5.4M", MS),
    "rubin_2026": Public(
        "Rubin packages in 2026",
        point(0.22 * 5.4),
        "M",
        "22 % of about 5.4M = 1.19M (2.4M planned, then cut)",
        "Morgan Stanley, 2025-07; TrendForce, 2026 (DESIGN.md §7)",
    ),
    "rubin_share_2026": Public(
        "Rubin share of NVIDIA's 2026 packages",
        point(22),
        "%",
        "22 % (cut from 29 %)",
        "TrendForce, 2026 (DESIGN.md §7; conf L)",
    ),
    "blackwell_share_2026": Public(
        "Blackwell share of NVIDIA's 2026 packages",
        (71 * (1 - TOLERANCE), 78 * (1 + TOLERANCE)),
        "%",
        "71 % (+7 % neither Blackwell nor Rubin)",
        "TrendForce, 2026 (DESIGN.md §7; conf L); the model's B300 stands for all 78 %",
    ),
    "rubin_volume_from": Public(
        "first month 50k Rubin packages are delivered",
        (6, 11),
        "month",
        "volume shipments from 2H 2026",
        "NVIDIA CES, 2026-01-05; press, 2026 (DESIGN.md §7)",
    ),
    "hbm_gb_2026": Public(
        "HBM shipped in 2026, buyers modelled",
        HBM_2026,
        "bn GB",
        "more than 3.75 bn GB (30 bn Gb)",
        TF_HBM,
    ),
    "hbm_gb_wafers_2026": Public(
        "HBM the vendors' wafers could make in 2026",
        HBM_2026,
        "bn GB",
        "more than 3.75 bn GB (30 bn Gb)",
        TF_HBM,
    ),
    "hbm_gb_tooled_2026": Public(
        "HBM the wafers set up could make in 2026",
        HBM_2026,
        "bn GB",
        "more than 3.75 bn GB (30 bn Gb)",
        TF_HBM,
    ),
    "hbm_gb_wafers_2027": Public(
        "HBM the vendors' wafers could make in 2027",
        (3.75 * 13 / 9 * (1 - TOLERANCE), math.inf),
        "bn GB",
        "at least 5.4 bn GB (13 % of DRAM bits, 9 % in 2026)",
        "derived from TrendForce, 2025-05 and 2026 (DESIGN.md §7), DRAM bits not falling",
    ),
    **{
        f"hbm4_share_{vendor}": Public(
            f"{vendor} share of HBM4 shipped in 2026",
            point(value),
            "%",
            f"{value} %",
            "Yonhap, 2026-01 (DESIGN.md §7)",
        )
        for vendor, value in (("sk-hynix", 54), ("samsung", 28), ("micron", 18))
    },
    "rubin_hbm4_sk_2026": Public(
        "SK hynix share of Rubin's HBM4 in 2026",
        (60, 75),
        "%",
        "about 70 % (Samsung 30 %) in the first year; Micron from 2026-06",
        "SemiAnalysis via press, 2026; Bloomberg via press, 2026-06 (DESIGN.md §7; conf L)",
    ),
    **{
        f"hbm_wafers_{year}": Public(
            f"HBM wafers per month, end-{year}",
            point(value),
            "k wafer/month",
            f"{share} % of about 2.25M DRAM wafers = {value}k",
            TF_WAFERS,
        )
        for year, share, value in ((2025, 18, 405), (2026, 22, 495), (2027, 30, 675))
    },
    **{
        f"hbm_share_2025q2_{vendor}": Public(
            f"{vendor} share of HBM started, Q2 2025",
            (value - 10, value + 10),
            "%",
            f"{value} %",
            "Counterpoint, 2025 (DESIGN.md §5); +-10 points",
        )
        for vendor, value in (("sk-hynix", 62), ("micron", 21), ("samsung", 17))
    },
}


def model_values(scenario, ds: xr.Dataset) -> dict[str, float]:
    """The model's value of each figure of :data:`PUBLIC` [its unit]."""
    made = ds.packages_produced
    capacity, granted = ds.supplier_capacity, ds.supplier_granted
    k, m = 1e3, 1e6
    out: dict[str, float] = {}

    # CoWoS
    for when, month in (("end-2025", "2025-12"), ("end-2026", "2026-12")):
        out[f"tsmc_cowos_{when}"] = at_month(capacity.sel(supplier="tsmc-cowos"), month) / k
    out["osat_cowos_end-2026"] = at_month(capacity.sel(supplier="osat-cowos"), "2026-12") / k
    cowos = in_year(granted.sel(supplier=list(PACKAGING)), 2026).sum("supplier")
    out["cowos_2026"] = float(cowos.sum()) / k
    out["nvidia_cowos_2026"] = float(cowos.sel(designer="nvidia")) / k
    out["nvidia_cowos_share_2026"] = 100 * out["nvidia_cowos_2026"] / out["cowos_2026"]
    for year in (2026, 2027):
        wafers = in_year(granted.sel(supplier=list(PACKAGING), designer="broadcom"), year)
        out[f"broadcom_cowos_{year}"] = float(wafers.sum()) / k
    used = in_year(granted.sel(supplier="tsmc-cowos").sum("designer"), 2026)
    out["tsmc_cowos_used_2026"] = (
        100 * float(used) / float(in_year(capacity.sel(supplier="tsmc-cowos"), 2026))
    )

    # packages
    for year in (2026, 2027):
        out[f"google_tpu_{year}"] = float(in_year(made.sel(product="google-tpu"), year)) / m
    nvidia = {p: float(in_year(made.sel(product=p), 2026)) for p in NVIDIA}
    total = sum(nvidia.values())
    out["nvidia_2026"] = total / m
    out["rubin_2026"] = nvidia["vera-rubin"] / m
    out["rubin_share_2026"] = 100 * nvidia["vera-rubin"] / total
    out["blackwell_share_2026"] = 100 * nvidia["b300"] / total
    rubin_programmes = [g for g, p in scenario.programmes.items() if p.product == "vera-rubin"]
    delivered = ds.packages_delivered.sel(programme=rubin_programmes).sum("programme")
    volume = np.flatnonzero(delivered.sel(time=slice("2026-01", None)).values >= 50e3)
    out["rubin_volume_from"] = float(volume[0]) if volume.size else math.inf

    # HBM
    shipped = hbm_gb(ds, scenario, 2026)
    out["hbm_gb_2026"] = sum(shipped.values()) / 1e9
    out["hbm_gb_wafers_2026"] = sum(hbm_gb(ds, scenario, 2026, of="wafers").values()) / 1e9
    out["hbm_gb_tooled_2026"] = sum(hbm_gb(ds, scenario, 2026, of="tooled").values()) / 1e9
    out["hbm_gb_wafers_2027"] = sum(hbm_gb(ds, scenario, 2027, of="wafers").values()) / 1e9
    for vendor, share in shares(by_vendor(shipped, "HBM4")).items():
        out[f"hbm4_share_{vendor}"] = 100 * share
    rubin = shares(by_vendor(hbm_gb(ds, scenario, 2026, designer="nvidia"), "HBM4"))
    out["rubin_hbm4_sk_2026"] = 100 * rubin["sk-hynix"]
    for year in (2025, 2026, 2027):
        out[f"hbm_wafers_{year}"] = hbm_wafers_at(scenario, ds, f"{year}-12") / k
    q2 = shares(by_vendor(hbm_gb_months(ds, scenario, "2025-04", "2025-06")))
    for vendor, share in q2.items():
        out[f"hbm_share_2025q2_{vendor}"] = 100 * share
    return {key: float(value) for key, value in out.items()}


def figures(scenario, ds: xr.Dataset) -> list[Figure]:
    """Each public figure of :data:`PUBLIC` with the model's value for it."""
    values = model_values(scenario, ds)
    return [
        Figure(
            key,
            p.quantity,
            values[key],
            p.band[0],
            p.band[1],
            p.unit,
            p.public,
            p.source,
            **({"show": _month_name} if key == "rubin_volume_from" else {}),
        )
        for key, p in PUBLIC.items()
    ]


def hbm_wafers_at(scenario, ds: xr.Dataset, month: str) -> float:
    """Every HBM vendor's wafers per month in ``month`` [wafer/month]."""
    from capsim.model.resolve import resolve

    index = [str(t)[:7] for t in ds.time.values].index(month)
    return sum(float(v.wafers[index]) for v in resolve(scenario).vendors.values())


def hbm_gb_months(ds: xr.Dataset, scenario, first: str, last: str) -> dict[str, float]:
    """Good GB of HBM per supplier from the wafers granted (started) in ``first``-``last``."""
    from capsim.model.resolve import resolve

    vendors = resolve(scenario).vendors
    out = {}
    for supplier, gb in gb_per_wafer(scenario).items():
        density = vendors[supplier.split("/")[0]].density
        wafers = ds.supplier_granted.sel(supplier=supplier).sum("designer") * density
        out[supplier] = float(wafers.sel(time=slice(first, last)).sum()) * gb
    return out


def binding_by_year(ds: xr.Dataset) -> dict[str, dict[int, str]]:
    """The input that limited each product in most of its months of each year (months
    with no demand and no output left out; "-" when none is left)."""
    result: dict[str, dict[int, str]] = {}
    years = sorted(set(ds.time.dt.year.values.tolist()))
    for product in ds["product"].values:
        binding = ds.binding_input.sel(product=product).values
        made = ds.packages_produced.sel(product=product).values
        row = {}
        for year in years:
            months = ds.time.dt.year.values == year
            kinds = [
                str(b)
                for b, n in zip(binding[months], made[months], strict=True)
                if not (b == "demand" and n <= 0)
            ]
            row[year] = Counter(kinds).most_common(1)[0][0] if kinds else "-"
        result[str(product)] = row
    return result


def package_starts(ds: xr.Dataset, scenario, product: str) -> np.ndarray:
    """Packages ``product`` started each month (good ones and failed), from the packages
    that left packaging and the change in those still in it [package/month]."""
    from capsim.model.resolve import resolve

    inputs = resolve(scenario)
    unit_yield = inputs.packaging[inputs.products[product].packaging].unit_yield
    produced = ds.packages_produced.sel(product=product).values
    in_packaging = ds.packages_in_packaging.sel(product=product).values
    return (np.diff(in_packaging, prepend=0.0) + produced) / unit_yield


def binding_table(ds: xr.Dataset, width: int = 13) -> list[str]:
    """Lines of a table: the input that limits each product in most months of each year
    (:func:`binding_by_year`), products that have any."""
    binding = binding_by_year(ds)
    years = sorted(next(iter(binding.values())))
    lines = ["input that limits each product in most months of the year"]
    lines.append(f"{'':15}" + "".join(f"{y:>{width}}" for y in years))
    for product, row in binding.items():
        if any(v != "-" for v in row.values()):
            lines.append(f"{product:15}" + "".join(f"{row[y]:>{width}}" for y in years))
    return lines


def used_by_year(ds: xr.Dataset) -> dict[str, dict[int, float]]:
    """Granted / capacity of each logic fab and packaging line, and of each HBM vendor
    (granted / all its wafers), by year [%]."""
    from capsim.model.resolve import resolve

    years = sorted(set(ds.time.dt.year.values.tolist()))
    granted = ds.supplier_granted.sum("designer")
    out: dict[str, dict[int, float]] = {}
    for supplier, kind in zip(ds.supplier.values, ds.supplier_kind.values, strict=True):
        if kind != "hbm" and float(granted.sel(supplier=supplier).sum()) > 0:
            out[str(supplier)] = {
                y: 100
                * float(in_year(granted.sel(supplier=supplier), y))
                / max(float(in_year(ds.supplier_capacity.sel(supplier=supplier), y)), 1e-9)
                for y in years
            }
    scenario = _scenario_of(ds)
    if scenario is not None:
        vendors = resolve(scenario).vendors
        for vid, vendor in vendors.items():
            suppliers = [s for s in ds.supplier.values if str(s).startswith(f"{vid}/")]
            wafers = xr.DataArray(vendor.wafers, coords={"time": ds.time})
            out[vid] = {
                y: 100
                * float(in_year(granted.sel(supplier=suppliers).sum("supplier"), y))
                / float(in_year(wafers, y))
                for y in years
            }
    return out


def _scenario_of(ds: xr.Dataset):
    """The scenario a result carries (its ``scenario`` attribute), or None."""
    from capsim.scenario.loader import loads_scenario

    text = ds.attrs.get("scenario")
    return None if text is None else loads_scenario(text)


def report(rows: list[Figure]) -> str:
    """The rows as a plain-text table."""
    lines = [f"{'quantity':46} {'model':>8} {'band':>13} {'ok':3} {'unit':14} public (source)"]
    for row in rows:
        band = (
            f"{row.show(row.low)}-{row.show(row.high)}"
            if math.isfinite(row.high)
            else f">= {row.show(row.low)}"
        )
        lines.append(
            f"{row.quantity:46} {row.show(row.model):>8} {band:>13} "
            f"{'yes' if row.within else 'NO':3} {row.unit:14} {row.public} ({row.source})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args(argv)
    scenario, ds = run(args.scenario)
    rows = figures(scenario, ds)
    print(f"{scenario.name}: central run against DESIGN.md §7 (and §5)\n")
    print(report(rows))
    print(f"\n{sum(r.within for r in rows)} of {len(rows)} figures in their band\n")
    print("\n".join(binding_table(ds)))
    years = sorted(next(iter(binding_by_year(ds).values())))
    print("\nused, % of capacity (HBM vendors: wafers granted / all their wafers)")
    for supplier, row in used_by_year(ds).items():
        print(f"{supplier:15}" + "".join(f"{row[y]:>13.0f}" for y in years))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
