"""Resuming a study: the stored study and the one asked for must be the same study.

Each difference is named: the sample count, the study's kind, the scenario (the first
key path where the two differ, with both values), the seed, the design, the varied
inputs and replicates of a sweep, the chunk size, and the labels of a categorical
output (a store written by a capsim whose model labels differ was made by another
model: its samples and new ones would not be one study).
"""

from __future__ import annotations

import json

from capsim.model.conventions import CODES, flag_attrs
from capsim.scenario.difference import first_difference
from capsim.sweep.store import StudyMismatch, StudyStore

#: What a resumed study must share with the stored one, by attribute.
_SAME = ("study", "scenario", "seed", "design", "varied", "replicates", "signature")


def check_same_study(store: StudyStore, attrs: dict, size: int) -> None:
    """A :class:`StudyMismatch` naming every difference between the stored study and
    the one asked for."""
    with store.open() as existing:
        stored = dict(existing.attrs)
        stored_size = existing.sizes["sample"]
        stored_chunk = stored.get("chunk") or existing["failed"].encoding["chunks"][0]
        labels = {
            name: existing[name].attrs.get("flag_meanings")
            for name in CODES
            if name in existing.variables
        }
    differences = []
    if stored_size != size:
        differences.append(f"sample count: stored {stored_size}, asked {size}")
    for key in _SAME:
        old, new = stored.get(key), attrs.get(key)
        if key == "signature" and differences:
            break
        if old == new:
            continue
        if key == "scenario":
            differences.append(f"scenario: {_scenario_difference(old, new)}")
        elif key == "signature":
            differences.append("sampled inputs: the study's uncertain inputs differ")
        else:
            differences.append(f"{key}: stored {old}, asked {new}")
    if stored_chunk != store.chunk:
        differences.append(f"chunk: stored {stored_chunk}, asked {store.chunk} (--chunk)")
    for name, meanings in labels.items():
        now = flag_attrs(name)["flag_meanings"]
        if meanings != now:
            stored_labels = "none" if meanings is None else repr(meanings)
            differences.append(
                f"{name} labels: stored {stored_labels}, this capsim's {now!r} (written by "
                "a capsim with another model; run the study again with --overwrite)"
            )
    if differences:
        raise StudyMismatch(
            f"{store.path} holds a different study; cannot resume it: " + "; ".join(differences)
        )


def _scenario_difference(old: str | None, new: str | None) -> str:
    """Where two scenarios (as JSON) first differ: a key path and both values."""
    try:
        before, after = json.loads(old or "null"), json.loads(new or "null")
    except ValueError:
        return "the stored scenario differs"
    return first_difference(before, after)
