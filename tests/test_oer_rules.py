"""Annex 3 rules, ACT style: inputs that pass, fail, need a person, and are inapplicable."""
import pytest

from checkers.engine import Context, check_bytes
from checkers.facts import ContentFacts
from checkers.findings import make_finding, unreadable
from checkers.oer import check_oer
from rules.catalogue import catalogue

LONG = " ".join(["Heat flows from warm bodies to cold ones."] * 30)   # 240 words, no special phrase
FULL_RECORD = {"identifier": "oai:r:1", "title": "Heat engines",
               "description": "An introduction to heat engines for first-year engineering students, "
                              "with worked examples and exercises on the Carnot cycle.",
               "subjects": ["thermodynamics"], "language": "en", "created": "2024-01-10",
               "resource_type": "text", "creators": ["Lovelace, Ada"], "openness": "open",
               "landing_page": "https://repo.example/records/1"}


def page(text=LONG, headings=(), fmt="html", **kw):
    return ContentFacts(fmt, text=text, headings=list(headings), word_count=len(text.split()), **kw)


def check(metadata=None, facts=None, found=()):
    return check_oer(metadata or {}, facts or ContentFacts("metadata"), list(found), Context())


def only(findings, rule):
    mine = [f for f in findings if f.rule == rule]
    assert len(mine) == 1, [(f.outcome, f.message) for f in mine]
    return mine[0]


RULES = ["oer-research-based", "oer-sources-cited", "oer-peer-reviewed", "oer-learning-objectives",
         "oer-varied-use", "oer-accessible", "oer-usage-information", "oer-target-groups",
         "oer-published-openly", "oer-metadata-complete", "oer-curriculum-link", "oer-author-missing",
         "oer-authors-not-separated", "oer-update-cycle"]


def test_the_rules_cover_every_annex3_item_but_the_licence_ones():
    cat = catalogue()
    items = {cat[r].annex for r in RULES}
    annex3 = {k for k in cat.annexes if k.startswith("A3.")}
    assert annex3 - items == {"A3.content.2", "A3.findability.3"}          # rules/licence.yaml
    assert {cat[r].annex for r in cat.rules if r.startswith("licence-")} == {"A3.content.2", "A3.findability.3"}
    manual = {r for r in RULES if cat[r].mode == "manual"}
    assert manual == {"oer-research-based", "oer-peer-reviewed", "oer-varied-use", "oer-target-groups",
                      "oer-accessible"}


def test_nothing_to_check_is_inapplicable_everywhere():
    findings = check()
    assert [f.rule for f in findings] == RULES
    assert {f.outcome for f in findings} == {"inapplicable"}


@pytest.mark.parametrize("rule", ["oer-research-based", "oer-peer-reviewed", "oer-varied-use", "oer-target-groups"])
def test_manual_items_ask_a_reviewer(rule):
    for findings in (check(FULL_RECORD), check({}, page())):
        f = only(findings, rule)
        assert f.outcome == "cantTell" and f.message.startswith("A reviewer must judge this")


# ---------------------------------------------------------------- oer-sources-cited

@pytest.mark.parametrize("text, headings", [
    (LONG + "\nSmith (2020) showed it.", ()),
    (LONG + " As shown (Smith, 2020).", ()),
    (LONG + " See [1] and [2].", ()),
    (LONG + " doi:10.1016/j.energy.2020.01.001", ()),
    (LONG + " ISBN 978-3-16-148410-0", ()),
    (LONG, ("Introduction", "Literaturverzeichnis")),
    (LONG + "\nΒιβλιογραφία\nΠαπαδόπουλος 2019", ()),
])
def test_sources_pass(text, headings):
    f = only(check({}, page(text, headings)), "oer-sources-cited")
    assert f.outcome == "passed" and "content" in f.message


def test_sources_fail_on_a_long_text_and_say_what_was_looked_for():
    f = only(check({}, page()), "oer-sources-cited")
    assert f.outcome == "failed"
    assert "“references”" in f.message and "“lähteet”" in f.message and "DOIs" in f.message


def test_sources_cant_tell_for_a_short_text_or_metadata_only():
    assert only(check({}, page("Watch the video and answer the quiz.")), "oer-sources-cited").outcome == "cantTell"
    assert only(check(FULL_RECORD), "oer-sources-cited").outcome == "cantTell"


def test_sources_a_single_bracket_number_is_not_a_citation():
    assert only(check({}, page(LONG + " Press [1] to start.")), "oer-sources-cited").outcome == "failed"


def test_sources_in_a_metadata_only_record_description_pass():
    meta = dict(FULL_RECORD, description=FULL_RECORD["description"] + " Based on doi:10.5281/zenodo.12345")
    assert only(check(meta), "oer-sources-cited").outcome == "passed"


# ---------------------------------------------------------------- oer-learning-objectives

@pytest.mark.parametrize("text", [
    "Learning objectives: after this module you will be able to explain entropy.",
    "Lernziele: Sie können die Hauptsätze erklären.",
    "Objetivos de aprendizaje: explicar la entropía.",
    "Oppimistavoitteet: ymmärrät entropian.",
    "Obiettivi di apprendimento: spiegare l'entropia.",
    "À l'issue de ce module, vous serez capable d'expliquer l'entropie.",
    "Μαθησιακοί στόχοι: να εξηγείτε την εντροπία.",
    "Учебни цели: да обяснявате ентропията.",
    "Obiective de învățare: explicarea entropiei.",
    "Lärandemål: förklara entropi.",
])
def test_objectives_pass_in_the_ten_languages(text):
    f = only(check({}, page(LONG + "\n" + text)), "oer-learning-objectives")
    assert f.outcome == "passed"


def test_objectives_fail_and_list_what_was_looked_for():
    f = only(check({}, page()), "oer-learning-objectives")
    assert f.outcome == "failed"
    assert f.message.startswith("A sentence describing learning objectives was not found")
    assert "we looked for" in f.message and "“lernziele”" in f.message and "“μαθησιακοί στόχοι”" in f.message


def test_objectives_in_the_metadata_description_count():
    meta = dict(FULL_RECORD, description="Learning outcomes: students will be able to size a heat pump.")
    assert only(check(meta), "oer-learning-objectives").outcome == "passed"


def test_objectives_cant_tell_without_content_text():
    assert only(check(FULL_RECORD), "oer-learning-objectives").outcome == "cantTell"
    assert only(check({}, ContentFacts("media")), "oer-learning-objectives").outcome == "cantTell"
    found = [unreadable("the pdf file could not be read")]
    f = only(check({}, ContentFacts("pdf"), found), "oer-learning-objectives")
    assert f.outcome == "cantTell" and "could not be read" in f.message


def test_inline_moodle_html_counts_for_a_metadata_only_record():
    meta = {"title": "Week 1", "content_html": "<h2>Lernziele</h2><p>Nach dieser Einheit können Sie …</p>"}
    assert only(check(meta), "oer-learning-objectives").outcome == "passed"
    assert only(check({"title": "W", "content_html": "<<<>"}), "oer-learning-objectives").outcome == "cantTell"


# ---------------------------------------------------------------- oer-accessible

def test_accessible_summarises_the_accessibility_findings_without_scoring_them():
    found = [make_finding("unreadable", "failed", "broken")]   # an Annex 2 rule (A2.files)
    f = only(check({}, page(), found), "oer-accessible")
    assert f.outcome == "cantTell" and "1 problem(s) (unreadable)" in f.message
    assert catalogue()["oer-accessible"].mode == "manual"   # scoring skips it: no double count


def test_accessible_for_a_metadata_only_record():
    f = only(check(FULL_RECORD), "oer-accessible")
    assert f.outcome == "cantTell" and "metadata-only" in f.message


# ---------------------------------------------------------------- oer-usage-information

def test_usage_passes_with_a_description_or_instructions():
    assert only(check(FULL_RECORD), "oer-usage-information").outcome == "passed"
    assert only(check({}, page(LONG + "\nVorkenntnisse: Analysis I")), "oer-usage-information").outcome == "passed"
    assert only(check({}, page(LONG + "\nFörkunskaper: matematik")), "oer-usage-information").outcome == "passed"


def test_usage_fails_without_either():
    f = only(check({"title": "T", "description": "Slides."}, page()), "oer-usage-information")
    assert f.outcome == "failed" and "found 1" in f.message


def test_usage_cant_tell_for_a_record_without_description():
    assert only(check({"title": "T"}), "oer-usage-information").outcome == "cantTell"


# ---------------------------------------------------------------- oer-published-openly

def test_published_openly():
    assert only(check(FULL_RECORD), "oer-published-openly").outcome == "passed"
    moodle = {"course_id": 7, "course_shortname": "THERMO1", "course_fullname": "Thermo 1"}  # harvester's keys
    f = only(check(dict(FULL_RECORD, openness="login", moodle=moodle)), "oer-published-openly")
    assert f.outcome == "failed" and "login" in f.message and "Thermo 1" in f.message
    assert only(check({"title": "T"}), "oer-published-openly").outcome == "cantTell"
    assert only(check({}, page()), "oer-published-openly").outcome == "inapplicable"


# ---------------------------------------------------------------- oer-metadata-complete

def test_metadata_complete_passes():
    assert only(check(FULL_RECORD), "oer-metadata-complete").outcome == "passed"


def test_metadata_complete_names_what_is_missing_and_what_the_file_has():
    facts = page(title="Heat engines", language="en", keywords=["carnot"])
    f = only(check({"identifier": "x", "description": "d"}, facts), "oer-metadata-complete")
    assert f.outcome == "failed"
    assert "lacks: title, keywords or subjects, language, date, type or format" in f.message
    assert "“Heat engines”" in f.message and "language is en" in f.message and "carnot" in f.message


def test_metadata_complete_accepts_a_files_media_type_as_format():
    meta = {k: v for k, v in FULL_RECORD.items() if k != "resource_type"}
    meta["files"] = [{"url": "u/a.pdf", "media_type": "application/pdf"}]
    assert only(check(meta), "oer-metadata-complete").outcome == "passed"


def test_metadata_complete_inapplicable_without_a_record():
    assert only(check({}, page()), "oer-metadata-complete").outcome == "inapplicable"


# ---------------------------------------------------------------- oer-curriculum-link

@pytest.mark.parametrize("meta, facts", [
    (dict(FULL_RECORD, relations=["isPartOf: https://uni.example/curriculum/energy-bsc"]), None),
    (dict(FULL_RECORD, moodle={"course_id": 12}), None),
    ({}, page(LONG + " This module is worth 5 ECTS at EQF level 6.")),
    ({}, page(LONG + " Kuuluu opintojaksoon Termodynamiikka.")),
    ({}, page(LONG + " Siehe Modulhandbuch Maschinenbau.")),
    ({}, page(LONG + " Πρόγραμμα σπουδών Μηχανολογίας.")),
])
def test_curriculum_link_passes(meta, facts):
    assert only(check(meta, facts), "oer-curriculum-link").outcome == "passed"


def test_curriculum_link_fails_and_cant_tell():
    f = only(check({}, page()), "oer-curriculum-link")
    assert f.outcome == "failed" and "isPartOf" in f.message and "“kursplan”" in f.message
    assert only(check(FULL_RECORD), "oer-curriculum-link").outcome == "cantTell"


# ---------------------------------------------------------------- authors (A3.lifecycle.1)

def test_author_present_missing_and_unsure():
    assert only(check(FULL_RECORD), "oer-author-missing").outcome == "passed"
    assert only(check({}, page(authors=["Anna Virtanen"])), "oer-author-missing").outcome == "passed"
    f = only(check({"title": "T"}, page()), "oer-author-missing")
    assert f.outcome == "failed" and "creators" in f.message and "author properties" in f.message
    assert only(check({}, page("Tekijä: Anna Virtanen\n" + LONG)), "oer-author-missing").outcome == "cantTell"


def test_authors_separated():
    f = only(check({"title": "T", "creators": ["Smith, J.; Doe, A. and B. Roe"]}), "oer-authors-not-separated")
    assert f.outcome == "failed" and "Smith, J.; Doe, A. and B. Roe" in f.message
    assert f.evidence == "Smith, J.; Doe, A. and B. Roe"
    found = check({"title": "T", "creators": ["Lovelace, Ada", "Anna Virtanen ja Pekka Korhonen"]})
    outcomes = sorted(x.outcome for x in found if x.rule == "oer-authors-not-separated")
    assert outcomes == ["cantTell", "passed"]
    assert only(check({"title": "T"}), "oer-authors-not-separated").outcome == "inapplicable"


# ---------------------------------------------------------------- oer-update-cycle

def test_update_cycle_passes_with_a_phrase_or_a_review_date():
    assert only(check({}, page(LONG + "\nStand: März 2025")), "oer-update-cycle").outcome == "passed"
    assert only(check({}, page(dates={"review": "2026-01-01"})), "oer-update-cycle").outcome == "passed"


def test_update_cycle_metadata_dates_are_not_enough():
    f = only(check(FULL_RECORD, page()), "oer-update-cycle")
    assert f.outcome == "failed"
    assert "created 2024-01-10" in f.message and "not when the content should be checked" in f.message


def test_update_cycle_cant_tell_for_metadata_only():
    assert only(check(FULL_RECORD), "oer-update-cycle").outcome == "cantTell"


# ---------------------------------------------------------------- through the engine

def test_metadata_only_record_end_to_end():
    result = check_bytes(None, resource="oai:r:1", metadata=FULL_RECORD)
    got = {f.rule: f.outcome for f in result.findings if f.rule.startswith("oer-")}
    assert got["oer-metadata-complete"] == "passed" and got["oer-published-openly"] == "passed"
    assert got["oer-learning-objectives"] == "cantTell"
    assert result.scores["accessibility"] is None
    assert result.scores["oer"]["findability"] is not None


GOOD_PAGE = """<!doctype html><html lang="de"><head><title>Wärmekraftmaschinen</title>
<meta name="author" content="Anna Meier"></head><body><main>
<h1>Wärmekraftmaschinen</h1>
<h2>Lernziele</h2><p>Nach dieser Einheit können Sie den Carnot-Prozess erklären (Meier, 2021).</p>
<h2>Voraussetzungen</h2><p>Grundlagen der Thermodynamik. Modul MB-204, 5 ECTS.</p>
<h2>Literatur</h2><p>Meier, A. (2021). Thermodynamik. doi:10.1000/thermo.2021</p>
<p>Stand: März 2025, nächste Überprüfung März 2026.</p>
<p><a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/"><img
 alt="CC BY-SA 4.0" src="https://licensebuttons.net/l/by-sa/4.0/88x31.png"></a>
Dieses Werk ist lizenziert unter einer Creative Commons Namensnennung - Weitergabe unter gleichen
Bedingungen 4.0 International Lizenz.</p></main></body></html>"""

BARE_PAGE = """<!doctype html><html lang="en"><head><title>Heat</title></head><body><main>
<h1>Heat</h1><p>Heat flows from warm bodies to cold ones.</p>
<p>This page is CC BY 4.0.</p></main></body></html>"""


def test_html_page_end_to_end():
    record = dict(FULL_RECORD, licence_urls=["https://creativecommons.org/licenses/by-sa/4.0/"],
                  creators=["Meier, Anna"])
    result = check_bytes(GOOD_PAGE.encode(), resource="p.html", name="p.html", metadata=record)
    got = {f.rule: f.outcome for f in result.findings if f.rule.startswith(("oer-", "licence-"))}
    assert {r: got[r] for r in ("oer-sources-cited", "oer-learning-objectives", "oer-usage-information",
                                "oer-curriculum-link", "oer-author-missing", "oer-update-cycle",
                                "licence-missing", "licence-mismatch", "licence-logo-missing",
                                "licence-discouraged", "licence-metadata-missing")} == dict.fromkeys(
        ("oer-sources-cited", "oer-learning-objectives", "oer-usage-information", "oer-curriculum-link",
         "oer-author-missing", "oer-update-cycle", "licence-missing", "licence-mismatch",
         "licence-logo-missing", "licence-discouraged", "licence-metadata-missing"), "passed")
    assert result.scores["oer"]["lifecycle"] == 100 and result.scores["oer"]["methods"] == 100


def test_bare_html_page_end_to_end_without_metadata():
    result = check_bytes(BARE_PAGE.encode(), resource="b.html", name="b.html")
    got = {f.rule: f for f in result.findings if f.rule.startswith(("oer-", "licence-"))}
    assert got["licence-missing"].outcome == "passed"                 # "CC BY 4.0" in the text
    assert got["licence-logo-missing"].outcome == "failed"            # but no badge
    assert got["licence-by-without-author"].outcome == "failed"       # and no author
    assert got["licence-metadata-missing"].outcome == "inapplicable"  # no record given
    assert got["oer-learning-objectives"].outcome == "failed"
    assert got["oer-sources-cited"].outcome == "cantTell"             # a short text
    assert got["oer-update-cycle"].outcome == "failed"


# ---------------------------------------------------------------- bad input never raises

ODD_RECORDS = [
    {"creators": "Smith, J.; Doe, A.", "subjects": 5, "files": "x", "moodle": "y", "relations": None,
     "licence_urls": "https://creativecommons.org/licenses/by/4.0/", "description": 42, "title": ["a"]},
    {"creators": [None, 3, {"name": "x"}], "files": [None, 1, {"licence": 7, "author": None}],
     "licence_statements": [None, {"x": 1}], "openness": None, "content_html": 12},
    {"title": "x" * 1_000_000, "description": "<" * 100_000, "content_html": "<div>" * 50_000},
]


@pytest.mark.parametrize("record", ODD_RECORDS)
def test_odd_metadata_never_raises(record):
    from checkers.licence import check_licence
    findings = check(record) + check_licence(record, ContentFacts("metadata"), [], Context())
    assert {f.outcome for f in findings} <= {"passed", "failed", "cantTell", "inapplicable"}


def test_a_single_string_is_read_as_a_one_item_list():
    from checkers.licence import check_licence
    findings = check_licence(ODD_RECORDS[0], ContentFacts("metadata"), [], Context())
    assert only(findings, "licence-missing").message == "Licence found: CC BY 4.0 (metadata licence_urls[0])"
    f = only(check(ODD_RECORDS[0]), "oer-authors-not-separated")
    assert f.outcome == "failed" and "Smith, J.; Doe, A." in f.message


def test_a_large_text_is_handled():
    text = ("Heat flows (Smith 2020) from warm bodies. " * 5000)[:200_000]
    findings = check({}, page(text))
    assert only(findings, "oer-learning-objectives").outcome == "failed"


@pytest.mark.parametrize("rule", ["oer-learning-objectives", "oer-update-cycle", "oer-sources-cited",
                                  "oer-author-missing"])
def test_a_phrase_missing_from_partly_read_text_is_cant_tell_not_failed(rule):
    assert only(check({}, page()), rule).outcome == "failed"
    partial = only(check({}, page(text_complete=False)), rule)
    assert partial.outcome == "cantTell"
    assert "part" in partial.message


def test_a_phrase_found_in_partly_read_text_still_passes():
    text = LONG + " Learning objectives: after this unit you will be able to size a heat pump."
    assert only(check({}, page(text=text, text_complete=False)), "oer-learning-objectives").outcome == "passed"


def test_text_over_the_facts_cap_is_marked_partial():
    facts = ContentFacts("html")
    facts.add_text("word " * 30_000)
    assert facts.text_complete
    facts.add_text("word " * 30_000)
    assert not facts.text_complete


def test_content_in_no_format_we_read_leaves_the_quality_rules_to_a_reviewer():
    # Bytes that are no format oerlint reads: there was content, so the manual and text rules
    # are cantTell (a reviewer must look), not inapplicable as for a record with no content.
    from checkers.engine import check_bytes
    result = check_bytes(bytes(range(256)) * 8, resource="x", name="notes.html")
    outcome = {f.rule: f.outcome for f in result.findings}
    assert outcome["unreadable"] == "cantTell"
    assert outcome["oer-peer-reviewed"] == outcome["oer-learning-objectives"] == "cantTell"
    assert outcome["licence-missing"] == "cantTell"
