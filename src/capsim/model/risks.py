"""Risk events: which occur in a run, and how they change the run's inputs.

A risk occurs when ``draw["risks.<id>.occurs"]`` is true or, without a draw, when its
probability (its mean, when uncertain) is above one half, so deterministic runs show the
likely world. Effects apply in the order of the risks' dates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from capsim.model.inputs import INF, BuildingIn, ModelInputs, SiteIn
from capsim.model.phases import planned_done
from capsim.scenario.document import Scenario
from capsim.scenario.policy import CapacityLoss, Delay, QualificationFailure

if TYPE_CHECKING:
    from capsim.model.resolve import Resolver


def occurring(scenario: Scenario, resolver: Resolver) -> tuple[str, ...]:
    """Ids of the risk events that occur in this run (``resolver.draw`` decides, else
    whether the probability is above one half)."""
    return tuple(
        rid
        for rid, risk in scenario.risks.items()
        if resolver.drawn(f"risks.{rid}.occurs", risk.probability.expected > 0.5)
    )


def apply_risks(
    scenario: Scenario, inputs: ModelInputs, resolver: Resolver, occurred: tuple[str, ...]
) -> ModelInputs:
    """``inputs`` with the effects of the risk events ``occurred``.

    A qualification failure ends the vendor's window for the product at the risk's date;
    a capacity loss multiplies the target's monthly capacity by ``1 - loss`` in the
    months whose middle lies in ``[date, date + duration)``; a delay postpones a grid
    connection's tranches not yet energised at the date, or lengthens the last phase of
    every building unfinished at the date, by ``by`` [month].
    """
    vendors, sites = dict(inputs.vendors), dict(inputs.sites)
    for rid in sorted(occurred, key=lambda rid: scenario.risks[rid].date):
        risk = scenario.risks[rid]
        when = inputs.calendar.to_time(risk.date)
        effect = risk.effect
        path = f"risks.{rid}.effect"
        if isinstance(effect, QualificationFailure):
            vendor = vendors[effect.vendor]
            start, until = vendor.qualified.get(effect.product, (INF, INF))
            qualified = {**vendor.qualified, effect.product: (start, min(until, max(when, start)))}
            vendors[effect.vendor] = replace(vendor, qualified=qualified)
        elif isinstance(effect, CapacityLoss):
            loss = resolver.value(f"{path}.loss", effect.loss)
            duration = resolver.value(f"{path}.duration", effect.duration)
            _lose_capacity(inputs, effect.target, when, loss, duration)
        elif isinstance(effect, Delay):
            by = resolver.value(f"{path}.by", effect.by)
            sites[effect.site] = _delay(sites[effect.site], effect.what, when, by)
    return replace(inputs, vendors=vendors, sites=sites, risks_occurred=occurred)


def _lose_capacity(inputs: ModelInputs, target: str, when: float, loss: float, duration: float):
    """Scale ``target``'s capacity (``TABLE.ID``) in place by ``1 - loss`` over the window."""
    table, _, name = target.partition(".")
    months = np.arange(inputs.calendar.months) + 0.5
    factor = np.where((months >= when) & (months < when + duration), 1.0 - loss, 1.0)
    if table == "hbm_vendors":
        vendor = inputs.vendors[name]
        arrays = [vendor.wafers, *(vendor.fixed or {}).values()]
    else:
        arrays = [(inputs.fabs if table == "logic_fabs" else inputs.packaging)[name].capacity]
    for array in arrays:
        array[:] = array * factor


def _delay(site: SiteIn, what: str, when: float, by: float) -> SiteIn:
    """``site`` with its grid tranches not yet energised at ``when``, or its unfinished
    buildings, later; the site as it was is kept as its plan until ``when``."""
    plans = (*site.plans, (when, replace(site, plans=())))
    if what == "grid":
        grid = tuple((t + by if t > when else t, watts) for t, watts in site.grid)
        return replace(site, grid=grid, plans=plans)
    buildings = tuple(_delay_building(b, when, by) for b in site.buildings)
    return replace(site, buildings=buildings, plans=plans)


def _delay_building(building: BuildingIn, when: float, by: float) -> BuildingIn:
    """``building`` with its last phase longer by ``by`` if it is unfinished at ``when``."""
    if planned_done(building) <= when:
        return building
    *head, (name, duration) = building.phases
    return replace(building, phases=(*head, (name, duration + by)))
