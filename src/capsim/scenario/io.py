"""Writing a validated scenario back to YAML (the resolved form, no ``extends``)."""

from __future__ import annotations

import json

import yaml

from capsim.scenario.document import Scenario


def scenario_to_data(scenario: Scenario) -> dict:
    """Plain data that validates back to an equal scenario."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML text."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(scenario_to_data(scenario), Dumper=dumper, sort_keys=False, width=100)


_JSON_CACHE: dict[int, tuple[Scenario, str]] = {}
_JSON_CACHE_SIZE = 8


def scenario_json(scenario: Scenario) -> str:
    """The scenario as JSON text (also valid YAML), remembered for the last few scenarios."""
    cached = _JSON_CACHE.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    text = json.dumps(scenario_to_data(scenario), indent=1)
    if len(_JSON_CACHE) >= _JSON_CACHE_SIZE:
        _JSON_CACHE.pop(next(iter(_JSON_CACHE)))
    _JSON_CACHE[id(scenario)] = (scenario, text)
    return text
