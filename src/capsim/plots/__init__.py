"""Charts of capsim results, one plain function per kind, for scripts and Jupyter.

Every ``plot_KIND(ds, ..., ax=None)`` draws on ``ax`` (a new figure when None) and
returns the axes::

    from capsim.plots import plot_fan
    ax = plot_fan(study, claim="first-gw-2h2026")
    ax.figure.savefig("fan.png", dpi=150)

Kinds (``KINDS`` maps each name to its function): ``fan``, ``milestone``,
``bottlenecks``, ``flow``, ``gantt``, ``tornado``, ``morris``, ``sobol``,
``sobol_time``, ``sweep``, ``hindcast``, ``hindcast_build``, ``reliability``; and
``plot_overlay(results)``, the same series of several labelled results on one axes.
"""

from __future__ import annotations

from capsim.plots.bottlenecks import plot_bottlenecks
from capsim.plots.fan import plot_fan
from capsim.plots.flow import plot_flow
from capsim.plots.gantt import plot_gantt
from capsim.plots.hindcast import plot_hindcast
from capsim.plots.hindcast_build import plot_hindcast_build
from capsim.plots.milestones import plot_milestone
from capsim.plots.overlay import plot_overlay
from capsim.plots.reliability import plot_reliability
from capsim.plots.sensitivity import plot_morris, plot_sobol, plot_tornado
from capsim.plots.sobol_time import plot_sobol_time
from capsim.plots.sweep import plot_sweep

KINDS = {
    "fan": plot_fan,
    "milestone": plot_milestone,
    "bottlenecks": plot_bottlenecks,
    "flow": plot_flow,
    "gantt": plot_gantt,
    "tornado": plot_tornado,
    "morris": plot_morris,
    "sobol": plot_sobol,
    "sobol_time": plot_sobol_time,
    "sweep": plot_sweep,
    "hindcast": plot_hindcast,
    "hindcast_build": plot_hindcast_build,
    "reliability": plot_reliability,
}

__all__ = [
    "KINDS",
    "plot_bottlenecks",
    "plot_fan",
    "plot_flow",
    "plot_gantt",
    "plot_hindcast",
    "plot_hindcast_build",
    "plot_milestone",
    "plot_morris",
    "plot_overlay",
    "plot_reliability",
    "plot_sobol",
    "plot_sobol_time",
    "plot_sweep",
    "plot_tornado",
]
