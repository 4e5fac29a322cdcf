"""Stopping a study cleanly: SIGTERM as an exception, and worker processes that start
whole and are stopped with the study.

Within :func:`sigterm_stops`, SIGTERM raises :class:`Terminated` in the main thread, so
``finally`` blocks run (temporary folders removed, locks released) and the process exits
with 143, as Ctrl-C raises ``KeyboardInterrupt`` (exit 130). While worker processes
start (:func:`starting_workers`) SIGTERM is held back until they have started, and
SIGINT is ignored, which the workers inherit: a Ctrl-C at the terminal reaches only the
main process, which stops the workers (:func:`stop_processes`). A Ctrl-C in the instant
the workers start is therefore lost (press it again); a SIGTERM never is.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class Terminated(SystemExit):
    """The process was sent SIGTERM: finally blocks run, then it exits with 143."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


class _Held:
    """Whether SIGTERM is held back, and whether one arrived meanwhile."""

    holding = False
    arrived = False


def _on_sigterm(signum, frame) -> None:
    if _Held.holding:
        _Held.arrived = True
        return
    raise Terminated


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (in the main thread only)."""
    if not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def starting_workers() -> Iterator[None]:
    """Start worker processes in the block: a SIGTERM waits until they have started
    (one half-started would print a traceback), and they inherit an ignored SIGINT."""
    if not _main_thread() or _Held.holding:
        yield
        return
    _Held.holding, _Held.arrived = True, False
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, interrupt)
        _Held.holding = False
    if _Held.arrived:
        _Held.arrived = False
        raise Terminated


def stop_processes(processes: Iterable) -> None:
    """Terminate ``processes`` (SIGTERM, then SIGKILL after 5 s) and wait for them."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
