"""Bad options and hostile files on the command line: one clear message, exit 2, no
traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import uncertain_chain
from capsim.cli.main import main
from capsim.scenario.io import dump_scenario
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo
from clitools import cli, refused


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    scenario = folder / "chain.yaml"
    scenario.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    study = folder / "study.zarr"
    monte_carlo(
        uncertain_chain(), 4, seed=1, store=study, execution=Execution(workers=1, progress=False)
    )
    return {"folder": folder, "scenario": scenario, "study": study}


def test_plot_dpi_out_of_range(files, capsys):
    line = refused(capsys, "plot", files["study"], "--kind", "fan", "-o", "x.png", "--dpi", 0)
    assert line == "error: --dpi must be from 1 to 1200 dots per inch, found 0"


def test_plot_sweep_without_its_milestone(files, capsys):
    line = refused(capsys, "plot", files["study"], "--kind", "sweep", "-o", "x.png")
    assert line == "error: --kind sweep needs --milestone"


def test_morris_with_too_few_trajectories(files, capsys):
    line = refused(
        capsys,
        *("sensitivity", files["scenario"], "--method", "morris", "--trajectories", 0),
        *("--output", "milestone:five-mw", "--workers", 1),
    )
    assert line == "error: --trajectories must be >= 2, found 0"


def _damaged_metadata(copy: Path) -> None:
    (copy / ".zmetadata").write_text("{not json", encoding="utf-8")


def _damaged_chunk(copy: Path) -> None:
    for chunk in (copy / "it_power_online").glob("0.*"):
        chunk.write_bytes(b"garbage")


@pytest.mark.parametrize(
    "case",
    [
        (_damaged_metadata, "not a capsim study store (no study metadata)"),
        (_damaged_chunk, "a damaged study store (RuntimeError: error during blosc"),
    ],
    ids=["metadata", "chunk"],
)
@pytest.mark.parametrize("command", ["report", "plot"])
def test_reading_a_corrupt_store(files, tmp_path, capsys, case, command):
    import shutil

    damage, message = case
    copy = tmp_path / "copy.zarr"
    shutil.copytree(files["study"], copy)
    damage(copy)
    output = tmp_path / ("out.html" if command == "report" else "out.png")
    extra = ["--kind", "fan"] if command == "plot" else []
    line = refused(capsys, command, copy, *extra, "-o", output)
    assert line.startswith(f"error: {copy}: {message}")
    assert not output.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\xd0\xff binary", "expected a CSV text file (UTF-8)"),
        (b"start: 2026-01-01\nvalues: [1, 2]\n", "expected 1 column(s) as in the header, found 2"),
    ],
    ids=["binary", "yaml"],
)
def test_calibrate_against_a_file_that_is_not_csv(files, tmp_path, capsys, content, message):
    against = tmp_path / "observed.dat"
    against.write_bytes(content)
    line = refused(
        capsys, "calibrate", files["scenario"], "--against", against, "--fit", "products.p.tdp"
    )
    assert line.startswith(f"error: {against}:")
    assert message in line


def test_hindcast_against_observed_zeros_has_no_relative_error(files, tmp_path, capsys):
    observed = tmp_path / "zeros.csv"
    observed.write_text(
        "start,end,value\n2026-04-01,2026-06-30,0\n2026-07-01,2026-09-30,0\n", encoding="utf-8"
    )
    code, out, err = cli(
        capsys,
        *("hindcast", files["scenario"], "--shipments", observed, "--designer", "d"),
        *("--samples", 2, "--workers", 1, "--no-progress"),
    )
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith(("2026Q2", "2026Q3", "2026 "))]
    assert len(rows) == 3
    assert all(" n/a " in row for row in rows)


def test_hindcast_names_the_periods_it_leaves_out(files, tmp_path, capsys):
    # The scenario's horizon starts 2026-01 and the first 3 months are spin-up: 2025Q4
    # lies before the horizon and 2026Q1 in the spin-up; only 2026Q2 is compared.
    observed = tmp_path / "shipments.csv"
    observed.write_text(
        "start,end,value\n2025-10-01,2025-12-31,5\n2026-01-01,2026-03-31,5\n"
        "2026-04-01,2026-06-30,5\n",
        encoding="utf-8",
    )
    code, out, err = cli(
        capsys,
        *("hindcast", files["scenario"], "--shipments", observed, "--designer", "d"),
        *("--samples", 2, "--workers", 1, "--no-progress"),
    )
    assert code == 0, err
    note = next(line for line in out.splitlines() if line.startswith("note:"))
    assert note.startswith(f"note: 2 of 3 periods of {observed} are left out")
    assert note.endswith(": 2025Q4, 2026Q1")
    assert [line[:6] for line in out.splitlines() if line.startswith("2026Q")] == ["2026Q2"]


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["run", "{scenario}", "--samples", 2, "-o", "{out}.csv"], ".zarr store or a .nc file"),
        (["run", "{scenario}", "--deterministic", "-o", "{out}.txt"], ".nc file (NetCDF)"),
        (
            ["sweep", "{scenario}", "--vary", "products.p.tdp=900 W:1100 W", "-o", "{out}.csv"],
            ".zarr store or a .nc file",
        ),
        (
            ["sensitivity", "{scenario}", "--output", "milestone:five-mw", "-o", "{out}.txt"],
            ".nc file (NetCDF)",
        ),
    ],
    ids=["run", "deterministic", "sweep", "sensitivity"],
)
def test_output_suffix_the_command_does_not_write(files, tmp_path, capsys, argv, allowed):
    out = tmp_path / "result"
    argv = [str(a).format(scenario=files["scenario"], out=out) for a in argv]
    line = refused(capsys, *argv, "--workers", 1)
    assert allowed in line
    assert list(tmp_path.iterdir()) == []


def test_compare_refuses_zero_samples_like_run(files, capsys):
    scenario = files["scenario"]
    compare = refused(capsys, "compare", scenario, scenario, "--samples", 0)
    run = refused(capsys, "run", scenario, "--samples", 0)
    assert compare == run == "error: --samples must be >= 1, found 0"


def test_a_full_disk_while_drawing_leaves_the_old_chart(files, tmp_path, capsys, monkeypatch):
    import errno
    import os

    from matplotlib.figure import Figure

    chart = tmp_path / "fan.png"
    chart.write_bytes(b"the previous chart")

    def half_written(self, path, **options):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Figure, "savefig", half_written)
    line = refused(capsys, "plot", files["study"], "--kind", "fan", "-o", chart)
    assert line == f"error: {chart}: No space left on device; nothing was written"
    assert chart.read_bytes() == b"the previous chart"
    assert [p.name for p in tmp_path.iterdir()] == ["fan.png"]


def test_grid_points_with_another_design_are_refused(files, capsys):
    # ':3' would be ignored by an lhs design (it runs --points, 16 by default)
    vary = "sites.s.power.grid.wait=2 months:10 months:3"
    line = refused(capsys, "sweep", files["scenario"], "--vary", vary, "--design", "lhs")
    assert line == f"error: --vary {vary}: ':N' sets a grid's points; with --design lhs give " + (
        "--points N"
    )


def test_samples_above_a_scenarios_limit_are_refused_on_the_command_line(capsys, tmp_path):
    """A scenario may ask for at most 1,000,000 samples; so may the command line, before
    anything is sampled (the store of 10 million samples would not fit in memory)."""
    path = tmp_path / "s.yaml"
    path.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    code = main(["run", str(path), "--samples", "10000000", "--no-progress"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "error: --samples must be <= 1,000,000, found 10,000,000"
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        # a scenario's seed must be >= 0; the command line took -1
        (["run", "--seed", "-1"], "argument --seed: expected a whole number >= 0, found '-1'"),
        (
            ["sensitivity", "--method", "tornado", "--output", "milestone:five-mw", "--top", "0"],
            "argument --top: expected a whole number >= 1, found '0'",
        ),  # an empty table before
    ],
)
def test_seeds_and_row_counts_out_of_range_are_usage_errors(files, capsys, argv, says):
    command, *options = argv
    with pytest.raises(SystemExit) as stopped:
        main([command, str(files["scenario"]), *options])
    assert stopped.value.code == 2
    assert says in capsys.readouterr().err


def test_an_output_that_cannot_be_written_is_refused_before_the_run(files, capsys, monkeypatch):
    # a folder on the way is a file: refused at once (before, after the whole run)
    import capsim.simulation

    def never(*_args, **_kwargs):
        raise AssertionError("the model ran")

    monkeypatch.setattr(capsim.simulation, "simulate", never)
    below_a_file = files["scenario"] / "out.nc"
    line = refused(capsys, "run", files["scenario"], "--deterministic", "-o", below_a_file)
    assert line == f"error: -o {below_a_file}: {files['scenario']} is a file, not a folder; " + (
        "nothing was run"
    )


def test_an_output_folder_that_takes_no_files_is_refused_before_the_run(
    files, tmp_path, capsys, monkeypatch
):
    # the folder exists but nothing can be created in it (read-only, /proc): refused at
    # once, naming the folder (before, after the whole run, naming a temporary file)
    import errno
    import os

    import capsim.files
    import capsim.simulation

    def never(*_args, **_kwargs):
        raise AssertionError("the model ran")

    def refuses(*_args, **_kwargs):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(capsim.simulation, "simulate", never)
    monkeypatch.setattr(capsim.files.tempfile, "TemporaryFile", refuses)
    monkeypatch.setattr(capsim.files.tempfile, "mkstemp", refuses)
    output = tmp_path / "out.nc"
    line = refused(capsys, "run", files["scenario"], "--deterministic", "-o", output)
    assert line == f"error: -o {output}: cannot write in {tmp_path} (Permission denied); " + (
        "nothing was run"
    )
    # a chart too is refused before it is drawn, naming its option
    chart = tmp_path / "fan.png"
    line = refused(capsys, "plot", files["study"], "--kind", "fan", "-o", chart)
    assert line == f"error: -o {chart}: cannot write in {tmp_path} (Permission denied); " + (
        "nothing was run"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["sensitivity", "SCENARIO", "--output", "milestone:five-mw", "-o"], "-o"),
        (["sweep", "SCENARIO", "--vary", "products.p.tdp=900 W:1100 W:2", "-o"], "-o"),
        (["hindcast", "SCENARIO", "--shipments", "SCENARIO", "--designer", "d", "-o"], "-o"),
        (
            ["backtest", "SCENARIO", "--shipments", "SCENARIO", "--designer", "d", "--plot"],
            "--plot",
        ),
        (["builds-check", "--plot"], "--plot"),
        (["calibrate", "SCENARIO", "--against", "SCENARIO", "--fit", "products.p.tdp", "-o"], "-o"),
        (["compare", "SCENARIO", "SCENARIO", "--plot"], "--plot"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_every_command_refuses_an_output_it_cannot_write_before_it_works(
    files, capsys, monkeypatch, argv, flag
):
    # A study can take minutes (a grouped Sobol' 329 s): a file it could not write was
    # found only at the end, the work lost. Every option naming a file a command writes
    # is checked first, as run's -o was.
    import capsim.cli.main

    def never(_arguments):
        raise AssertionError("the command ran")

    monkeypatch.setattr(capsim.cli.main, "allowing", never)  # the handler's first step
    target = files["scenario"] / "out.png"  # below a file: no folder can be made there
    argv = [files["scenario"] if word == "SCENARIO" else word for word in argv]
    line = refused(capsys, *argv, target)
    assert line == f"error: {flag} {target}: {files['scenario']} is a file, not a folder; " + (
        "nothing was run"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["hindcast", "SCENARIO", "--shipments"],
        ["backtest", "SCENARIO", "--shipments"],
        ["calibrate", "SCENARIO", "--fit", "products.p.tdp", "--against"],
        ["hindcast", "SCENARIO", "--timeline"],
        ["builds-check", "--archetypes"],
    ],
    ids=lambda argv: f"{argv[0]} {argv[-1]}",
)
def test_a_data_file_not_there_is_named_by_its_option(files, capsys, argv):
    # was "error: nope.csv: No such file or directory", the option left to guess
    missing = files["folder"] / "nope.csv"
    argv = [files["scenario"] if word == "SCENARIO" else word for word in argv]
    line = refused(capsys, *argv, missing)
    assert line == f"error: {argv[-1]} {missing}: no such file"


def test_a_timeline_not_there_is_named(files, capsys):
    missing = files["folder"] / "nope.csv"
    assert refused(capsys, "builds-check", missing) == f"error: timeline {missing}: no such file"
