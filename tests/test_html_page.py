"""Page-level rules (lang ACT b5c3f8/bf051a/de46e4, title ACT 2779a5), fragments, media,
third-party content, and the ContentFacts the licence and Annex 3 checks read."""
import pytest

from tests.html_util import only, outcomes, page, problems, run


@pytest.mark.parametrize("html, rule, expected", [
    (page("<p>x</p>", lang="fi"), "html-lang", "passed"),
    (page("<p>x</p>", lang=" "), "html-lang", "failed"),
    (b"<!doctype html><html><head><title>T</title></head><body><p>x</p></body></html>", "html-lang", "failed"),
    (page("<p>x</p>", lang="de-AT"), "html-lang-valid", "passed"),
    (page("<p>x</p>", lang="english"), "html-lang-valid", "failed"),
    (page("<p>x</p>", lang="en_US"), "html-lang-valid", "failed"),
    (page("<p>x</p>", lang="xx"), "html-lang-valid", "failed"),
    (page("<p>x</p>", lang=""), "html-lang-valid", "inapplicable"),
    (page('<p lang="sv">Hej</p>'), "element-lang-valid", "passed"),
    (page('<p lang="swedish">Hej</p>'), "element-lang-valid", "failed"),
    (page("<p>Hej</p>"), "element-lang-valid", "inapplicable"),
    (page("<p>x</p>"), "page-title", "passed"),
    (page("<p>x</p>", head="<title> </title>"), "page-title", "failed"),
    (page("<p>x</p>", head=""), "page-title", "failed"),
    (page('<svg role="img"><title>not the page title</title></svg>', head=""), "page-title", "failed"),
])
def test_page_rules(html, rule, expected):
    assert only(html, rule) == expected


@pytest.mark.parametrize("rule", ["html-lang", "html-lang-valid", "page-title"])
def test_fragments_make_page_rules_inapplicable(rule):
    fragment = "<h3>Week 1</h3><p>Read the chapter before the lecture.</p>"
    assert only(fragment, rule) == "inapplicable"
    assert only(fragment, rule, html_fragment=True) == "inapplicable"


def test_fragment_detection_can_be_overridden():
    fragment = "<h3>Week 1</h3><p>Read the chapter before the lecture.</p>"
    assert only(fragment, "html-lang", html_fragment=False) == "failed"
    assert only(fragment, "page-title", html_fragment=False) == "failed"


def test_fragment_still_checks_content():
    assert outcomes('<p><img src="a.png"></p>', "img-alt-missing") == ["failed"]
    assert outcomes('<p lang="english">x</p>', "element-lang-valid") == ["failed"]


@pytest.mark.parametrize("body, expected", [
    ('<video src="v.mp4"><track kind="captions" src="c.vtt" srclang="en"></video>', "passed"),
    ('<video><source src="v.mp4"><track src="s.vtt" srclang="en"></video>', "passed"),  # kind defaults to subtitles
    ('<video src="v.mp4"></video>', "failed"),
    ('<video src="v.mp4"><track kind="chapters" src="c.vtt"></video>', "failed"),
    ('<div><video src="v.mp4"></video></div><p><a href="t.html">Transcript of the video</a></p>', "cantTell"),
    ('<video src="v.mp4" hidden></video>', "inapplicable"),
])
def test_video_captions(body, expected):
    assert only(page(body), "video-captions") == expected


@pytest.mark.parametrize("body, expected", [
    # An offered transcript is cantTell: whether it covers everything said needs a person (ACT 2eb176).
    ('<audio src="talk.mp3" controls></audio><p><a href="talk.txt">Transkript</a></p>', "cantTell"),
    ('<p>Podcast</p><audio src="talk.mp3" controls></audio><p>Litteraatti: Tervetuloa kurssille.</p>', "cantTell"),
    ('<audio src="talk.mp3" controls></audio>', "failed"),
    ('<p>Podcast</p><audio src="talk.mp3" autoplay></audio><p>Next week: essays.</p>', "failed"),
    ('<audio src="talk.mp3"></audio>', "cantTell"),
    ("<p>No audio</p>", "inapplicable"),
])
def test_audio_transcript(body, expected):
    assert only(page(body), "audio-transcript") == expected


def test_embeds():
    html = page('<iframe title="Intro" src="https://www.youtube-nocookie.com/embed/x"></iframe>'
                '<iframe title="Vimeo" src="https://player.vimeo.com/video/1"></iframe>'
                '<iframe title="Board" src="https://padlet.com/x/board"></iframe>'
                '<iframe title="Own" src="/mod/quiz/view.php"></iframe>'
                '<iframe title="Own abs" src="https://moodle.example.org/q"></iframe>')
    kw = {"base_url": "https://moodle.example.org/course/view.php?id=3"}
    videos = problems(html, "video-embed-captions", **kw)
    assert [f.outcome for f in videos] == ["cantTell", "cantTell"]
    assert "www.youtube-nocookie.com" in videos[0].message
    [third] = problems(html, "third-party-embed", **kw)
    assert third.outcome == "cantTell" and "padlet.com" in third.message
    assert outcomes(page("<p>nothing</p>"), "third-party-embed") == ["inapplicable"]


def test_content_facts():
    html = page(
        '<h1>Statics</h1><h2 hidden>Secret</h2><p>Intro text. <a href="notes.pdf">Notes (PDF)</a></p>'
        '<p>This work is licensed under a Creative Commons Attribution-ShareAlike 4.0 International '
        'License. Share it.</p>'
        '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">'
        '<img src="https://i.creativecommons.org/l/by-sa/4.0/88x31.png" alt="CC BY-SA 4.0"></a>'
        '<p hidden>hidden words</p><a rel="author" href="/u/7">Maija Meikäläinen</a>',
        head='<title>Statics 1</title><meta name="author" content="Ann Author; Bob Builder">'
             '<meta name="keywords" content="statics, beams">'
             '<meta property="article:modified_time" content="2024-05-01">'
             '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":'
             '"LearningResource","author":[{"@type":"Person","name":"Cem Coder"}],'
             '"license":"https://creativecommons.org/licenses/by/4.0/","datePublished":"2023-01-02",'
             '"keywords":["mechanics"]}]}</script>', lang="en-GB")
    _, facts = run(html, base_url="https://oer.example.org/r/1/")
    assert facts.format == "html" and facts.title == "Statics 1" and facts.language == "en-GB"
    assert facts.headings == ["Statics"]
    assert "https://oer.example.org/r/1/notes.pdf" in facts.links
    assert facts.authors[:3] == ["Ann Author", "Bob Builder", "Maija Meikäläinen"] and "Cem Coder" in facts.authors
    assert facts.keywords == ["statics", "beams", "mechanics"]
    assert facts.dates == {"modified": "2024-05-01", "created": "2023-01-02"}
    kinds = {(c.kind, c.where): c.value for c in facts.licences}
    assert kinds[("url", "html:rel=license")] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert kinds[("url", "html:json-ld")] == "https://creativecommons.org/licenses/by/4.0/"
    assert kinds[("badge", "html:badge")].startswith("https://i.creativecommons.org/l/by-sa/4.0/")
    assert "Creative Commons Attribution-ShareAlike 4.0" in kinds[("text", "html:text")]
    assert "Intro text." in facts.text and "hidden words" not in facts.text and "Secret" not in facts.text
    assert "Statics\nIntro text." in facts.text   # blocks stay on their own lines
    assert facts.word_count > 20


@pytest.mark.parametrize("body, clue", [
    ("<p>Notes for week 1.</p><footer><p>© 2024 Example University. All rights reserved.</p></footer>",
     "All rights reserved."),
    ("<p>Skript zur Vorlesung</p><p>© 2023 TU Beispiel – Alle Rechte vorbehalten</p>",
     "© 2023 TU Beispiel – Alle Rechte vorbehalten"),
    ("<p>Σημειώσεις. Με επιφύλαξη παντός δικαιώματος.</p>", "Με επιφύλαξη παντός δικαιώματος."),
    ("<p>Tous droits   réservés, 2022</p>", "Tous droits réservés, 2022"),
])
def test_all_rights_reserved_sentence_is_a_licence_clue(body, clue):
    _, facts = run(page(body))
    texts = [c for c in facts.licences if c.where == "html:text"]
    assert [(c.kind, c.value) for c in texts] == [("text", clue)]
    from checkers.licence_detect import normalise_licence
    assert normalise_licence(texts[0].value).spdx == "LicenseRef-AllRightsReserved"


@pytest.mark.parametrize("body", [
    "<p>We reserve the right to change the schedule. All rights of students are listed below.</p>",
    "<p hidden>All rights reserved.</p><p>Open notes</p>",       # not visible
    "<p>Overall rights reserved-ness is not a phrase</p>",
])
def test_no_rights_clue_without_the_phrase(body):
    _, facts = run(page(body))
    assert [c for c in facts.licences if c.where == "html:text"] == []


def test_all_rights_reserved_reaches_the_licence_checker():
    from checkers.engine import check_bytes
    result = check_bytes(page("<p>Lecture notes.</p><p>© 2024 Example University. All rights reserved.</p>"),
                         resource="notes.html", name="notes.html")
    by_rule = {f.rule: f for f in result.findings}
    assert by_rule["licence-missing"].outcome == "passed"
    assert by_rule["licence-not-open"].outcome == "failed"
    assert by_rule["licence-not-open"].evidence == "All rights reserved."


@pytest.mark.parametrize("body", [
    "<p>Beam<b>load</b> and <i> span </i>\u00a0end\u2003x</p><p>\n</p>",
    "<div>a<!-- note -->b<script>var x;</script>c<ul><li>one</li><li>two<br>three</li></ul>tail</div>",
    "<table><tr><td>1</td><td>2 3</td></tr></table>\u3000<span>\u200bzero-width</span>",
])
def test_word_count_counts_what_itertext_gives(body):
    from checkers.htmldoc import Page
    doc = Page(page(body))
    assert doc.word_count == len(" ".join(doc.body.itertext()).split())
