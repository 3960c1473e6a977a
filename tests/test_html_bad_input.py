"""Hostile and broken HTML: wrong encodings, deep nesting, huge attributes, truncation, binary,
oversized pages. Never an exception, never a hang; an `unreadable` finding where that is right."""
import random

import pytest

from checkers.engine import check_bytes
from tests.html_util import outcomes, page, run


def unreadable(findings):
    return [f for f in findings if f.rule == "unreadable"]


def test_declared_charset_wrong_falls_back():
    # declared UTF-8 but really Latin-1: decoded with the fallback, not crashed
    data = page("<p>Übung für Schüler</p>").replace("Übung für Schüler".encode(), "Übung für Schüler".encode("latin-1"))
    findings, facts = run(data)
    assert not unreadable(findings)
    assert "Übung für Schüler" in facts.text


def test_utf8_wins_over_wrong_declaration():
    data = ('<html lang="fi"><head><meta charset="iso-8859-1"><title>Hyvä</title></head>'
            "<body><p>Äänitys ja €</p></body></html>").encode()
    _, facts = run(data)
    assert facts.title == "Hyvä" and "Äänitys ja €" in facts.text


def test_mixed_and_invalid_bytes():
    data = page("<p>ok</p><p>BROKEN</p>").replace(b"BROKEN", b"\xff\xfe\xc3\x28 broken \x80\x81")
    findings, facts = run(data)
    assert not unreadable(findings) and "broken" in facts.text


def test_unknown_declared_charset():
    data = b'<html><head><meta charset="x-no-such-charset"><title>T</title></head><body><p>caf\xe9</p></body></html>'
    _, facts = run(data)
    assert "café" in facts.text


def test_utf16_with_bom():
    data = page("<p>Grüße</p>").decode().encode("utf-16")
    _, facts = run(data)
    assert "Grüße" in facts.text


def test_deep_nesting_is_bounded():
    data = b"<div>" * 100_000 + b"<img src=x.png>" + b"</div>" * 100_000
    findings, _ = run(data)
    [f] = unreadable(findings)
    assert f.outcome == "cantTell" and "255 levels" in f.message


def test_deep_nesting_of_inline_styles_and_links():
    data = (b'<p style="color:#777">' + b'<span style="color:#777"><a href="/x">' * 20_000 + b"deep text")
    findings, _ = run(data)
    assert any(f.rule == "text-contrast" for f in findings)


def test_megabyte_attributes_keep_evidence_short():
    data = page('<img src="a.png" title="' + "x" * 2_000_000 + '">' + '<img src="' + "y" * 1_000_000 + '">')
    findings, _ = run(data)
    failed = [f for f in findings if f.outcome == "failed"]
    assert failed and all(len(f.evidence or "") <= 300 for f in findings)


def test_truncated_file():
    data = page("<h1>Title</h1><table><tr><td>a</td><td>b")[:-30]
    findings, _ = run(data)
    assert not unreadable(findings)
    assert outcomes(data, "heading-empty") == ["passed"]


@pytest.mark.parametrize("seed", range(5))
def test_random_binary_named_html(seed):
    data = random.Random(seed).randbytes(50_000)
    findings, _ = run(data)
    assert isinstance(findings, list)  # a result, whatever the bytes
    result = check_bytes(data, resource="x.html", name="x.html")
    assert any(f.rule == "unreadable" for f in result.findings)


def test_empty_and_whitespace_pages():
    for data in (b"", b"   \n\t "):
        [f] = run(data)[0]
        assert f.rule == "unreadable" and f.outcome == "failed" and "empty" in f.message


def test_size_cap():
    data = page("<p>" + "word " * 4_200_000 + "</p>")  # about 21 MB
    [f], facts = run(data)
    assert f.rule == "unreadable" and f.outcome == "cantTell" and "5 MB cap" in f.message
    assert facts.format == "html"
    [g], _ = run(page("<p>" + "word " * 300 + "</p>"), html_max_bytes=1000)
    assert "0.001 MB cap" in g.message


def test_many_failures_are_capped_per_rule():
    data = page("<p>" + '<img src="a.png">' * 500 + "</p>")
    findings, _ = run(data)
    listed = [f for f in findings if f.rule == "img-alt-missing"]
    assert len(listed) == 51
    assert listed[-1].count == 450 and "450 more" in listed[-1].message


def test_hostile_css_does_not_break_the_checker():
    head = ("<title>T</title><style>@media screen { p { color: red } } p > > a {} #a#b {} "
            "p:hover { color: #fff } .x { color: } @import 'x.css'; div { background: url(a.png) "
            "#fff } " + "a " * 20_000 + "{color:red}</style>")
    findings, _ = run(page('<div><p class="x">Text <a href="/y">link</a></p></div>', head=head))
    assert not unreadable(findings)
