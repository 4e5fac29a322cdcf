"""The reference class of data-centre builds: campuses and their dated power steps.

Reads a timeline CSV in the form of ``data/builds/build_timelines.csv`` (Epoch AI's
Frontier Data Centers hub and press, CC BY 4.0; one row per dated milestone per site)
and the archetype of each campus (``campus_archetypes.csv`` beside it). Per campus,
from Epoch's rows only if it has any (the press rows are then context, else every row
counts) and leaving out rows whose note says they were superseded:

- **start**: the earliest observed construction kickoff (first visible site work);
- **first operation**: the earliest observed ``first_operational`` row with facility
  MW; if none, the projected one of the latest vintage (source date; a blank date is
  the latest, late-2026 copy);
- **power steps**: observed ``power_threshold`` rows with facility MW after the first
  operation; projected ones (``power_threshold``, dated ``full_build_planned``) of the
  latest vintage;
- **last seen**: the latest source date of those rows (a campus with no observed first
  operation was still building then).

The archetype file may also give each campus's ``region`` (:data:`REGIONS`), a fact
its announcement states.

Months elapsed are days / 30.4375, as the dataset's README counts them.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

#: Days per month, as the dataset counts months elapsed [day/month].
DAYS_PER_MONTH = 30.4375

#: Regions a campus may be in (the reference class has north-america, asia and
#: middle-east campuses).
REGIONS = ("north-america", "south-america", "europe", "middle-east", "africa", "asia", "oceania")

#: Columns a timeline CSV must have.
COLUMNS = (
    "site_id",
    "site_name",
    "milestone",
    "value_mw",
    "power_basis",
    "date",
    "status",
    "source",
    "source_date",
    "note",
)

_EPOCH = "Epoch AI, Frontier Data Centers hub"
_LATEST = "9999-12-31"

#: A dated power level: (date, facility power [MW]).
Step = tuple[dt.date, float]


class ReferenceError(ValueError):
    """A timeline or archetype file that cannot be read; the message names file:line."""


@dataclass(frozen=True)
class Campus:
    """One campus of the reference class.

    Attributes
    ----------
    id, name, archetype : str
        Its key, name and builder archetype.
    start : datetime.date
        Construction start (first visible site work).
    first : (datetime.date, float) or None
        Observed first operation and its facility power [MW].
    steps : tuple of (datetime.date, float)
        Observed facility power [MW] after the first operation, by date.
    projected_first : (datetime.date, float) or None
        Projected first operation, when none is observed yet.
    projected_steps : tuple of (datetime.date, float)
        Projected later power levels [MW].
    region : str or None
        Its region (None: not given).
    last_seen : datetime.date or None
        The latest source date of its rows.
    """

    id: str
    name: str
    archetype: str
    start: dt.date
    first: Step | None
    steps: tuple[Step, ...]
    projected_first: Step | None
    projected_steps: tuple[Step, ...]
    region: str | None = None
    last_seen: dt.date | None = None

    def months(self, day: dt.date) -> float:
        """Months from the start to ``day`` [month]."""
        return (day - self.start).days / DAYS_PER_MONTH

    @property
    def largest_step(self) -> Step | None:
        """The observed step of the most power (the first date it was reached), if any."""
        if not self.steps:
            return None
        return max(self.steps, key=lambda step: (step[1], -step[0].toordinal()))


def default_path() -> Path:
    """The shipped timeline CSV: packaged in a wheel, else the repository's data/builds/."""
    from importlib import resources

    packaged = resources.files("capsim") / "_data" / "builds" / "build_timelines.csv"
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "builds" / "build_timelines.csv"


def read_campuses(path: str | Path | None = None, archetypes: str | Path | None = None):
    """The campuses of the timeline CSV ``path`` (default: the shipped one), in file order.

    ``archetypes`` (default: ``campus_archetypes.csv`` beside ``path``, else beside the
    shipped file) gives each campus's archetype (a campus without one is left out) and,
    in an optional ``region`` column, its region.

    Returns
    -------
    list of Campus
    """
    path = Path(path) if path is not None else default_path()
    if archetypes is None:
        archetypes = path.with_name("campus_archetypes.csv")
        if not archetypes.is_file():
            archetypes = default_path().with_name("campus_archetypes.csv")
    archetypes = Path(archetypes)
    kinds = {}
    for line, row in _rows(archetypes, ("site_id", "archetype")):
        region = (row.get("region") or "").strip() or None
        if region is not None and region not in REGIONS:
            raise ReferenceError(
                f"{archetypes}:{line}: region: expected one of {', '.join(REGIONS)}, "
                f"found {region!r}"
            )
        kinds[row["site_id"]] = (row["archetype"], region)
    by_site: dict[str, list[tuple[int, dict]]] = {}
    for line, row in _rows(path, COLUMNS):
        by_site.setdefault(row["site_id"], []).append((line, row))
    return [
        _campus(path, site, rows, *kinds[site]) for site, rows in by_site.items() if site in kinds
    ]


def _rows(path: Path, columns: tuple[str, ...]):
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in columns if column not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceError(
                    f"{path}:1:1: expected columns {', '.join(columns)}; "
                    f"missing {', '.join(missing)}"
                )
            rows = [(reader.line_num, row) for row in reader]
    except OSError as error:
        raise ReferenceError(f"{path}: cannot read: {error.strerror}") from None
    for line, row in rows:  # every row, used or not: a typo is a typo
        for key in ("date", "source_date"):
            if row.get(key):
                _date(path, line, row, key)
        if row.get("value_mw"):
            _megawatts(path, line, row)
    return rows


def _campus(
    path: Path, site: str, rows: list[tuple[int, dict]], archetype: str, region: str | None
) -> Campus:
    current = [(line, row) for line, row in rows if "supersed" not in row["note"].lower()]
    epoch = [(line, row) for line, row in current if row["source"].startswith(_EPOCH)] or current
    starts = [
        _date(path, line, row)
        for line, row in epoch
        if row["milestone"] == "construction_start" and row["status"] == "observed"
    ]
    if not starts:
        line = rows[0][0]
        raise ReferenceError(
            f"{path}:{line}: site {site!r}: expected an observed construction_start row"
        )
    powered = [
        (line, row)
        for line, row in epoch
        if row["power_basis"] == "facility" and row["value_mw"] and row["date"]
    ]
    observed = [(line, row) for line, row in powered if row["status"] == "observed"]
    firsts = [
        _step(path, line, row) for line, row in observed if row["milestone"] == "first_operational"
    ]
    first = min(firsts) if firsts else None
    steps = sorted(
        _step(path, line, row)
        for line, row in observed
        if row["milestone"] == "power_threshold" and (first is None or row["date"] > str(first[0]))
    )
    projected = [(line, row) for line, row in powered if row["status"] == "projected"]
    projected_first = None
    if first is None:
        candidates = [
            (line, row) for line, row in projected if row["milestone"] == "first_operational"
        ]
        if candidates:
            latest = max(row["source_date"] or _LATEST for _, row in candidates)
            projected_first = min(
                _step(path, line, row)
                for line, row in candidates
                if (row["source_date"] or _LATEST) == latest
            )
    later = [
        (line, row)
        for line, row in projected
        if row["milestone"] in ("power_threshold", "full_build_planned")
    ]
    if later:
        latest = max(row["source_date"] or _LATEST for _, row in later)
        later = [(line, row) for line, row in later if (row["source_date"] or _LATEST) == latest]
    seen = [_date(path, line, row, "source_date") for line, row in epoch if row["source_date"]]
    return Campus(
        id=site,
        name=rows[0][1]["site_name"],
        archetype=archetype,
        start=min(starts),
        first=first,
        steps=tuple(steps),
        projected_first=projected_first,
        projected_steps=tuple(sorted(_step(path, line, row) for line, row in later)),
        region=region,
        last_seen=max(seen) if seen else None,
    )


def _date(path: Path, line: int, row: dict, key: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(row[key])
    except ValueError:
        raise ReferenceError(
            f"{path}:{line}: {key}: expected YYYY-MM-DD, found {row[key]!r}"
        ) from None


def _megawatts(path: Path, line: int, row: dict) -> float:
    try:
        megawatts = float(row["value_mw"])
    except ValueError:
        megawatts = math.nan
    if not (math.isfinite(megawatts) and megawatts >= 0):
        raise ReferenceError(
            f"{path}:{line}: value_mw: expected a number of MW >= 0, found {row['value_mw']!r}"
        )
    return megawatts


def _step(path: Path, line: int, row: dict) -> Step:
    return _date(path, line, row), _megawatts(path, line, row)
