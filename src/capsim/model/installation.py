"""A site's installation path: packages installed as a function of time.

Crews install a lot of packages at a steady rate from its start to its end, and nothing
between lots, so the cumulative count installed is piecewise linear through the lots'
start and end points. :class:`InstallLog` keeps those points as the run goes (a lot's
end point is known when it starts) and :func:`installed_at` reads the path at any times,
during the run and after it, from the same points.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike


@dataclass
class InstallLog:
    """The points of one site's installation path.

    Attributes
    ----------
    times : list of float
        Times of the points [month], non-decreasing; the first is 0.
    installed : list of float
        Packages installed by each time [package], non-decreasing; the first is 0.
    """

    times: list[float] = field(default_factory=lambda: [0.0])
    installed: list[float] = field(default_factory=lambda: [0.0])

    def add_lot(self, start: float, end: float, amount: float) -> None:
        """A lot of ``amount`` packages [package] installed from ``start`` to ``end`` [month]."""
        before = self.installed[-1]
        self.times += [start, end]
        self.installed += [before, before + amount]

    @property
    def busy_until(self) -> float:
        """End of the last lot [month] (0 before any)."""
        return self.times[-1]

    def installed_by(self, time: float) -> float:
        """Packages installed by ``time`` [month] (one time) [package]."""
        times, installed = self.times, self.installed
        after = bisect.bisect_right(times, time)
        if after == len(times):
            return installed[-1]
        if after == 0:
            return 0.0
        begin, end = times[after - 1], times[after]
        low, high = installed[after - 1], installed[after]
        return low + (high - low) * (time - begin) / (end - begin) if end > begin else high

    def at(self, time: ArrayLike) -> np.ndarray:
        """Packages installed by ``time`` [month] (a scalar or an array) [package]."""
        return installed_at(time, self.times, self.installed)


def installed_at(time: ArrayLike, times: ArrayLike, installed: ArrayLike) -> np.ndarray:
    """Packages installed by ``time`` [month] on the path through (``times``, ``installed``).

    Linear between points, flat after the last and 0 before the first; ``time`` may be a
    scalar or an array (the result has its shape) [package].
    """
    return np.interp(time, times, installed)
