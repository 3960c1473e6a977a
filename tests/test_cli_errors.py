"""The sweep commands with a database that cannot be reached or named: one line naming the URL
(password hidden) and the reason, exit status 2, no traceback."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sweeps.cli import _database_reason, main

ROOT = Path(__file__).resolve().parent.parent
OERLINT = ROOT / ".venv" / "bin" / "oerlint"
REFUSED = "postgresql+psycopg://nobody:hunter2-secret@127.0.0.1:1/x"   # nothing listens on port 1
SOURCES = "sources:\n  - name: demo\n    institution: Demo\n    kind: oai\n    base_url: http://127.0.0.1:1/oai\n"


@pytest.fixture
def env(tmp_path):
    (tmp_path / "sources.yaml").write_text(SOURCES)
    return {"OERLINT_DATA_DIR": str(tmp_path / "data"), "OERLINT_SOURCES": str(tmp_path / "sources.yaml"),
            "OERLINT_NO_ISOLATION": "1", "OERLINT_BROKER_URL": ""}


def database_error(env, url, *args):
    result = CliRunner().invoke(main, list(args), env={**env, "OERLINT_DATABASE_URL": url})
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stdout == ""
    err = result.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert err.startswith("Error: cannot use the database "), err
    return err


@pytest.mark.parametrize("args", [("status",), ("sweep", "demo"), ("report", "demo")])
def test_unreachable_database_is_one_line_without_the_password(env, args):
    err = database_error(env, REFUSED, *args)
    assert "postgresql+psycopg://nobody:***@127.0.0.1:1/x" in err
    assert "hunter2" not in err
    assert "Connection refused" in err


@pytest.mark.parametrize("args", [("status",), ("sweep", "demo"), ("report", "demo")])
def test_unknown_database_scheme_is_one_line(env, args):
    err = database_error(env, "foo://x", *args)
    assert "foo://x: unknown kind of database" in err


@pytest.mark.parametrize("url, shown, reason", [
    ("mysql://me:hunter2-secret@127.0.0.1:1/x", "mysql://me:***@127.0.0.1:1/x", "its driver is not installed"),
    ("postgresql+psycopg://me:hunter2-secret@127.0.0.1:port/x?password=hunter2",
     "postgresql+psycopg://***@127.0.0.1:port/x", "malformed URL"),
    ("not a url", "not a url", "Could not parse SQLAlchemy URL"),
])
def test_malformed_urls_and_missing_drivers(env, url, shown, reason):
    err = database_error(env, url, "status")
    assert f"cannot use the database {shown}: {reason}" in err
    assert "hunter2" not in err


def test_other_errors_are_not_taken_for_database_errors():
    import sqlalchemy.exc  # noqa: F401 (the check looks for it among the loaded modules)
    try:
        int("port")
    except ValueError as exc:
        assert _database_reason(exc) is None
    try:
        import oerlint_no_such_module  # noqa: F401
    except ImportError as exc:
        assert _database_reason(exc) is None


def test_console_script_prints_no_traceback(env, tmp_path):
    done = subprocess.run([str(OERLINT), "status"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={"PATH": "/usr/bin:/bin", **env, "OERLINT_DATABASE_URL": REFUSED})
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("Error: cannot use the database postgresql+psycopg://nobody:***@127.0.0.1:1/x: ")
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr


@pytest.mark.parametrize("args", [["check", "--format", "bogus", "page.html"], ["status", "--bogus"],
                                  ["sources", "--bogus"], ["explain"]])
def test_every_command_gives_a_usage_error_in_one_line(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and f"oerlint {args[0]} --help" in lines[0], lines
