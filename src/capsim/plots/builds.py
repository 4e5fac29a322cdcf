"""Builds against history: each campus's observed events against the model's P10-P90."""

from __future__ import annotations

import math

from matplotlib.axes import Axes

from capsim.analysis.builds import Check
from capsim.plots.style import GREY, OKABE_ITO, new_axes


def plot_builds(checks: list[Check], ax: Axes | None = None) -> Axes:
    """One row per campus event: the model's P10-P90 [month from construction start] with
    its P50, and the observed (filled) or projected (open) months; rows without a model
    figure show the observation alone."""
    rows = [check for check in checks if check.event == "first operation" or check.largest]
    ax = new_axes(ax, size=(9.0, 0.3 * len(rows) + 1.5))
    blue, red = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    for y, check in enumerate(reversed(rows)):
        low, mid, high = check.model
        if not math.isnan(mid):
            ax.plot([low, high], [y, y], color=blue, linewidth=4, alpha=0.4, solid_capstyle="butt")
            ax.plot([mid], [y], "|", color=blue, markersize=12, markeredgewidth=2)
        filled = check.observed is not None
        ax.plot(
            [check.months],
            [y],
            "o",
            color=red if filled else GREY,
            markerfacecolor=red if filled else "none",
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [
            f"{c.campus} ({', '.join(filter(None, (c.archetype, c.region)))}): {c.event}"
            for c in reversed(rows)
        ],
        fontsize=8,
    )
    ax.set_xlabel("months from construction start")
    ax.plot([], [], color=blue, linewidth=4, alpha=0.4, label="model P10-P90 (campus left out)")
    ax.plot([], [], "|", color=blue, markersize=12, label="model P50")
    ax.plot([], [], "o", color=red, label="observed (Epoch AI)")
    ax.plot([], [], "o", color=GREY, markerfacecolor="none", label="projected (Epoch AI)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Data-centre builds: first operation and largest power step, leave one out")
    ax.grid(axis="x", alpha=0.3)
    return ax
