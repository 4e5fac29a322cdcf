"""``--format table|csv|json``: what a command prints, for people or for programs.

``table`` (the default) is the text for reading; ``csv`` is the command's main table,
one header row (a column of numbers named with its unit, ``observed [package]``) then
one row per line, numbers to six significant figures; ``json`` is one document with
everything the command found (its answer and its tables, and its units). With csv or
json, standard output holds only that; lines such as "wrote FILE" go to standard error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

FORMATS = ("table", "csv", "json")


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    """``--format table|csv|json``."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table: text to read (default); csv: the main table; json: everything, for programs",
    )


def emit(
    arguments: argparse.Namespace,
    *,
    text: Callable[[], str],
    rows: Callable[[], Iterable[dict]],
    document: Callable[[], dict],
    units: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
) -> None:
    """Print the ``text``, the ``rows`` as CSV or the ``document`` as JSON, as
    ``arguments.format`` asks (each computed only when asked for); ``units`` names the
    unit of each column of ``rows`` that holds numbers with one (the CSV's header says
    it; a JSON document states its units itself); ``columns`` are the CSV's first
    columns, in its header even when there are no rows."""
    if arguments.format == "json":
        print(json.dumps(plain(document()), indent=2, allow_nan=False))
    elif arguments.format == "csv":
        write_csv(list(rows()), sys.stdout, units, columns)
    else:
        print(text())


def say(arguments: argparse.Namespace, message: str) -> None:
    """A line for the reader ("wrote FILE"): on standard output with the table format,
    on standard error otherwise, so that CSV and JSON stay whole."""
    print(message, file=sys.stdout if arguments.format == "table" else sys.stderr)


def write_csv(
    rows: list[dict],
    stream,
    units: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
) -> None:
    """``rows`` as CSV with a header of ``columns`` then every other key, in order of
    first appearance, a key in ``units`` named with its unit (``observed [package]``);
    numbers to six significant figures (``16.4271``, not ``16.427104722792606``: no
    figure here is known better, and the digits beyond are the arithmetic's)."""
    units = units or {}
    fields = list(dict.fromkeys([*columns, *(key for row in rows for key in row)]))
    header = {key: f"{key} [{units[key]}]" if key in units else key for key in fields}
    writer = csv.DictWriter(stream, fieldnames=list(header.values()), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({header[key]: _cell(value) for key, value in plain(row).items()})


def _cell(value):
    """A CSV cell: empty for None, a float to six significant figures."""
    if value is None:
        return ""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    return value


def plain(value):
    """``value`` with only what JSON holds: NumPy scalars and arrays as numbers and lists,
    dates as ISO text (NaT and non-finite numbers as null), paths as text."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray):
        return [plain(item) for item in value]
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)
