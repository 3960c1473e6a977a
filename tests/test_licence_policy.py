"""Licence policy profiles: the two shipped ones, a file given by path, and bad files."""
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
