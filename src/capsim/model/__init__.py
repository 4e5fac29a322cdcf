"""The model: one run of a scenario as a SimPy world, and its outputs as plain arrays.

``capsim.model.run(scenario, draw=None) -> Outputs`` is the one function that runs it.
"""

from capsim.model.outputs import Outputs
from capsim.model.world import run

__all__ = ["Outputs", "run"]
