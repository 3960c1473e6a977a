"""sources.yaml: parsing, validation messages that name the source and the field, `oerlint sources`."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from harvester.sources import SourcesError, find_source, load_sources, parse_sources
from sweeps.cli import main

VALID = textwrap.dedent("""
    sources:
      - name: odr
        institution: Alliance Open Data Repository
        kind: oai
        base_url: https://repo.example.org/oai/request
        schedule: "0 2 * * *"
        metadata_prefix: [lom, oai_dc]
        sets: oer
        rate: 0.5
      - name: campus-moodle
        institution: Example University
        kind: moodle
        base_url: https://moodle.example.org/
        schedule: "30 3 * * 1-5"
        token_env: CAMPUS_MOODLE_TOKEN
        courses: [12, 15]
        categories: [3]
        allow_private: [127.0.0.1, 10.0.0.0/8, moodle.internal]
        max_concurrency: 2
        browser: false
        policy: platform
""")


def write(tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(text: str) -> list[str]:
    import yaml
    with pytest.raises(SourcesError) as info:
        parse_sources(yaml.safe_load(textwrap.dedent(text)))
    return info.value.problems


def test_valid_file_gives_sources_with_kind_specific_options(tmp_path):
    sources = load_sources(write(tmp_path, VALID))
    odr, moodle = sources
    assert (odr.name, odr.kind, odr.institution, odr.schedule) == (
        "odr", "oai", "Alliance Open Data Repository", "0 2 * * *")
    assert odr.options == {"metadata_prefix": ["lom", "oai_dc"], "sets": ["oer"], "rate": 0.5}
    assert moodle.base_url == "https://moodle.example.org"
    assert moodle.options["token_env"] == "CAMPUS_MOODLE_TOKEN"
    assert moodle.options["courses"] == [12, 15] and moodle.options["categories"] == [3]
    assert moodle.options["allow_private"] == ["127.0.0.1", "10.0.0.0/8", "moodle.internal"]
    assert find_source(sources, "odr") is odr
    with pytest.raises(KeyError, match="no source named 'nope'.*odr, campus-moodle"):
        find_source(sources, "nope")


def test_mapping_form_takes_the_name_from_the_key():
    sources = parse_sources({"sources": {"repo": {"institution": "X", "kind": "oai",
                                                  "base_url": "http://r.example.org/oai"}}})
    assert sources[0].name == "repo" and sources[0].schedule is None


def test_a_token_in_the_file_is_refused_with_a_clear_message():
    problems = problems_of("""
        sources:
          - name: m
            institution: U
            kind: moodle
            base_url: https://moodle.example.org
            token: 0123456789abcdef
    """)
    assert len(problems) == 1
    assert problems[0].startswith("source 'm': field 'token': secrets must not be written in sources.yaml")
    assert "token_env" in problems[0] and "0123456789abcdef" not in problems[0]


def test_every_problem_is_reported_naming_source_and_field():
    problems = problems_of("""
        sources:
          - name: a
            institution: A
            kind: oai
            base_url: ftp://repo.example.org/oai
            schedule: "every night"
            metadataPrefix: oai_dc
            courses: [1]
          - name: b
            kind: moodle
            base_url: https://moodle.example.org
            token_env: "not a variable name"
            categories: [0]
          - name: a
            institution: A2
            kind: website
            base_url: https://x.example.org
    """)
    assert "source 'a': field 'base_url': must be an http(s) URL with a host (got 'ftp://repo.example.org/oai')" in problems
    assert any(p.startswith("source 'a': field 'schedule': not a valid cron expression: 'every night'")
               for p in problems)
    assert "source 'a': field 'metadataPrefix': did you mean 'metadata_prefix'?" in problems
    assert "source 'a': field 'courses': only for kind moodle" in problems
    assert "source 'b': field 'institution': required text" in problems
    assert any(p.startswith("source 'b': field 'token_env': expected the NAME of an environment variable")
               for p in problems)
    assert "source 'b': field 'categories': expected a list of positive integer ids" in problems
    assert "source 'a': field 'kind': must be one of oai, moodle (got 'website')" in problems


def test_moodle_needs_token_env_and_urls_carry_no_secrets():
    problems = problems_of("""
        sources:
          - name: m
            institution: U
            kind: moodle
            base_url: https://moodle.example.org/?wstoken=abc
    """)
    assert any("field 'token_env': required for kind moodle" in p for p in problems)
    assert "source 'm': field 'base_url': must not carry a token in its query; use token_env" in problems


def test_duplicate_names_and_bad_allowlist():
    problems = problems_of("""
        sources:
          - {name: r, institution: I, kind: oai, base_url: "http://a.example.org/oai"}
          - {name: r, institution: I, kind: oai, base_url: "http://b.example.org/oai",
             allow_private: ["not a host!"], max_concurrency: 0}
    """)
    assert "source 'r': field 'name': duplicate name" in problems
    assert any(p.startswith("source 'r': field 'allow_private':") for p in problems)
    assert "source 'r': field 'max_concurrency': expected an integer >= 1 (got 0)" in problems


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(SourcesError, match="cannot read the file"):
        load_sources(tmp_path / "missing.yaml")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(write(tmp_path, "sources: [\n"))
    with pytest.raises(SourcesError, match="expected a list of sources"):
        load_sources(write(tmp_path, "just text\n"))


def test_cli_lists_valid_sources_and_finds_the_file_through_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, VALID)
    monkeypatch.setenv("OERLINT_SOURCES", str(path))
    monkeypatch.delenv("CAMPUS_MOODLE_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    assert "2 source(s), all valid" in result.stdout
    assert "odr [oai] https://repo.example.org/oai/request" in result.stdout
    assert "token_env='CAMPUS_MOODLE_TOKEN'" in result.stdout
    assert "environment variable CAMPUS_MOODLE_TOKEN is not set" in result.stderr


def test_cli_exits_2_with_every_problem(tmp_path):
    path = write(tmp_path, """
        sources:
          - name: m
            institution: U
            kind: moodle
            base_url: https://moodle.example.org
            token: secret-value
            schedule: "61 * * * *"
    """)
    result = CliRunner().invoke(main, ["sources", "--sources", str(path)])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.stderr
    assert "source 'm': field 'token': secrets must not be written" in result.stderr
    assert "source 'm': field 'schedule': not a valid cron expression: '61 * * * *'" in result.stderr
    assert "secret-value" not in result.output


def test_the_example_file_in_the_repository_is_valid():
    from pathlib import Path
    example = Path(__file__).resolve().parent.parent / "sources.example.yaml"
    kinds = {s.kind for s in load_sources(example)}
    assert kinds == {"oai", "moodle"}
