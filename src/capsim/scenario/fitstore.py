"""Fits kept in the user's cache folder between processes.

Fitting the shipped builder archetypes takes a few tenths of a second and imports
``scipy.optimize`` (about half a second more), on the first load in every process of a
scenario that uses them. A fit is stored as JSON under a key that hashes everything it
depends on (the data files, the fitting code's source files, the versions of the
libraries it calls), so a changed input is fitted afresh, never read stale. Floats
survive JSON exactly, so a stored fit equals a fresh one. Any trouble with the folder
(unwritable, a damaged file) only means fitting without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any


def key(files: Iterable[Path], *extra: str) -> str:
    """A hex digest of the bytes of ``files`` (in order), the ``extra`` texts and the
    versions of numpy and scipy."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(Path(path).read_bytes())
        digest.update(b"\0")
    for text in (*extra, *_versions()):
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def _versions() -> tuple[str, str]:
    """The installed numpy and scipy versions (read once: each lookup scans the
    installed distributions)."""
    return metadata.version("numpy"), metadata.version("scipy")


def load(name: str, digest: str) -> Any | None:
    """The value stored as ``name`` under ``digest``, or None (never stored, or
    unreadable)."""
    try:
        text = _path(name, digest).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, ValueError):
        return None


def save(name: str, digest: str, value: Any) -> None:
    """Store ``value`` (JSON-able) as ``name`` under ``digest``, written whole (readers
    never see part of it); nothing when the folder cannot be written."""
    with contextlib.suppress(OSError):
        path = _path(name, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".fit-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(value, out)
            os.replace(scratch, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(scratch)


def _path(name: str, digest: str) -> Path:
    """Where ``name`` under ``digest`` is kept."""
    import platformdirs

    folder = platformdirs.user_cache_path("capsim", appauthor=False) / "fits"
    return folder / f"{name}-{digest}.json"
