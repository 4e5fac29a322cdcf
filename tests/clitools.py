"""Running the command line in-process in tests: its exit code and output, never a
traceback."""

from __future__ import annotations

from capsim.cli.main import main


def cli(capsys, *argv) -> tuple[int, str, str]:
    """``capsim ARGV`` in-process: exit code, stdout, stderr (never a traceback)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def forbid(monkeypatch, target: str, what: str) -> None:
    """Make ``target`` (a dotted name) fail the test if called: ``what`` ran before the
    input was checked."""

    def called(*args, **kwargs):
        raise AssertionError(f"{what} ran before the input was checked")

    monkeypatch.setattr(target, called)


def refused(capsys, *argv) -> str:
    """The one error line of ``capsim ARGV``, which must exit 2."""
    code, out, err = cli(capsys, *argv)
    assert code == 2, f"exit {code}\n{out}\n{err}"
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]
