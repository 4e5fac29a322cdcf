"""The command line starts at once: building its parser imports no scientific library,
and the unit registry's on-disk cache gives the same units as pint's text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
#: Modules a command imports only when it runs (each takes 0.1-1 s to import).
HEAVY = (
    "numpy",
    "scipy",
    "scipy.optimize",
    "scipy.stats",
    "dask",
    "xarray",
    "pandas",
    "matplotlib",
    "pint",
    "pydantic",
    "simpy",
    "capsim.model",
    "capsim.sweep",
    "capsim.analysis",
)


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with this checkout's sources first."""
    environment = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


def _loaded_after(argv: list[str]) -> list[str]:
    """The heavy modules imported once ``capsim ARGV`` has run (help exits: caught)."""
    code = (
        "import json, sys, contextlib, io\n"
        "from capsim.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_help_imports_no_heavy_module():
    assert _loaded_after(["--help"]) == []


def test_every_subcommand_help_imports_no_heavy_module():
    code = (
        "import json, sys, contextlib, io\n"
        "from capsim.cli.main import build_parser, main\n"
        "parser = build_parser()\n"
        "names = list(parser._subparsers._group_actions[0].choices)\n"
        "for name in names:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main([name, '--help'])\n"
        "        except SystemExit:\n"
        "            pass\n"
        f"print(json.dumps([len(names), [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    count, loaded = json.loads(done.stdout.splitlines()[-1])
    assert count >= 12  # validate, describe, cite, schema, seeds, run, sweep, ...
    assert loaded == []


def test_validate_imports_no_model_nor_plotting():
    loaded = _loaded_after(["validate", "scenarios/korea-10k-gpus.yaml"])
    for module in ("scipy.stats", "scipy.optimize", "xarray", "matplotlib", "capsim.model"):
        assert module not in loaded


#: Quantities and their values in canonical units, by hand: 1 month = 365.25 / 12 days.
CONVERSIONS = {
    ("35 kwafer/month", "wafer/month"): 35_000.0,
    ("40 rack/week", "rack/month"): 40 * 365.25 / 12 / 7,
    ("2 GW", "W"): 2e9,
    ("USD 10e9/GW", "USD/W"): 10.0,
    ("18 months", "month"): 18.0,
}


def _conversions(cache_home: Path) -> list[float]:
    code = (
        "import json\n"
        "from capsim.scenario.units import parse_quantity\n"
        f"print(json.dumps([parse_quantity(t, u) for t, u in {list(CONVERSIONS)!r}]))\n"
    )
    done = _python(code, {"XDG_CACHE_HOME": str(cache_home)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is where Linux caches")
def test_unit_registry_cache_gives_the_same_units(tmp_path):
    expected = pytest.approx(list(CONVERSIONS.values()), rel=1e-12)
    assert _conversions(tmp_path) == expected  # builds and writes the cache
    folders = list((tmp_path / "capsim").glob("pint-*"))
    assert len(folders) == 1
    assert any(folders[0].glob("*.pickle"))
    assert not list((tmp_path / "capsim").glob(".pint-*"))  # no half-written folder left
    assert _conversions(tmp_path) == expected  # reads it


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is where Linux caches")
def test_unit_registry_without_a_usable_cache(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")  # the cache folder cannot be made under a file
    expected = pytest.approx(list(CONVERSIONS.values()), rel=1e-12)
    assert _conversions(blocked) == expected
