"""Provenance: where a value comes from.

A source is one of: a seed fact (``seed:004.first-gw-2h2026``), a public source with
its date (``"TrendForce, 2024-12"``), an explicit ``assumption`` (optionally
``"assumption: why"``), or a calibration (``"calibrated against FILE (DATE)"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from capsim.scenario.problems import shown

SourceKind = Literal["seed", "public", "assumption", "calibrated"]
Confidence = Literal["H", "M", "L"]

_DATE_IN_TEXT = re.compile(r"\b(19|20)\d\d(-\d\d){0,2}\b")
_SEED = re.compile(r"^seed:(?P<id>\S+)$")


class SourceError(ValueError):
    """A source string that does not say where a value comes from."""


@dataclass(frozen=True)
class Source:
    """Where a value comes from; ``text`` is what the scenario wrote."""

    kind: SourceKind
    text: str

    @property
    def seed_id(self) -> str | None:
        """The seed fact id for ``seed:`` sources, else None."""
        return self.text.removeprefix("seed:") if self.kind == "seed" else None

    def __str__(self) -> str:
        return self.text


def parse_source(raw: object) -> Source:
    """Read a ``source:`` entry; raises :class:`SourceError` saying what is expected."""
    if not isinstance(raw, str) or not raw.strip():
        raise SourceError(
            "expected a source: 'seed:<id>', a public source with its date "
            f"(e.g. 'TrendForce, 2024-12') or 'assumption', found {shown(raw)}"
        )
    text = raw.strip()
    if _SEED.match(text):
        return Source("seed", text)
    if text.lower() == "assumption" or text.lower().startswith("assumption:"):
        return Source("assumption", text)
    if text.startswith("calibrated against"):
        return Source("calibrated", text)
    if not _DATE_IN_TEXT.search(text):
        raise SourceError(
            f"a public source needs its date (e.g. 'TrendForce, 2024-12'), found {text!r}"
        )
    return Source("public", text)
