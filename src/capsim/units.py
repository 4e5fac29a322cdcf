"""capsim's unit registry for results: the units of its Datasets, for pint and pint-xarray.

Every ``units`` attribute of a capsim result (``package``, ``H100e``, ``USD``, ``W``,
``stack``, ``wafer``, ``FLOP/s``, ``1/month``, ...) parses in :data:`registry`::

    import pint_xarray  # noqa: F401  (registers the .pint accessor)
    from capsim.units import registry

    quantified = result.pint.quantify(unit_registry=registry)
    quantified["it_power_online"].pint.to("GW")

The registry holds arrays as arrays (``force_ndarray_like``), as pint-xarray requires.
"""

from __future__ import annotations

import pint

from capsim.scenario.units import UNIT_DEFINITIONS

#: pint's default units plus capsim's (:data:`capsim.scenario.units.UNIT_DEFINITIONS`).
registry = pint.UnitRegistry(force_ndarray_like=True)
for _definition in UNIT_DEFINITIONS:
    registry.define(_definition)
