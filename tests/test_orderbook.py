"""The long-lead supplier's order book, by exact event logs and invariants."""

import math

import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st

from capsim.model.orderbook import OrderBook


@pytest.fixture
def env():
    return simpy.Environment()


@pytest.fixture
def log():
    return []


def buyer(env, book, log, plan):
    name, at, amount = plan
    yield env.timeout(at)
    filled = yield book.order(amount)
    log.append((name, filled))


def watcher(env, book, log, times):
    for t in times:
        yield env.timeout(t - env.now)
        log.append(("queued", env.now, book.queued))


def test_dd1_with_backlog(env, log):
    # 10 /month, 25 in backlog. a: 10 at t=0 -> (25 + 10)/10 = 3.5.
    # b: 5 at t=1, with 25 + 10 - 10 = 25 still to build -> 1 + (25 + 5)/10 = 4.0.
    book = OrderBook(env, output_per_month=10.0, backlog=25.0)
    env.process(buyer(env, book, log, ("a", 0, 10)))
    env.process(buyer(env, book, log, ("b", 1, 5)))
    # queued: t=0.5: 20 + 10; t=2: 5 + 10 + 5; t=3.75: 5 (b); t=4.5: 0.
    env.process(watcher(env, book, log, [0.5, 2, 3.75, 4.5]))
    env.run()
    assert log == [
        ("queued", 0.5, 30.0),
        ("queued", 2, 20.0),
        ("a", 3.5),
        ("queued", 3.75, 5.0),
        ("b", 4.0),
        ("queued", 4.5, 0.0),
    ]


def test_min_lead_time(env, log):
    # 10 /month, lead >= 2. a, b: 5 each at t=0, built by 0.5 and 1.0, held to 2.0.
    # c: 10 at t=1, nothing left to build ahead -> built by 2.0, held to 1 + 2 = 3.0.
    # d: 40 at t=1.5, building until 2.0 -> built by 2.0 + 40/10 = 6.0 > 3.5.
    book = OrderBook(env, output_per_month=10.0, min_lead_time=2.0)
    for plan in [("a", 0, 5), ("b", 0, 5), ("c", 1, 10), ("d", 1.5, 40)]:
        env.process(buyer(env, book, log, plan))
    env.run()
    assert log == [("a", 2.0), ("b", 2.0), ("c", 3.0), ("d", 6.0)]


def test_fifo_head_blocks_and_idle_time_is_lost(env, log):
    # 1 /month. big: 10 at t=0 -> 10. small: 1 at t=0.5 waits behind it -> 11,
    # not 1.5. late: 1 at t=20; the idle supplier built nothing ahead -> 21.
    book = OrderBook(env, output_per_month=1.0)
    for plan in [("big", 0, 10), ("small", 0.5, 1), ("late", 20, 1)]:
        env.process(buyer(env, book, log, plan))
    env.run()
    assert log == [("big", 10.0), ("small", 11.0), ("late", 21.0)]


def test_output_by_month_with_an_idle_month(env, log):
    # 10 in month 0, nothing in month 1, 20 a month from month 2 on. a: 15 at t=0 ->
    # 10 by t=1, none in month 1, 5 more at 20/month -> 2 + 5/20 = 2.25.
    # b: 30 at t=2.1, behind a -> from 2.25, 15 more by 3.0, 15 more by 3.75.
    book = OrderBook(env, output_per_month=[10.0, 0.0, 20.0])
    for plan in [("a", 0, 15), ("b", 2.1, 30)]:
        env.process(buyer(env, book, log, plan))
    env.run()
    assert log == [("a", 2.25), ("b", 3.75)]


def test_other_buyers_order_a_lot_each_month_in_line_with_ours(env, log):
    # 10 a month; others order 6 at each month start. a: 10 at t=0.5 waits behind the
    # lot of t=0 (built by 0.6) -> 0.6 + 1.0 = 1.6. The lot of t=1 is behind a:
    # 1.6 to 2.2. b: 4 at t=1.2 is behind both -> 2.2 + 0.4 = 2.6. The lot of t=2
    # follows: 2.6 to 3.2. queued at t=2.9: 3 of that lot still to build.
    book = OrderBook(env, output_per_month=10.0, outside_orders=[6.0])
    for plan in [("a", 0.5, 10), ("b", 1.2, 4)]:
        env.process(buyer(env, book, log, plan))
    env.process(watcher(env, book, log, [2.9]))
    env.run(until=2.95)
    assert log == [("a", 1.6), ("b", 2.6), ("queued", 2.9, pytest.approx(3.0))]


def test_a_supplier_that_stops_building_never_fills(env, log):
    book = OrderBook(env, output_per_month=[5.0, 0.0])
    env.process(buyer(env, book, log, ("a", 0, 10)))
    env.run(until=100)
    assert log == []


def test_an_idle_book_schedules_nothing(env):
    OrderBook(env, output_per_month=5.0, backlog=100.0)
    assert env.peek() == math.inf


def early_buyer(env, book, log, plan):
    """Order at month 0 what was placed ``placed`` [month] < 0, before the horizon."""
    name, placed, amount = plan
    filled = yield book.order(amount, placed=placed)
    log.append((name, filled))


def test_orders_placed_before_month_0_are_in_the_backlog(env, log):
    # 10 /month, 30 in backlog: month 0's lead time L = 30/10 = 3 months, the wait of an
    # order placed before month 0 in a steady queue. early: placed at -1 -> -1 + 3 = 2.
    # old: placed at -5 -> -2, past -> at once (0). Their units are in the backlog: now,
    # ordering 5 at month 0 after them, is behind the 30 only -> (30 + 5)/10 = 3.5, as
    # with no early orders; and early is filled at 2 though ordered after now.
    book = OrderBook(env, output_per_month=10.0, backlog=30.0)
    env.process(buyer(env, book, log, ("now", 0, 5)))
    env.process(early_buyer(env, book, log, ("early", -1.0, 8)))
    env.process(early_buyer(env, book, log, ("old", -5.0, 4)))
    # queued at 0.5: 25 of the backlog and now's 5, the early orders not counted again.
    env.process(watcher(env, book, log, [0.5]))
    env.run()
    assert log == [("old", 0.0), ("queued", 0.5, 30.0), ("early", 2.0), ("now", 3.5)]


def test_an_early_order_waits_the_longer_of_the_backlog_and_the_lead_time(env, log):
    # 10 /month, 10 in backlog (1 month) but lead_time 4 -> L = 4: placed at -1 -> 3.
    book = OrderBook(env, output_per_month=10.0, backlog=10.0, min_lead_time=4.0)
    env.process(early_buyer(env, book, log, ("early", -1.0, 2)))
    env.run()
    assert log == [("early", 3.0)]


def test_an_early_order_waits_the_backlog_at_month_0_s_rates(env, log):
    # 5 in month 0, 10 a month after: a backlog of 10 is built by 1 + 5/10 = 1.5 = L.
    # Placed at -0.5 -> 1.0, whatever the later output.
    book = OrderBook(env, output_per_month=[5.0, 10.0], backlog=10.0)
    env.process(early_buyer(env, book, log, ("early", -0.5, 3)))
    env.run()
    assert log == [("early", 1.0)]


@pytest.mark.parametrize("placed", [0.0, 2.0, -math.inf, math.nan])
def test_an_order_is_placed_now_or_before_month_0(env, placed):
    with pytest.raises(ValueError, match='"placed"'):
        OrderBook(env, output_per_month=1.0).order(1.0, placed=placed)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"output_per_month": 0.0}, "output_per_month"),
        ({"output_per_month": math.inf}, "output_per_month"),
        ({"output_per_month": 1.0, "backlog": -1.0}, "backlog"),
        ({"output_per_month": 1.0, "min_lead_time": math.nan}, "min_lead_time"),
        ({"output_per_month": [0.0, 0.0]}, "output_per_month"),
        ({"output_per_month": [1.0, -1.0]}, "output_per_month"),
        ({"output_per_month": 1.0, "outside_orders": [-2.0]}, "outside_orders"),
    ],
)
def test_bad_parameters_name_the_field(env, kwargs, field):
    with pytest.raises(ValueError, match=f'"{field}"'):
        OrderBook(env, **kwargs)


@pytest.mark.parametrize("amount", [0, -1.0, math.inf])
def test_bad_amount(env, amount):
    with pytest.raises(ValueError, match='"amount"'):
        OrderBook(env, output_per_month=1.0).order(amount)


plans = st.lists(st.tuples(st.floats(0.0, 5.0), st.floats(0.01, 50.0)), min_size=1, max_size=30)


@given(
    plan=plans,
    rate=st.floats(0.5, 20.0),
    backlog=st.floats(0.0, 100.0),
    lead=st.floats(0.0, 10.0),
)
def test_fifo_and_no_delivery_beyond_production(plan, rate, backlog, lead):
    env = simpy.Environment()
    book = OrderBook(env, rate, backlog, lead)
    placed = []

    def placer():
        for gap, amount in plan:
            yield env.timeout(gap)
            placed.append((env.now, amount, book.order(amount)))

    env.process(placer())
    env.run()
    fills = [event.value for _, _, event in placed]
    assert fills == sorted(fills)
    delivered = 0.0
    for at, amount, event in placed:
        assert event.value >= at + lead
        delivered += amount
        built = rate * event.value - backlog
        assert delivered <= built + 1e-9 * max(1.0, built)
    assert book.queued == 0.0
