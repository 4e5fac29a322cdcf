"""capsim: discrete-event forecasts of AI compute build-outs.

The Python API in two calls::

    import capsim
    scenario = capsim.load_scenario("scenarios/openai-nvidia-10gw.yaml")
    result = capsim.simulate(scenario)  # an xarray.Dataset
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["load_scenario", "open_result", "save_result", "simulate"]

if TYPE_CHECKING:
    from capsim.results import open_result, save_result
    from capsim.scenario.loader import load_scenario
    from capsim.simulation import simulate

_LAZY = {
    "load_scenario": "capsim.scenario.loader",
    "simulate": "capsim.simulation",
    "open_result": "capsim.results",
    "save_result": "capsim.results",
}


def __getattr__(name: str):
    """Import the public functions on first use, so ``import capsim`` stays fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'capsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names too (they are imported on first use): tab completion offers them."""
    return sorted({*globals(), *__all__})
