"""Tables (Annex 2, tables 1-4; WCAG 1.3.1; ACT a25f45 and d0f69e).

A table is a *layout* table when it says so (role=presentation/none) and *probably* one when it
has a single row or column and no header cells; those get a `cantTell` under "use tables
judiciously" and are not held to the data-table rules. Every other visible table is a data table.
"""
from __future__ import annotations

from checkers.accname import PRESENTATIONAL
from checkers.htmldoc import Page

RULES = ("table-layout", "table-caption", "table-headers", "table-merged-cells", "table-empty-rows",
         "table-headers-attr", "table-header-assigned")
HEADER_ROLES = frozenset({"columnheader", "rowheader"})
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
    return [c for c in row if c.tag in ("td", "th")]


def _is_header(cell) -> bool:
    role = (cell.get("role") or "").strip().lower()
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


def _grid(rows: list) -> dict[tuple[int, int], object]:
    """HTML table model, simplified: (row, column) -> cell, following rowspan and colspan."""
    grid: dict[tuple[int, int], object] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in _cells(row):
            while (r, c) in grid:
                c += 1
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    if len(grid) < MAX_GRID_CELLS:
                        grid[(r + dr, c + dc)] = cell
            c += _span(cell, "colspan")
    return grid


def _table(page: Page, table) -> None:
    rows = _rows(table)
    cells = [c for r in rows for c in _cells(r)]
    headers = [c for c in cells if _is_header(c)]
    columns = max((sum(_span(c, "colspan") for c in _cells(r)) for r in rows), default=0)
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
    merged = next((c for c in cells if _span(c, "colspan") > 1 or _span(c, "rowspan") > 1), None)
    page.report("table-merged-cells", merged is None,
                "Table has merged cells, which screen readers announce poorly: split them", merged)
    empty_row = next((r for r in rows if _cells(r) and all(_empty(page, c) for c in _cells(r))), None)
    page.report("table-empty-rows", empty_row is None, "Table has an empty row: remove it", empty_row)
    _headers_attributes(page, table, cells)
    _assigned(page, rows, headers, cells)


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


def _assigned(page: Page, rows: list, headers: list, cells: list) -> None:
    """ACT d0f69e: each header cell is assigned to at least one data cell (its column for a
    column header, its row for a row header, or a data cell naming it in headers)."""
    if not headers:
        return
    grid = _grid(rows)
    positions: dict[int, list[tuple[int, int]]] = {}
    for pos, cell in grid.items():
        positions.setdefault(id(cell), []).append(pos)
    data_rows = {r for (r, _), cell in grid.items() if not _is_header(cell)}
    data_cols = {c for (_, c), cell in grid.items() if not _is_header(cell)}
    named = {i for c in cells for i in (c.get("headers") or "").split()}
    for header in headers:
        if header.get("id") and header.get("id") in named:
            page.report("table-header-assigned", True, "")
            continue
        scope = (header.get("scope") or "").strip().lower()
        role = (header.get("role") or "").strip().lower()
        spots = positions.get(id(header), [])
        rows_of = {r for r, _ in spots}
        cols_of = {c for _, c in spots}
        column_data = bool(cols_of & data_cols)
        row_data = bool(rows_of & data_rows)
        if scope in ("row", "rowgroup") or role == "rowheader":
            ok = row_data
        elif scope in ("col", "colgroup") or role == "columnheader":
            ok = column_data
        else:
            ok = column_data or row_data
        page.report("table-header-assigned", ok,
                    "Header cell has no data cells in its row or column", header)
