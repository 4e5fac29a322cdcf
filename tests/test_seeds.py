"""Tests for the seed facts file and its loader."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from pathlib import Path

import pint
import pytest

from capsim.seeds import SeedFact, load_seed_facts, seed_facts_path

SHARED_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
ID_PATTERN = re.compile(r"^\d{3}\.[a-z0-9-]+$")
ARTICLE_NUMBERS = ("000", "001", "002", "003", "004")
COPY_RUN = 8  # words in a row that may not be copied from an article


@pytest.fixture(scope="module")
def facts() -> dict[str, SeedFact]:
    return load_seed_facts()


def _ureg() -> pint.UnitRegistry:
    ureg = pint.UnitRegistry()
    extra = {
        "GPU": "GPU = [gpu]",
        "package": "package = [package]",
        "wafer": "wafer = [wafer]",
        "USD": "USD = [currency]",
        "count": "count = []",
        "user": "user = [user]",
        "percent": "percent = 0.01 = %",
    }
    for name, definition in extra.items():
        if name not in ureg:  # pint already ships count and percent
            ureg.define(definition)
    return ureg


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_file_loads(facts: dict[str, SeedFact]) -> None:
    assert seed_facts_path().is_file()
    assert 25 <= len(facts) <= 40
    assert all(isinstance(f.claim_date, datetime.date) for f in facts.values())
    assert {f.kind for f in facts.values()} <= {"claim", "context"}


def test_ids_unique_and_well_formed(facts: dict[str, SeedFact]) -> None:
    for key, fact in facts.items():
        assert key == fact.id
        assert ID_PATTERN.match(fact.id), fact.id
        assert fact.article.startswith(fact.id[:3] + "_"), fact.id


def test_duplicate_id_raises(tmp_path: Path) -> None:
    entry = (
        '  - {id: "000.x", article: a.txt, claim_date: 2025-01-01, figure: null,'
        " unit: null, meaning: m, kind: context}\n"
    )
    path = tmp_path / "dup.yaml"
    path.write_text("facts:\n" + entry * 2, encoding="utf-8")
    with pytest.raises(ValueError, match=r"dup\.yaml.*000\.x"):
        load_seed_facts(path)


def test_articles_exist(facts: dict[str, SeedFact]) -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"{SHARED_SEEDS} not present")
    for fact in facts.values():
        assert (SHARED_SEEDS / fact.article).is_file(), fact.id


def test_units_parse_with_pint(facts: dict[str, SeedFact]) -> None:
    ureg = _ureg()
    for fact in facts.values():
        assert (fact.figure is None) == (fact.unit is None), fact.id
        if fact.unit is not None:
            ureg.Quantity(fact.figure, fact.unit)


def test_each_article_has_three_facts(facts: dict[str, SeedFact]) -> None:
    per_article = Counter(f.id[:3] for f in facts.values())
    for number in ARTICLE_NUMBERS:
        assert per_article[number] >= 3, number


def test_key_figures(facts: dict[str, SeedFact]) -> None:
    first_gw = facts["004.first-gw-2h2026"]
    assert (first_gw.figure, first_gw.unit) == (1, "GW")
    assert first_gw.claim_date == datetime.date(2025, 9, 22)
    assert first_gw.kind == "claim"
    assert facts["003.gpu-10k-2025"].figure == 10000
    assert facts["003.gpu-10k-2025"].unit == "GPU"
    assert (facts["004.min-10-gw"].figure, facts["004.min-10-gw"].unit) == (10, "GW")
    assert facts["004.nvidia-invest-usd-100b"].figure == 100e9
    assert facts["004.weekly-users-700m"].unit == "user/week"


def test_meanings_are_not_copied(facts: dict[str, SeedFact]) -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"{SHARED_SEEDS} not present")
    runs: set[tuple[str, ...]] = set()
    for article in SHARED_SEEDS.glob("*.txt"):
        words = _words(article.read_text(encoding="utf-8"))
        runs.update(tuple(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1))
    assert len(runs) > 1000  # the guard has something to compare against
    for fact in facts.values():
        words = _words(fact.meaning)
        for i in range(len(words) - COPY_RUN + 1):
            assert tuple(words[i : i + COPY_RUN]) not in runs, (fact.id, words[i : i + COPY_RUN])
