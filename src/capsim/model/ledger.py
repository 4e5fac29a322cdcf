"""Money: building capex and funding released at milestones, as pure functions.

Building capex (``capex`` per W of IT capacity) is spent evenly over each building's
planned construction; packages are paid when allocated (see
:mod:`capsim.model.allocation`). A funding entry releases ``amount_per_step`` for every
whole ``step`` of power online (IT or facility), up to its ``cap``.

The same functions serve the run (a programme's cash) and its outputs (capex spent and
funding received per month, and milestone dating), so both read money one way.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from capsim.model.inputs import FundingIn, ModelInputs
from capsim.model.phases import planned_done

#: Columns of a spend plan: start [month], duration [month], cost [USD].
SPEND_COLUMNS = ("start", "duration", "cost")


def spend_plans(inputs: ModelInputs) -> dict[str, np.ndarray]:
    """Each programme's building spend plan: one row (start, duration, cost) per building
    it houses at its sites.

    Returns
    -------
    dict of str to numpy.ndarray
        Programme id -> array of shape (buildings, 3): start [month], planned
        construction time [month] (at least 1e-9), capex [USD].
    """
    plans = {}
    for gid, programme in inputs.programmes.items():
        rows = []
        for site_id in programme.sites:
            site = inputs.sites[site_id]
            for building in site.buildings:
                if building.programme not in (None, gid):
                    continue  # another tenant's
                duration = planned_done(building) - building.start
                cost = site.capex_per_watt * building.it_capacity
                rows.append((building.start, max(duration, 1e-9), cost))
        plans[gid] = np.array(rows, dtype=float).reshape(-1, len(SPEND_COLUMNS))
    return plans


def capex_spent(plan: np.ndarray, time: ArrayLike) -> np.ndarray:
    """Building capex spent by ``time`` [month] under ``plan`` (see :func:`spend_plans`) [USD].

    ``time`` may be an array; the result then has its shape.
    """
    start, duration, cost = plan.T
    progress = np.clip((np.asarray(time, dtype=float)[..., None] - start) / duration, 0.0, 1.0)
    return progress @ cost


def funding_released(rules: list[FundingIn], it_online: float, facility_online: float) -> float:
    """Money ``rules`` release with ``it_online`` and ``facility_online`` power [W] [USD]."""
    total = 0.0
    for rule in rules:
        if rule.step <= 0:
            continue
        power = it_online if rule.basis == "it" else facility_online
        steps = math.floor(power / rule.step + 1e-9)
        total += min(rule.cap, steps * rule.amount_per_step)
    return total


def funding_rules(inputs: ModelInputs) -> dict[str, list[FundingIn]]:
    """The funding entries of each programme, in scenario order."""
    rules: dict[str, list[FundingIn]] = {gid: [] for gid in inputs.programmes}
    for rule in inputs.funding.values():
        rules[rule.programme].append(rule)
    return rules
