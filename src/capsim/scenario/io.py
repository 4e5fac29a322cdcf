"""Writing a validated scenario back to YAML (the resolved form, no ``extends``)."""

from __future__ import annotations

import io

from ruamel.yaml import YAML

from capsim.scenario.document import Scenario


def scenario_to_data(scenario: Scenario) -> dict:
    """Plain data that validates back to an equal scenario."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_none=True)


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML text."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(scenario_to_data(scenario), stream)
    return stream.getvalue()
