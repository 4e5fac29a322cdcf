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

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

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
    times = [t for t, _ in power]
    totals = list(itertools.accumulate((w for _, w in power), max))
    need = reserved
    before = -math.inf
    dates = []
    search, count = bisect.bisect_left, len(times)
    for built, watts in blocks:
        need += watts
        index = search(totals, need - EPSILON)
        covered = times[index] if index < count else math.inf
        latest = covered if covered > built else built  # as max(built, covered, before)
        before = before if before > latest else latest
        dates.append(before)
    return dates


@dataclass(frozen=True)
class Openings:
    """The slots a site will open, as planned: what :class:`SiteOutlook` reads.

    Attributes
    ----------
    times : tuple of float
        When each opening still to come happens [month], in order.
    opened : tuple of float
        Slots opened [package] (filled or not): by now, then after each opening.
    floor : tuple of float
        ``min over openings k <= j of (opened before k - rate x time of k)`` for each j
        [package], with ``rate`` the crews' [package/month]: the min-plus term of the
        service curve, so that reading it takes one search.
    """

    times: tuple[float, ...]
    opened: tuple[float, ...]
    floor: tuple[float, ...]

    @classmethod
    def plan(cls, opened: float, rate: float, openings: Sequence[tuple[float, float]]):
        """From the slots opened by now [package], the crews' ``rate``
        [package/month] and ``(time [month], slots [package])`` of each opening to come,
        by time."""
        totals, floor = [opened], []
        lowest = math.inf
        total = opened
        for when, slots in openings:
            low = total - rate * when
            lowest = low if low < lowest else lowest  # as min(lowest, low)
            floor.append(lowest)
            total += slots
            totals.append(total)
        return cls(tuple(when for when, _ in openings), tuple(totals), tuple(floor))


class SiteOutlook(NamedTuple):
    """What a site's crews could have installed by any time, as planned at ``now`` (a
    named tuple: made once a month for each site, so made cheaply).

    Attributes
    ----------
    now : float
        When the outlook was made [month].
    installed : float
        Packages installed by ``now`` [package].
    rate : float
        Packages the crews install per month [package/month].
    openings : Openings
        The slots opened by now and to come.
    """

    now: float
    installed: float
    rate: float
    openings: Openings

    def installable(self, time: float) -> float:
        """Packages the crews could have installed by ``time`` [month] [package]."""
        return installable_total([self])(time)


def installable_total(outlooks: Sequence[SiteOutlook]) -> Callable[[float], float]:
    """What several sites' crews could have installed by a time, together: a function of
    the time [month] returning the sum over ``outlooks`` (in their order) of
    :meth:`SiteOutlook.installable` [package]."""
    parts = [
        (o.now, o.installed, o.rate, o.openings.times, o.openings.floor, o.openings.opened)
        for o in outlooks
    ]
    search = bisect.bisect_right

    def total(time: float) -> float:
        values = []
        for now, installed, rate, times, floor, opened in parts:
            count = search(times, time) if times else 0  # none to come: opened by now
            ahead = time - now
            best = installed + rate * (ahead if ahead > 0.0 else 0.0)  # as max(0.0, ahead)
            if count:
                served = rate * time + floor[count - 1]
                best = served if served < best else best  # as min(best, served)
            cap = opened[count]
            values.append(cap if cap < best else best)
        return sum(values)

    return total
