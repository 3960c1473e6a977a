"""`oerlint check / rules / explain` end to end, on real files generated here and a real local
HTTP server. Expectations are taken from the engine's own result for the same bytes, so the
tests hold whatever rules the format checkers add."""
import csv
import io
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from checkers.engine import check_bytes
from reports.csv_report import COLUMNS
from rules.catalogue import SEVERITIES, catalogue
from sweeps.cli import main

ROOT = Path(__file__).resolve().parent.parent
OERLINT = ROOT / ".venv" / "bin" / "oerlint"


def make_deck(titled: bool = False) -> bytes:
    """A one-slide deck; untitled by default, with a picture whose alt is its file name."""
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(image, format="PNG")
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5 if titled else 6])
    if titled:
        slide.shapes.title.text = "Photosynthesis"
        prs.core_properties.title = "Photosynthesis"
    image.seek(0)
    slide.shapes.add_picture(image, Inches(1), Inches(1))
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def deck_bytes():
    return make_deck()


@pytest.fixture
def files(tmp_path, deck_bytes):
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(deck_bytes)
    other = tmp_path / "titled.pptx"
    other.write_bytes(make_deck(titled=True))
    return deck, other


def run(*args, **kw):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    return result


def expected(path: Path):
    return check_bytes(path.read_bytes(), resource=str(path), name=path.name)


def problems(result_dict):
    return [f for f in result_dict["findings"] if f["outcome"] in ("failed", "cantTell")]


# ------------------------------------------------------------------ formats

def test_text_report_by_default(files):
    deck, _ = files
    res = run("check", deck)
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.startswith(str(deck))
    assert "Accessibility" in out and "Annex 3" in out and "Overall" in out
    direct = expected(deck)
    failed = [f for f in direct.findings if f.outcome == "failed"]
    assert failed
    flat = " ".join(out.split())
    for f in failed:
        assert f.rule in out and " ".join(f.message.split()) in flat
    title = catalogue()["pptx-slide-title-missing"]
    assert title.title in out
    assert " ".join(title.fix_for("pptx").split())[:60] in flat
    assert "where:    slide 1" in out
    assert "\x1b[" not in out  # not a terminal: no colours


def test_json_one_input_is_one_object_matching_the_engine(files):
    deck, _ = files
    res = run("check", deck, "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert isinstance(data, dict)
    assert set(data) == {"resource", "media_type", "checked_at", "ruleset_version", "findings", "scores"}
    direct = expected(deck).to_dict()
    assert data["resource"] == str(deck) and data["media_type"] == direct["media_type"]
    assert data["findings"] == direct["findings"] and data["scores"] == direct["scores"]
    assert data["ruleset_version"] == catalogue().version


def test_json_several_inputs_and_directories_are_lists(files, tmp_path):
    deck, other = files
    res = run("check", deck, other, "--format", "json")
    data = json.loads(res.stdout)
    assert [d["resource"] for d in data] == [str(deck), str(other)]
    folder = tmp_path / "course"
    (folder / "week2").mkdir(parents=True)
    (folder / "b.pptx").write_bytes(deck.read_bytes())
    (folder / "week2" / "a.pptx").write_bytes(other.read_bytes())
    (folder / ".hidden.pptx").write_bytes(deck.read_bytes())
    res = run("check", folder, "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert isinstance(data, list)
    assert [d["resource"] for d in data] == [str(folder / "b.pptx"), str(folder / "week2" / "a.pptx")]


def test_progress_bar_on_stderr_only_for_several_inputs(files, tmp_path):
    deck, _ = files
    many = []
    for i in range(5):
        p = tmp_path / f"copy{i}.pptx"
        p.write_bytes(deck.read_bytes())
        many.append(p)
    res = run("check", *many, "--format", "json")
    assert res.exit_code == 0 and "/5" in res.stderr
    assert len(json.loads(res.stdout)) == 5
    assert run("check", deck, "--format", "json").stderr == ""


def test_html_report_to_a_file_escapes_a_hostile_file_name(tmp_path, deck_bytes):
    hostile = tmp_path / '"><b onmouseover="alert(1)">x<script>alert(2)<!--.pptx'
    hostile.write_bytes(deck_bytes)
    out = tmp_path / "report.html"
    res = run("check", hostile, "--format", "html", "--output", out)
    assert res.exit_code == 0 and res.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b " not in text
    doc = lxml.html.document_fromstring(text)
    assert doc.xpath("//script") == [] and doc.xpath("//b") == []
    assert not [n for el in doc.iter() if isinstance(el.tag, str) for n in el.attrib if n.startswith("on")]
    assert str(hostile) in doc.xpath("//h1")[0].text_content()
    assert doc.getroottree().getroot().get("lang") == "en"
    items = doc.xpath("//li[contains(@class, 'finding')]")
    direct = expected(hostile)
    manual = {r.id for r in catalogue() if r.mode == "manual"}
    listed = [f for f in direct.findings if f.outcome in ("failed", "cantTell")
              and not (f.outcome == "cantTell" and f.rule in manual)]
    assert len(items) == len(listed) > 0


def test_csv_one_row_per_problem_with_injection_guard(tmp_path, deck_bytes, monkeypatch):
    # The path as typed becomes the resource cell: a spreadsheet must not run it as a formula.
    monkeypatch.chdir(tmp_path)
    Path("=HYPERLINK(1).pptx").write_bytes(deck_bytes)
    res = run("check", "=HYPERLINK(1).pptx", "--format", "csv")
    json_res = run("check", "=HYPERLINK(1).pptx", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(problems(json.loads(json_res.stdout)))
    assert all(r[0] == "'=HYPERLINK(1).pptx" for r in rows[1:])
    assert {r[4] for r in rows[1:]} <= {"failed", "cantTell"}


def test_sarif_report_structure(files):
    deck, other = files
    res = run("check", deck, other, "--format", "sarif")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["version"] == "2.1.0" and "$schema" in doc
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert run_["tool"]["driver"]["name"] == "oerlint"
    want = sum(len(problems(expected(p).to_dict())) for p in (deck, other))
    assert len(run_["results"]) == want > 0
    for r in run_["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note", "none")
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] in (deck.as_uri(), other.as_uri())
    slide = [r for r in run_["results"] if r["ruleId"] == "pptx-slide-title-missing"][0]
    assert slide["level"] == "warning" and slide["kind"] == "fail"
    assert {"name": "slide 1", "kind": "slide"} in slide["locations"][0]["logicalLocations"]


# ------------------------------------------------------------------ exit codes and options

@pytest.mark.parametrize("threshold", SEVERITIES)
def test_fail_on_exit_codes(files, threshold):
    deck, _ = files
    res = run("check", deck, "--format", "json", "--fail-on", threshold)
    data = json.loads(res.stdout)  # the report is printed before exiting 1
    worst = SEVERITIES.index(threshold)
    met = any(f["outcome"] == "failed" and SEVERITIES.index(f["severity"]) <= worst for f in data["findings"])
    assert res.exit_code == (1 if met else 0)


def test_fail_on_is_met_by_a_major_failure_and_off_by_default(files):
    deck, _ = files
    assert run("check", deck).exit_code == 0
    assert run("check", deck, "--fail-on", "minor").exit_code == 1
    assert run("check", deck, "--fail-on", "major").exit_code == 1  # the slide has no title (major)


def test_output_writes_the_report_and_nothing_to_stdout(files, tmp_path):
    deck, _ = files
    target = tmp_path / "out" / "r.json"
    target.parent.mkdir()
    res = run("check", deck, "--format", "json", "-o", target)
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(target.read_text())["resource"] == str(deck)


def outcome_of(data, rule):
    return {f["outcome"] for f in data["findings"] if f["rule"] == rule}


def test_metadata_reaches_the_licence_check(files, tmp_path):
    deck, _ = files
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"title": "Photosynthesis", "creators": ["Ada Lovelace"],
                                "licence_urls": ["https://creativecommons.org/licenses/by/4.0/"],
                                "language": "en"}))
    without = json.loads(run("check", deck, "--format", "json").stdout)
    assert outcome_of(without, "licence-missing") == {"failed"}
    res = run("check", deck, "--metadata", meta, "--format", "json")
    assert res.exit_code == 0
    assert outcome_of(json.loads(res.stdout), "licence-missing") == {"passed"}


def test_policy_reaches_the_licence_check(files, tmp_path):
    deck, _ = files
    meta = tmp_path / "nc.json"
    meta.write_text(json.dumps({"creators": ["Ada Lovelace"],
                                "licence_urls": ["https://creativecommons.org/licenses/by-nc-sa/4.0/"]}))
    platform = json.loads(run("check", deck, "--metadata", meta, "--format", "json").stdout)
    annex3 = json.loads(run("check", deck, "--metadata", meta, "--policy", "annex3", "--format", "json").stdout)
    assert outcome_of(platform, "licence-discouraged") == {"failed"}   # NC is discouraged by default
    assert outcome_of(annex3, "licence-discouraged") == {"passed"}     # Annex 3 asks for BY-NC-SA


def one_line_error(res, *needles):
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert "Traceback" not in res.output and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_exit_2_for_missing_files_and_odd_paths(tmp_path):
    err = one_line_error(run("check", tmp_path / "nope.html"), "no such file or directory")
    assert err.count("\n") == 0
    one_line_error(run("check", "/dev/null"), "not a regular file or directory")
    (tmp_path / "empty").mkdir()
    one_line_error(run("check", tmp_path / "empty"), "holds no files")


def test_a_directory_with_too_many_files_is_refused_before_any_check(tmp_path, monkeypatch):
    import sweeps.cli_check
    monkeypatch.setattr(sweeps.cli_check, "MAX_DIRECTORY_FILES", 3)
    for n in range(4):
        (tmp_path / f"page{n}.html").write_text("<p>x</p>")
    one_line_error(run("check", tmp_path), "more than 3 files")
    (tmp_path / "page3.html").unlink()
    assert run("check", tmp_path, "--format", "json").exit_code == 0


@pytest.mark.parametrize("url, needle", [("http://", "no host name"), ("ftp://example.org/a.pdf", "only http and https"),
                                         ("https://example.org:99999/", "bad port")])
def test_exit_2_for_bad_urls(url, needle):
    one_line_error(run("check", url), needle)


def test_exit_2_for_bad_options(files, tmp_path):
    deck, _ = files
    res = run("check", deck, "--format", "docx")
    assert res.exit_code == 2 and "Invalid value for '--format'" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    one_line_error(run("check", deck, "--metadata", bad), "--metadata", "not valid JSON")
    bad.write_text("[1, 2]")
    one_line_error(run("check", deck, "--metadata", bad), "must hold one JSON object")
    bad.write_text('{"titel": "x"}')
    one_line_error(run("check", deck, "--metadata", bad), "unknown key(s) titel")
    one_line_error(run("check", deck, "--metadata", tmp_path / "missing.json"), "cannot read")
    one_line_error(run("check", deck, "--policy", "nonsense"), "unknown licence policy 'nonsense'")
    one_line_error(run("check", deck, "-o", tmp_path / "no" / "dir" / "r.txt"), "--output", "cannot write")
    res = run("check")
    assert res.exit_code == 2 and "Missing argument" in res.stderr


def test_policy_profiles_and_files_are_accepted(files, tmp_path):
    deck, _ = files
    assert run("check", deck, "--policy", "annex3").exit_code == 0
    policy = tmp_path / "mine.yaml"
    policy.write_text("name: mine\nrecommended: [CC-BY-4.0]\n")
    assert run("check", deck, "--policy", policy).exit_code == 0


# ------------------------------------------------------------------ URLs, on a real local server

class _Site(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes, dict]] = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        status, ctype, body, headers = self.pages.get(self.path, (404, "text/plain", b"not found", {}))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site(deck_bytes):
    pptx_type = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    _Site.pages = {"/files/deck.pptx": (200, pptx_type, deck_bytes, {}),
                   "/old": (302, "text/plain", b"", {"Location": "/files/deck.pptx"})}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_check_a_url_on_loopback(site, deck_bytes):
    url = f"{site}/files/deck.pptx"
    res = run("check", url, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["resource"] == url
    direct = check_bytes(deck_bytes, resource=url, name="deck.pptx")
    assert data["findings"] == direct.to_dict()["findings"]


def test_check_follows_a_redirect_and_mixes_urls_and_files(site, files):
    deck, _ = files
    res = run("check", f"{site}/old", deck, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [d["resource"] for d in data] == [f"{site}/old", str(deck)]
    assert data[0]["findings"] == data[1]["findings"]


def test_a_failed_fetch_is_exit_2(site):
    one_line_error(run("check", f"{site}/missing.html"), "cannot fetch", "HTTP 404")


# ------------------------------------------------------------------ the installed console script

def test_console_script_runs_in_a_subprocess(files, tmp_path):
    deck, _ = files
    done = subprocess.run([str(OERLINT), "check", str(deck), "--format", "json"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resource"] == str(deck)
    done = subprocess.run([str(OERLINT), "check", str(tmp_path / "missing.pdf")], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: {tmp_path / 'missing.pdf'}: no such file or directory"
    assert done.stdout == ""



def test_show_passed_lists_the_rules_that_passed(files):
    _, titled = files
    plain = run("check", titled).stdout
    shown = run("check", titled, "--show-passed").stdout
    assert "PASSED (" not in plain
    assert "PASSED (" in shown and "pptx-slide-title-missing - " in shown[shown.index("PASSED ("):]
