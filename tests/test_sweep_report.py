"""`oerlint sweep` then `oerlint report`: stored results rendered without a new check."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from demo.server import DemoServer, sources_yaml
from sweeps.cli import main
from tests.sweep_fixtures import N, units


@pytest.fixture(scope="module")
def server():
    with DemoServer(N, batch_size=10) as srv:
        yield srv


@pytest.fixture(scope="module")
def swept(server, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    sources = tmp_path / "sources.yaml"
    sources.write_text(sources_yaml(server.url))
    env = {"OERLINT_DATA_DIR": str(tmp_path / "data"), "OERLINT_SOURCES": str(sources),
           "OERLINT_DATABASE_URL": f"sqlite:///{tmp_path / 'oerlint.sqlite3'}", "OERLINT_NO_ISOLATION": "1"}
    result = CliRunner().invoke(main, ["sweep", "demo", "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])["demo"]
    assert summary["status"] == "succeeded" and summary["checked"] == units(server)
    return env


def report(env, *args):
    result = CliRunner().invoke(main, ["report", "demo", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_report_lists_every_current_result(server, swept):
    results = json.loads(report(swept, "--format", "json"))
    assert len(results) == units(server)
    pdf = next(r for r in results if r["resource"].endswith("#unit-1.pdf"))
    assert pdf["media_type"] == "application/pdf" and pdf["findings"] and "accessibility" in pdf["scores"]


def test_worst_lists_the_lowest_scores_first(server, swept):
    everything = json.loads(report(swept, "--format", "json"))
    worst = json.loads(report(swept, "--format", "json", "--worst", "3"))
    scores = sorted(r["scores"]["accessibility"] for r in everything if r["scores"].get("accessibility") is not None)
    assert [r["scores"]["accessibility"] for r in worst] == scores[:3]


def test_one_resource_and_every_format(server, swept, tmp_path):
    ident = server.resources[0].identifier + "#unit-0.html"
    one = json.loads(report(swept, "--resource", ident, "--format", "json"))
    assert one["resource"] == ident                       # one result: an object, not a list
    rows = list(csv.DictReader(io.StringIO(report(swept, "--format", "csv"))))
    assert rows and {r["resource"] for r in rows} <= {r["resource"] for r in json.loads(report(swept, "--format", "json"))}
    sarif = json.loads(report(swept, "--format", "sarif"))
    assert sarif["runs"][0]["results"]
    assert ident in report(swept, "--format", "text")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "demo", "--format", "html", "--output", str(out)], env=swept)
    assert result.exit_code == 0 and out.read_text().lstrip().lower().startswith("<!doctype html")
    assert ident in out.read_text()


def one_line_error(env, *args) -> str:
    result = CliRunner().invoke(main, ["report", *args], env=env)
    assert result.exit_code == 2, (result.output, result.exception)
    err = result.stderr.strip()
    assert result.stdout == "" and err.count("\n") == 0 and err.startswith("Error: "), err
    return err


def test_unknown_source_is_one_line_naming_the_stored_sources(swept):
    assert one_line_error(swept, "nowhere") == "Error: unknown source 'nowhere' (stored sources: demo)"


def test_unknown_resource_is_one_line_not_a_hint_to_sweep(swept):
    err = one_line_error(swept, "demo", "--resource", "oai:nowhere")
    assert "source 'demo' has no resource 'oai:nowhere'" in err and "sweep" not in err


@pytest.mark.parametrize("args, said", [(["demo", "--worst", "0"], "0 is not in the range x>=1"),
                                        (["demo", "--worst", "-1"], "-1 is not in the range x>=1"),
                                        (["demo", "--format", "xml"], "'xml' is not one of"),
                                        ([], "Missing argument 'SOURCE'")])
def test_usage_errors_are_one_line(swept, args, said):
    err = one_line_error(swept, *args)
    assert said in err and err.endswith("(see `oerlint report --help`)")
