"""Charts a command draws to a file: no window (the Agg backend, whatever MPLBACKEND
says), written whole or not at all, the figure closed afterwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def write_chart(draw: Callable[[], object], path: Path, dpi: float = 150) -> None:
    """Call ``draw`` (it returns a matplotlib Figure) and write the figure to ``path`` in
    the format of its suffix at ``dpi`` [dot/inch]."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from capsim.plots.style import save_figure

    figure = draw()
    try:
        save_figure(figure, path, dpi=dpi)
    finally:
        plt.close(figure)
