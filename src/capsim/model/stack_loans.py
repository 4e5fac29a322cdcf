"""Stacks lent to rivals: what a product passed on that it will need again before
stacks ordered then could come.

A product holding stacks beyond its month's packaging passes them back to their vendor
when another product the vendor qualifies is short of them now (the market's no-idle
rule). Those it would have packaged in the months before new stacks could come (its
vendors' lead time) are a loan: the product holds a claim on that vendor's stacks until
then, and when it is short in one of those months it recalls them from the products
holding that vendor's stacks of the generation. Without the claim a deal winding down
passed on the stacks of its last packages and waited a lead time for new ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class _Claim:
    """Stacks [stack] lent from one vendor's, recallable up to a month [month]."""

    vendor: str
    stacks: float
    until: int


class StackLoans:
    """Each product's claims on its vendors' stacks."""

    def __init__(self) -> None:
        self._claims: dict[str, list[_Claim]] = {}
        """Each product's claims, oldest first."""

    def lend(self, product: str, vendor: str, stacks: float, until: int) -> None:
        """Record that ``product`` passed ``stacks`` [stack] of ``vendor``'s on, to be
        recalled up to month ``until`` [month]."""
        if stacks > 0.0:
            self._claims.setdefault(product, []).append(_Claim(vendor, stacks, until))

    def owed(self, product: str, month: int) -> dict[str, float]:
        """What ``product`` may recall in ``month`` [month], by vendor [stack]. Claims
        past their last month lapse (and are dropped)."""
        claims = self._claims.get(product)
        if not claims:
            return {}
        claims[:] = [claim for claim in claims if claim.until >= month]
        owed: dict[str, float] = {}
        for claim in claims:
            owed[claim.vendor] = owed.get(claim.vendor, 0.0) + claim.stacks
        return owed

    def repaid(self, product: str, vendor: str, stacks: float) -> None:
        """Settle ``stacks`` [stack] of ``product``'s claims on ``vendor``, oldest
        first."""
        claims = self._claims.get(product)
        if not claims:
            return
        for claim in claims:
            if stacks <= 0.0:
                break
            if claim.vendor == vendor:
                settled = min(claim.stacks, stacks)
                claim.stacks -= settled
                stacks -= settled
        claims[:] = [claim for claim in claims if claim.stacks > 1e-9]
