"""The HTML report (self-contained, every section, embedded images) and ``compare``."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from builders import uncertain_chain
from capsim.cli.main import main
from capsim.report.html import SECTIONS
from capsim.scenario.io import dump_scenario


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    return path


def test_report_is_one_self_contained_file_with_every_section(scenario_file, tmp_path, capsys):
    output = tmp_path / "report.html"
    code = main(
        [
            "report",
            str(scenario_file),
            "-o",
            str(output),
            "--samples",
            "24",
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    assert code == 0
    assert f"wrote {output}" in capsys.readouterr().out
    text = output.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'id="{section}"' in text
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,[A-Za-z0-9+/=]+">', text)
    assert len(images) >= 4
    # No network requests: no external URLs in src or href attributes, no scripts.
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "<script" not in text
    assert "five-mw-2026q3" in text  # the claim, with its probability
    assert re.search(r'<td class="num">\d+%</td>', text)
    assert "capsim report" in text  # the command that reproduces it


def test_report_from_a_saved_study(scenario_file, tmp_path):
    store = tmp_path / "study.zarr"
    assert (
        main(
            [
                "run",
                str(scenario_file),
                "--samples",
                "16",
                "--workers",
                "1",
                "--no-progress",
                "-o",
                str(store),
            ]
        )
        == 0
    )
    output = tmp_path / "report.html"
    assert main(["report", str(store), "-o", str(output)]) == 0
    assert "16 Monte Carlo samples" in output.read_text(encoding="utf-8")


def test_report_rejects_a_wrong_output_name(scenario_file, tmp_path, capsys):
    assert main(["report", str(scenario_file), "-o", str(tmp_path / "report.pdf")]) == 2
    assert "-o takes an .html file" in capsys.readouterr().err


def test_compare_lists_input_differences_and_both_forecasts(scenario_file, tmp_path, capsys):
    other = tmp_path / "faster.yaml"
    text = scenario_file.read_text(encoding="utf-8")
    other.write_text(text.replace("name: chain", "name: faster"), encoding="utf-8")
    plot = tmp_path / "compare.png"
    code = main(["compare", str(scenario_file), str(other), "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "inputs that differ (chain | faster):\n  none" in out
    assert "five-mw" in out
    assert plot.read_bytes().startswith(b"\x89PNG")
    other.write_text(
        text.replace("name: chain", "name: faster").replace(
            "4000.0 stack/month", "4400.0 stack/month"
        ),
        encoding="utf-8",
    )
    assert main(["compare", str(scenario_file), str(other)]) == 0
    out = capsys.readouterr().out
    assert "hbm_vendors.v.capacity.HBM4" in out
    assert "mode=4400 stack / month" in out or "mode=4.4e+03" in out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_report_renders_in_headless_chromium(scenario_file, tmp_path):
    output = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                str(scenario_file),
                "-o",
                str(output),
                "--samples",
                "16",
                "--workers",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,3000",
            f"--screenshot={shot}",
            output.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib import image

    pixels = image.imread(shot)
    assert pixels.shape[:2] == (3000, 1200)
    # Rendered text and charts, not a blank page: many distinct colours, dark ink present.
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 200
    assert pixels[..., :3].min() < 0.2
