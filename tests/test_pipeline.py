"""A die or stack pipeline: arrivals booked ahead (in any order), on hand from their time,
taken at once; amounts worked out by hand."""

import pytest
import simpy

from capsim.model.pipeline import Pipeline


def test_arrivals_booked_out_of_order_are_on_hand_from_their_times():
    env = simpy.Environment()
    dies = Pipeline(env)
    dies.arrive(2.0, 5.0)
    dies.arrive(1.0, 3.0)  # earlier than one already booked
    dies.arrive(2.0, 1.0)
    assert dies.level == 0.0
    assert dies.position == 9.0  # 5 + 3 + 1 on the way
    assert dies.position_by(1.0) == 3.0
    env.run(until=1.0)
    assert dies.level_before_now == 0.0  # the arrival due at 1 is not counted before it
    assert dies.level == 3.0
    env.run(until=1.5)
    assert dies.level_before_now == 3.0
    env.run(until=2.0)
    assert dies.level == 9.0
    assert dies.position == 9.0


def test_a_take_returns_what_was_on_hand_at_most():
    env = simpy.Environment()
    stacks = Pipeline(env)
    stacks.arrive(0.0, 4.0)
    assert stacks.take(1.5) == 1.5
    assert stacks.take(10.0) == 2.5  # only 4 - 1.5 left
    assert stacks.level == 0.0
    stacks.arrive(0.0, 2.0)  # booked now: on hand at once
    assert stacks.level == 2.0
    with pytest.raises(ValueError, match="amount"):
        stacks.take(0.0)
    env.run(until=1.0)
    with pytest.raises(ValueError, match="time"):
        stacks.arrive(0.5, 1.0)  # in the past
