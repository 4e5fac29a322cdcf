"""Market clearing against hand calculations: one supplier, one month, several buyers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsim.model.market import clear


def test_two_buyers_below_their_summed_demand_share_pro_rata():
    # 100 wafers, requests 120 and 80 (200 in all): each gets 100/200 = half its request.
    assert clear(100.0, [120.0, 80.0]) == pytest.approx([60.0, 40.0])


def test_enough_capacity_serves_every_request_and_leaves_the_rest_idle():
    assert clear(100.0, [30.0, 50.0]) == pytest.approx([30.0, 50.0])


def test_a_reservation_is_served_first_then_the_rest_pro_rata_to_unmet():
    # A reserves 60 of 100 and asks 80: A gets 60 first; 40 left for unmet 20 (A) and
    # 60 (B) = 80: half each -> A 60 + 10 = 70, B 30.
    assert clear(100.0, [80.0, 60.0], [60.0, 0.0]) == pytest.approx([70.0, 30.0])


def test_an_unused_reservation_goes_to_the_other_buyer():
    # A reserves 60 but asks only 10: it gets 10, and B (asking 90) gets the other 90.
    assert clear(100.0, [10.0, 90.0], [60.0, 0.0]) == pytest.approx([10.0, 90.0])


def test_take_or_pay_takes_the_whole_reservation():
    # A's 60 is take-or-pay: A gets all 60 though it asks 10; B gets the 40 left.
    grants = clear(100.0, [10.0, 90.0], [60.0, 0.0], take_or_pay=[True, False])
    assert grants == pytest.approx([60.0, 40.0])


def test_reservations_beyond_capacity_are_scaled_down():
    # Reservations 80 + 40 = 120 > 100: scaled by 100/120 to 66.7 and 33.3.
    assert clear(100.0, [100.0, 100.0], [80.0, 40.0]) == pytest.approx([200 / 3, 100 / 3])


def test_priority_serves_the_first_class_before_the_second():
    # 100 wafers; A (priority 1) asks 70, B and C (priority 2) ask 30 and 60: A gets 70,
    # the 30 left go to B and C in proportion 30 : 60 -> 10 and 20.
    grants = clear(100.0, [70.0, 30.0, 60.0], rule="priority", priority=[1, 2, 2])
    assert grants == pytest.approx([70.0, 10.0, 20.0])


def test_priority_needs_priorities():
    with pytest.raises(ValueError, match="priority"):
        clear(10.0, [5.0], rule="priority")


amounts = st.floats(0.0, 1e6, allow_nan=False)


@given(
    capacity=amounts,
    requests=st.lists(amounts, min_size=1, max_size=6),
    data=st.data(),
)
def test_grants_respect_capacity_requests_and_reservations(capacity, requests, data):
    """Invariants: no over-allocation; a buyer gets at most its request; a buyer gets at
    least min(its scaled reservation, its request); capacity is idle only when every
    request is met."""
    n = len(requests)
    reserved = data.draw(st.lists(amounts, min_size=n, max_size=n))
    grants = clear(capacity, requests, reserved)
    scale = min(1.0, capacity / sum(reserved)) if sum(reserved) > 0 else 1.0
    tolerance = 1e-9 * max(1.0, capacity, *requests)
    assert sum(grants) <= capacity + tolerance
    for grant, request, reservation in zip(grants, requests, reserved, strict=True):
        assert grant <= request + tolerance
        assert grant >= min(request, reservation * scale) - tolerance
    if sum(grants) < capacity - tolerance:
        assert all(g >= r - tolerance for g, r in zip(grants, requests, strict=True))
