"""The accessible-name computation (accname 1.2) on static HTML."""
import pytest

from checkers.htmldoc import Page


def name_of(body: str, selector_id: str = "t", head: str = "") -> str:
    p = Page(f"<html><head>{head}</head><body>{body}</body></html>".encode())
    return p.name(p.by_id[selector_id])


@pytest.mark.parametrize("body, expected", [
    ('<a id="t" href="/x">Course <b>syllabus</b></a>', "Course syllabus"),
    ('<a id="t" href="/x" aria-label="Syllabus">icon</a>', "Syllabus"),
    ('<span id="a">Week</span><span id="b" hidden>one</span><a id="t" href="/x" aria-labelledby="a b">x</a>',
     "Week one"),
    ('<a id="t" href="/x">Read <span hidden>secret</span><span aria-hidden="true">★</span>more</a>', "Read more"),
    ('<a id="t" href="/x">Read <span style="display:none">secret</span>more</a>', "Read more"),
    ('<a id="t" href="/x">Read <span class="sr">secret</span>more</a>', "Read more"),
    ('<a id="t" href="/x"><img src="a.png" alt="Home"></a>', "Home"),
    ('<a id="t" href="/x"><img src="a.png" alt=""></a>', ""),
    ('<a id="t" href="/x" title="Tooltip"></a>', "Tooltip"),
    ('<button id="t"><svg role="img" aria-label="Close"></svg></button>', "Close"),
    ('<table id="t"><caption>Marks</caption><tr><td>1</td></tr></table>', "Marks"),
    ('<label for="t">E-mail</label><input id="t" type="text">', "E-mail"),
    ('<label>Name <input id="t" type="text"></label>', "Name"),
    ('<h2 id="t">Results<br>2024</h2>', "Results 2024"),
    ('<div id="t">not named from content</div>', ""),
    ('<a id="t" href="/x" aria-labelledby="t2"></a><a id="t2" href="/y" aria-labelledby="t">Loop</a>', "Loop"),
])
def test_names(body, expected):
    assert name_of(body, head="<style>.sr { visibility: hidden }</style>") == expected
