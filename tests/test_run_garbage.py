"""A run leaves Python's garbage collector as it found it and nothing behind.

``capsim.model.run`` pauses automatic collection while it runs and collects its own
cyclic garbage at the end (docs in :func:`capsim.model.world.run`). By construction of
the check: after the first run (imports, caches), further runs of the same scenario
must not add a single object that the collector tracks; had the run's cyclic garbage
been left for later, each run would add thousands (its world is a web of cycles).
"""

from __future__ import annotations

import gc

from builders import chain
from capsim.model import run


def test_a_run_leaves_collection_on_and_no_garbage():
    scenario = chain()
    assert gc.isenabled()
    run(scenario)
    counts = []
    for _ in range(3):
        run(scenario)
        assert gc.isenabled()
        counts.append(len(gc.get_objects()))
    assert counts[0] == counts[1] == counts[2]


def test_a_run_leaves_collection_off_when_it_was_off():
    scenario = chain()
    gc.disable()
    try:
        run(scenario)
        assert not gc.isenabled()
    finally:
        gc.enable()
