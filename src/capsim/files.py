"""Files written whole or not at all: into a temporary file beside the target, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def unwritable(path: str | Path) -> str | None:
    """Why ``path`` could not be written before any work is done (a folder on its way is a
    file; a file target is a folder), or None. Folders not there yet would be made."""
    target = Path(path)
    if target.suffix != ".zarr" and target.is_dir():
        return f"{target} is a folder"
    for folder in target.parents:
        if folder.exists():
            if not folder.is_dir():
                return f"{folder} is a file, not a folder"
            try:  # what a write would do: a temporary file beside the target
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as error:
                return f"cannot write in {folder} ({error.strerror or error})"
            return None
    return None


@contextmanager
def written_whole(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path`` in one step.

    If writing fails or is interrupted, ``path`` is untouched and nothing is left behind;
    an :class:`OSError` while writing (a full disk) names ``path``, not the temporary file.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OSError(error.errno, f"{reason}; nothing was written", str(target)) from None
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OSError(error.errno, f"{reason}; nothing was written", str(target)) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
