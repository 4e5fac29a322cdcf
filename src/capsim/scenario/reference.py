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

The archetype file gives each campus's archetype (:data:`ARCHETYPES`), once, and may
also give its ``region`` (:data:`REGIONS`), a fact its announcement states.

Every row of both files is checked, used or not: UTF-8 text (a byte-order mark is
allowed), as many cells as the header, the coded columns of the timeline among the
values its README lists (:data:`MILESTONES`, :data:`STATUSES`, :data:`POWER_BASES`,
:data:`DATE_PRECISIONS`), dates as YYYY-MM-DD and power from 0 to :data:`MAX_MW`; and a
campus's first operation after its construction start. A file that breaks one is a
:class:`ReferenceError` naming its line.

Months elapsed are days / 30.4375, as the dataset's README counts them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

from capsim.scenario.dates import iso_day
from capsim.scenario.yamlsource import MAX_DATA_BYTES, read_regular_file

#: Days per month, as the dataset counts months elapsed [day/month].
DAYS_PER_MONTH = 30.4375

#: Regions a campus may be in (the reference class has north-america, asia and
#: middle-east campuses).
REGIONS = ("north-america", "south-america", "europe", "middle-east", "africa", "asia", "oceania")

#: Builder archetypes a campus may have (:mod:`capsim.scenario.archetypes` fits each).
ARCHETYPES = ("greenfield", "fast-track", "retrofit")

#: Milestones a timeline row may date (data/builds/README.md).
MILESTONES = (
    "announced",
    "land_clearing",
    "construction_start",
    "first_building_roofed",
    "first_energised",
    "first_operational",
    "power_threshold",
    "full_build_planned",
    "full_build",
)
#: Statuses of a timeline row: it had happened by the source's date, or was forecast.
STATUSES = ("observed", "projected")
#: What a row's value_mw measures (blank on a row without one).
POWER_BASES = ("facility", "it", "unknown")
#: How precise a row's date is (optional column; blank on a row without a date).
DATE_PRECISIONS = ("day", "month", "quarter", "year")
#: The most power one campus may have [MW]: 100 GW, far above any campus planned.
MAX_MW = 100_000

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
    shipped file) gives each campus's archetype (a campus without one is left out; none
    at all is an error) and, in an optional ``region`` column, its region.

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
    kinds = _archetypes(archetypes)
    by_site: dict[str, list[tuple[int, dict]]] = {}
    for line, row in _rows(path, COLUMNS):
        _check_row(path, line, row)
        by_site.setdefault(row["site_id"], []).append((line, row))
    if not by_site.keys() & kinds.keys():
        sites = ", ".join(repr(site) for site in list(by_site)[:3])
        raise ReferenceError(
            f"{archetypes}: site_id: expected an archetype for a campus of {path} "
            f"({sites}{', ...' * (len(by_site) > 3)}), found none"
        )
    return [
        _campus(path, site, rows, *kinds[site]) for site, rows in by_site.items() if site in kinds
    ]


def _archetypes(path: Path) -> dict[str, tuple[str, str | None]]:
    """The archetype and region (None: not given) of each site_id of the file ``path``."""
    kinds: dict[str, tuple[str, str | None]] = {}
    lines: dict[str, int] = {}
    for line, row in _rows(path, ("site_id", "archetype")):
        site = row["site_id"]
        if not site:
            raise ReferenceError(f"{path}:{line}: site_id: expected a campus key, found ''")
        if site in lines:
            raise ReferenceError(
                f"{path}:{line}: site_id: expected each campus once, found {site!r} again "
                f"(first on line {lines[site]})"
            )
        _choice(path, line, row, "archetype", ARCHETYPES)
        region = (row.get("region") or "").strip() or None
        if region is not None and region not in REGIONS:
            raise ReferenceError(
                f"{path}:{line}: region: expected one of {', '.join(REGIONS)}, found {region!r}"
            )
        kinds[site] = (row["archetype"], region)
        lines[site] = line
    return kinds


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The data rows of the CSV ``path`` with the line each starts on: at least one, each
    of as many cells as the header, which has ``columns``."""
    records = csv.reader(io.StringIO(_text(path), newline=""))
    rows = []
    try:
        header = next(records, [])
        missing = [column for column in columns if column not in header]
        if missing:
            raise ReferenceError(
                f"{path}:1:1: expected columns {', '.join(columns)}; missing {', '.join(missing)}"
            )
        line = records.line_num + 1
        for cells in records:
            if cells and len(cells) != len(header):
                raise ReferenceError(
                    f"{path}:{line}: expected {len(header)} columns, found {len(cells)}"
                )
            if cells:  # a blank line is no row
                rows.append((line, dict(zip(header, cells, strict=True))))
            line = records.line_num + 1
    except csv.Error as error:
        raise ReferenceError(f"{path}:{records.line_num}: {error}") from None
    if not rows:
        raise ReferenceError(f"{path}: expected rows after the header, found none")
    return rows


def _text(path: Path) -> str:
    """The text of ``path``: UTF-8, after a byte-order mark if it has one."""
    try:
        data = read_regular_file(path, MAX_DATA_BYTES, "a timeline CSV file")
    except OSError as error:
        raise ReferenceError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = error.start
        line = data.count(b"\n", 0, bad) + 1
        column = len(data[data.rfind(b"\n", 0, bad) + 1 : bad].decode("utf-8-sig")) + 1
        raise ReferenceError(
            f"{path}:{line}:{column}: expected UTF-8 text, found byte 0x{data[bad]:02x}"
        ) from None


def _check_row(path: Path, line: int, row: dict) -> None:
    """Check one timeline row, used or not: a typo is a typo."""
    if not row["site_id"]:
        raise ReferenceError(f"{path}:{line}: site_id: expected a campus key, found ''")
    _choice(path, line, row, "milestone", MILESTONES)
    _choice(path, line, row, "status", STATUSES)
    _choice(path, line, row, "power_basis", POWER_BASES, blank_unless="value_mw")
    if "date_precision" in row:
        _choice(path, line, row, "date_precision", DATE_PRECISIONS, blank_unless="date")
    for key in ("date", "source_date"):
        if row[key]:
            _date(path, line, row, key)
    if row["value_mw"]:
        _megawatts(path, line, row)


def _choice(
    path: Path, line: int, row: dict, key: str, allowed: tuple[str, ...], *, blank_unless: str = ""
) -> None:
    """Check that ``row[key]`` is one of ``allowed`` (or blank where ``row[blank_unless]``
    is, if given)."""
    value = row[key]
    if value in allowed or (blank_unless and not value and not row[blank_unless]):
        return
    where = f" (or blank where {blank_unless} is)" if blank_unless else ""
    raise ReferenceError(
        f"{path}:{line}: {key}: expected one of {', '.join(allowed)}{where}, found {value!r}"
    )


def _campus(
    path: Path, site: str, rows: list[tuple[int, dict]], archetype: str, region: str | None
) -> Campus:
    current = [(line, row) for line, row in rows if "supersed" not in row["note"].lower()]
    epoch = [(line, row) for line, row in current if row["source"].startswith(_EPOCH)] or current
    starts = [
        (_date(path, line, row), line)
        for line, row in epoch
        if row["milestone"] == "construction_start" and row["status"] == "observed"
    ]
    if not starts:
        line = rows[0][0]
        raise ReferenceError(
            f"{path}:{line}: site {site!r}: expected an observed construction_start row"
        )
    start = min(starts)
    powered = [
        (line, row)
        for line, row in epoch
        if row["power_basis"] == "facility" and row["value_mw"] and row["date"]
    ]
    observed = [(line, row) for line, row in powered if row["status"] == "observed"]
    firsts = [
        (_step(path, line, row), line)
        for line, row in observed
        if row["milestone"] == "first_operational"
    ]
    first = _after(path, start, min(firsts)) if firsts else None
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
            projected_first = _after(
                path,
                start,
                min(
                    (_step(path, line, row), line)
                    for line, row in candidates
                    if (row["source_date"] or _LATEST) == latest
                ),
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
        start=start[0],
        first=first,
        steps=tuple(steps),
        projected_first=projected_first,
        projected_steps=tuple(sorted(_step(path, line, row) for line, row in later)),
        region=region,
        last_seen=max(seen) if seen else None,
    )


def _after(path: Path, start: tuple[dt.date, int], first: tuple[Step, int]) -> Step:
    """The first operation ``first`` (and its line) if after the construction ``start``
    (and its line)."""
    (day, megawatts), line = first
    if day <= start[0]:
        raise ReferenceError(
            f"{path}:{line}: date: expected a first operation after the construction start "
            f"{start[0]} (line {start[1]}), found '{day}'"
        )
    return day, megawatts


def _date(path: Path, line: int, row: dict, key: str = "date") -> dt.date:
    day = iso_day(row[key])
    if day is None:
        raise ReferenceError(f"{path}:{line}: {key}: expected YYYY-MM-DD, found {row[key]!r}")
    return day


def _megawatts(path: Path, line: int, row: dict) -> float:
    try:
        megawatts = float(row["value_mw"])
    except ValueError:
        megawatts = math.nan
    if not (math.isfinite(megawatts) and megawatts >= 0):
        raise ReferenceError(
            f"{path}:{line}: value_mw: expected a number of MW >= 0, found {row['value_mw']!r}"
        )
    if megawatts > MAX_MW:
        raise ReferenceError(
            f"{path}:{line}: value_mw: expected at most {MAX_MW} MW, found {row['value_mw']!r}"
        )
    return megawatts


def _step(path: Path, line: int, row: dict) -> Step:
    return _date(path, line, row), _megawatts(path, line, row)
