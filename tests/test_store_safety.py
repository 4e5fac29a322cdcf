"""Study stores lose nothing and leak nothing: interrupted studies read as unfinished,
resume refuses another study, no folder is deleted unless it is a study and the user
asks, one writer at a time, files whole or not at all on a full disk, and signals
stop the workers and remove temporary folders."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from builders import uncertain_chain
from capsim.analysis.uncertainty import milestone_quantiles
from capsim.cli.main import main
from capsim.scenario.io import dump_scenario
from capsim.sweep import runner, store
from capsim.sweep.runner import Execution, StudyMismatch
from capsim.sweep.sample import NO_CODE
from capsim.sweep.study import monte_carlo

SERIAL = Execution(workers=1, chunk=4, progress=False)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``capsim ARGV`` in-process: exit code, stdout, stderr (never a traceback)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def scenario_file(tmp_path: Path, **changes) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(dump_scenario(uncertain_chain(**changes)), encoding="utf-8")
    return path


def interrupted(tmp_path: Path, samples: int, finished_chunks: int) -> Path:
    """A store of ``samples`` whose study was stopped (Ctrl-C) after ``finished_chunks``."""
    real = runner._execute

    def stopping(*args):
        for count, item in enumerate(real(*args)):
            if count == finished_chunks:
                raise KeyboardInterrupt
            yield item

    path = tmp_path / "interrupted.zarr"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_execute", stopping)
        with pytest.raises(KeyboardInterrupt):
            monte_carlo(uncertain_chain(), samples, seed=3, store=path, execution=SERIAL)
    return path


def test_an_interrupted_study_reads_its_unfinished_samples_as_missing(tmp_path, capsys):
    path = interrupted(tmp_path, samples=12, finished_chunks=1)
    raw = xr.open_zarr(path, consolidated=True)
    # On disk: unfinished dates are the store's fill value (NaT), not 1970-01-01.
    assert np.isnat(raw.milestone_date.values[4:]).all()
    np.testing.assert_array_equal(raw.finished.values, [True] * 4 + [False] * 8)
    study = store.load_study(path)
    assert (study.programme_binding.values[4:] == NO_CODE).all()
    assert not study.claim_met.values[4:].any()
    assert np.isnan(study.it_power_online.values[4:]).all()
    # Statistics are those of the four samples that ran: the same four, run alone
    # (every sample's inputs come from its index and the seed only).
    alone = monte_carlo(uncertain_chain(), 4, seed=3, execution=SERIAL)
    xr.testing.assert_identical(milestone_quantiles(study), milestone_quantiles(alone))
    assert store.samples_note(study) == "4 of 12 Monte Carlo samples finished (study interrupted)"
    from capsim.plots import plot_milestone

    ax = plot_milestone(study, milestone="five-mw")
    assert "4 of 12 Monte Carlo samples finished" in ax.get_title(loc="left")
    code, _, err = cli(capsys, "report", path, "-o", tmp_path / "report.html")
    assert code == 0, err
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "4 of 12 Monte Carlo samples finished (study interrupted)" in report


def test_a_report_of_a_study_stopped_before_any_sample_finished_says_so(tmp_path, capsys):
    # Stopped before its first chunk: one message naming the store and what it holds,
    # exit 2, no report file (before, a traceback from the fan chart).
    path = interrupted(tmp_path, samples=8, finished_chunks=0)
    code, _, err = cli(capsys, "report", path, "-o", tmp_path / "report.html")
    assert code == 2
    assert f"{path}: 0 of 8 Monte Carlo samples finished (study interrupted)" in err
    assert not (tmp_path / "report.html").exists()


def test_a_report_takes_a_study_saved_as_netcdf_not_a_single_run(tmp_path, capsys):
    scenario = scenario_file(tmp_path)
    study, run = tmp_path / "study.nc", tmp_path / "run.nc"
    assert cli(capsys, "run", scenario, "--samples", 4, "--workers", 1, "-o", study)[0] == 0
    assert cli(capsys, "run", scenario, "--deterministic", "-o", run)[0] == 0
    code, _, err = cli(capsys, "report", study, "-o", tmp_path / "study.html")
    assert code == 0, err
    assert "4 Monte Carlo samples" in (tmp_path / "study.html").read_text(encoding="utf-8")
    code, _, err = cli(capsys, "report", run, "-o", tmp_path / "run.html")
    assert code == 2
    assert f"{run} is a single run, not a Monte Carlo study" in err
    assert not (tmp_path / "run.html").exists()


def test_a_report_of_a_file_that_is_neither_scenario_nor_study_says_what_it_takes(tmp_path, capsys):
    data = tmp_path / "shipments.csv"
    data.write_text("start,end,value\n2023-01-01,2023-03-31,1000\n", encoding="utf-8")
    code, _, err = cli(capsys, "report", data, "-o", tmp_path / "report.html")
    assert code == 2
    assert err == (
        "error: report takes a scenario (.yaml) or a Monte Carlo study (.zarr, .nc), "
        f"found {data}\n"
    )


def test_a_store_from_before_finished_was_recorded_reads_and_resumes(tmp_path):
    path = interrupted(tmp_path, samples=12, finished_chunks=1)
    shutil.rmtree(path / "finished")
    metadata = json.loads((path / ".zmetadata").read_text(encoding="utf-8"))
    for key in [k for k in metadata["metadata"] if k.startswith("finished/")]:
        del metadata["metadata"][key]
    (path / ".zmetadata").write_text(json.dumps(metadata), encoding="utf-8")
    assert "finished" not in xr.open_zarr(path, consolidated=True)
    study = store.load_study(path)
    np.testing.assert_array_equal(study.finished.values, [True] * 4 + [False] * 8)
    assert np.isnat(study.milestone_date.values[4:]).all()
    monte_carlo(uncertain_chain(), 12, seed=3, store=path, execution=SERIAL, resume=True)
    assert store.load_study(path).finished.values.all()


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished")
    path = folder / "study.zarr"
    monte_carlo(uncertain_chain(), 8, seed=1, store=path, execution=SERIAL)
    return path


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": 2}, "seed: stored 1, asked 2"),
        ({"samples": 12}, "sample count: stored 8, asked 12"),
        ({"design": "lhs"}, "design: stored random, asked lhs"),
        ({"chunk": 2}, "chunk: stored 4, asked 2"),
        ({"scenario": {"products.p.tdp": "1100 W"}}, "products.p.tdp.value stored 1000.0 W"),
    ],
)
def test_resume_refuses_a_different_study_naming_the_difference(finished_store, change, named):
    before = store.load_study(finished_store)
    with pytest.raises(StudyMismatch, match="holds a different study") as refusal:
        monte_carlo(
            uncertain_chain(**change.get("scenario", {})),
            change.get("samples", 8),
            seed=change.get("seed", 1),
            design=change.get("design", "random"),
            store=finished_store,
            execution=Execution(workers=1, chunk=change.get("chunk", 4), progress=False),
            resume=True,
        )
    assert named in str(refusal.value)
    xr.testing.assert_identical(store.load_study(finished_store), before)


def test_resume_refuses_a_store_whose_labels_another_model_wrote(finished_store, tmp_path):
    # A store written before programme_binding's `not_made` label existed: its samples
    # came from another model, and new samples would write a code its labels lack.
    older = tmp_path / "older.zarr"
    shutil.copytree(finished_store, older)
    metadata = json.loads((older / ".zmetadata").read_text(encoding="utf-8"))
    attrs = metadata["metadata"]["programme_binding/.zattrs"]
    attrs["flag_meanings"] = attrs["flag_meanings"].replace(" not_made", "")
    attrs["flag_values"] = attrs["flag_values"][:-1]
    (older / ".zmetadata").write_text(json.dumps(metadata), encoding="utf-8")
    before = store.load_study(older)
    with pytest.raises(StudyMismatch, match="programme_binding labels: stored") as refusal:
        monte_carlo(uncertain_chain(), 8, seed=1, store=older, execution=SERIAL, resume=True)
    assert "--overwrite" in str(refusal.value)
    xr.testing.assert_identical(store.load_study(older), before)
    # a store from before labels were stored at all says so
    del attrs["flag_meanings"]
    (older / ".zmetadata").write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(StudyMismatch, match="programme_binding labels: stored none, this"):
        monte_carlo(uncertain_chain(), 8, seed=1, store=older, execution=SERIAL, resume=True)


def test_resume_mismatch_on_the_command_line_exits_2(finished_store, tmp_path, capsys):
    code, _, err = cli(
        capsys,
        *("run", scenario_file(tmp_path), "--samples", 8, "--seed", 5, "--chunk", 4),
        *("--workers", 1, "--no-progress", "-o", finished_store, "--resume"),
    )
    assert code == 2
    assert err.startswith("error: ")
    assert "seed: stored 1, asked 5" in err
    assert len(err.splitlines()) == 1


def test_a_store_missing_an_array_is_damaged_not_empty(finished_store, tmp_path, capsys):
    # Its metadata still lists the array: read as it is, every value would be missing
    # (NaN), and a chart or report of it would draw nothing without a word.
    damaged = tmp_path / "damaged.zarr"
    shutil.copytree(finished_store, damaged)
    shutil.rmtree(damaged / "packages_delivered")
    with pytest.raises(store.StoreError, match="the array of 'packages_delivered' is missing"):
        store.open_study(damaged)
    code, _, err = cli(capsys, "report", damaged, "-o", tmp_path / "report.html")
    assert code == 2
    assert "damaged study store" in err
    assert not (tmp_path / "report.html").exists()


def test_output_never_deletes_a_folder_that_is_not_a_study(tmp_path, capsys):
    folder = tmp_path / "precious.zarr"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    command = ["run", scenario_file(tmp_path), "--samples", 4, "--workers", 1, "--no-progress"]
    for extra in ([], ["--overwrite"]):
        code, _, err = cli(capsys, *command, "-o", folder, *extra)
        assert code == 2
        assert "is not a capsim study store" in err
        assert (folder / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.zarr", "study.yaml"]


def test_a_store_that_cannot_be_made_is_named_not_its_temporary_folder(
    tmp_path, capsys, monkeypatch
):
    # The folder turns read-only (or fills) between the check of -o and the store's
    # creation: the message names the store asked for, not ".study.zarr.new-ur3hkno3".
    def refuses(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(store.tempfile, "mkdtemp", refuses)
    path = tmp_path / "study.zarr"
    command = ["run", scenario_file(tmp_path), "--samples", 4, "--workers", 1, "--no-progress"]
    code, _, err = cli(capsys, *command, "-o", path)
    assert code == 2
    assert err.splitlines() == [
        f"error: cannot create {path}: {os.strerror(errno.EROFS)}; nothing was written"
    ]


def test_a_study_is_replaced_only_with_overwrite(tmp_path, capsys):
    path = tmp_path / "study.zarr"
    command = ["run", scenario_file(tmp_path), "--samples", 4, "--chunk", 4, "--workers", 1]
    assert cli(capsys, *command, "--seed", 1, "--no-progress", "-o", path)[0] == 0
    first = store.load_study(path)
    code, _, err = cli(capsys, *command, "--seed", 2, "--no-progress", "-o", path)
    assert code == 2
    assert "--overwrite (overwrite=True) replaces it" in err
    xr.testing.assert_identical(store.load_study(path), first)
    code, _, err = cli(capsys, *command, "--seed", 2, "--no-progress", "-o", path, "--overwrite")
    assert code == 0, err
    replaced = store.load_study(path)
    assert replaced.attrs["seed"] == 2
    assert not np.array_equal(replaced.input_value.values, first.input_value.values)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml", "study.zarr"]


def test_a_second_writer_is_kept_out(finished_store, tmp_path, capsys):
    lock = finished_store / store.LOCK_NAME
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())\n"
            "print('locked', flush=True); time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        command = ["run", scenario_file(tmp_path), "--samples", 8, "--seed", 1, "--chunk", 4]
        for extra in (["--resume"], ["--overwrite"]):
            code, _, err = cli(capsys, *command, "--no-progress", "-o", finished_store, *extra)
            assert code == 2
            assert f"being written by another process (pid {holder.pid})" in err
    finally:
        holder.kill()
        holder.communicate()
    assert store.load_study(finished_store).finished.values.all()


@pytest.mark.parametrize("when", ["while laying out", "before any chunk"])
def test_ctrl_c_in_the_first_instant_leaves_no_store_or_one_resume_opens(
    tmp_path, capsys, monkeypatch, when
):
    path = tmp_path / "study.zarr"
    if when == "while laying out":
        monkeypatch.setattr(xr.Dataset, "to_zarr", _interrupt)
    else:
        monkeypatch.setattr(runner, "_execute", _interrupt)
    command = ["run", scenario_file(tmp_path), "--samples", 8, "--seed", 1, "--chunk", 4]
    command += ["--workers", 1, "--no-progress", "-o", path]
    assert cli(capsys, *command)[0] == 130
    monkeypatch.undo()
    assert path.exists() == (when == "before any chunk")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    code, _, err = cli(capsys, *command, "--resume")
    assert code == 0, err
    assert store.load_study(path).finished.values.all()


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_writing_netcdf_leaves_the_old_file_whole(tmp_path, capsys, monkeypatch):
    output = tmp_path / "result.nc"
    output.write_bytes(b"the previous result")
    monkeypatch.setattr(Path, "write_bytes", _no_space)
    code, _, err = cli(capsys, "run", scenario_file(tmp_path), "--deterministic", "-o", output)
    assert code == 2
    assert err == f"error: {output}: No space left on device; nothing was written\n"
    assert output.read_bytes() == b"the previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.nc", "study.yaml"]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file-size limits")
def test_a_real_write_failure_in_hdf5_is_one_message(tmp_path):
    """The write fails in the operating system (a file-size limit of 16 KiB), where
    HDF5 used to print raw errors and crash."""
    import resource

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))

    scenario = scenario_file(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "capsim", "run", scenario, "--deterministic", "-o", "out.nc"],
        cwd=tmp_path,
        preexec_fn=limited,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "error: out.nc: File too large; nothing was written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]


def test_a_full_disk_writing_a_store_keeps_its_finished_chunks(tmp_path, capsys, monkeypatch):
    import zarr.storage._local as local

    real = local._put

    def filling(path, value, *args, **kwargs):
        if path.parent.name == "it_power_online" and path.name.startswith("1."):
            _no_space()
        return real(path, value, *args, **kwargs)

    monkeypatch.setattr(local, "_put", filling)
    path = tmp_path / "study.zarr"
    command = ["run", scenario_file(tmp_path), "--samples", 12, "--seed", 1, "--chunk", 4]
    command += ["--workers", 1, "--no-progress", "-o", path]
    code, _, err = cli(capsys, *command)
    assert code == 2
    assert err == (
        f"error: cannot write {path}: No space left on device; the chunks written so far "
        "are kept (continue with --resume, resume=True, once this is fixed)\n"
    )
    np.testing.assert_array_equal(store.load_study(path).chunk_done.values, [1, 0, 0])
    monkeypatch.undo()
    assert cli(capsys, *command, "--resume")[0] == 0
    assert store.load_study(path).finished.values.all()


def test_sigterm_stops_the_workers_and_removes_the_temporary_folder(tmp_path):
    psutil = pytest.importorskip("psutil")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, "-m", "capsim", "run", scenario_file(tmp_path)]
    command += ["--samples", "5000", "--workers", "2", "--chunk", "4", "--no-progress"]
    process = subprocess.Popen(
        command,
        env={**os.environ, "TMPDIR": str(temporary)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    children = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        children = psutil.Process(process.pid).children(recursive=True)
        if len(children) >= 2 and list(temporary.glob("capsim-*/study.zarr")):
            break
        time.sleep(0.05)
    assert len(children) >= 2, "the study did not start its workers"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"worker processes left running: {[p.pid for p in alive]}"
    assert list(temporary.iterdir()) == []
