"""Tables: layout vs data, caption, headers, merged cells, empty rows, ACT a25f45 and d0f69e."""
import pytest

from tests.html_util import only, outcomes, page, problems

DATA = ("<table><caption>Marks</caption><tr><th>Name</th><th>Mark</th></tr>"
        "<tr><td>Ann</td><td>5</td></tr></table>")
NO_HEAD = "<table><tr><td>Name</td><td>Mark</td></tr><tr><td>Ann</td><td>5</td></tr></table>"


@pytest.mark.parametrize("body, expected", [
    (DATA, "passed"),
    ('<table role="presentation"><tr><td>Logo</td><td>Menu</td></tr></table>', "cantTell"),
    ("<table><tr><td>Left</td><td>Right</td></tr></table>", "cantTell"),
    ('<table role="presentation"><tr><th>Logo</th><td>Menu</td></tr></table>', "failed"),
    ("<p>No table</p>", "inapplicable"),
])
def test_layout_tables(body, expected):
    assert only(page(body), "table-layout") == expected


@pytest.mark.parametrize("body, rule, expected", [
    (DATA, "table-caption", "passed"),
    (DATA.replace("<caption>Marks</caption>", "").replace("<table>", '<table aria-label="Marks">'),
     "table-caption", "passed"),
    (DATA.replace("<caption>Marks</caption>", ""), "table-caption", "failed"),
    ('<table role="presentation"><tr><td>a</td><td>b</td></tr></table>', "table-caption", "inapplicable"),
    (DATA, "table-headers", "passed"),
    ('<table><tr><td role="columnheader">Name</td><td role="columnheader">Mark</td></tr>'
     "<tr><td>Ann</td><td>5</td></tr></table>", "table-headers", "passed"),
    (NO_HEAD, "table-headers", "failed"),
    ("<table><tr><td>only</td><td>one row</td></tr></table>", "table-headers", "inapplicable"),
    (DATA, "table-merged-cells", "passed"),
    (DATA.replace("<td>Ann</td><td>5</td>", '<td colspan="2">Ann</td>'), "table-merged-cells", "failed"),
    (DATA.replace("<tr><td>Ann</td>", '<tr><td rowspan="2">Ann</td>'), "table-merged-cells", "failed"),
    (DATA, "table-empty-rows", "passed"),
    (DATA.replace("</table>", "<tr><td> </td><td></td></tr></table>"), "table-empty-rows", "failed"),
    (DATA.replace("</table>", '<tr><td><img src="x.png" alt="tick"></td><td></td></tr></table>'),
     "table-empty-rows", "passed"),
])
def test_data_table_rules(body, rule, expected):
    assert only(page(body), rule) == expected


def test_merged_cell_location():
    [f] = problems(page(DATA.replace("<td>Ann</td><td>5</td>", '<td colspan="2">Ann</td>')),
                   "table-merged-cells")
    assert f.location.selector == "body > table > tbody > tr:nth-of-type(2) > td"
    assert f.evidence == '<td colspan="2">'


# ACT a25f45 headers attribute refers to cells in the same table
@pytest.mark.parametrize("body, expected", [
    ('<table><tr><th id="h1">Projects</th><th id="h2">Objective</th></tr>'
     '<tr><td headers="h1">15%</td><td headers="h2">10%</td></tr></table>', ["passed", "passed"]),
    ('<table><tr><th id="h1">Projects</th><th>Objective</th></tr>'
     '<tr><td headers="h1 h9">15%</td><td>10%</td></tr></table><p id="h9">x</p>', ["failed"]),
    ('<table><tr><th>Projects</th><th>Objective</th></tr>'
     '<tr><td id="self" headers="self">15%</td><td>10%</td></tr></table>', ["failed"]),
    (DATA, ["inapplicable"]),
])
def test_headers_attribute(body, expected):
    assert outcomes(page(body), "table-headers-attr") == expected


# ACT d0f69e table header cell has assigned cells
@pytest.mark.parametrize("body, expected", [
    (DATA, ["passed", "passed"]),
    ('<table><tr><th>Name</th><th>Mark</th><th>Notes</th></tr><tr><td>Ann</td><td>5</td></tr></table>',
     ["failed", "passed", "passed"]),
    ('<table><tr><th scope="row">Ann</th><td>5</td></tr><tr><th scope="row">Bob</th><td>4</td></tr></table>',
     ["passed", "passed"]),
    (NO_HEAD, ["inapplicable"]),
])
def test_header_has_data_cells(body, expected):
    assert sorted(outcomes(page(body), "table-header-assigned")) == sorted(expected)


# Brickfield table_th_should_have_scope, WCAG technique H63: only tables with headers both across
# the top and down the side need scope; the finding points at the <th> without it.
BOTH = ("<table><caption>Loads</caption><tr><th>Beam</th><th>Load</th><th>Span</th></tr>"
        "<tr><th>B1</th><td>5</td><td>2</td></tr><tr><th>B2</th><td>7</td><td>3</td></tr></table>")
SCOPED = BOTH.replace("<th>Beam</th><th>Load</th><th>Span</th>",
                      '<th scope="col">Beam</th><th scope="col">Load</th><th scope="col">Span</th>'
                      ).replace("<th>B", '<th scope="row">B')


@pytest.mark.parametrize("body, expected", [
    (SCOPED, ["passed"] * 5),
    (BOTH.replace("<th>B1</th>", '<th scope="row">B1</th>'), ["failed"] * 4 + ["passed"]),
    (SCOPED.replace('scope="row">B2', 'scope="rows">B2'), ["failed"] + ["passed"] * 4),   # invalid value
    # data cells that name their headers make scope unnecessary (technique H43)
    (BOTH.replace("<th>Load</th>", '<th id="load">Load</th>').replace("<td>5</td>", '<td headers="load">5</td>')
     .replace("<th>Beam</th>", '<th scope="col">Beam</th>').replace("<th>Span</th>", '<th scope="col">Span</th>')
     .replace("<th>B", '<th scope="row">B'), ["passed"] * 5),
    (DATA, ["inapplicable"]),                                                                   # column headers only
    ("<table><tr><th>Beam</th><td>5</td></tr><tr><th>B2</th><td>7</td></tr></table>", ["inapplicable"]),  # row headers only
    (NO_HEAD, ["inapplicable"]),
])
def test_th_scope(body, expected):
    assert sorted(outcomes(page(body), "table-th-scope")) == sorted(expected)


def test_th_scope_points_at_the_header_cell():
    [problem] = problems(page(BOTH.replace("<th>Beam</th><th>Load</th><th>Span</th>",
                                           '<th scope="col">Beam</th><th scope="col">Load</th><th>Span</th>')
                              .replace("<th>B", '<th scope="row">B')), "table-th-scope")
    assert problem.outcome == "failed" and problem.severity == "minor"
    assert problem.location.selector.endswith("th:nth-of-type(3)") and problem.evidence == "<th>"
    assert problem.refs["wcag"] == ["1.3.1"]


def test_header_assignment_in_a_table_too_large_to_scan_is_cant_tell(monkeypatch):
    from checkers import html_tables
    monkeypatch.setattr(html_tables._TableModel, "MAX_STEPS", 3)
    rows = "".join(f"<tr><td>{i}</td><td>x</td><td>y</td></tr>" for i in range(6))
    body = f"<table><tr><th>A</th><th>B</th><th>C</th></tr>{rows}</table>"
    got = outcomes(page(body), "table-header-assigned")
    assert "failed" not in got and "cantTell" in got


def test_column_header_over_row_headers_is_assigned():
    # The reported false positive: "Day" heads only the row headers below it (ACT d0f69e).
    body = ("<table><tr><th>Day</th><th>Morning</th></tr><tr><th>Mon</th><td>8-12</td></tr>"
            "<tr><th>Tue</th><td>9-12</td></tr></table>")
    assert outcomes(page(body), "table-header-assigned") == ["passed"] * 4


def test_header_heading_a_data_cell_after_others_are_known_makes_the_table_applicable():
    # "Load" heads the whole first column: the scans that skip headers already known to head a
    # cell must still find it for "Beam", the first non-empty data cell it heads.
    body = ('<table><tr><th>Load</th></tr><tr><td></td><td>x</td></tr><tr><td colspan="2"></td></tr>'
            '<tr><td>Beam</td><td role="columnheader"></td><th>Span</th><td></td></tr></table>')
    assert outcomes(page(body), "table-header-assigned") == ["passed", "passed"]


def _random_table(rng) -> str:
    """A table of one-slot cells: header or data cells, scopes and roles, empty cells, short rows."""
    rows = []
    width = rng.randint(1, 5)
    for _ in range(rng.randint(1, 5)):
        cells = []
        for _ in range(rng.randint(1, width)):
            tag = "th" if rng.random() < 0.45 else "td"
            attrs = rng.choice(["", "", "", ' scope="row"', ' scope="col"', ' scope="rowgroup"',
                                ' role="columnheader"', ' role="rowheader"', ' role="cell"'])
            cells.append(f"<{tag}{attrs}>{rng.choice(['x', 'Load', ''])}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def test_simple_table_assignment_agrees_with_the_full_table_model(monkeypatch):
    """The line-by-line header assignment for tables without spans or headers attributes gives
    the verdicts of the full HTML table model."""
    import random

    from checkers import html_tables
    from tests.html_util import run

    def verdicts(body):
        return [(f.outcome, f.count, f.location.selector) for f in run(page(body))[0]
                if f.rule in ("table-header-assigned", "table-th-scope")]

    rng = random.Random(7)
    bodies = [_random_table(rng) for _ in range(400)]
    fast = [verdicts(body) for body in bodies]
    monkeypatch.setattr(html_tables, "_simple_assignment", lambda *args: None)
    assert [verdicts(body) for body in bodies] == fast
    assert sum("failed" in str(v) for v in fast) > 20 and sum("passed" in str(v) for v in fast) > 100
