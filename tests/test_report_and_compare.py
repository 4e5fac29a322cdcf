"""The HTML report and ``compare``.

The report is read as a reader would: its headings, and in each section the content a
reader needs (README, "what you can do": the scenario and its sources, milestones,
claims with probabilities, bottlenecks, fan charts, a sensitivity ranking, the command
that reproduces it), parsed with the standard library's html.parser. The scenario is
built so that every date and probability in it is known by hand.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np
import pytest

from builders import GRID_QUEUE, chain, late_grid_world, other_buyers, uncertain_chain
from capsim.cli.main import main
from capsim.scenario.io import dump_scenario


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    return path


# --- a scenario whose report is known by hand -------------------------------------

PRICE_SOURCE = "NVIDIA CEO interview (CNBC), 2024-03"


def _late_grid_report_world():
    """The late-grid world (tests/builders.py) with a description, claims on its first
    power and an uncertain price on which nothing depends (no budget)."""
    price = {
        "dist": "uniform",
        "low": "USD 20000/package",
        "high": "USD 40000/package",
        "source": PRICE_SOURCE,
    }
    claims = {
        "power-by-july": _claim("2026-06-30", "500 installed by mid-2026"),
        "power-in-2026": _claim("2026-12-31", "500 installed in 2026"),
        "power-in-january": _claim("2026-01-31", "500 installed in January 2026"),
    }
    return chain(
        **late_grid_world(
            description="One site waiting for its grid connection.",
            claims=claims,
            **{"products.p.price": price},
        )
    )


def _claim(by: str, statement: str) -> dict:
    return {"milestone": "first-power", "by": by, "statement": statement, "source": GRID_QUEUE}


SAMPLES = 24
# milestone -> (central run, earliest possible, latest possible), by hand (docstring)
MILESTONES = {
    "first-power": ("2026-07-01", "2026-02-01", "2026-12-01"),
    "thousand-made": ("2026-03-01", "2026-03-01", "2026-03-01"),
}
# claim -> (statement, deadline, holds in the central run, probability or None)
CLAIMS = {
    "power-in-2026": ("500 installed in 2026", "2026-12-31", "holds", "100%"),
    "power-in-january": ("500 installed in January 2026", "2026-01-31", "fails", "0%"),
    # met when the wait is below about 5.97 months: p = 0.497; of 24 samples, 3 to 21
    # meet it with probability above 99.99 % (binomial), shown as 12 % to 88 %
    "power-by-july": ("500 installed by mid-2026", "2026-06-30", "fails", None),
}
# What a reader looks for, in this order (README): heading text patterns.
HEADINGS = [
    ("the answer first", r"summary"),
    ("milestones", r"milestone"),
    ("claims", r"claim"),
    ("what binds", r"bind|bottleneck"),
    ("the forecast, as fan charts", r"forecast|fan"),
    ("a sensitivity ranking", r"sensitiv"),
    ("the command that reproduces it", r"reproduc"),
    ("the scenario and its sources, last", r"scenario.*sources"),
]


# --- reading HTML -----------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children).strip()

    def find_all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert [node.tag for node in builder.stack] == ["#document"], "unclosed elements"
    return builder.root


def sections(body: Node) -> dict[str, list[Node]]:
    """The elements under each <h2> heading, keyed by the heading's text."""
    result: dict[str, list[Node]] = {}
    current = None
    for element in body.elements():
        if element.tag == "h2":
            current = element.text()
            result[current] = []
        elif current is not None:
            result[current].append(element)
    return result


def table_rows(nodes: list[Node]) -> list[dict[str, str]]:
    """The rows of the first table among ``nodes`` as {header: cell text}."""
    table = next(node for node in nodes if node.tag == "table")
    rows = table.find_all("tr")
    header = [cell.text() for cell in rows[0].find_all("th")]
    return [
        dict(zip(header, [cell.text() for cell in row.find_all("td")], strict=True))
        for row in rows[1:]
    ]


def _section(parts: dict[str, list[Node]], pattern: str) -> list[Node]:
    return next(nodes for title, nodes in parts.items() if re.search(pattern, title, re.I))


def _tagged(nodes: list[Node], tag: str) -> list[Node]:
    """The elements named ``tag`` among ``nodes`` and their descendants."""
    return [node for node in nodes if node.tag == tag] + [
        found for node in nodes for found in node.find_all(tag)
    ]


# --- the report -------------------------------------------------------------------


@pytest.fixture
def report_world(tmp_path):
    path = tmp_path / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid_report_world()), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Report:
    argv: list[str]
    document: Node
    parts: dict[str, list[Node]]

    def section(self, pattern: str) -> list[Node]:
        return _section(self.parts, pattern)

    def text(self, pattern: str) -> str:
        return " ".join(node.text() for node in self.section(pattern))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report of the late-grid world, written once through the command line."""
    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "late-grid.yaml"
    scenario.write_text(dump_scenario(_late_grid_report_world()), encoding="utf-8")
    output = folder / "report.html"
    argv = ["report", str(scenario), "-o", str(output), "--samples", str(SAMPLES)]
    argv += ["--workers", "1", "--no-progress"]
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(sys, "argv", ["capsim", *argv])  # as the console script runs it
        assert main(argv) == 0
    assert f"wrote {output}" in printed.getvalue()
    document = parse_html(output.read_text(encoding="utf-8"))
    (body,) = document.find_all("body")
    return Report(argv, document, sections(body))


def test_report_is_headed_by_the_scenario_with_a_section_per_need_in_order(report):
    assert "late-grid" in report.document.find_all("title")[0].text()
    assert "late-grid" in report.document.find_all("h1")[0].text()
    titles = list(report.parts)
    positions = []
    for need, pattern in HEADINGS:
        matches = [i for i, title in enumerate(titles) if re.search(pattern, title, re.I)]
        assert matches, f"no heading for {need} in {titles}"
        positions.append(matches[0])
    assert positions == sorted(positions), titles


def test_report_opens_with_a_summary_of_claims_and_dated_milestones(report):
    assert next(iter(report.parts)) == "Summary"
    items = [node.text() for node in _tagged(report.section(r"summary"), "li")]
    claims = {name: next(i for i in items if i.startswith(name)) for name in CLAIMS}
    for name, (_statement, _deadline, verdict, probability) in CLAIMS.items():
        assert f"{verdict} in the central run" in claims[name], claims[name]
        if probability is not None:
            assert f"holds in {probability} of {SAMPLES} Monte Carlo samples" in claims[name]
    # thousand-made is met in March in every run, first-power from February on: by
    # median date, thousand-made comes first.
    dated = [i.split(" ")[0] for i in items if "in the central run; P10" in i]
    assert dated == ["thousand-made", "first-power"]
    assert "What binds most" in report.text(r"summary")


def test_report_draws_each_chart_once(report):
    images = report.document.find_all("img")
    assert len({image.attrs["src"] for image in images}) == len(images)
    # Every claim watches first-power (packages installed): one fan for them, and one
    # of the programme's IT power online, which no claim watches.
    fans = [image.attrs["alt"] for image in images if "fan chart" in image.attrs["alt"]]
    assert fans == ["fan chart for claim power-by-july", "fan chart of IT power online"]


def test_report_gives_the_scenario_and_its_sources(report):
    text = report.text(r"scenario.*sources")
    assert "One site waiting for its grid connection." in text
    assert PRICE_SOURCE in text
    assert re.search(r"\d+ values rest on stated assumptions", text)


def test_report_dates_each_milestone(report):
    """Central run by hand; every quantile inside what any sample can give, in order."""
    rows = {row["milestone"]: row for row in table_rows(report.section(r"milestone"))}
    assert set(rows) == set(MILESTONES)
    for name, (central, earliest, latest) in MILESTONES.items():
        row = rows[name]
        assert row["central run"] == central, name
        quantiles = [np.datetime64(row[q]) for q in ("P10", "P50", "P90")]
        assert quantiles == sorted(quantiles), name
        assert np.datetime64(earliest) <= quantiles[0], name
        assert quantiles[-1] <= np.datetime64(latest), name
    assert f"{SAMPLES} Monte Carlo samples" in report.text(r"milestone")


def test_report_gives_each_claim_a_probability(report):
    rows = {row["claim"]: row for row in table_rows(report.section(r"claim"))}
    assert set(rows) == set(CLAIMS)
    for name, (statement, deadline, verdict, probability) in CLAIMS.items():
        row = rows[name]
        assert (row["statement"], row["deadline"]) == (statement, deadline), name
        assert row["central run"] == verdict, name
        share = re.fullmatch(r"(\d+)%", row["probability"])
        assert share, row["probability"]
        if probability is not None:
            assert row["probability"] == probability, name
        else:
            assert 12 <= int(share.group(1)) <= 88, row["probability"]


def test_report_ranks_the_grid_wait_first(report):
    """first-power's date rises with the grid wait and with nothing else: the wait comes
    first, with a rank correlation of +1; the price, which nothing depends on, is a
    null input and is left out."""
    ranking = table_rows(report.section(r"sensitiv"))
    assert ranking[0]["key path"] == "sites.s.power.grid.wait"
    assert ranking[0]["input"] == "s power grid wait"  # its readable label
    assert float(ranking[0]["Spearman rho"]) >= 0.99
    assert [row["key path"] for row in ranking] == ["sites.s.power.grid.wait"]
    assert "1 of 2 varying inputs not distinguishable from zero" in report.text(r"sensitiv")


def test_report_embeds_what_binds_and_fan_charts_as_png(report):
    binds = _tagged(report.section(r"bind|bottleneck"), "img")
    fans = _tagged(report.section(r"forecast|fan"), "img")
    assert binds
    assert any("fan chart" in (image.attrs.get("alt") or "") for image in fans)
    for image in binds + fans:
        src = image.attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
        assert image.attrs.get("alt")


def test_report_gives_the_command_that_reproduces_it(report):
    (command,) = _tagged(report.section(r"reproduc"), "pre")
    assert shlex.split(command.text()) == ["capsim", *report.argv]


def test_report_is_self_contained(report):
    """No scripts, and no external resource in any src or href."""
    everything = _descendants(report.document)
    assert not [node for node in everything if node.tag == "script"]
    for node in everything:
        for name in ("src", "href"):
            value = node.attrs.get(name)
            assert value is None or not re.match(r"(https?:)?//", value), value


def _descendants(node: Node) -> list[Node]:
    found = []
    for child in node.elements():
        found += [child, *_descendants(child)]
    return found


def test_reproduce_command_of_a_report_made_from_python_keeps_its_options(
    report_world, tmp_path, monkeypatch
):
    commands = []

    def record(scenario, central, study, command):
        commands.append(command)
        return "<!DOCTYPE html>"

    monkeypatch.setattr("capsim.report.html.render_report", record)  # imported when run
    monkeypatch.setattr(sys, "argv", ["python"])  # a Python session, not the console script
    output = tmp_path / "report.html"
    argv = ["report", str(report_world), "-o", str(output), "--samples", "2", "--seed", "7"]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    (command,) = commands
    assert command[:2] == ["capsim", "report"]
    assert "--samples" in command, command
    assert "--seed" in command, command
    assert command[command.index("--samples") + 1] == "2"
    assert command[command.index("--seed") + 1] == "7"


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
    (body,) = parse_html(output.read_text(encoding="utf-8")).find_all("body")
    milestones = _section(sections(body), r"milestone")
    assert "16 Monte Carlo samples" in " ".join(node.text() for node in milestones)
    (command,) = _tagged(_section(sections(body), r"reproduc"), "pre")
    assert shlex.split(command.text()) == ["capsim", "report", str(store), "-o", str(output)]


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
    assert "mode=4,400 stack/month" in out


def _alone_and_joint(tmp_path, served_first: str) -> tuple[str, str]:
    """The chain (500 packages of p a month, HBM-bound, all to g) alone, and with h, served
    first (priority 1 against g's 2), ordering ``served_first``: the two files."""
    a, b = tmp_path / "alone.yaml", tmp_path / "joint.yaml"
    alone = chain(**{"programmes.g.priority": 2})
    first = other_buyers() | {"priority": 1, "volume": served_first}
    joint = chain(**{"name": "joint", "programmes.g.priority": 2, "programmes.h": first})
    a.write_text(dump_scenario(alone), encoding="utf-8")
    b.write_text(dump_scenario(joint), encoding="utf-8")
    return str(a), str(b)


def test_compare_says_who_pays_for_a_buyer_served_first(tmp_path, capsys):
    # h orders 200 a month: g gets 300 a month, 3600 of its 6000 over the year, 40 %
    # less; h is only in B, so it is not compared.
    a, b = _alone_and_joint(tmp_path, "200 package/month")
    assert main(["compare", a, b, "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)["answer"]["deliveries"]
    assert [row["programme"] for row in found] == ["g"]
    assert found[0]["left"] == pytest.approx(12 * 500.0, rel=1e-9)
    assert found[0]["right"] == pytest.approx(12 * 300.0, rel=1e-9)
    assert found[0]["change"] == pytest.approx(-0.4, rel=1e-9)
    assert main(["compare", a, b]) == 0
    assert re.search(r"\n    g +6,000 +3,600 +-40 %\n", capsys.readouterr().out)


def test_compare_shows_a_small_loss_to_a_tenth_of_a_percent(tmp_path, capsys):
    # h orders 2 a month: g gets 498 a month, 5976 of 6000, 0.4 % less. It printed
    # "-0 %", which reads as no loss.
    a, b = _alone_and_joint(tmp_path, "2 package/month")
    assert main(["compare", a, b]) == 0
    assert re.search(r"\n    g +6,000 +5,976 +-0.4 %\n", capsys.readouterr().out)


def test_compare_lists_milestones_in_date_order_whichever_side_has_them(tmp_path, capsys):
    # B adds a milestone met in its first months (one package delivered); first-gw, in
    # both, is not met in the horizon (1 GW needs 500,000 packages of 2 kW, made at 500 a
    # month). Dated before one never met, B's comes first; it came after all of A's.
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    early = {"quantity": "packages_delivered", "threshold": "1 package", "programme": "g"}
    a.write_text(dump_scenario(chain()), encoding="utf-8")
    b.write_text(dump_scenario(chain(**{"name": "b", "milestones.early": early})), "utf-8")
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("milestones, in date order:") :]
    assert block.index("early") < block.index("first-gw")


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
    # The summary is above the fold of a 1280 x 800 window: the next section's heading
    # starts within the first 800 pixels (measured by the browser in a copy of the page).
    assert _top_in_browser(output, "milestones", tmp_path, (1280, 800)) < 800


def _top_in_browser(page, element_id: str, folder, window: tuple[int, int]) -> int:
    """Where the element ``element_id`` of ``page`` starts [px from the page's top], as
    headless Chromium lays it out in a ``window`` (width, height) [px]."""
    probe = folder / "probe.html"
    script = (
        "<script>document.body.setAttribute('data-top', String(Math.round("
        f"document.getElementById('{element_id}').getBoundingClientRect().top"
        " + window.scrollY)));</script>"
    )
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", f"{script}</body>"), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={folder / 'profile'}",
            f"--window-size={window[0]},{window[1]}",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'data-top="(\d+)"', dom)
    assert found, "the browser did not run the probe"
    return int(found.group(1))
