"""Fits kept between processes: a stored fit reads back equal to a fresh one, and a
changed, missing or damaged store only means fitting afresh."""

from __future__ import annotations

import json

import platformdirs
import pytest

from capsim.scenario import archetypes, fitstore
from capsim.scenario.reference import ARCHETYPES, read_campuses


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty cache folder for the test, and ``shipped`` with no fit kept in memory."""
    monkeypatch.setattr(platformdirs, "user_cache_path", lambda *args, **kwargs: tmp_path)
    archetypes.shipped.cache_clear()
    yield tmp_path / "fits"
    archetypes.shipped.cache_clear()


def _fresh(region):
    campuses = read_campuses()
    return {name: archetypes.fit(campuses, name, region=region) for name in ARCHETYPES}


@pytest.mark.parametrize("region", ["asia", None])
def test_a_stored_fit_reads_back_equal_to_a_fresh_one(folder, region):
    first = archetypes.shipped(region)  # fitted, and stored
    assert first == _fresh(region)
    (stored,) = folder.glob("archetypes-*.json")
    archetypes.shipped.cache_clear()
    assert archetypes.shipped(region) == first  # read back: every float the same
    # and it was read from the file: a mark written there comes back
    data = json.loads(stored.read_text())
    data["retrofit"]["build_basis"] = "read from the store"
    stored.write_text(json.dumps(data))
    archetypes.shipped.cache_clear()
    assert archetypes.shipped(region)["retrofit"].build_basis == "read from the store"


def test_a_damaged_store_is_fitted_afresh(folder):
    archetypes.shipped("asia")
    (stored,) = folder.glob("archetypes-*.json")
    stored.write_text('{"greenfield": {"name": "greenf')  # cut short
    archetypes.shipped.cache_clear()
    assert archetypes.shipped("asia") == _fresh("asia")
    assert json.loads(stored.read_text())["greenfield"]["name"] == "greenfield"  # rewritten


def test_an_unwritable_folder_only_means_fitting_each_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(platformdirs, "user_cache_path", lambda *args, **kwargs: blocker)
    archetypes.shipped.cache_clear()
    try:
        assert archetypes.shipped("asia") == _fresh("asia")
    finally:
        archetypes.shipped.cache_clear()


def test_the_key_changes_with_any_byte_of_a_file_and_with_the_extra_texts(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("site_id,start\nX,2024-01-01\n")
    b.write_text("site_id,start\nX,2024-01-02\n")
    assert fitstore.key([a], "asia") == fitstore.key([a], "asia")
    assert fitstore.key([a], "asia") != fitstore.key([b], "asia")
    assert fitstore.key([a], "asia") != fitstore.key([a], "None")
    assert fitstore.key([a, b]) != fitstore.key([b, a])
