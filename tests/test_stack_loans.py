"""Stacks lent (capsim.model.stack_loans): a product's claims on the stacks it passed on,
by hand."""

from __future__ import annotations

import pytest

from capsim.model.stack_loans import StackLoans


def test_a_claim_can_be_recalled_until_stacks_ordered_when_it_was_lent_could_come():
    # Lent in month 3 by a product whose vendors' lead time is 6 months: stacks it orders
    # in month 3 come in month 9, so it may recall the loan in months 4 to 8, not after.
    loans = StackLoans()
    loans.lend("pa", "v", 1200.0, until=3 + 6 - 1)
    assert loans.owed("pa", 4) == {"v": pytest.approx(1200.0)}
    assert loans.owed("pa", 8) == {"v": pytest.approx(1200.0)}
    assert loans.owed("pa", 9) == {}
    assert loans.owed("pb", 4) == {}


def test_recalled_stacks_settle_the_oldest_claim_first():
    # 500 lent to vendor v until month 6 and 300 until month 8, 200 to vendor w until 8.
    # 600 recalled from v in month 5 settle the first (500) and 100 of the second: v is
    # owed 200 until month 8, w its 200; in month 7 only those lent until 8 are left.
    loans = StackLoans()
    loans.lend("pa", "v", 500.0, until=6)
    loans.lend("pa", "v", 300.0, until=8)
    loans.lend("pa", "w", 200.0, until=8)
    assert loans.owed("pa", 5) == {"v": pytest.approx(800.0), "w": pytest.approx(200.0)}
    loans.repaid("pa", "v", 600.0)
    assert loans.owed("pa", 5) == {"v": pytest.approx(200.0), "w": pytest.approx(200.0)}
    assert loans.owed("pa", 7) == {"v": pytest.approx(200.0), "w": pytest.approx(200.0)}
    loans.repaid("pa", "v", 200.0)
    assert loans.owed("pa", 7) == {"w": pytest.approx(200.0)}


def test_nothing_lent_is_no_claim():
    loans = StackLoans()
    loans.lend("pa", "v", 0.0, until=10)
    assert loans.owed("pa", 1) == {}
