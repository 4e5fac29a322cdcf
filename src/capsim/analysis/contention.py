"""Who took the binding input: for each year, the designers' shares of what the suppliers
of a product's binding input granted.

A product bound by CoWoS in a year points at its packaging line; by logic wafers, at
its fab; by HBM, at every vendor qualifying it for its generation. The shares are of the
year's grants by those suppliers (wafers per month, summed; HBM vendors' wafers set up
for the generation), so they say who else the capacity went to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import xarray as xr

#: The supplier kind behind each supply input that can bind.
INPUT_KINDS = {"cowos": "packaging", "logic_wafers": "logic", "hbm": "hbm"}


@dataclass(frozen=True)
class Contention:
    """One binding input in one year and who took it.

    Attributes
    ----------
    year : int
        Calendar year.
    input : str
        The supply input (``cowos``, ``logic_wafers``, ``hbm``).
    suppliers : tuple of str
        The suppliers of that input the bound products buy from.
    products : tuple of str
        The products it bound for most months of the year.
    shares : dict of str to float
        Each designer's share of the suppliers' grants in the year [fraction], largest
        first; they sum to 1.
    granted : float
        The suppliers' grants in the year [wafer, or stack for vendors given as stacks].
    """

    year: int
    input: str
    suppliers: tuple[str, ...]
    products: tuple[str, ...]
    shares: dict[str, float]
    granted: float

    @property
    def label(self) -> str:
        """The input as a reader names it: the HBM generation, else the suppliers."""
        if self.input == "hbm":
            return sorted({name.split("/", 1)[1] for name in self.suppliers})[0]
        return ", ".join(self.suppliers)


def contention(result: xr.Dataset) -> list[Contention]:
    """Every year's binding inputs in a run, with the designers' shares of them.

    ``result`` is a run's dataset (one sample: ``binding_input`` with dims time and
    product, ``supplier_granted`` and ``product_supplier``). A product counts for the
    supply input that binds it most months of the year; products bound by the same
    input (for HBM, the same generation) share one entry, over all their suppliers.
    """
    years = result["time"].dt.year.values
    kinds = result["supplier_kind"].values
    uses = result["product_supplier"].values
    granted = result["supplier_granted"].values  # (time, supplier, designer)
    designers = [str(name) for name in result["designer"].values]
    suppliers = [str(name) for name in result["supplier"].values]
    bound: dict[tuple[int, str, str], tuple[set[int], list[str]]] = {}
    for column, product in enumerate(result["product"].values):
        labels = result["binding_input"].values[:, column]
        for year in dict.fromkeys(years):
            label = Counter(labels[years == year]).most_common(1)[0][0]
            if label not in INPUT_KINDS:
                continue
            rows = np.flatnonzero(uses[column] & (kinds == INPUT_KINDS[label]))
            if rows.size == 0:
                continue
            named = suppliers[rows[0]].split("/", 1)[-1] if label == "hbm" else suppliers[rows[0]]
            entry = bound.setdefault((int(year), str(label), named), (set(), []))
            entry[0].update(rows.tolist())
            entry[1].append(str(product))
    found = []
    for (year, label, _), (rows, products) in sorted(bound.items()):
        chosen = sorted(rows)
        by_designer = granted[years == year][:, chosen, :].sum(axis=(0, 1))
        total = float(by_designer.sum())
        if total <= 0:
            continue
        order = np.argsort(-by_designer, kind="stable")
        shares = {designers[i]: float(by_designer[i]) / total for i in order if by_designer[i] > 0}
        names = tuple(suppliers[i] for i in chosen)
        found.append(Contention(year, label, names, tuple(products), shares, total))
    return found


def format_contention(result: xr.Dataset, *, top: int = 4) -> str:
    """Who took the binding inputs, one line per input and run of years in which the same
    products were bound by it and the leading designers' shares moved by less than
    :data:`STEADY` each; the ``top`` designers' shares (a range over the years)."""
    runs: list[list[Contention]] = []
    for entry in sorted(contention(result), key=lambda e: (e.input, e.label, e.year)):
        last = runs[-1][-1] if runs else None
        if last is not None and _continues(last, entry, top):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    if not runs:
        return ""
    lines = ["who took the binding input (designers' shares of the suppliers' grants):"]
    for run in sorted(runs, key=lambda r: (r[0].year, r[0].label)):
        first, final = run[0], run[-1]
        years = str(first.year) if first is final else f"{first.year}-{final.year}"
        shown = []
        for name in [n for n in first.shares if first.shares[n] >= 0.005][:top]:
            low = min(e.shares.get(name, 0.0) for e in run)
            high = max(e.shares.get(name, 0.0) for e in run)
            shown.append(
                f"{name} {low:.0%}"
                if round(low, 2) == round(high, 2)
                else f"{name} {low:.0%}-{high:.0%}"
            )
        bound = ", ".join(first.products)
        lines.append(f"  {years} {first.label} (binds {bound}): " + ", ".join(shown))
    return "\n".join(lines)


#: Largest change of a leading designer's share from one year to the next for the years
#: to be shown as one run [fraction].
STEADY = 0.05


def _continues(last: Contention, entry: Contention, top: int) -> bool:
    leaders = list(last.shares)[:top]
    return (
        entry.year == last.year + 1
        and entry.products == last.products
        and list(entry.shares)[:top] == leaders
        and all(abs(entry.shares[n] - last.shares[n]) < STEADY for n in leaders)
    )
