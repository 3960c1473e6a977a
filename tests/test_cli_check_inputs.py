"""`oerlint check` end to end: format checkers in the capped worker pool, inputs that cannot be
read among others, and `--metadata` value types."""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from checkers import isolation
from checkers.engine import FORMAT_CHECKERS
from tests import office_factory as office
from tests.test_cli_check import deck_bytes, expected, files, one_line_error, run, site  # noqa: F401

PAGE = b'<!doctype html><html lang="en"><head><title>Notes</title></head><body><h1>Notes</h1></body></html>'
MISBEHAVING = "tests.test_isolation_checkers"


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE)
    return path


@pytest.fixture
def pools(monkeypatch):
    """Every WorkerPool `oerlint check` makes, kept for a look after the run."""
    made = []

    class Recorded(isolation.WorkerPool):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(isolation, "WorkerPool", Recorded)
    return made


def only_finding(result: dict) -> dict:
    assert [f["rule"] for f in result["findings"]] == ["unreadable"], result["findings"]
    return result["findings"][0]


# ------------------------------------------------------------------ the worker pool

@pytest.mark.parametrize("behaviour, cap", [("kill_self", "worker died: signal 9"),
                                            ("hog_memory", "needed more than 1 GiB of memory")])
def test_a_checker_that_breaks_a_cap_is_stopped_and_the_check_goes_on(files, monkeypatch, behaviour, cap):
    # In this process the checker would kill the command (or eat 4 GiB); in a worker it is one finding.
    deck, _ = files
    monkeypatch.setitem(FORMAT_CHECKERS, "pptx", f"{MISBEHAVING}:{behaviour}")
    res = run("check", deck, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    stopped = [f for f in data["findings"] if f["rule"] == "unreadable"]
    assert len(stopped) == 1 and stopped[0]["outcome"] == "cantTell"
    assert f"The pptx check was stopped: {cap}" == stopped[0]["message"]


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_a_zip_bomb_gets_an_unreadable_finding_naming_the_cap(tmp_path, fmt):
    sample = office.document() if fmt == "docx" else office.deck()
    bomb = tmp_path / f"bomb.{fmt}"
    bomb.write_bytes(office.zip_bomb(office.save(sample), megabytes=200))
    res = run("check", bomb, "--format", "json")
    assert res.exit_code == 0, res.output
    stopped = [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "unreadable"]
    assert len(stopped) == 1 and "compression ratio cap" in stopped[0]["message"]


def test_the_pool_is_sized_by_the_inputs_and_closed_at_exit(files, pools):
    deck, titled = files
    res = run("check", deck, titled, "--format", "json")
    assert res.exit_code == 0, res.output
    assert [r["findings"] for r in json.loads(res.stdout)] == \
        [expected(p).to_dict()["findings"] for p in (deck, titled)]
    (pool,) = pools
    assert pool.size == min(2, os.cpu_count() or 1)
    assert pool.stats["files"] == 2
    assert pool.worker_pids() == []            # closed: no worker left behind
    with pytest.raises(isolation.PoolClosed):
        pool.run("pptx", b"", None)


def test_html_is_checked_without_starting_the_pool(page, pools):
    res = run("check", page, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["findings"] == expected(page).to_dict()["findings"]
    assert pools == []


def test_no_isolation_runs_every_checker_here(files, pools, monkeypatch):
    monkeypatch.setenv("OERLINT_NO_ISOLATION", "1")
    assert run("check", files[0], "--format", "json").exit_code == 0
    assert pools == []


def test_a_pool_that_cannot_start_is_one_line(files, monkeypatch):
    class NoProcesses(isolation.WorkerPool):
        def _acquire(self):
            raise RuntimeError("cannot start checker worker processes (no more pids); "
                               "set OERLINT_NO_ISOLATION=1 to run checkers in-process")

    monkeypatch.setattr(isolation, "WorkerPool", NoProcesses)
    err = one_line_error(run("check", files[0]), "cannot start checker worker processes", "OERLINT_NO_ISOLATION=1")
    assert err.count("\n") == 0


# ------------------------------------------------------------------ inputs that cannot be read

def test_a_missing_file_among_others_is_reported_and_exits_2(page, tmp_path):
    missing = tmp_path / "nope.html"
    res = run("check", page, missing, "--format", "json")
    assert res.exit_code == 2
    good, bad = json.loads(res.stdout)
    assert good["findings"] == expected(page).to_dict()["findings"]
    assert bad["resource"] == str(missing)
    finding = only_finding(bad)
    assert finding["outcome"] == "cantTell" and finding["message"] == f"{missing}: no such file or directory"
    assert res.stderr.strip() == f"Error: {missing}: no such file or directory"
    assert "Traceback" not in res.output


@pytest.mark.parametrize("fmt", ["text", "csv", "sarif", "html"])
def test_every_format_reports_the_other_inputs(page, monkeypatch, fmt):
    monkeypatch.chdir(page.parent)   # short names: the text report wraps long lines
    res = run("check", "page.html", "nope.html", "--format", fmt)
    assert res.exit_code == 2
    assert "nope.html: no such file or directory" in res.stdout and "page.html" in res.stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        assert [r["rule"] for r in rows if r["resource"] == "nope.html"] == ["unreadable"]


def test_odd_paths_unreadable_files_and_empty_directories_among_others(page, tmp_path):
    (tmp_path / "empty").mkdir()
    # /proc/self/mem is a regular file that no process can read from its start: EIO, even as root.
    res = run("check", page, "/dev/null", "/proc/self/mem", tmp_path / "empty", "--format", "json")
    assert res.exit_code == 2
    results = json.loads(res.stdout)
    assert [r["resource"] for r in results] == [str(page), "/dev/null", "/proc/self/mem", str(tmp_path / "empty")]
    messages = [only_finding(r)["message"] for r in results[1:]]
    assert messages == ["/dev/null: not a regular file or directory",
                        "/proc/self/mem: cannot read the file (Input/output error)",
                        f"{tmp_path / 'empty'}: the directory holds no files to check"]
    assert res.stderr.count("Error: ") == 3


def test_permission_denied_among_others(page, tmp_path, monkeypatch):
    locked = tmp_path / "locked.html"
    locked.write_bytes(PAGE)
    locked.chmod(0)
    if os.geteuid() == 0:   # root reads files whatever their mode: refuse as the kernel would
        read = Path.read_bytes

        def refusing(self):
            if self == locked:
                raise PermissionError(13, "Permission denied")
            return read(self)
        monkeypatch.setattr(Path, "read_bytes", refusing)
    res = run("check", page, locked, "--format", "json")
    assert res.exit_code == 2
    assert only_finding(json.loads(res.stdout)[1])["message"] == f"{locked}: cannot read the file (Permission denied)"


def test_a_404_url_among_others_is_reported_without_its_token(site, files):
    deck, _ = files
    missing = f"{site}/missing.html?token=hunter2-secret"
    res = run("check", f"{site}/files/deck.pptx", missing, deck, "--format", "json")
    assert res.exit_code == 2
    fetched, bad, local = json.loads(res.stdout)
    assert fetched["findings"] == local["findings"] == expected(deck).to_dict()["findings"]
    finding = only_finding(bad)
    assert "cannot fetch" in finding["message"] and "HTTP 404" in finding["message"]
    assert "hunter2" not in finding["message"] and "hunter2" not in res.stderr
    assert "Traceback" not in res.output


def test_a_typed_url_may_be_loopback_but_its_redirect_to_another_private_host_is_refused():
    from tests.test_fetch import running_server
    with running_server(host="127.0.0.2") as (inside, inside_url), running_server() as (typed, typed_url):
        res = run("check", f"{typed_url}/redirect?to={inside_url}/echo", f"{inside_url}/echo", "--format", "json")
        assert res.exit_code == 2
        redirected, direct = json.loads(res.stdout)
        message = only_finding(redirected)["message"]
        assert "cannot fetch" in message and "refusing to connect to 127.0.0.2" in message
        assert [r["path"] for r in inside.requests] == ["/echo"]   # only when typed itself
        assert len(typed.requests) == 1
        assert "cannot fetch" not in direct["findings"][0]["message"]   # fetched (JSON: not a format read)


def test_an_unreadable_input_outranks_fail_on(files, tmp_path):
    deck, _ = files
    assert run("check", deck, "--fail-on", "minor").exit_code == 1
    assert run("check", deck, tmp_path / "nope.pptx", "--fail-on", "minor").exit_code == 2


def test_usage_errors_still_print_nothing(page, tmp_path):
    res = run("check", page, tmp_path / "nope.html", "--format", "docx")
    assert res.exit_code == 2 and res.stdout == ""
    bad = tmp_path / "meta.json"
    bad.write_text('{"creators": 5}')
    res = one_line_error(run("check", page, tmp_path / "nope.html", "--metadata", bad), "creators")
    assert res.count("\n") == 0


# ------------------------------------------------------------------ --metadata value types

@pytest.mark.parametrize("metadata, message", [
    ({"creators": 5, "language": 7, "subjects": {"a": 1}},
     "creators must be a list of strings, not a number; language must be a string, not a number; "
     "subjects must be a list of strings, not a JSON object"),
    ({"creators": ["Ada", 3]}, "creators[1] must be a string, not a number"),
    ({"title": ["A", "B"]}, "title must be a string, not a list"),
    ({"deleted": "no"}, "deleted must be true or false, not a string"),
    ({"extra": []}, "extra must be a JSON object, not a list"),
    ({"created": "yesterday"}, "created must be an ISO 8601 date"),
    ({"modified": "2024-02-30"}, "modified must be an ISO 8601 date"),
    ({"files": "a.pdf"}, "files must be a list of file objects, not a string"),
    ({"files": [{"url": "https://x/a.pdf", "size": True}]}, "files[0].size must be a whole number, not true/false"),
    ({"files": [{"url": "https://x/a.pdf", "colour": "red"}]}, "unknown key(s) files[0].colour"),
])
def test_metadata_values_of_the_wrong_type_are_refused(page, tmp_path, metadata, message):
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(metadata))
    err = one_line_error(run("check", page, "--metadata", meta), f"--metadata {meta}: {message}")
    assert err.count("\n") == 0


def test_metadata_of_the_right_types_is_accepted(page, tmp_path):
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({
        "title": "Notes", "description": None, "creators": ["Ada"], "subjects": [], "language": "en",
        "created": "2024", "modified": "2024-05", "datestamp": "2024-05-31T12:00:00Z",
        "licence_statements": ["CC BY 4.0"], "deleted": False, "extra": {"any": [1, {"thing": None}]},
        "moodle": None, "files": [{"url": "https://x/a.pdf", "size": 10, "modified": "2024-05-31"}]}))
    res = run("check", page, "--metadata", meta, "--format", "json")
    assert res.exit_code == 0, res.output
