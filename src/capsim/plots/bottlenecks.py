"""What binds, month by month: the share of samples in which each input binds."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.model.record import OWN_STATES
from capsim.plots import style

#: The entity each binding variable is recorded for.
ENTITY_DIM = {"programme_binding": "programme", "binding_input": "product"}


def plot_bottlenecks(
    ds: xr.Dataset,
    entity: str | None = None,
    variable: str = "programme_binding",
    ax: Axes | None = None,
) -> Axes:
    """Stacked areas, by month, of the share of samples in which each input binds.

    ``variable`` is ``programme_binding`` (what held a programme back; ``entity`` is a
    programme) or ``binding_input`` (the supply input that limited a product's package
    starts; ``entity`` is a product). Without ``entity``, the programme with the most
    IT power online at the end (the product with the most packages produced) is shown.
    For a single run the areas are 0 or 1: which input bound in each month.
    """
    if variable not in ENTITY_DIM:
        raise ValueError(f"variable must be one of {', '.join(ENTITY_DIM)}, found {variable!r}")
    if variable not in ds:
        raise ValueError(f"no variable {variable!r} in the result")
    dim = ENTITY_DIM[variable]
    entity = _entity(ds, dim, entity)
    study = style.is_study(ds)
    if study:
        from capsim.analysis.uncertainty import binding_mix

        shares = binding_mix(ds, variable).sel({dim: entity}).fillna(0.0)
        shares = shares.transpose("input", "time")
        labels = [str(label) for label in shares["input"].values]
        values = shares.values
        count = int(style.good_samples(ds).sizes["sample"])
        detail = f"share of {count} samples in which each input binds"
    else:
        codes = ds[variable].sel({dim: entity}).values.astype(str)
        labels = [label for label in style.BINDING_STYLE if label in set(codes)]
        labels += sorted(set(codes) - set(labels))
        values = np.array([(codes == label).astype(float) for label in labels])
        detail = "single run: the input that binds in each month"
    keep = [i for i in range(len(labels)) if np.nanmax(values[i], initial=0.0) > 0]
    labels = [labels[i] for i in keep]
    values = values[keep]

    ax = style.new_axes(ax)
    edges = style.month_edges(ds["time"].values)
    bottom = np.zeros(len(edges))
    for label, row in zip(labels, values, strict=True):
        top = bottom + np.append(row, row[-1])
        colour, hatch = style.BINDING_STYLE.get(label, (style.GREY, "xx"))
        ax.fill_between(
            edges,
            bottom,
            top,
            step="post",
            facecolor=colour,
            hatch=hatch,
            edgecolor="white" if hatch else colour,
            linewidth=0.0,
            label=label.replace("_", " "),
        )
        bottom = top
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, 1)
    style.date_axis(ax)
    if study:
        style.percent_axis(ax, "Samples in which it binds")
    else:
        ax.set_yticks([0, 1], ["", "binds"])
        ax.set_ylabel("binding input (1 = binds)")
    what = "what holds back programme" if dim == "programme" else "binding supply input of product"
    headline = _headline(f"{what} {entity}", labels, values, study, dim == "programme")
    style.title(ax, headline, ds, detail)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
        title="binding input",
    )
    return ax


def _headline(
    what: str, labels: list[str], values: np.ndarray, study: bool, programme: bool
) -> str:
    """``what``, and the input that binds most: its share of the months (of samples in
    a study) in which some input bound, as :func:`capsim.analysis.answer.answer` counts
    it (a programme's months with all its packages, or outside its window, left out)."""
    binding = [i for i, label in enumerate(labels) if label not in OWN_STATES]
    total = float(np.nansum(values[binding])) if binding else 0.0
    if total == 0:
        return f"{what}: nothing"
    top = max(binding, key=lambda i: float(np.nansum(values[i])))
    name, months = labels[top].replace("_", " "), float(np.nansum(values[top]))
    until = " until it had all its packages" if programme else ""
    if study:
        return f"{what}: mostly {name}, {months / total:.0%} of the months{until}"
    return f"{what}: mostly {name}, {months:.0f} of the {total:.0f} months{until}"


def _entity(ds: xr.Dataset, dim: str, entity: str | None) -> str:
    labels = [str(label) for label in ds[dim].values]
    if entity is not None or len(labels) == 1:
        return style.choose(ds, dim, entity)
    measure = "it_power_online" if dim == "programme" else "packages_produced"
    if measure not in ds:
        return style.choose(ds, dim, entity)
    size = ds[measure].isel(time=-1) if dim == "programme" else ds[measure].sum("time")
    if "sample" in size.dims:
        size = size.mean("sample")
    return labels[int(np.nanargmax(size.values))]
