"""What ``capsim run`` prints: the answer first, then the tables, each saying its scope."""

from __future__ import annotations

import argparse

import xarray as xr

from capsim.analysis.answer import answer, focus_programmes, format_answer
from capsim.analysis.contention import contention, format_contention
from capsim.analysis.summary import (
    binding_by_period,
    format_bindings,
    format_timeline,
    quarterly_timeline,
    timeline_scope,
)
from capsim.analysis.uncertainty import binding_by_year, format_binding_mix
from capsim.cli.output import emit
from capsim.scenario.document import Scenario


def show_run(scenario: Scenario, result: xr.Dataset, arguments: argparse.Namespace) -> None:
    """A central run: the answer, the quarterly tables of the programmes the milestones
    are about and of the world, the binding inputs by quarter, and who took them."""
    found = answer(scenario, central=result)
    scopes = [*focus_programmes(scenario), None]

    def text() -> str:
        blocks = [
            f"{scenario.name}: deterministic run at central values, "
            f"{result.sizes['time']} months from {str(result.time.values[0])[:10]}",
            format_answer(found),
            *(format_timeline(result, programme) for programme in scopes),
            format_bindings(result),
            format_contention(result),
        ]
        return "\n\n".join(block for block in blocks if block)

    def rows() -> list[dict]:
        return [
            {"scope": timeline_scope(result, programme), **row}
            for programme in scopes
            for row in quarterly_timeline(result, programme)
        ]

    def document() -> dict:
        return {
            "scenario": scenario.name,
            "run": "central values",
            "answer": found.to_dict(),
            "quarterly": [
                {
                    "scope": timeline_scope(result, programme),
                    "units": _UNITS,
                    "rows": quarterly_timeline(result, programme),
                }
                for programme in scopes
            ],
            "binding_by_quarter": {
                "product": binding_by_period(result, "binding_input", "product"),
                "programme": binding_by_period(result, "programme_binding", "programme"),
            },
            "contention": [vars(entry) for entry in contention(result)],
        }

    emit(arguments, text=text, rows=rows, document=document, units=_UNITS)


#: Units of the quarterly table's columns.
_UNITS = {
    "produced_k": "thousand package",
    "delivered_k": "thousand package",
    "installed_k": "thousand package",
    "stranded_k": "thousand package",
    "it_gw": "GW",
    "facility_gw": "GW",
    "h100e_m": "million H100e",
}


def show_study(
    scenario: Scenario,
    study: xr.Dataset,
    central: xr.Dataset | None,
    arguments: argparse.Namespace,
) -> None:
    """A Monte Carlo study: the answer (with the central run beside it), the samples
    that failed, and what binds each programme year by year."""
    from capsim.sweep.store import sample_counts, samples_note

    found = answer(scenario, central=central, study=study)
    finished, failed, total = sample_counts(study)

    def text() -> str:
        parts = [format_answer(found), format_binding_mix(study)]
        if failed or finished < total:  # else the answer's heading says the count
            parts.insert(0, samples_note(study))
        return "\n\n".join(parts)

    def rows() -> list[dict]:
        return [vars(row) for row in found.milestones]

    def document() -> dict:
        return {
            "scenario": scenario.name,
            "samples": study.sizes["sample"],
            "finished": finished,
            "failed": failed,
            "answer": found.to_dict(),
            "binding_by_year": {
                programme: [
                    {"year": year, "input": label, "share": share} for year, label, share in rows
                ]
                for programme, rows in binding_by_year(study).items()
            },
        }

    emit(arguments, text=text, rows=rows, document=document)
