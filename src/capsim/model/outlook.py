"""A site's outlook: when its blocks should be energised and how many packages its
crews could have installed by any time, as its owner can plan them now.

A buyer orders accelerators to arrive as its halls are ready, not years before: what
its sites could take is how much it orders (:mod:`capsim.model.allocation`). The
outlook is the site's plan as known now: blocks already energised are facts; a block
still to come is built when its schedule says (with its transformers' promised date
once they are ordered) and energised, first come first served as on site, once the
power connected and promised (grid tranches, on-site units by their order's promised
date and install time, batteries up to the other sources) covers it and every block
before it. Crews installing ``rate`` packages a month from what is installed now can
have installed, by ``t``,

``I(t) = min(I_now + rate·(t - now), S(t), min over later openings τ <= t of
S(τ⁻) + rate·(t - τ))``

where ``S`` is the slots opened by a time (a step function) — the service curve of a
single crew team behind a stream of openings (network calculus' min-plus convolution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from capsim.model.stock import EPSILON


def energised(
    blocks: Sequence[tuple[float, float]],
    power: Sequence[tuple[float, float]],
    reserved: float,
) -> list[float]:
    """When each block still to be energised should be [month] (``inf``: never).

    Parameters
    ----------
    blocks : sequence of (float, float)
        ``(built [month], facility power it needs [W])`` for each block, in the order
        they ask for power (by built time).
    power : sequence of (float, float)
        ``(time [month], facility power connected by then [W])``, a non-decreasing step
        function sorted by time.
    reserved : float
        Facility power already taken by energised blocks [W].
    """
    times = np.array([t for t, _ in power], dtype=float)
    totals = np.maximum.accumulate(np.array([w for _, w in power], dtype=float))
    need = reserved
    before = -math.inf
    dates = []
    for built, watts in blocks:
        need += watts
        index = int(np.searchsorted(totals, need - EPSILON, side="left"))
        covered = times[index] if index < times.size else math.inf
        before = max(built, covered, before)
        dates.append(before)
    return dates


@dataclass(frozen=True)
class SiteOutlook:
    """What a site's crews could have installed by any time, as planned at ``now``.

    Attributes
    ----------
    now : float
        When the outlook was made [month].
    installed : float
        Packages installed by ``now`` [package].
    opened : float
        Slots opened by ``now`` [package] (filled or not).
    rate : float
        Packages the crews install per month [package/month].
    openings : tuple of (float, float)
        ``(time [month], slots [package])`` of each opening still to come, by time.
    """

    now: float
    installed: float
    opened: float
    rate: float
    openings: tuple[tuple[float, float], ...]

    def installable(self, time: float) -> float:
        """Packages the crews could have installed by ``time`` [month] [package]."""
        rate = self.rate
        best = self.installed + rate * max(0.0, time - self.now)
        opened = self.opened
        for when, slots in self.openings:
            if when > time:
                break
            best = min(best, opened + rate * max(0.0, time - when))
            opened += slots
        return min(best, opened)
