"""Licence policy profiles: the two shipped ones, a file given by path, and bad files."""
import os

import pytest

from checkers.licence import load_policy, normalise_licence
from checkers.licence_policy import PolicyError, available_policies


def classes(policy, *values):
    return [policy.classify(normalise_licence(v)) for v in values]


def test_shipped_profiles():
    assert available_policies() == ["annex3", "platform"]
    assert load_policy(None).name == "platform"  # the documented default


@pytest.mark.parametrize("value, platform, annex3", [
    ("CC BY 4.0", "recommended", "allowed"),
    ("CC BY-SA 4.0", "recommended", "allowed"),
    ("CC BY-NC-SA 4.0", "discouraged", "recommended"),
    ("CC BY-NC 4.0", "discouraged", "allowed"),
    ("CC BY-ND 4.0", "discouraged", "discouraged"),
    ("CC BY-NC-ND 4.0", "discouraged", "discouraged"),
    ("CC BY-SA 3.0 DE", "allowed", "allowed"),
    ("https://creativecommons.org/licenses/by-nd/3.0/fr/", "discouraged", "discouraged"),  # LicenseRef port
    ("https://creativecommons.org/licenses/by-sa/3.0/es/", "allowed", "allowed"),
    ("CC BY-SA", "allowed", "allowed"),           # version not stated: not the recommended 4.0
    ("CC0", "allowed", "allowed"),
    ("Public Domain Mark", "allowed", "allowed"),
    ("public", "allowed", "allowed"),             # Moodle public domain
    ("allrightsreserved", "not_open", "not_open"),
    ("unknown", "not_open", "not_open"),
    ("MIT", "unlisted", "unlisted"),
])
def test_both_profiles(value, platform, annex3):
    assert classes(load_policy("platform"), value) == [platform]
    assert classes(load_policy("annex3"), value) == [annex3]


def test_a_policy_file_by_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: strict\ntitle: Only CC BY\nrecommended: [CC-BY-4.0]\n"
                    "discouraged: ['CC-BY-SA*']\nnot_open: ['CC-BY-N*', LicenseRef-AllRightsReserved]\n")
    policy = load_policy(str(path))
    assert policy.name == "strict" and policy.path == str(path.resolve())
    assert classes(policy, "CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC0") == [
        "recommended", "discouraged", "not_open", "unlisted"]
    assert load_policy(path).name == "strict"  # a Path works as well


@pytest.mark.parametrize("text, problem", [
    ("recommended: [CC-BY-4.0]\ncolour: red\n", "unknown field(s): colour"),
    ("recommended: [CC-BY-4.7]\n", "not an SPDX id, LicenseRef-… or pattern: CC-BY-4.7"),
    ("recommended: CC-BY-4.0\nallowed: {a: b}\n", "allowed must be a list"),
    ("discouraged: ['CC-BY-NC*']\n", "must recommend or allow at least one licence"),
    ("- just a list\n", "must be a mapping"),
    ("recommended: [unclosed\n", "not valid YAML"),
])
def test_bad_policy_files_say_what_is_wrong(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(str(path))
    assert "bad.yaml" in str(err.value) and problem in str(err.value)


def test_unknown_names_and_missing_files(tmp_path):
    with pytest.raises(PolicyError, match="unknown licence policy 'nonsense': use one of annex3, platform"):
        load_policy("nonsense")
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(str(tmp_path / "missing.yaml"))


def test_a_policy_is_read_once_per_version_of_its_file(tmp_path, monkeypatch):
    from checkers import licence_policy
    reads = []
    real = licence_policy.yamlfile.load
    monkeypatch.setattr(licence_policy.yamlfile, "load", lambda text: reads.append(text) or real(text))
    path = tmp_path / "mine.yaml"
    path.write_text("name: first\nrecommended: [CC-BY-4.0]\n")
    assert [load_policy(path).name for _ in range(50)] == ["first"] * 50
    assert len(reads) == 1   # a sweep asks once per resource: parsed once
    path.write_text("name: second\nrecommended: [CC-BY-4.0]\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))   # a later edit
    assert load_policy(path).name == "second" and len(reads) == 2


def test_a_profile_added_to_the_policy_folder_is_found(tmp_path, monkeypatch):
    from checkers import licence_policy
    monkeypatch.setattr(licence_policy, "POLICY_DIR", tmp_path)
    (tmp_path / "one.yaml").write_text("recommended: [CC-BY-4.0]\n")
    assert available_policies() == ["one"] and load_policy("one").name == "one"
    (tmp_path / "two.yaml").write_text("recommended: [CC-BY-SA-4.0]\n")
    stat = tmp_path.stat()
    os.utime(tmp_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))   # the folder's next version
    assert available_policies() == ["one", "two"] and load_policy("two").name == "two"
