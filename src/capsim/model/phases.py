"""A building's construction schedule: its phases, which may overlap, as dates.

Each phase starts when the one before it ends less its overlap, but never before that
phase started, nor before its own earliest start (fit-out waits for transformers); it
never ends before the phase before it. With no overlaps and no waits the phases run one
after another, so the first block is built ``sum(durations)`` after the start; each
overlap shortens that critical path by its length (up to the previous phase's duration).
Later blocks follow the first at the building's block interval.
"""

from __future__ import annotations

from collections.abc import Mapping

from capsim.model.inputs import BuildingIn

#: Dates of one phase: (phase, begin [month], end [month]).
PhaseDates = tuple[str, float, float]


def schedule(building: BuildingIn, earliest: Mapping[str, float] | None = None) -> list[PhaseDates]:
    """The dates of ``building``'s phases for its first block.

    Parameters
    ----------
    building : BuildingIn
        The building.
    earliest : mapping of str to float, optional
        Phase -> the earliest it may begin [month] (e.g. fit-out: transformers in).

    Returns
    -------
    list of (str, float, float)
        ``(phase, begin, end)`` [month] in phase order.
    """
    earliest = earliest or {}
    overlaps = dict(building.overlaps)
    dates: list[PhaseDates] = []
    begin_before, end_before = building.start, building.start
    for phase, duration in building.phases:
        begin = end_before - overlaps.get(phase, 0.0)
        begin = begin if begin > begin_before else begin_before  # as max(begin_before, begin)
        wait = earliest.get(phase, begin)
        begin = wait if wait > begin else begin  # as max(begin, wait)
        end = begin + duration
        end = end_before if end_before > end else end  # as max(end, end_before)
        dates.append((phase, begin, end))
        begin_before, end_before = begin, end
    return dates


def block_done(building: BuildingIn, first_done: float, block: int) -> float:
    """When block ``block`` (0 is the first) is built, the first being built at
    ``first_done`` [month] [month]."""
    return first_done + block * building.block_interval


def planned_done(building: BuildingIn) -> float:
    """When the whole building is built with no waits [month]: its last block."""
    first = schedule(building)[-1][2]
    return block_done(building, first, building.blocks - 1)
