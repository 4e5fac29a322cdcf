"""Allocation of finished packages among programmes, and delivery to them.

A programme wants what it still lacks of its target (at most ``volume`` a month, with
the orders of earlier months not yet filled if its orders are carried, and what its
cash can pay for) while it is open and firm (a letter of intent that
lapsed wants nothing). A programme with sites takes no more than they will be ready
for: what its crews could have installed, as its sites' plans stand
(:mod:`capsim.model.outlook`), by the time a package finished now would arrive (the
product's lead time) and up to its ``staging`` later, less what it has been allocated.
Its order rate, what it asks its product's designer for per month, is ``volume`` when
given, else what it lacks spread over the months to its ``end``, else all it lacks;
for a programme with sites, never more than the room it will have for that month's
orders (this month, all its room; a later month, what its sites will have by then
beyond what it has, has on the way and orders in the months between); never more than
its cash pays for now, nor than the export rules on it let its destination receive in
the calendar year ordered for (the rest of this year's cap; the cap's monthly rate in
later years), so that it orders nothing it would refuse.
Finished packages of a product go
first to programmes with a contracted ``share`` (up to that share of the lot), then
to the others by priority, then to share-holders still wanting more; programmes of
equal priority share in proportion to what they still want. Contracted
shares that add up to more than 100 % (as draws of uncertain shares may, though
their central values add up to at most 100 %) are scaled down in proportion, as a
supplier scales down reservations beyond its capacity. Export rules cap what each
destination may receive per calendar year, counted over every programme a lot
serves. What nobody takes waits as finished stock. A shipment process delivers the
lots allocated at one instant, each after its product's lead time, in the order they
were allocated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

import simpy

from capsim.model.calendar import Calendar
from capsim.model.inputs import ExportIn, ProductIn, ProgrammeIn
from capsim.model.stock import EPSILON, REACHED


@dataclass
class ProgrammeBook:
    """What a programme has been allocated and delivered [package] and paid [USD], and
    the month it was last offered a lot in and what limited it in that lot (None: it
    wanted more than it got; else one of ``complete``, ``closed``, ``sites``, ``money``,
    ``export_cap``, or ``demand``, its own orders: it took all that let it)."""

    spec: ProgrammeIn
    allocated: float = 0.0
    delivered: float = 0.0
    spent_on_packages: float = 0.0
    offered_in: int = -1
    limited_by: str | None = None
    #: (month, packages allocated in it so far): a lapsing ``volume`` is what it takes in
    #: a month, however many lots (and offers of finished stock) the month has
    this_month: tuple[int, float] = (-1, 0.0)

    def remaining(self) -> float:
        """Packages still to allocate to reach the target [package]."""
        left = self.spec.target_packages - self.allocated
        return left if left > 0.0 else 0.0  # as max(0.0, left)


class Allocator:
    """Shares each product's finished packages among the programmes that order it.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (time in months).
    calendar : Calendar
        The horizon's months (export caps count calendar years).
    products, programmes, export_rules : dict
        The run's inputs by id.
    cash : callable
        A programme's cash now [USD], given its id.
    installable : callable
        Packages a programme's sites could have installed by a model time [package],
        given (programme id, time [month]), as planned now (called only for programmes
        with sites).
    on_delivered : callable
        Called with (programme id, packages, delivery window [fraction of the month])
        when packages reach a programme.
    """

    def __init__(
        self,
        env: simpy.Environment,
        calendar: Calendar,
        *,
        products: dict[str, ProductIn],
        programmes: dict[str, ProgrammeIn],
        export_rules: dict[str, ExportIn],
        cash: Callable[[str], float],
        installable: Callable[[str, float], float],
        on_delivered: Callable[[str, float, float], None],
        packaging_time: dict[str, float],
        install_rates: dict[str, float],
    ):
        self.env = env
        self.install_rates = install_rates
        """Packages each programme's crews install per month, over its sites, by id
        [package/month]."""
        self.packaging_time = packaging_time
        """Each product's packaging cycle time [month]: the orders of the months a cycle
        time ahead are the first whose packages are not yet started."""
        self.calendar = calendar
        self.products = products
        self.books = {gid: ProgrammeBook(spec) for gid, spec in programmes.items()}
        self.by_product: dict[str, list[ProgrammeBook]] = {pid: [] for pid in products}
        for book in sorted(self.books.values(), key=lambda b: b.spec.priority):
            self.by_product[book.spec.product].append(book)
        self._shares = {
            pid: contracted_shares([book.spec for book in books])
            for pid, books in self.by_product.items()
        }
        """Each product's contracted shares of its lots [fraction] by programme."""
        self.export_rules = export_rules
        self.export_used: dict[tuple[str, int], float] = {}
        self.finished = dict.fromkeys(products, 0.0)
        self.cash = cash
        self.installable = installable
        self.on_delivered = on_delivered
        self._years: dict[int, int] = {}
        """The calendar year of each month asked for [year]."""
        self._outbox: list[tuple[float, list[tuple[ProgrammeBook, float, float]]]] | None = None
        """Lots allocated at this instant, by lead time [month], that the shipment
        process started at this instant has yet to take (None: no such process)."""
        self._paths: dict[tuple[str, float], tuple[tuple[float, ...], list[float]]] = {}
        """For :meth:`_room_left`, by (programme, time into the month the packages are
        finished): the (model time, allocation, packages in flight) read at, and what its
        order rates take from this month to the start of each later month [package]."""
        self.plan: Callable[[str, float], float] | None = None
        """Good packages per month a product plans to package at a model time [month]
        (the market's plans, what supply will give at most), given (product id, time);
        set once the market exists. None: the order rates alone take the room ahead."""
        self._wants: dict[str, dict[float, dict[str, float]]] = {pid: {} for pid in products}
        """Each product's programmes' wants in :meth:`demand` by finish for the packages
        finished then, by product, read since its last start [package]."""
        self.in_flight = dict.fromkeys(self.books, 0.0)
        """Good packages started for each programme and not yet finished: its part of
        the starts, in proportion to the wants they were started for [package]."""
        self._started: dict[str, list[tuple[float, dict[str, float]]]] = {
            pid: [] for pid in products
        }
        """Each product's starts not yet finished: (when they finish [month], each
        programme's part [package]), in the order started."""

    def wanted(self, book: ProgrammeBook, at: float) -> float:
        """Packages ``book``'s programme would take of those finished at model time
        ``at`` [month] (its window and ``volume`` then, all else as it stands now)
        [package]."""
        return self._want(book, at)[0]

    def limit(self, book: ProgrammeBook, month: int, made_to_order: bool = False) -> str | None:
        """What held ``book``'s programme back in ``month``, at its end (now):
        ``complete`` if it lacks nothing (allocated all but
        :data:`~capsim.model.stock.REACHED` of its target), ``closed`` if it was not
        firm or its window missed the month; if it was offered nothing while its
        product was not made that month (before or after the product's window),
        ``not_made`` if it wanted some, else ``closed`` (it orders none then); else what
        limited it in the last lot offered to it in the month (``sites``, ``money``,
        ``export_cap``, or ``demand``, its own orders: it took all they let it) or, if
        none was offered while open, what limits it at the month's end (in its window)
        if that leaves it wanting nothing; else None (it wanted more than it was
        offered: supply binds). When its product was ``made_to_order`` in the month
        (what binds the product is its orders), a programme short of what it wanted is
        short because its limits cut its orders when the packages were started: then
        what limits it at the month's end, if anything."""
        spec = book.spec
        if book.remaining() <= max(EPSILON, REACHED * spec.target_packages):
            return "complete"  # within the tolerance its milestones are dated with
        if not (spec.firm and spec.start < month + 1 and spec.end > month):
            return "closed"
        product = self.products[spec.product]
        if book.offered_in != month and not (product.start < month + 1 and product.end > month):
            # offered nothing, its product not made: short of it if it wants some
            want = self._want(book, min(self.env.now, spec.end - 1e-9))[0]
            return "closed" if want <= EPSILON else "not_made"
        last = book.limited_by
        offered = book.offered_in == month and last not in ("complete", "closed")
        if offered and (last is not None or not made_to_order):  # a lot while open
            return last
        want, limit = self._want(book, min(self.env.now, spec.end - 1e-9))
        if not offered and want <= EPSILON:
            return limit or "demand"
        return limit if made_to_order else None

    def _want(self, book: ProgrammeBook, at: float) -> tuple[float, str | None]:
        """:meth:`wanted` at model time ``at`` [package], with what limits it."""
        spec = book.spec
        remaining = book.remaining()
        if remaining <= EPSILON:
            return 0.0, "complete"
        if not spec.firm or not spec.start <= at < spec.end:
            return 0.0, "closed"
        limit = None
        now = self.env.now
        flight = self.in_flight[spec.id] if at > now else 0.0  # it will have them by then
        if flight > 0.0:
            remaining -= flight
            if remaining <= EPSILON:
                return 0.0, "complete"
        ordered = self._on_order(book, at, flight)
        want = ordered if ordered < remaining else remaining  # as min(remaining, ordered)
        if spec.sites:  # else no limit
            if at > now:  # later: the room its sites will have then, less what is on the way
                room = self.room(book, at) - flight
                room = room if room > 0.0 else 0.0  # as max(0.0, room)
            else:
                room = self.room(book, now)
            if room < want:
                want = room
                limit = "sites"
        if spec.budget < math.inf:  # else no limit
            affordable = self.affordable(book)
            if affordable < want:
                want = affordable
                limit = "money"
        if self.export_rules:  # else no limit
            headroom = self._export_headroom(spec, at=at)
            if headroom < want:
                want = headroom
                limit = "export_cap"
        return want, limit

    @staticmethod
    def _on_order(book: ProgrammeBook, at: float, flight: float = 0.0) -> float:
        """What ``book``'s programme has on order for the packages finished at model
        time ``at`` [package]: its ``volume`` for that month less what it was allocated
        in it already, and, if its orders are carried, those of earlier months not yet
        allocated nor in ``flight`` for it."""
        spec = book.spec
        month = int(at + 1e-9)
        if spec.carried:
            ordered = spec.ordered_by(month) - book.allocated - flight
        else:
            taken = book.this_month[1] if book.this_month[0] == month else 0.0
            ordered = spec.volume_at(month) - taken
        return ordered if ordered > 0.0 else 0.0  # as max(0.0, ordered)

    def room(self, book: ProgrammeBook, time: float) -> float:
        """Packages ``book``'s programme may be allocated at model ``time`` [month] beyond
        what it has been [package]: what its sites could have installed by the time they
        would arrive, and up to its ``staging`` later, less its allocation (unbounded for a
        programme without sites). Before the programme starts, crew time to its start
        counts for none of them (:meth:`_site_room`)."""
        spec = book.spec
        if not spec.sites:
            return float("inf")
        room = self._site_room(book, time)
        return room if room > 0.0 else 0.0

    def _site_room(self, book: ProgrammeBook, time: float) -> float:
        """:meth:`room` at model ``time`` [month], unclamped (may be below 0) [package].
        For a programme that starts later, no more than its crews can install from its
        start to then: the room its sites will give its first orders is what they can
        install from then (as it will be found then), not what they could have since
        now with nothing to install."""
        spec = book.spec
        arrival = time + self.products[spec.product].lead_time + spec.staging
        room = self.installable(spec.id, arrival) - book.allocated
        if spec.start > self.env.now:
            crews = self.install_rates[spec.id] * (arrival - spec.start)
            room = crews if crews < room else room
        return room

    def _room_left(self, book: ProgrammeBook, time: float, month: int) -> float:
        """The :meth:`room` ``book``'s programme will have for its orders of ``month``
        (packages finished at model ``time``) [package]: this month, all its room now; a
        later month, the room its sites will have by then beyond what it has, what is
        on the way to it and what the months between whose packages are not yet started
        take: each its order rate (:meth:`own_rate`), but no more than its product's
        :attr:`plan` for the packages started for it (supply that gives less fills less
        room: the rest stays for later months' orders); the room that month opens and any
        room earlier months leave (none for a month whose packages would have been
        started before now)."""
        now = self.env.now
        current = int(now + 1e-9)
        if month <= current:
            return self.room(book, now)
        spec = book.spec
        packaging_time = self.packaging_time[spec.product]
        # the first month whose orders' packages are not yet started (those before it
        # are allocated or in flight)
        first = max(current, int(now + packaging_time + 1e-9))
        if month < first:
            return 0.0  # its packages would have been started already
        offset = time - month
        state = (now, book.allocated, self.in_flight[spec.id])
        found = self._paths.get((spec.id, offset))
        if found is None or found[0] != state:
            found = self._paths[spec.id, offset] = (state, [0.0])
        taken = found[1]  # what its rates take from the first month to each later one
        started = offset - packaging_time  # a month's start, from its finish
        plan = self.plan
        while len(taken) <= month - first:  # a rate reads the months before it only
            k = first + len(taken) - 1
            rate = self.own_rate(book, offset + k, k)
            if plan is not None:
                planned = plan(spec.product, started + k)
                rate = planned if planned < rate else rate
            taken.append(taken[-1] + rate)
        left = self._site_room(book, month) - state[2] - taken[month - first]
        return left if left > 0.0 else 0.0

    def demand(self, product: str, in_flight: float, finish: float) -> float:
        """Good packages of ``product`` to start now, to be finished at model time
        ``finish`` [month] [package]: what its programmes will want in that month
        (``volume`` is a monthly want) less the finished stock nobody has taken, never
        more than those open by then still lack less finished stock and the packages
        ``in_flight``.
        (Starts for the wants of the month they finish in, net of stock, leave no
        warehouse of packages nobody wants when orders fall.)"""
        want = self._want
        wants = {book.spec.id: want(book, finish)[0] for book in self.by_product[product]}
        self._wants[product][finish] = wants
        wanted = sum(wants.values())
        unmet = wanted - self.finished[product]
        lacks = self.backlog(product, finish) - in_flight
        demand = lacks if lacks < unmet else unmet  # as min(unmet, lacks)
        return demand if demand > 0.0 else 0.0  # as max(0.0, demand)

    def wants_by(self, product: str, finish: float) -> dict[str, float]:
        """Each programme's want in the last :meth:`demand` for ``product``'s packages to
        be finished at model time ``finish`` [month], by id [package]."""
        return self._wants[product].get(finish, {})

    def started(self, product: str, good: float, finish: float) -> None:
        """``good`` packages of ``product`` were started, to be finished at model time
        ``finish`` [month]: each programme's part, in proportion to its want in
        :meth:`demand` for then, is in flight for it until then."""
        read = self._wants[product]
        wants = read.get(finish, {})
        read.clear()  # wants for other times (plans') go stale with the start
        total = sum(wants.values())
        if not (good > 0.0 and total > 0.0):
            return
        parts = {gid: good * want / total for gid, want in wants.items() if want > 0.0}
        for gid, part in parts.items():
            self.in_flight[gid] += part
        self._started[product].append((finish, parts))

    def _landed(self, product: str) -> None:
        """Take the starts of ``product`` finished by now out of what is in flight."""
        queue = self._started[product]
        now = self.env.now
        while queue and queue[0][0] <= now + 1e-9:
            _, parts = queue.pop(0)
            for gid, part in parts.items():
                left = self.in_flight[gid] - part
                self.in_flight[gid] = left if left > EPSILON else 0.0

    def order_rate(self, product: str, time: float | None = None) -> float:
        """Good packages of ``product`` its programmes order per month at model ``time``
        (default now), as they stand now [package/month]: each programme's
        :meth:`own_rate`, scaled down where the export rules on it at ``time`` let its
        destination receive less a month (:meth:`_export_rate`) than the programmes
        under them order (in proportion to their H100e)."""
        return sum(self.order_rates(product, time).values())

    def order_rates(self, product: str, time: float | None = None) -> dict[str, float]:
        """Each programme's part of :meth:`order_rate`, by id [package/month]."""
        time = self.env.now if time is None else time
        month = int(time + 1e-9)
        rates = {}
        for book in self.by_product[product]:
            ordered = self.own_rate(book, time, month)
            if ordered > 0 and self.export_rules:
                ordered *= self._export_scale(
                    book.spec, time, lambda b: self.own_rate(b, time, month), self._export_rate
                )
            rates[book.spec.id] = ordered
        return rates

    def lacking(self, product: str) -> dict[str, float]:
        """What each programme of ``product`` still lacks beyond the packages started for
        it, by id [package]: the packages still to be started for it."""
        flight = self.in_flight
        lacking = {}
        for book in self.by_product[product]:
            gid = book.spec.id
            lacks = book.remaining() - flight[gid]
            lacking[gid] = lacks if lacks > 0.0 else 0.0  # as max(0.0, lacks)
        return lacking

    def own_rate(self, book: ProgrammeBook, time: float, month: int) -> float:
        """What ``book``'s programme orders per month at model ``time`` (in ``month``),
        export rules aside [package/month]: ``volume`` then, else what it lacks spread
        over the months to its ``end`` from the first finish of packages not yet started,
        or its ``start`` if later (a later month's the same: the months before it take
        their rates), else all it lacks; for a programme with sites,
        never more than the room it will have for that ``month``'s orders
        (:meth:`_room_left`; this month: all its room now); never more than its cash pays
        for now (:meth:`affordable`).
        Nothing outside [``start``, ``end``), once complete, or when its letter lapsed."""
        spec = book.spec
        remaining = book.remaining()
        if remaining <= EPSILON or not spec.firm or not spec.start <= time < spec.end:
            return 0.0
        now = self.env.now
        if spec.volume is not None:
            volume = spec.volume_at(month)
            rate = volume if volume < remaining else remaining  # as min(remaining, volume)
        elif spec.end < math.inf:
            # the first finish of packages not yet started, not before it opens
            first = max(now + self.packaging_time[spec.product], spec.start)
            rate = remaining / max(1.0, spec.end - (time if time < first else first))
        else:
            rate = remaining
        if spec.sites:
            room = self._room_left(book, time, month)
            rate = room if room < rate else rate  # as min(rate, room)
        if spec.budget < math.inf:
            rate = min(rate, self.affordable(book))
        if time > now:  # no more than it will still lack, with what is on the way
            left = remaining - self.in_flight[spec.id]
            if left < rate:
                rate = left if left > EPSILON else 0.0
        return rate

    def backlog(self, product: str, by: float | None = None) -> float:
        """Good packages of ``product`` its firm programmes still lack, less finished stock
        [package]: those open now, and those that open by model time ``by``, each at most
        its :meth:`room` at ``by`` and what its cash pays for now, scaled down where the
        export rules on it let its destination receive less from now to the end of the
        calendar year of ``by`` (:meth:`_export_total`) than the programmes under them
        lack (in proportion to their H100e)."""
        now = self.env.now
        by = now if by is None else by
        total = 0.0
        for book in self.by_product[product]:
            lacks = self._lacking(book, now, by)
            if lacks > 0 and self.export_rules:
                lacks *= self._export_scale(
                    book.spec, by, lambda b: self._lacking(b, now, by), self._export_total
                )
            total += lacks
        total -= self.finished[product]
        return total if total > 0.0 else 0.0  # as max(0.0, total)

    def _lacking(self, book: ProgrammeBook, now: float, by: float) -> float:
        """What ``book``'s programme, if firm and open by model time ``by`` (and not
        closed ``now``), still lacks, at most its :meth:`room` at ``by`` and what its cash
        pays for now, export rules aside [package]."""
        spec = book.spec
        if not spec.firm or spec.start > by or now >= spec.end:
            return 0.0
        lacks = book.remaining()
        if spec.sites:  # else no limit
            room = self.room(book, by)
            lacks = room if room < lacks else lacks  # as min(lacks, room)
        if spec.budget < math.inf:
            lacks = min(lacks, self.affordable(book))
        return lacks

    def affordable(self, book: ProgrammeBook) -> float:
        """Packages ``book``'s programme can pay for at its product's ``price`` with the
        cash it has now [package] (unbounded without a budget or a price). Funding comes
        as its power comes online: a buyer orders on a tranche once it is received."""
        price = self.products[book.spec.product].price
        if price <= 0:
            return math.inf
        cash = self.cash(book.spec.id)
        return max(0.0, cash / price) if cash < math.inf else math.inf

    def _export_scale(
        self,
        spec: ProgrammeIn,
        time: float,
        amount: Callable[[ProgrammeBook], float],
        allowed: Callable[[ExportIn, float], float],
    ) -> float:
        """The fraction [0-1] of its ``amount`` (packages) ``spec``'s programme may order:
        for each export rule on it at model ``time``, what the rule ``allowed`` [H100e]
        over what the programmes under it ask (``amount`` x their product's H100e), when
        they ask more; the least of these."""
        scale = 1.0
        for rule in self._rules(spec, time):
            asked = sum(
                amount(book) * self.products[book.spec.product].h100e
                for book in self.books.values()
                if _covers(rule, book.spec)
            )
            limit = allowed(rule, time)
            if asked > limit:
                scale = min(scale, limit / asked)
        return scale

    def _export_rate(self, rule: ExportIn, time: float) -> float:
        """What ``rule`` lets its destination receive a month at model ``time``
        [H100e/month]: in the current calendar year, all it still allows this year (the
        cap counts a calendar year, so a buyer may take the rest of its quota at once);
        in a later year, its cap spread over the months it covers then (the cap's
        monthly rate, for a whole year)."""
        month = max(int(time + 1e-9), self._month())
        first = self.calendar.month_start(month)
        if first.year == self._year():
            used = self.export_used.get((rule.id, first.year), 0.0)
            return max(0.0, rule.cap_per_year - used)
        january = month + 1 - first.month
        return rule.cap_per_year / _months_covered(rule, january)

    def _export_total(self, rule: ExportIn, by: float) -> float:
        """What ``rule`` lets its destination receive from now to the end of the calendar
        year of model time ``by`` [H100e]: what it still allows this year, and its cap
        for each later year."""
        year = self._year()
        later = self.calendar.month_start(max(int(by + 1e-9), self._month())).year - year
        used = self.export_used.get((rule.id, year), 0.0)
        return max(0.0, rule.cap_per_year - used) + later * rule.cap_per_year

    def _month(self) -> int:
        return int(self.env.now + 1e-9)

    def receive(self, product: str, good: float) -> None:
        """Allocate newly finished packages (and finished stock) of ``product``."""
        self._landed(product)
        lot = self.finished[product] + good
        books = self.by_product[product]
        wants, limits = {}, {}
        now, month = self.env.now, self._month()
        for book in books:
            wants[book.spec.id], limits[book.spec.id] = self._want(book, now)
            book.offered_in = month
            book.limited_by = None
        given, left = self._split(books, lot, wants)
        for book in books:
            if given[book.spec.id] >= wants[book.spec.id] - EPSILON:
                book.limited_by = limits[book.spec.id] or "demand"
        self.finished[product] = max(0.0, left)
        windows = self._windows(books, lot, wants, given)
        shipment = [
            (book, given[book.spec.id], windows.get(book.spec.id, 1.0))
            for book in books
            if given[book.spec.id] > EPSILON
        ]
        for book, amount, _ in shipment:
            self._allocate(book, amount)
        if shipment:
            if self._outbox is None:
                self._outbox = []
                self.env.process(self._ship())
            self._outbox.append((self.products[product].lead_time, shipment))

    def _split(
        self,
        books: list[ProgrammeBook],
        lot: float,
        wants: dict[str, float],
        capped: bool = True,
    ) -> tuple[dict[str, float], float]:
        """Split ``lot`` [package] among ``books`` (in priority order) by their ``wants``
        [package]: share holders first up to their shares, then the rest by priority,
        then share holders wanting more by priority, programmes of equal priority pro
        rata to what they still want (:meth:`_give_pro_rata`), each within its export
        headroom unless not ``capped``; returns what each gets and what is left
        [package]."""
        given = dict.fromkeys(wants, 0.0)
        exported: dict[str, float] | None = {} if capped else None
        shares = self._shares[books[0].spec.product] if books else {}
        for book in books:
            if book.spec.id in shares:
                self._give(book, shares[book.spec.id] * lot, wants, given, exported)
        left = lot - sum(given.values())
        for shared in (False, True):
            members = [book for book in books if (book.spec.share is not None) == shared]
            for _, tied in groupby(members, key=lambda book: book.spec.priority):
                if left > EPSILON:
                    left -= self._give_pro_rata(list(tied), left, wants, given, exported)
        return given, left

    def _give_pro_rata(
        self,
        books: list[ProgrammeBook],
        amount: float,
        wants: dict[str, float],
        given: dict[str, float],
        exported: dict[str, float] | None,
    ) -> float:
        """Give ``books`` (one priority) up to ``amount`` [package] in proportion to what
        each still wants, those under one export rule together no more than it still
        allows, in proportion too; what one cannot take (its export headroom) goes to
        the others the same way; returns what they got [package]."""
        if len(books) == 1:  # no tie: all it may take of the amount
            return self._give(books[0], amount, wants, given, exported)
        taken = 0.0
        while books and amount - taken > EPSILON:
            lacks = [max(0.0, wants[book.spec.id] - given[book.spec.id]) for book in books]
            total = sum(lacks)
            if total <= 0:
                break
            offer = amount - taken
            if total == math.inf:  # those wanting without limit share alike
                unlimited = [lack == math.inf for lack in lacks]
                asks = [offer / sum(unlimited) if u else 0.0 for u in unlimited]
            else:
                asks = [lack if offer >= total else offer * (lack / total) for lack in lacks]
            capped = set()
            if exported is not None and self.export_rules and len(books) > 1:
                capped = self._within_shared_rules(books, asks, exported)
            full = []
            for index, (book, ask) in enumerate(zip(books, asks, strict=True)):
                got = self._give(book, ask, wants, given, exported)
                taken += got
                if got >= ask - EPSILON and index not in capped:
                    full.append(book)
            if len(full) == len(books):
                break  # each took its part: all offered, or all they wanted
            books = full
        return taken

    def _within_shared_rules(
        self, books: list[ProgrammeBook], asks: list[float], exported: dict[str, float]
    ) -> set[int]:
        """Scale down ``asks`` [package] (in place) of ``books`` under one export rule
        with others of them, in proportion, to what the rule still allows this lot after
        ``exported`` (H100e by rule); returns the indices of the asks it cut."""
        year = self._year()
        rules = [self._rules(book.spec) for book in books]
        capped = set()
        for rule in self.export_rules.values():
            under = [i for i, on in enumerate(rules) if asks[i] > 0 and rule in on]
            if len(under) < 2:
                continue
            h100e = [self.products[books[i].spec.product].h100e for i in under]
            asked = sum(asks[i] * h for i, h in zip(under, h100e, strict=True))
            allowed = self._rule_left(rule, year, exported)
            if asked > allowed:
                for i in under:
                    asks[i] *= allowed / asked
                capped.update(under)
        return capped

    def _windows(
        self,
        books: list[ProgrammeBook],
        lot: float,
        wants: dict[str, float],
        given: dict[str, float],
    ) -> dict[str, float]:
        """The delivery window of each programme that ``given`` completes [fraction of
        the month]: its final lot over its pace, what it would have got of ``lot`` had it
        wanted what it has on order for the month (its ``volume``, with its orders of
        earlier months not yet filled if carried; or without limit) rather than only
        what it lacked; a month's lot stands for a month of output, which would have sent the
        final lot that much of the way through the month. (Its room at its sites, its
        cash and its export headroom are amounts for the whole lot, not rates, so they
        do not slow its pace.)"""
        final = [
            book
            for book in books
            if given[book.spec.id] > EPSILON
            and given[book.spec.id] >= book.remaining() - EPSILON
            and wants[book.spec.id] >= book.remaining() - EPSILON
        ]
        if not final:
            return {}
        unlimited = dict(wants)
        for book in final:
            unlimited[book.spec.id] = self._on_order(book, self.env.now)
        paces, _ = self._split(books, lot, unlimited, capped=False)
        return {
            book.spec.id: min(1.0, given[book.spec.id] / paces[book.spec.id])
            for book in final
            if paces[book.spec.id] > given[book.spec.id]
        }

    def _give(
        self,
        book: ProgrammeBook,
        amount: float,
        wants: dict[str, float],
        given: dict[str, float],
        exported: dict[str, float] | None,
    ) -> float:
        """Give ``book``'s programme up to ``amount`` more of the lot being allocated:
        no more than it wants, nor than the export headroom other programmes of the lot
        (``exported``: H100e by rule; None: export caps not applied) have left; returns
        what it got [package]."""
        spec = book.spec
        amount = max(0.0, min(amount, wants[spec.id] - given[spec.id]))
        if self.export_rules and exported is not None:
            headroom = self._export_headroom(spec, exported)
            if headroom < amount:
                amount = headroom
                book.limited_by = "export_cap"
        if amount <= 0:
            return 0.0
        given[spec.id] += amount
        if exported is not None:
            h100e = self.products[spec.product].h100e
            for rule in self._rules(spec):
                exported[rule.id] = exported.get(rule.id, 0.0) + amount * h100e
        return amount

    def _allocate(self, book: ProgrammeBook, amount: float) -> None:
        spec = book.spec
        product = self.products[spec.product]
        book.allocated += amount
        month, taken = book.this_month
        now = self._month()
        book.this_month = (now, taken + amount if month == now else amount)
        book.spent_on_packages += amount * product.price
        for rule in self._rules(spec):
            key = (rule.id, self._year())
            self.export_used[key] = self.export_used.get(key, 0.0) + amount * product.h100e

    def _ship(self):
        """Process: deliver the lots allocated at this instant (each product's
        allocations, with their delivery windows [fraction of the month]) after their
        products' lead times [month], in the order they were allocated; lots due at the
        same time arrive together."""
        outbox, self._outbox = self._outbox, None
        due: dict[float, tuple[simpy.Timeout, list]] = {}
        for lead_time, shipment in outbox:
            time = self.env.now + lead_time
            if time not in due:
                due[time] = (self.env.timeout(lead_time), [])
            due[time][1].extend(shipment)
        for time in sorted(due):
            arrival, shipment = due[time]
            yield arrival
            for book, amount, window in shipment:
                book.delivered += amount
                self.on_delivered(book.spec.id, amount, window)

    def _year(self, time: float | None = None) -> int:
        """The calendar year at model ``time`` (default now)."""
        month = int((self.env.now if time is None else time) + 1e-9)
        year = self._years.get(month)
        if year is None:
            year = self._years[month] = self.calendar.month_start(month).year
        return year

    def _rules(self, spec: ProgrammeIn, time: float | None = None) -> list[ExportIn]:
        """The export rules on ``spec``'s programme at model ``time`` (default now)."""
        if not self.export_rules:
            return []
        time = self.env.now if time is None else time
        return [
            rule
            for rule in self.export_rules.values()
            if rule.start <= time < rule.end and _covers(rule, spec)
        ]

    def _export_headroom(
        self,
        spec: ProgrammeIn,
        pending: dict[str, float] | None = None,
        at: float | None = None,
    ) -> float:
        """Packages ``spec``'s programme may still receive in the calendar year of model
        time ``at`` (default now) under the export rules on it then [package], less
        ``pending`` (H100e by rule) not yet booked (none when what is left is
        floating-point dust, below :data:`EPSILON`)."""
        h100e = self.products[spec.product].h100e
        year = self._year(at)
        headroom = float("inf")
        for rule in self._rules(spec, at):
            headroom = min(headroom, self._rule_left(rule, year, pending) / h100e)
        return headroom if headroom > EPSILON else 0.0

    def _rule_left(self, rule: ExportIn, year: int, pending: dict[str, float] | None) -> float:
        """What ``rule`` still lets its destination receive in calendar ``year``, less
        ``pending`` (H100e by rule) not yet booked [H100e]."""
        used = self.export_used.get((rule.id, year), 0.0)
        return max(0.0, rule.cap_per_year - used - (pending or {}).get(rule.id, 0.0))


def contracted_shares(programmes: list[ProgrammeIn]) -> dict[str, float]:
    """Each share-holder's share of a lot [fraction] by programme id: its contracted share
    (inside 0-100 %), all of them scaled down in proportion when they add up to more than
    100 %, so that the shares never hand out more than the lot."""
    shares = {
        spec.id: min(max(spec.share, 0.0), 1.0) for spec in programmes if spec.share is not None
    }
    total = sum(shares.values())
    return {gid: share / max(1.0, total) for gid, share in shares.items()}


def _months_covered(rule: ExportIn, january: int) -> int:
    """Months of the calendar year from month ``january`` that ``rule`` covers for at
    least part of the month (at least 1)."""
    begin = max(january, math.floor(rule.start + 1e-9))
    end = january + 12 if rule.end == math.inf else min(january + 12, math.ceil(rule.end - 1e-9))
    return max(1, end - begin)


def _covers(rule: ExportIn, spec: ProgrammeIn) -> bool:
    """Whether ``rule`` caps what ``spec``'s programme receives (when it applies)."""
    return rule.destination == spec.destination and (
        rule.products is None or spec.product in rule.products
    )
