"""Money: capex spent on buildings and packages, and funding released at milestones.

Building capex (``capex`` per W of IT capacity) is spent evenly over each building's
planned construction; packages are paid when allocated. A funding entry releases
``amount_per_step`` for every whole ``step`` of power online (IT or facility), up
to its ``cap``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from capsim.model.inputs import ModelInputs

if TYPE_CHECKING:
    from capsim.model.site import SiteModel


class Ledger:
    """Capex and funding of each programme over time."""

    def __init__(self, inputs: ModelInputs, sites: dict[str, SiteModel]):
        self.inputs = inputs
        self.spend_plans: dict[str, list[tuple[float, float, float]]] = {}
        for gid, programme in inputs.programmes.items():
            plans = []
            for sid in programme.sites:
                site = inputs.sites[sid]
                for building in site.buildings:
                    duration = sum(length for _, length in building.phases)
                    cost = site.capex_per_watt * building.it_capacity
                    plans.append((building.start, max(duration, 1e-9), cost))
            self.spend_plans[gid] = np.array(plans, dtype=float).reshape(-1, 3)

    def capex(self, programme: str, time):
        """Building capex of ``programme`` spent by ``time`` [USD] (packages excluded).

        ``time`` [month] may be an array; the result then has its shape.
        """
        start, duration, cost = self.spend_plans[programme].T
        progress = np.clip((np.asarray(time, dtype=float)[..., None] - start) / duration, 0.0, 1.0)
        return progress @ cost

    def funding_received(self, programme: str, online: tuple[float, float]) -> float:
        """Funding released to ``programme`` with (IT, facility) ``online`` power [USD]."""
        it, facility = online
        total = 0.0
        for funding in self.inputs.funding.values():
            if funding.programme != programme or funding.step <= 0:
                continue
            power = it if funding.basis == "it" else facility
            steps = math.floor(power / funding.step + 1e-9)
            total += min(funding.cap, steps * funding.amount_per_step)
        return total
