"""Licence rules, ACT style: inputs that pass, fail, need a person, and are inapplicable."""
import pytest

from checkers.engine import Context, check_bytes
from checkers.facts import ContentFacts, LicenceClue
from checkers.findings import unreadable
from checkers.licence import check_licence

BY = "https://creativecommons.org/licenses/by/4.0/"
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_NC_SA = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
BADGE_BY = "https://i.creativecommons.org/l/by/4.0/88x31.png"


def html(*clues, authors=(), text="Some text about thermodynamics."):
    return ContentFacts("html", text=text, authors=list(authors),
                        licences=[LicenceClue(*c) for c in clues])


def check(metadata=None, facts=None, policy="platform", name="", found=()):
    return check_licence(metadata or {}, facts or ContentFacts("metadata"), list(found),
                         Context(name=name, policy=policy))


def only(findings, rule):
    """The one finding of a rule (these rules judge a resource once, or once per licence)."""
    mine = [f for f in findings if f.rule == rule]
    assert len(mine) == 1, [(f.outcome, f.message) for f in mine]
    return mine[0]


def outcomes(findings, rule):
    return sorted(f.outcome for f in findings if f.rule == rule)


RULES = ["licence-missing", "licence-not-open", "licence-discouraged", "licence-mismatch",
         "licence-by-without-author", "licence-metadata-missing", "licence-logo-missing"]


def test_every_rule_reports_once_even_with_nothing_to_check():
    findings = check()
    assert [f.rule for f in findings] == RULES
    assert {f.outcome for f in findings} == {"inapplicable"}
    assert all("neither a metadata record nor content" in f.message for f in findings)


# ---------------------------------------------------------------- licence-missing

def test_missing_passes_with_a_licence_in_the_metadata():
    f = only(check({"title": "T", "licence_urls": [BY]}), "licence-missing")
    assert f.outcome == "passed" and "CC BY 4.0 (metadata licence_urls[0])" in f.message


def test_missing_passes_with_a_licence_only_in_the_content():
    f = only(check({}, html((BY, "html:rel=license", "url"))), "licence-missing")
    assert f.outcome == "passed" and "html:rel=license" in f.message


def test_missing_fails_for_a_record_without_licence_and_says_where_it_looked():
    f = only(check({"title": "Thermodynamics", "creators": ["Ada"]}), "licence-missing")
    assert f.outcome == "failed"
    assert "licence_urls, licence_statements, files[].licence" in f.message
    assert "metadata-only record" in f.message
    assert f.refs["annex"] == "A3.content.2"


def test_missing_fails_for_a_page_without_licence_and_no_metadata():
    f = only(check({}, html()), "licence-missing")
    assert f.outcome == "failed" and "No metadata record was given." in f.message and "Looked in no" not in f.message


def test_missing_fails_for_moodle_licence_unknown_and_says_so():
    meta = {"title": "Week 1", "files": [{"url": "https://m.example/a.pdf", "name": "a.pdf", "licence": "unknown"}]}
    findings = check(meta)
    f = only(findings, "licence-missing")
    assert f.outcome == "failed" and "unknown" in f.message and "files[0].licence (a.pdf)" in f.message
    assert only(findings, "licence-not-open").outcome == "inapplicable"  # said once, not twice


def test_missing_cant_tell_for_an_unrecognised_rights_statement():
    f = only(check({"title": "T", "licence_statements": ["Nur für den Unterricht an der Hochschule"]}),
             "licence-missing")
    assert f.outcome == "cantTell" and "Nur für den Unterricht" in f.message


def test_missing_cant_tell_when_the_content_could_not_be_read():
    found = [unreadable("the pdf file could not be read")]
    f = only(check({}, ContentFacts("pdf"), found=found), "licence-missing")
    assert f.outcome == "cantTell"


def test_access_status_is_not_a_licence_statement():
    f = only(check({"title": "T", "licence_statements": ["info:eu-repo/semantics/openAccess"]}),
             "licence-missing")
    assert f.outcome == "failed"


# ---------------------------------------------------------------- licence-not-open

def test_not_open_passes_for_cc():
    f = only(check({"title": "T", "licence_urls": [BY_NC_SA]}), "licence-not-open")
    assert f.outcome == "passed"  # NC is open enough here; the policy judges it separately


@pytest.mark.parametrize("meta", [
    {"title": "T", "licence_statements": ["All rights reserved"]},
    {"title": "T", "files": [{"url": "u/x.pdf", "name": "x.pdf", "licence": "allrightsreserved"}]},
])
def test_not_open_fails_for_all_rights_reserved(meta):
    f = only(check(meta), "licence-not-open")
    assert f.outcome == "failed" and "all rights reserved" in f.message and "metadata" in f.message


def test_not_open_fails_for_all_rights_reserved_in_the_content():
    facts = html(("© 2020 Uni. All rights reserved.", "pdf:xmp", "text"))
    f = only(check({}, facts), "licence-not-open")
    assert f.outcome == "failed" and "pdf:xmp" in f.message


def test_not_open_cant_tell_for_a_licence_on_no_list():
    f = only(check({"title": "T", "licence_statements": ["MIT"]}), "licence-not-open")
    assert f.outcome == "cantTell" and "MIT" in f.message and "platform" in f.message


def test_not_open_judges_each_licence_once():
    meta = {"title": "T", "licence_urls": [BY], "licence_statements": ["CC BY 4.0", "All rights reserved"]}
    assert outcomes(check(meta), "licence-not-open") == ["failed", "passed"]


def test_not_open_inapplicable_without_licence():
    assert only(check({"title": "T"}), "licence-not-open").outcome == "inapplicable"


# ---------------------------------------------------------------- licence-discouraged

def test_discouraged_fails_for_nc_under_the_platform_policy():
    f = only(check({"title": "T", "licence_urls": [BY_NC_SA]}), "licence-discouraged")
    assert f.outcome == "failed"
    assert "CC BY-NC-SA 4.0" in f.message and "“platform”" in f.message
    assert "recommended: CC BY 4.0, CC BY-SA 4.0" in f.message


def test_discouraged_passes_for_nc_sa_under_annex3():
    f = only(check({"title": "T", "licence_urls": [BY_NC_SA]}, policy="annex3"), "licence-discouraged")
    assert f.outcome == "passed" and "recommended by the licence policy “annex3”" in f.message


def test_discouraged_passes_for_an_allowed_licence_and_names_the_recommended_one():
    f = only(check({"title": "T", "licence_urls": [BY]}, policy="annex3"), "licence-discouraged")
    assert f.outcome == "passed" and "allowed" in f.message and "CC BY-NC-SA 4.0" in f.message


def test_discouraged_fails_for_nd_under_annex3():
    f = only(check({"title": "T", "licence_statements": ["CC BY-ND 4.0"]}, policy="annex3"),
             "licence-discouraged")
    assert f.outcome == "failed"


def test_discouraged_uses_a_policy_file(tmp_path):
    path = tmp_path / "only-by.yaml"
    path.write_text("name: only-by\nrecommended: [CC-BY-4.0]\ndiscouraged: ['CC-BY-SA*']\n")
    f = only(check({"title": "T", "licence_urls": [BY_SA]}, policy=str(path)), "licence-discouraged")
    assert f.outcome == "failed" and "only-by" in f.message


def test_discouraged_cant_tell_when_the_policy_cannot_be_loaded(tmp_path):
    findings = check({"title": "T", "licence_urls": [BY]}, policy=str(tmp_path / "gone.yaml"))
    assert "cantTell" in outcomes(findings, "licence-discouraged")
    assert only(findings, "licence-not-open").outcome == "passed"  # still judged without the policy


def test_discouraged_inapplicable_for_not_open_or_missing_licences():
    assert only(check({"title": "T"}), "licence-discouraged").outcome == "inapplicable"
    f = only(check({"title": "T", "licence_statements": ["allrightsreserved"]}), "licence-discouraged")
    assert f.outcome == "inapplicable"


# ---------------------------------------------------------------- licence-mismatch

def test_mismatch_passes_when_both_agree():
    facts = html((BY, "html:rel=license", "url"), (BADGE_BY, "html:badge", "badge"))
    f = only(check({"title": "T", "licence_statements": ["CC BY 4.0"]}, facts), "licence-mismatch")
    assert f.outcome == "passed"


def test_mismatch_fails_and_names_both_sides():
    facts = html((BY_SA, "html:rel=license", "url"))
    f = only(check({"title": "T", "licence_urls": [BY]}, facts), "licence-mismatch")
    assert f.outcome == "failed"
    assert "CC BY 4.0 (metadata licence_urls[0])" in f.message
    assert "CC BY-SA 4.0 (html:rel=license)" in f.message


def test_mismatch_fails_for_all_rights_reserved_text_against_cc_metadata():
    facts = html(("Copyright 2021 X. All rights reserved.", "docx:core", "text"))
    f = only(check({"title": "T", "licence_urls": [BY]}, facts), "licence-mismatch")
    assert f.outcome == "failed" and "all rights reserved (docx:core)" in f.message


def test_mismatch_ignores_third_party_credits_when_the_page_declares_its_licence():
    facts = html((BY, "html:rel=license", "url"), ("Photo: Jane Roe, CC BY-NC 2.0", "html:text", "text"))
    f = only(check({"title": "T", "licence_urls": [BY]}, facts), "licence-mismatch")
    assert f.outcome == "passed"


def test_mismatch_cant_tell_when_the_content_names_more_licences():
    facts = html((BY, "html:rel=license", "url"), (BY_SA, "html:a", "url"))
    f = only(check({"title": "T", "licence_urls": [BY]}, facts), "licence-mismatch")
    assert f.outcome == "cantTell" and "CC BY-SA 4.0" in f.message


def test_mismatch_a_versionless_name_agrees_with_a_version():
    facts = html(("CC BY-SA", "pptx:text", "badge"))
    f = only(check({"title": "T", "licence_urls": [BY_SA]}, facts), "licence-mismatch")
    assert f.outcome == "passed"


@pytest.mark.parametrize("meta, facts", [
    ({"title": "T", "licence_urls": [BY]}, None),                      # metadata-only record
    ({"title": "T"}, html((BY, "html:rel=license", "url"))),           # nothing in the metadata
    ({"title": "T", "licence_urls": [BY]}, html()),                    # nothing in the content
])
def test_mismatch_inapplicable_with_one_side_only(meta, facts):
    assert only(check(meta, facts), "licence-mismatch").outcome == "inapplicable"


def test_mismatch_uses_the_checked_files_own_moodle_licence():
    meta = {"title": "Week 1", "files": [
        {"url": "https://m.example/pluginfile.php/5/a.pdf", "name": "a.pdf", "licence": "cc-4.0"},
        {"url": "https://m.example/pluginfile.php/5/b.pdf", "name": "b.pdf", "licence": "cc-sa-4.0"}]}
    facts = ContentFacts("pdf", text="x", licences=[LicenceClue(BY_SA, "pdf:xmp", "url")])
    assert only(check(meta, facts, name="https://m.example/pluginfile.php/5/a.pdf"),
                "licence-mismatch").outcome == "failed"
    assert only(check(meta, facts, name="b.pdf"), "licence-mismatch").outcome == "passed"


# ---------------------------------------------------------------- licence-by-without-author

def test_by_without_author_fails_like_oersi_reports_it():
    f = only(check({"title": "T", "licence_urls": [BY]}), "licence-by-without-author")
    assert f.outcome == "failed" and "CC BY 4.0" in f.message and "creators" in f.message


@pytest.mark.parametrize("meta, facts", [
    ({"title": "T", "licence_urls": [BY], "creators": ["Lovelace, Ada"]}, None),
    ({"title": "T", "licence_urls": [BY], "moodle": {"author": "Ada Lovelace"}}, None),
    ({"title": "T", "files": [{"url": "u/a.pdf", "licence": "cc-4.0", "author": "Ada Lovelace"}]}, None),
    ({}, html((BY, "html:rel=license", "url"), authors=["Ada Lovelace"])),
])
def test_by_without_author_passes_with_an_author_anywhere(meta, facts):
    f = only(check(meta, facts), "licence-by-without-author")
    assert f.outcome == "passed" and "Ada" in f.message


def test_by_without_author_cant_tell_when_the_text_has_an_author_line():
    facts = html((BY, "html:rel=license", "url"), text="Autor: Max Mustermann\nInhalt …")
    assert only(check({}, facts), "licence-by-without-author").outcome == "cantTell"


@pytest.mark.parametrize("meta", [{"title": "T", "licence_statements": ["CC0 1.0"]},
                                  {"title": "T", "licence_statements": ["All rights reserved"]},
                                  {"title": "T"}])
def test_by_without_author_inapplicable_without_an_attribution_licence(meta):
    assert only(check(meta), "licence-by-without-author").outcome == "inapplicable"


# ---------------------------------------------------------------- licence-metadata-missing

def test_metadata_licence_passes():
    f = only(check({"title": "T", "licence_urls": [BY]}), "licence-metadata-missing")
    assert f.outcome == "passed" and f.refs["annex"] == "A3.findability.3"


def test_metadata_licence_fails_when_only_the_content_has_one():
    f = only(check({"title": "T"}, html((BY, "html:rel=license", "url"))), "licence-metadata-missing")
    assert f.outcome == "failed" and "although the content states CC BY 4.0 (html:rel=license)" in f.message


def test_metadata_licence_fails_for_moodle_unknown():
    meta = {"title": "T", "files": [{"url": "u/a.pdf", "name": "a.pdf", "licence": "unknown"}]}
    f = only(check(meta), "licence-metadata-missing")
    assert f.outcome == "failed" and "unknown" in f.message


def test_metadata_licence_cant_tell_for_an_unrecognised_statement():
    f = only(check({"title": "T", "licence_statements": ["Siehe Impressum"]}), "licence-metadata-missing")
    assert f.outcome == "cantTell" and "Siehe Impressum" in f.message


def test_metadata_licence_inapplicable_without_a_record():
    f = only(check({}, html((BY, "html:rel=license", "url"))), "licence-metadata-missing")
    assert f.outcome == "inapplicable" and "--metadata" in f.message


# ---------------------------------------------------------------- licence-logo-missing

def test_logo_passes_with_a_badge():
    facts = html((BY, "html:rel=license", "url"), (BADGE_BY, "html:badge", "badge"))
    f = only(check({}, facts), "licence-logo-missing")
    assert f.outcome == "passed" and "html:badge" in f.message


def test_logo_fails_on_a_page_without_badge():
    f = only(check({"title": "T", "licence_urls": [BY]}, html()), "licence-logo-missing")
    assert f.outcome == "failed" and "CC BY 4.0" in f.message and "licensebuttons.net" in f.message


def test_logo_cant_tell_in_a_pdf():
    facts = ContentFacts("pdf", text="x", licences=[LicenceClue(BY, "pdf:xmp", "url")])
    f = only(check({}, facts), "licence-logo-missing")
    assert f.outcome == "cantTell" and "pdf" in f.message


@pytest.mark.parametrize("meta, facts", [
    ({"title": "T", "licence_urls": [BY]}, None),                          # metadata only
    ({"title": "T", "licence_statements": ["All rights reserved"]}, html()),  # not a CC licence
    ({"title": "T"}, html()),                                              # no licence at all
])
def test_logo_inapplicable(meta, facts):
    assert only(check(meta, facts), "licence-logo-missing").outcome == "inapplicable"


# ---------------------------------------------------------------- through the engine

def test_metadata_only_record_end_to_end():
    record = {"identifier": "oai:repo:7", "source": "repo", "title": "Heat engines",
              "creators": ["Smith, J."], "licence_urls": [BY_NC_SA], "openness": "open"}
    platform = check_bytes(None, resource="oai:repo:7", metadata=record)
    annex3 = check_bytes(None, resource="oai:repo:7", metadata=record, policy="annex3")
    p = {f.rule: f.outcome for f in platform.findings if f.rule.startswith("licence-")}
    a = {f.rule: f.outcome for f in annex3.findings if f.rule.startswith("licence-")}
    assert p == {"licence-missing": "passed", "licence-not-open": "passed", "licence-discouraged": "failed",
                 "licence-mismatch": "inapplicable", "licence-by-without-author": "passed",
                 "licence-metadata-missing": "passed", "licence-logo-missing": "inapplicable"}
    assert a["licence-discouraged"] == "passed"
    assert platform.scores["oer"]["content"] < annex3.scores["oer"]["content"]
    assert platform.to_dict()["findings"]  # the JSON contract still holds


def test_record_dict_from_the_harvester_model():
    from harvester.record import FileRef, ResourceRecord
    rec = ResourceRecord(identifier="moodle:site:3:41:slides.pdf", source="moodle", title="Slides",
                         files=[FileRef(url="https://m.example/pluginfile.php/1/slides.pdf", name="slides.pdf",
                                        licence="cc-sa-4.0", author="Ada Lovelace")],
                         openness="login", moodle={"course": 3})
    result = check_bytes(None, resource=rec.identifier, metadata=rec.to_dict())
    got = {f.rule: f for f in result.findings}
    assert got["licence-missing"].outcome == "passed"
    assert "files[0].licence (slides.pdf)" in got["licence-missing"].message
    assert got["licence-discouraged"].outcome == "passed"
    assert got["licence-by-without-author"].outcome == "passed"
