"""Market clearing: one supplier's capacity for one month shared among its buyers, as a
pure function.

A supplier (a logic fab's wafer starts, a packaging line's slots, an HBM vendor's
wafers or finished stacks) first serves what each buyer has reserved by contract, then
shares the rest among the buyers' unmet requests by its rule:

- ``"pro_rata"`` (the default): every buyer with an unmet request gets the same
  fraction of it, so the rest is shared in proportion to unmet requests;
- ``"priority"``: buyers are served in order of priority (1 first), each class pro
  rata within itself.

A reservation serves only what its holder requests, unless it is take-or-pay: then the
holder takes (and pays for) all of it, used or not. Capacity a buyer leaves unused
goes to the others who want it; what nobody requests stays idle. Reservations above
the capacity are scaled down in proportion.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import sub
from typing import Literal

Rule = Literal["pro_rata", "priority"]


def clear(
    capacity: float,
    requests: Sequence[float],
    reserved: Sequence[float] | None = None,
    *,
    take_or_pay: Sequence[bool] | None = None,
    rule: Rule = "pro_rata",
    priority: Sequence[int] | None = None,
) -> list[float]:
    """Each buyer's grant of ``capacity``.

    Parameters
    ----------
    capacity : float
        What the supplier has this month [its unit, e.g. wafer], >= 0.
    requests : sequence of float
        What each buyer wants [same unit], >= 0.
    reserved : sequence of float, optional
        Each buyer's contracted reservation [same unit], >= 0 (default none).
    take_or_pay : sequence of bool, optional
        Whether each buyer's reservation is take-or-pay (granted whatever it requests).
    rule : {"pro_rata", "priority"}
        How the capacity left after reservations is shared among unmet requests.
    priority : sequence of int, optional
        Each buyer's priority for ``rule="priority"`` (1 is served first).

    Returns
    -------
    list of float
        Each buyer's grant [same unit]: at least its reserved part of its request (all
        of its reservation if take-or-pay), never more than its request unless
        take-or-pay, and in all at most ``capacity``.
    """
    count = len(requests)
    if reserved is None and take_or_pay is None:  # min(0, request): nothing reserved
        grants = [request if request < 0.0 else 0.0 for request in requests]
    else:
        firm_reserved = [0.0] * count if reserved is None else _scaled_to(capacity, list(reserved))
        if take_or_pay is None:
            grants = list(map(min, firm_reserved, requests))
        else:
            grants = [
                r if paid else min(r, request)
                for r, paid, request in zip(firm_reserved, take_or_pay, requests, strict=True)
            ]
    left = capacity - sum(grants)
    unmet = [lack if lack > 0.0 else 0.0 for lack in map(sub, requests, grants)]  # max(0, .)
    if left <= 0 or not any(unmet):
        return grants
    if rule == "priority":
        if priority is None:
            raise ValueError('rule "priority" needs a priority per buyer')
        for level in sorted(set(priority)):
            members = [i for i in range(count) if priority[i] == level]
            left = _share(left, unmet, grants, members)
            if left <= 0:
                break
        return grants
    _share(left, unmet, grants, None)
    return grants


def _scaled_to(capacity: float, amounts: list[float]) -> list[float]:
    """``amounts``, scaled down in proportion if they add up to more than ``capacity``."""
    total = sum(amounts)
    if total <= capacity or total <= 0:
        return amounts
    return [a * capacity / total for a in amounts]


def _share(left: float, unmet: list[float], grants: list[float], members) -> float:
    """Add ``left`` to the grants of ``members`` (None: every buyer) in proportion to
    their unmet requests (all of them if it suffices); returns what is left over."""
    if members is None:
        members = range(len(unmet))
        wanted = sum(unmet)
    else:
        wanted = sum(unmet[i] for i in members)
    if wanted <= 0:
        return left
    fraction = min(1.0, left / wanted)
    for i in members:
        grants[i] += unmet[i] * fraction
    return left - wanted * fraction
