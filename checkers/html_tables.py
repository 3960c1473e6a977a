"""Tables (Annex 2, tables 1-4; WCAG 1.3.1; ACT a25f45 and d0f69e).

A table is a *layout* table when it says so (role=presentation/none) and *probably* one when it
has a single row or column and no header cells; those get a `cantTell` under "use tables
judiciously" and are not held to the data-table rules. Every other visible table is a data table.
"""
from __future__ import annotations

from checkers.accname import PRESENTATIONAL
from checkers.htmldoc import Page

RULES = ("table-layout", "table-caption", "table-headers", "table-merged-cells", "table-empty-rows",
         "table-headers-attr", "table-header-assigned", "table-th-scope")
SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
HEADER_ROLES = frozenset({"columnheader", "rowheader"})
CELL_TAGS = frozenset({"td", "th"})
MAX_GRID_CELLS = 100_000


def check(page: Page) -> None:
    for table in page.by_tag["table"]:
        if page.hidden(table):
            continue
        _table(page, table)


def _rows(table) -> list:
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows


def _cells(row) -> list:
    return [c for c in row if c.tag in CELL_TAGS]


def _is_header(cell) -> bool:
    role = cell.get("role")
    role = role.strip().lower() if role else ""
    if role:
        return role in HEADER_ROLES
    return cell.tag == "th"


def _span(cell, attr: str) -> int:
    value = cell.get(attr)
    if value is None:
        return 1
    try:
        return max(1, min(1000, int(value.strip() or 1)))
    except ValueError:
        return 1


def _grid(row_cells: list[list], spans: dict) -> dict[tuple[int, int], object]:
    """HTML table model, simplified: (row, column) -> cell, following rowspan and colspan."""
    grid: dict[tuple[int, int], object] = {}
    for r, cells in enumerate(row_cells):
        c = 0
        for cell in cells:
            while (r, c) in grid:
                c += 1
            rowspan, colspan = spans.get(cell, (1, 1))
            if rowspan == colspan == 1:
                if len(grid) < MAX_GRID_CELLS:
                    grid[(r, c)] = cell
            else:
                for dr in range(rowspan):
                    for dc in range(colspan):
                        if len(grid) < MAX_GRID_CELLS:
                            grid[(r + dr, c + dc)] = cell
            c += colspan
    return grid


def _table(page: Page, table) -> None:
    rows = _rows(table)
    row_cells = [[c for c in row if c.tag in CELL_TAGS] for row in rows]
    cells = [c for rc in row_cells for c in rc]
    header_of = {}   # cell -> is it a header cell
    spans = {}       # cell -> (rowspan, colspan), only for cells that span
    for cell in cells:
        attrib = cell.attrib
        header_of[cell] = _is_header(cell) if "role" in attrib else cell.tag == "th"
        if "colspan" in attrib or "rowspan" in attrib:
            spans[cell] = (_span(cell, "rowspan"), _span(cell, "colspan"))
    headers = [c for c in cells if header_of[c]]
    columns = max((sum(spans[c][1] if c in spans else 1 for c in rc) for rc in row_cells), default=0)
    role = (table.get("role") or "").strip().lower()
    if role in PRESENTATIONAL:
        semantic = bool(headers) or table.find("caption") is not None
        page.report("table-layout", False if semantic else None,
                    "Layout table with header cells or a caption: remove them, they announce data "
                    "that is not there" if semantic else
                    "Table used for layout: present this content without a table where you can", table)
        return
    if not headers and (len(rows) < 2 or columns < 2):
        if cells:
            page.report("table-layout", None,
                        "A one-row or one-column table without headers looks like a layout table: "
                        "use tables only for data", table)
        return
    page.report("table-layout", True, "")
    page.report("table-caption", bool(page.name(table)),
                "Table has no title: add a caption (the editor's table caption field)", table)
    page.report("table-headers", bool(headers),
                "Table has no header cells: mark the first row and/or column as headers", table)
    merged = next((c for c in cells if c in spans and (spans[c][0] > 1 or spans[c][1] > 1)), None)
    page.report("table-merged-cells", merged is None,
                "Table has merged cells, which screen readers announce poorly: split them", merged)
    empty_row = next((r for r, rc in zip(rows, row_cells) if rc and all(_empty(page, c) for c in rc)), None)
    page.report("table-empty-rows", empty_row is None, "Table has an empty row: remove it", empty_row)
    _headers_attributes(page, table, cells)
    _assigned(page, row_cells, headers, cells, header_of, spans)


def _empty(page: Page, cell) -> bool:
    return not page.text(cell) and cell.find(".//img") is None and cell.find(".//input") is None


def _headers_attributes(page: Page, table, cells: list) -> None:
    """ACT a25f45: each id in a cell's headers attribute names another cell of the same table."""
    own = {c.get("id"): c for c in cells if c.get("id")}
    for cell in cells:
        value = cell.get("headers")
        if value is None:
            continue
        ids = value.split()
        bad = [i for i in ids if i not in own or own[i] is cell]
        page.report("table-headers-attr", bool(ids) and not bad,
                    f"headers=\"{value[:60]}\" names {', '.join(bad[:3]) or 'nothing'}, which is not "
                    "another cell of this table", cell)


def _assigned(page: Page, row_cells: list[list], headers: list, cells: list, header_of: dict,
              spans: dict) -> None:
    """ACT d0f69e: each header cell is assigned to at least one data cell (its column for a
    column header, its row for a row header, or a data cell naming it in headers)."""
    if not headers:
        return
    grid = _grid(row_cells, spans)
    positions: dict[object, list[tuple[int, int]]] = {}
    data_rows, data_cols = set(), set()
    for pos, cell in grid.items():
        if header_of[cell]:
            positions.setdefault(cell, []).append(pos)
        else:
            data_rows.add(pos[0])
            data_cols.add(pos[1])
    named = {i for c in cells if "headers" in c.attrib for i in c.get("headers").split()}
    for header in headers:
        ident = header.get("id")
        if ident and ident in named:
            page.report("table-header-assigned", True, "")
            continue
        scope = (header.get("scope") or "").strip().lower()
        role = (header.get("role") or "").strip().lower()
        spots = positions.get(header, ())
        if scope in ("row", "rowgroup") or role == "rowheader":
            ok = any(r in data_rows for r, _ in spots)
        elif scope in ("col", "colgroup") or role == "columnheader":
            ok = any(c in data_cols for _, c in spots)
        else:
            ok = any(c in data_cols or r in data_rows for r, c in spots)
        page.report("table-header-assigned", ok,
                    "Header cell has no data cells in its row or column", header)
    _scopes(page, grid, positions, headers, named)


def _scopes(page: Page, grid: dict, positions: dict, headers: list, named: set) -> None:
    """Brickfield table_th_should_have_scope, WCAG technique H63: where a table has column headers
    (in its first row) and row headers (in its first column below that), each <th> says which
    it is with scope, or data cells name it in their headers attribute."""
    spots = [spot for cell in headers for spot in positions.get(cell, ())]
    column_headers = any(r == 0 and c > 0 for r, c in spots)   # the corner cell counts for neither
    row_headers = any(r > 0 and c == 0 for r, c in spots)
    if not (column_headers and row_headers):
        return
    for header in headers:
        if header.tag != "th":
            continue
        scope = (header.get("scope") or "").strip().lower()
        ident = header.get("id")
        page.report("table-th-scope", scope in SCOPES or bool(ident and ident in named),
                    "This table has both row and column headers: add scope=\"col\" or scope=\"row\" to this "
                    "header cell so that screen readers know which cells it heads", header)
