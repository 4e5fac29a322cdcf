"""Every notebook runs top to bottom (small sample counts), is stored without outputs,
opens with a question and ends with an answer built from the numbers it computed."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]
# A number as printed in an answer: a date (2027-07-11), a percentage (38%), a count.
NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d[\d,.]*")


def test_the_five_notebooks_are_shipped():
    assert IDS == [
        "01-quickstart",
        "02-openai-nvidia-10gw",
        "03-sensitivity",
        "04-korea-10k",
        "05-contention",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_opens_with_a_question(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.rstrip().endswith("?")


def text_of(cell) -> str:
    """Everything a code cell showed: streams and rich (markdown or plain) results."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            data = output["data"]
            parts.append(data.get("text/markdown", data.get("text/plain", "")))
    return "\n".join(parts)


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=IDS)
def executed(request):
    notebook = nbformat.read(request.param, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(request.param.parent)}},
    )
    client.execute()
    return notebook


def test_runs_top_to_bottom_without_warnings(executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    errors = [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    stderr = [
        output.text
        for cell in code
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert not any("Warning" in text for text in stderr), stderr
    figures = [
        output for cell in code for output in cell.outputs if "image/png" in output.get("data", {})
    ]
    assert figures, "each notebook draws at least one chart"


def test_ends_with_an_answer_from_computed_numbers(executed):
    last = executed.cells[-1]
    assert last.cell_type == "code"
    answer = text_of(last)
    assert "P50" in answer or "%" in answer, answer
    # At least one number in the answer appears nowhere in the cell's source: it was
    # computed by the notebook, not typed into the sentence.
    computed = [number for number in NUMBER.findall(answer) if number not in last.source]
    assert computed, answer
