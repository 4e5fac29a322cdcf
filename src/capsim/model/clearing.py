"""A supplier's month at market: its capacity granted among the products that ask for
it and the buyers not modelled that hold reservations, by its market (contracts, then
its rule; :func:`capsim.model.market.clear` does the arithmetic).

Every grant can be made in two rounds (:meth:`Clearing.grants`): the asks up to each
product's steady monthly need first, with the supplier's reservations and rule; then
what is left among the rest of the asks, pro rata, so catching up or running ahead of
schedule takes only what others leave. A designer's grant goes to its products in
proportion to their asks.
"""

from __future__ import annotations

from collections import Counter

from capsim.model.inputs import ContractIn, MarketIn
from capsim.model.market import clear
from capsim.model.supply import ProductChain

#: A grant below its ask by more than this fraction means the supplier was short.
SHORT = 1e-9
_OPEN = MarketIn()


class Clearing:
    """The markets of one run.

    Parameters
    ----------
    modelled : set of str
        The designers whose products are modelled; other designers named in a market
        are buyers not modelled, who take what they reserve.
    """

    def __init__(self, modelled: set[str]):
        self.modelled = modelled
        self._pairs: dict[int, tuple[list[ProductChain], list[tuple[str, str]]]] = {}
        """Each list of chains' (product, designer) pairs by its id, with the list."""
        self._counts: dict[int, tuple[list[ProductChain], Counter[str]]] = {}
        """Products per designer of each list of chains by its id, with the list."""
        self._market_terms: dict[int, tuple[bool, tuple[ContractIn, ...]]] = {}
        """Each market's terms (:meth:`_terms`) by its id (the run's inputs hold it)."""

    def grants(
        self,
        market: MarketIn,
        capacity: float,
        month: int,
        chains: list[ProductChain],
        asks: dict[str, float],
        *,
        scheduled: dict[str, float] | None = None,
        part: float = 1.0,
    ) -> dict[str, float]:
        """Grant ``capacity`` [the supplier's unit] among the products of ``chains`` and
        buyers not modelled that hold reservations; ``capacity`` is the ``part`` of the
        supplier's whole capacity (one HBM generation's wafers) over which a volume
        contract's reservation is spread.

        With ``scheduled`` (each product's ask at its steady monthly need, at most its
        ask), in two rounds: the scheduled asks first, by the supplier's market, then what
        is left among the rest of the asks, pro rata; else one round of ``asks``. Returns
        the grant of each product, and of each buyer not modelled under its own name.
        """
        terms = self._market_terms.get(id(market))
        take_or_pay, outside = terms if terms is not None else self._terms(market)
        if not (outside or take_or_pay or any(asks.values())):
            return dict.fromkeys(asks, 0.0)  # nobody asks, nothing is taken regardless
        if not take_or_pay:  # everything fits: the rule changes nothing
            granted = dict(asks)
            total = sum(asks.values())
            for contract in outside:
                amount = contract.reserved(month, capacity, part)
                if amount > 0:
                    granted[contract.designer] = amount
                    total += amount
            if total <= capacity:
                return granted
        if scheduled is None:
            return self._round(market, capacity, month, chains, asks, part=part)
        first = self._round(market, capacity, month, chains, scheduled, part=part)
        left = capacity - sum(first.values())
        extra = {pid: asks[pid] - first[pid] for pid in asks if asks[pid] > first[pid]}
        if left <= 0 or not extra:
            return first
        second = self._round(_OPEN, left, month, chains, {pid: extra.get(pid, 0.0) for pid in asks})
        return {name: grant + second.get(name, 0.0) for name, grant in first.items()}

    def reserved_outside(self, market: MarketIn, capacity: float, month: int) -> float:
        """What the buyers not modelled reserve, and take, of ``capacity`` in ``month``
        [the supplier's unit]."""
        terms = self._market_terms.get(id(market))
        outside = (terms if terms is not None else self._terms(market))[1]
        return sum(contract.reserved(month, capacity) for contract in outside)

    def _terms(self, market: MarketIn) -> tuple[bool, tuple[ContractIn, ...]]:
        """Whether any of ``market``'s reservations is take-or-pay, and those of buyers
        not modelled."""
        found = (
            any(c.take_or_pay for c in market.contracts),
            tuple(c for c in market.contracts if c.designer not in self.modelled),
        )
        self._market_terms[id(market)] = found
        return found

    def _members(self, chains: list[ProductChain]) -> list[tuple[str, str]]:
        """Each of ``chains``' products and its designer (listed once a run)."""
        found = self._pairs.get(id(chains))
        if found is None or found[0] is not chains:
            found = (chains, [(c.product.id, c.product.designer) for c in chains])
            self._pairs[id(chains)] = found
        return found[1]

    def _products(self, chains: list[ProductChain]) -> Counter[str]:
        """How many of ``chains``' products each designer has (counted once a run)."""
        found = self._counts.get(id(chains))
        if found is None or found[0] is not chains:
            found = (chains, Counter(c.product.designer for c in chains))
            self._counts[id(chains)] = found
        return found[1]

    def _round(
        self,
        market: MarketIn,
        capacity: float,
        month: int,
        chains: list[ProductChain],
        asks: dict[str, float],
        *,
        part: float = 1.0,
    ) -> dict[str, float]:
        """One round: ``capacity`` among the designers of ``chains`` (their products'
        ``asks``) and buyers not modelled that hold reservations (they take all they
        reserve); each designer's grant goes to its products in proportion to their
        asks."""
        members = self._members(chains)
        by_designer: dict[str, float] = {}
        for pid, designer in members:
            by_designer[designer] = by_designer.get(designer, 0.0) + asks[pid]
        reserved: dict[str, float] = {}
        take_or_pay: dict[str, bool] = {}
        modelled = self.modelled
        for contract in market.contracts:
            amount = contract.reserved(month, capacity, part)
            if amount > 0:
                designer = contract.designer
                reserved[designer] = amount
                take_or_pay[designer] = contract.take_or_pay
                if designer not in modelled:
                    by_designer[designer] = amount
        paid = any(take_or_pay.values())  # some reservation made now is take-or-pay
        total = sum(by_designer.values())
        if total <= capacity and not paid:
            granted = by_designer  # enough for everyone (reservations change nothing)
        else:
            names = list(by_designer)
            priority = None
            if market.rule == "priority":
                order = {name: rank for rank, name in enumerate(market.priority)}
                priority = [order.get(name, len(order)) for name in names]
            grants = clear(  # None: no reservation, none take-or-pay (the same grants)
                capacity,
                [by_designer[name] for name in names],
                [reserved.get(name, 0.0) for name in names] if reserved else None,
                take_or_pay=[take_or_pay.get(name, False) for name in names] if paid else None,
                rule=market.rule,
                priority=priority,
            )
            granted = dict(zip(names, grants, strict=True))
        result = {name: granted[name] for name in by_designer if name not in modelled}
        products = None
        for pid, designer in members:
            whole = by_designer[designer]
            if whole > 0:
                portion = asks[pid] / whole
            else:  # a take-or-pay grant to a designer that asks nothing is still its products'
                if products is None:
                    products = self._products(chains)
                portion = 1.0 / products[designer]
            result[pid] = granted[designer] * portion
        return result
