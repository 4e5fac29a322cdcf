"""Seed facts: structured figures from the five seed articles, cited as `seed:<id>`."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

KINDS = frozenset({"claim", "context"})


@dataclass(frozen=True)
class SeedFact:
    """One figure or checkable statement from a seed article."""

    id: str
    article: str
    claim_date: datetime.date
    figure: float | None
    unit: str | None
    meaning: str
    kind: str


def seed_facts_path() -> Path:
    """The shipped facts file: package data in a wheel, else the repository's seeds/."""
    packaged = resources.files("capsim") / "_data" / "facts.yaml"
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "seeds" / "facts.yaml"


#: libyaml's safe loader when PyYAML has it (ten times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(path: Path) -> dict[str, SeedFact]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        raise ValueError(f"{path}: expected a mapping with a 'facts' list")
    facts: dict[str, SeedFact] = {}
    for entry in data["facts"]:
        fact_id = str(entry.get("id"))
        try:
            date = entry["claim_date"]
            if isinstance(date, str):
                date = datetime.date.fromisoformat(date)
            if not isinstance(date, datetime.date):
                raise TypeError(f"claim_date must be an ISO date, got {date!r}")
            figure = entry.get("figure")
            fact = SeedFact(
                id=fact_id,
                article=str(entry["article"]),
                claim_date=date,
                figure=None if figure is None else float(figure),
                unit=None if entry.get("unit") is None else str(entry["unit"]),
                meaning=str(entry["meaning"]),
                kind=str(entry["kind"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: invalid seed fact {fact_id!r}: {exc}") from exc
        if fact.kind not in KINDS:
            raise ValueError(f"{path}: seed fact {fact_id!r} has unknown kind {fact.kind!r}")
        if fact_id in facts:
            raise ValueError(f"{path}: duplicate seed fact id {fact_id!r}")
        facts[fact_id] = fact
    return facts


@functools.lru_cache(maxsize=1)
def _default_facts() -> dict[str, SeedFact]:
    return _parse(seed_facts_path())


def load_seed_facts(path: str | Path | None = None) -> dict[str, SeedFact]:
    """Seed facts keyed by id; the default file is parsed once and cached."""
    if path is None:
        return dict(_default_facts())
    return _parse(Path(path))
