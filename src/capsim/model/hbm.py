"""An HBM vendor over time: its wafers set up (tooled) for each generation, moved between
generations as orders move, and the finished stacks it holds unsold.

A vendor of wafers has ``wafers[m]`` TSV wafers a month; each generation turns a wafer
started in month ``m`` into ``stacks_per_wafer[g] x density[m]`` good stacks. Wafers set
up for one generation make only that generation; setting them up for another takes
``conversion_time`` months, during which they go on making the one they leave (a line is
requalified while it runs and switches when the new generation is ready; free wafers set
up for a generation make nothing until then). New wafers (capacity growth) come set up,
split as the vendor last aimed its generations. Each month the vendor aims
each generation at what its orders need a conversion time ahead (or, when its wafers do
not suffice, at a share of them in proportion to those needs) and moves wafers from
generations set up beyond their aim to those below it, in proportion to the shortfall. A
vendor given as fixed stacks by generation cannot convert: its tooling is that series.
"""

from __future__ import annotations

from capsim.model.inputs import VendorIn

#: A vendor's wafers set up for each generation [wafer/month], its conversions under way
#: ((ready [month], generation, wafers per month, the generation they leave or None)) and
#: its last aims [wafer/month].
Tooling = tuple[dict[str, float], list[tuple[float, str, float, str | None]], dict[str, float]]


class HbmVendorModel:
    """One vendor's tooling, conversions and unsold stacks.

    Parameters
    ----------
    spec : VendorIn
        The vendor.
    """

    def __init__(self, spec: VendorIn):
        self.spec = spec
        self.generations = list(spec.stacks_per_wafer)
        self._wafers: list[float] = spec.wafers.tolist()
        """The vendor's wafers by month [wafer/month]."""
        if spec.fixed is not None:
            self.tooled = {g: float(spec.fixed[g][0]) for g in self.generations}
        else:
            first = float(spec.wafers[0])
            self.tooled = {g: spec.tooling.get(g, 0.0) * first for g in self.generations}
        self._first = dict(self.tooled)
        """Its tooling before the horizon [wafer/month]."""
        self._started: dict[int, dict[str, float]] = {}
        """The tooling of each month run so far [wafer/month] (see :meth:`tooled_at`)."""
        self._aim = dict(self.tooled)
        """Wafers per month the vendor last aimed each generation at [wafer/month]."""
        self.converting: list[tuple[float, str, float, str | None]] = []
        """Wafers being set up: (ready [month], generation, wafers per month, the
        generation they make until then, or None for wafers set up for none)."""
        self.asked = dict.fromkeys(self.generations, 0.0)
        """Wafers per month asked of each generation last month, orders other vendors
        could not fill included [wafer/month]."""
        self.unsold = dict.fromkeys(self.generations, 0.0)
        """Finished stacks no product holds, by generation [stack]."""
        self._coming: list[tuple[float, str, float]] = []
        """Stacks that will be unsold when made: (time [month], generation, stacks)."""

    def keep(self, time: float, generation: str, stacks: float) -> None:
        """Book ``stacks`` of ``generation`` made at ``time`` [month] to stay with the
        vendor, unsold (granted to a product that may not use them then)."""
        self._coming.append((time, generation, stacks))

    def unsold_by(self, time: float, *, inclusive: bool = True) -> dict[str, float]:
        """Move the stacks kept for the vendor and made by ``time`` [month] (before it,
        unless ``inclusive``) into its unsold stock, and return that stock [stack]."""
        if not self._coming:
            return self.unsold
        due = [c for c in self._coming if c[0] < time or (inclusive and c[0] == time)]
        if due:
            self._coming = [c for c in self._coming if c not in due]
            for _, generation, stacks in due:
                self.unsold[generation] += stacks
        return self.unsold

    def tooled_at(self, month: int) -> dict[str, float]:
        """Wafers per month set up for each generation in ``month`` [wafer/month], after
        the conversions ready by then and any change in the vendor's wafers (kept as the
        wafers of that month's starts, see :meth:`set_up_for`)."""
        self.tooled, self.converting = self._advanced(month)
        self._started[month] = dict(self.tooled)
        return self.tooled

    def state(self) -> Tooling:
        """The vendor's tooling, conversions under way and last aims now, as
        :meth:`set_up_for` reads them (copies)."""
        return dict(self.tooled), list(self.converting), dict(self._aim)

    def set_up_for(self, month: int, state: Tooling) -> dict[str, float]:
        """Wafers per month set up for each generation in ``month`` [wafer/month] (fixed
        stacks per month for a vendor given as fixed stacks [stack/month]): as they were
        for a month already started (before the horizon, as at its start), else as the
        conversions under way in ``state`` (:meth:`state`) will leave them, new wafers
        split as the vendor then aimed its generations: what the plans can count on for
        the months a conversion ordered now cannot reach."""
        found = self._started.get(month)
        if found is not None:
            return found
        if month < 0 and self.spec.fixed is None:
            return self._first
        return self._advanced(month, state)[0]

    def _advanced(
        self, month: int, state: Tooling | None = None
    ) -> tuple[dict[str, float], list[tuple[float, str, float, str | None]]]:
        """The tooling in ``month`` [wafer/month] and the conversions still under way then,
        from the vendor's present ones (or those of ``state``), which stay as they
        are."""
        spec = self.spec
        index = min(max(month, 0), len(self._wafers) - 1)
        present, converting, aim = state or (self.tooled, self.converting, self._aim)
        if spec.fixed is not None:
            return {g: float(spec.fixed[g][index]) for g in self.generations}, converting
        tooled = dict(present)
        ready = [c for c in converting if c[0] <= month]
        if ready:
            converting = [c for c in converting if c[0] > month]
            for _, generation, amount, leaving in ready:
                switched = amount
                if leaving is not None:
                    switched = min(amount, tooled[leaving])
                    tooled[leaving] -= switched
                tooled[generation] += switched
        over = sum(tooled.values()) + _in_conversion(converting) - self._wafers[index]
        if over > 0:
            converting = _cut(tooled, converting, over)
        elif over < 0:
            _grow(tooled, -over, aim)
        return tooled, converting

    def retool(self, month: int, wanted: dict[str, float], asked: dict[str, float]) -> None:
        """Move wafers toward what each generation is ``wanted`` to have a conversion time
        ahead [wafer/month]: all of it when the vendor's wafers suffice, else its share of
        them in proportion to what is wanted. Wafers come from new capacity first, then
        from generations set up beyond their target (those already leaving one not
        counted); they make the new generation after ``conversion_time``, the old one
        until then. Then wafers idle now, beyond both what their generation is ``asked``
        this month [wafer/month] and its target, move to the generations asked for more
        than they have set up and setting up (orders carry arrears the plans do not)."""
        spec = self.spec
        if spec.fixed is not None:
            return
        total = self._wafers[min(max(month, 0), len(self._wafers) - 1)]
        demand = sum(wanted.values())
        if demand > 0:
            scale = min(1.0, total / demand)
            self._aim = {g: wanted.get(g, 0.0) * scale for g in self.generations}
            target = self._aim
        else:  # no plan wants its wafers (new ones still come as it last aimed)
            target = dict.fromkeys(self.generations, 0.0)
        staying, pending = self._staying_and_pending()
        short = {g: max(0.0, target[g] - staying[g] - pending[g]) for g in self.generations}
        if sum(short.values()) > 0:  # never without a plan: its target is all 0
            free = max(0.0, total - sum(self.tooled.values()) - _in_conversion(self.converting))
            surplus = {
                g: max(0.0, staying[g] - target[g]) for g in self.generations if not short[g]
            }
            self._move(month, short, surplus, free)
            staying, pending = self._staying_and_pending()
        lacking = {g: max(0.0, asked.get(g, 0.0) - staying[g] - pending[g]) for g in staying}
        if sum(lacking.values()) > 0:
            idle = {
                g: max(0.0, min(staying[g] - asked.get(g, 0.0), staying[g] - target[g]))
                for g in staying
                if not lacking[g]
            }
            self._move(month, lacking, idle, 0.0)

    def _staying_and_pending(self) -> tuple[dict[str, float], dict[str, float]]:
        """Wafers per month set up for each generation and not leaving it, and those being
        set up for it [wafer/month]."""
        staying = dict(self.tooled)
        pending = dict.fromkeys(self.generations, 0.0)
        for _, generation, amount, leaving in self.converting:
            pending[generation] += amount
            if leaving is not None:
                staying[leaving] -= amount
        return staying, pending

    def _move(
        self, month: int, short: dict[str, float], surplus: dict[str, float], free: float
    ) -> None:
        """Set up wafers for the generations ``short`` of them [wafer/month], in proportion
        to the shortfall, from ``free`` wafers first, then from the ``surplus`` of others,
        in proportion to it; they are ready ``conversion_time`` after ``month`` and make
        their old generation until then."""
        needed = sum(short.values())
        total_surplus = sum(surplus.values())
        moved = min(needed, free + total_surplus)
        if moved <= 0:
            return
        from_free = min(moved, free)
        sources: list[tuple[str | None, float]] = [(None, from_free)] if from_free > 0 else []
        from_surplus = moved - from_free
        if from_surplus > 0:
            share = from_surplus / total_surplus
            sources += [(g, extra * share) for g, extra in surplus.items() if extra > 0]
        ready = month + self.spec.conversion_time
        for g, amount in short.items():
            if amount > 0:
                for leaving, given in sources:
                    self.converting.append((ready, g, given * amount / needed, leaving))


def _in_conversion(converting: list[tuple[float, str, float, str | None]]) -> float:
    """Free wafers per month being set up for a generation in ``converting``
    [wafer/month]."""
    return sum(amount for _, _, amount, leaving in converting if leaving is None)


def _cut(
    tooled: dict[str, float], converting: list[tuple[float, str, float, str | None]], over: float
) -> list[tuple[float, str, float, str | None]]:
    """Take ``over`` wafers per month out of the free wafers being set up (latest first),
    then out of every generation in ``tooled`` in proportion to its tooling (in place),
    and as much out of what is leaving it; the conversions left."""
    converting = list(converting)
    for i in range(len(converting) - 1, -1, -1):
        ready, generation, amount, leaving = converting[i]
        if over <= 0:
            break
        if leaving is None:
            taken = min(amount, over)
            over -= taken
            converting[i] = (ready, generation, amount - taken, None)
    converting = [c for c in converting if c[2] > 0]
    total = sum(tooled.values())
    if over > 0 and total > 0:
        keep = max(0.0, 1.0 - over / total)
        for generation in tooled:
            tooled[generation] *= keep
        converting = [
            (ready, g, amount if leaving is None else amount * keep, leaving)
            for ready, g, amount, leaving in converting
        ]
    return converting


def _grow(tooled: dict[str, float], new: float, aim: dict[str, float]) -> None:
    """Set up ``new`` wafers per month in ``tooled`` (the vendor's capacity grew) at
    once, split as the vendor aims its generations (``aim`` [wafer/month]; without
    aims, as it is set up): a capacity series is wafers being made, so growth arrives
    ready to make stacks."""
    total = sum(aim.values())
    if total <= 0:
        aim = dict(tooled)
        total = sum(aim.values())
    if total <= 0:
        return
    for generation, weight in aim.items():
        tooled[generation] += new * weight / total
