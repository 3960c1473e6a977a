"""Tables (Annex 2, tables 1-4; WCAG 1.3.1; ACT a25f45 and d0f69e).

A table is a *layout* table when it says so (role=presentation/none) and *probably* one when it
has a single row or column and no header cells; those get a `cantTell` under "use tables
judiciously" and are not held to the data-table rules. Every other visible table is a data table.
"""
from __future__ import annotations

from collections import deque

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
    ided, naming = [], []   # cells with an id, cells with a headers attribute (in order)
    for cell in cells:
        keys = cell.keys()  # one call; most cells have no attributes
        if not keys:
            header_of[cell] = cell.tag == "th"
            continue
        header_of[cell] = _is_header(cell) if "role" in keys else cell.tag == "th"
        if "colspan" in keys or "rowspan" in keys:
            spans[cell] = (_span(cell, "rowspan"), _span(cell, "colspan"))
        if "id" in keys:
            ided.append(cell)
        if "headers" in keys:
            naming.append(cell)
    headers = [c for c in cells if header_of[c]]
    columns = max((sum(spans[c][1] if c in spans else 1 for c in rc) for rc in row_cells), default=0) \
        if spans else max(map(len, row_cells), default=0)
    role = (table.get("role") or "").strip().lower()
    if role in PRESENTATIONAL:
        semantic = bool(headers) or table.find("caption") is not None
        page.report("table-layout", False if semantic else None,
                    "Layout table with header cells or a caption: remove them, they announce data "
                    "that is not there" if semantic else
                    "Table used for layout: present this content without a table where you can", table)
        return
    # ACT a25f45 applies to every table with the table role, one-row tables included.
    _headers_attributes(page, ided, naming)
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
    merged = next((c for c in cells if c in spans and (spans[c][0] > 1 or spans[c][1] > 1)), None) \
        if spans else None
    page.report("table-merged-cells", merged is None,
                "Table has merged cells, which screen readers announce poorly: split them", merged)
    empty_row = next((r for r, rc in zip(rows, row_cells) if rc and all(_empty(page, c) for c in rc)), None)
    page.report("table-empty-rows", empty_row is None, "Table has an empty row: remove it", empty_row)
    if headers:
        _assigned(page, row_cells, headers, cells, header_of, spans, ided, naming)


def _empty(page: Page, cell) -> bool:
    return not page.text(cell) and cell.find(".//img") is None and cell.find(".//input") is None


def _headers_attributes(page: Page, ided: list, naming: list) -> None:
    """ACT a25f45: each id in a cell's headers attribute names another cell of the same table.
    `ided`: the table's cells with an id, `naming`: those with a headers attribute."""
    own = {c.get("id"): c for c in ided if c.get("id")}
    for cell in naming:
        value = cell.get("headers")
        ids = value.split()
        bad = [i for i in ids if i not in own or own[i] is cell]
        page.report("table-headers-attr", bool(ids) and not bad,
                    f"headers=\"{value[:60]}\" names {', '.join(bad[:3]) or 'nothing'}, which is not "
                    "another cell of this table", cell)


def _assigned(page: Page, row_cells: list[list], headers: list, cells: list, header_of: dict,
              spans: dict, ided: list, naming: list) -> None:
    """ACT d0f69e: each non-empty header cell is assigned to at least one cell (a data cell *or
    another header cell*), by the HTML table model's header assignment: a cell's headers
    attribute when it has one, else the row and column headers found scanning left and up.
    Inapplicable to one-row tables and to tables whose headers head no non-empty data cell."""
    simple = not spans and not naming and \
        len(cells) * (len(row_cells) + max(map(len, row_cells), default=0)) <= _TableModel.MAX_STEPS
    if simple:  # every cell fills one slot: its position is its row and its index in the row
        spots = [(r, c) for r, rc in enumerate(row_cells) for c, cell in enumerate(rc) if header_of[cell]]
        positions = None
    else:
        grid = _grid(row_cells, spans)
        positions: dict[object, list[tuple[int, int]]] = {}
        for pos, cell in grid.items():
            positions.setdefault(cell, []).append(pos)
        spots = [spot for cell in headers for spot in positions.get(cell, ())]
    _scopes(page, spots, headers, {i for c in naming for i in c.get("headers").split()})
    targets = [h for h in headers if (simple or h in positions) and not page.hidden(h) and not _empty(page, h)]
    if not targets or len(row_cells) < 2:
        return
    found = _simple_assignment(page, row_cells, header_of) if simple else None
    if found is not None:
        assigned, heads_data = found
        exhausted = False
    else:
        if positions is None:
            grid = _grid(row_cells, spans)
            positions = {cell: [pos] for pos, cell in grid.items()}
        assigned, heads_data, exhausted = _model_assignment(page, grid, positions, cells, header_of,
                                                            ided, naming, targets)
    if not heads_data and not exhausted:
        return
    for header in targets:
        if header in assigned:
            page.report("table-header-assigned", True, "")
        elif exhausted:
            page.report("table-header-assigned", None,
                        "The table is too large to work out which cells this header heads", header)
        else:
            page.report("table-header-assigned", False,
                        "Header cell heads no cell: no cell in its row or column (or naming it in a "
                        "headers attribute) belongs to it", header)


def _model_assignment(page: Page, grid: dict, positions: dict, cells: list, header_of: dict,
                      ided: list, naming: list, targets: list) -> tuple[set, bool, bool]:
    """The header cells assigned to some cell, whether one heads a non-empty data cell, and
    whether the scan gave up, by the full HTML table model."""
    model = _TableModel(grid, positions, header_of, ided, naming)
    assigned: set = set()
    remaining = set(targets)
    heads_data = False
    for cell in cells:
        if cell not in positions:
            continue
        probe = not heads_data and not header_of[cell] and not _empty(page, cell)
        found = model.headers_of(cell, set() if probe else assigned)
        assigned.update(found)
        remaining.difference_update(found)
        heads_data = heads_data or (probe and bool(found))
        if heads_data and not remaining:
            break
    return assigned, heads_data, model.exhausted


_ACROSS, _DOWN = frozenset({"row", "auto"}), frozenset({"col", "auto"})


def _simple_assignment(page: Page, row_cells: list[list], header_of: dict) -> tuple[set, bool] | None:
    """What _model_assignment finds, for a table whose cells each fill one slot and that has no
    headers attributes, worked out line by line; None when a header heads a row or column group
    (the full model handles those). Scanning left (or up) from a cell, the model takes the
    nearest block of adjacent header cells and nothing beyond it, since every header past a data
    cell is behind that block; a header cell takes the rest of its own block."""
    data_rows, data_cols = set(), set()
    for r, rc in enumerate(row_cells):
        for c, cell in enumerate(rc):
            if not header_of[cell]:
                data_rows.add(r)
                data_cols.add(c)
    kinds = {}
    for r, rc in enumerate(row_cells):
        for c, cell in enumerate(rc):
            if header_of[cell]:
                kind = kinds[cell] = _kind(cell, c, r, 1, 1, data_rows, data_cols)
                if kind in ("rowgroup", "colgroup"):
                    return None
    assigned: set = set()
    headed: list = []   # data cells with a header
    lines = [(rc, _ACROSS) for rc in row_cells]
    lines += [([rc[c] for rc in row_cells if len(rc) > c], _DOWN) for c in range(max(map(len, row_cells)))]
    for line, accept in lines:
        run: list = []     # the block of header cells just before the current cell
        last: list = []    # the nearest block of header cells before the current cell
        for cell in line:
            if header_of[cell]:
                if run:
                    assigned.update([h for h in run if kinds[h] in accept])
                run.append(cell)
                last = run
            else:
                if last:
                    heads = [h for h in last if kinds[h] in accept]
                    if heads:
                        assigned.update(heads)
                        headed.append(cell)
                if run:
                    run = []
    return assigned, any(not _empty(page, cell) for cell in headed)


class _TableModel:
    """The HTML algorithm for assigning header cells
    (https://html.spec.whatwg.org/multipage/tables.html#algorithm-for-assigning-header-cells),
    without row and column groups: those headers count as assigned to any cell after them."""
    MAX_STEPS = 500_000   # slot visits; a pathological table gets cantTell, not a long wait

    def __init__(self, grid: dict, positions: dict, header_of: dict, ided: list, naming: list):
        self.grid, self.header_of, self.steps, self.exhausted = grid, header_of, 0, False
        box = self.box = {}
        for cell, spots in positions.items():
            if len(spots) == 1:   # most cells fill one slot
                (r, c), = spots
                box[cell] = (c, r, 1, 1)
                continue
            rows, cols = [r for r, _ in spots], [c for _, c in spots]
            box[cell] = (min(cols), min(rows), max(cols) - min(cols) + 1, max(rows) - min(rows) + 1)
        self.ids = {}
        for cell in ided:
            ident = cell.get("id")
            if ident and ident not in self.ids:
                self.ids[ident] = cell
        self.naming = set(naming)   # cells with a headers attribute
        data_rows, data_cols = set(), set()
        for (r, c), cell in grid.items():
            if not header_of[cell]:
                data_rows.add(r)
                data_cols.add(c)
        self.kind = {}
        self.in_row: dict[int, list] = {}   # header cells covering each row, and each column
        self.in_col: dict[int, list] = {}
        for cell, (x, y, w, h) in box.items():
            if header_of[cell]:
                self.kind[cell] = _kind(cell, x, y, w, h, data_rows, data_cols)
                for r in range(y, y + h):
                    self.in_row.setdefault(r, []).append(cell)
                for c in range(x, x + w):
                    self.in_col.setdefault(c, []).append(cell)
        for lists, axis in ((self.in_row, 0), (self.in_col, 1)):
            for key, found in lists.items():   # nearest the table's start first
                lists[key] = deque(sorted(found, key=lambda hd: box[hd][axis]) if len(found) > 1 else found)
        # where each row's (column's) first header starts: the queues above empty as headers
        # become known, a full answer (known empty) still needs to see every header
        self.row_start = {r: box[line[0]][0] for r, line in self.in_row.items()}
        self.col_start = {c: box[line[0]][1] for c, line in self.in_col.items()}
        self.groups = [c for c, kind in self.kind.items() if kind in ("rowgroup", "colgroup")]

    def headers_of(self, cell, known: set) -> set:
        """The header cells of `cell`; scans that could only find headers already in `known`
        are skipped (the caller wants to know which headers head anything, not every list)."""
        if cell in self.naming:
            named = (self.ids.get(i) for i in cell.get("headers").split())
            return {h for h in named if h is not None and h is not cell}
        box = self.box
        x, y, w, h = box[cell]
        found: set = set()
        for row in range(y, y + h):
            # is a header of this row (not yet known to head anything) left of the cell?
            if self._pending(self.in_row.get(row), self.row_start.get(row), known, 0, x):
                self._scan(cell, x, row, -1, 0, found)
        for col in range(x, x + w):
            if self._pending(self.in_col.get(col), self.col_start.get(col), known, 1, y):
                self._scan(cell, col, y, 0, -1, found)
        for header in self.groups:
            kind = self.kind[header]
            hx, hy, _, _ = box[header]
            if (kind == "rowgroup" and hy <= y and hx < x) or (kind == "colgroup" and hx <= x and hy < y):
                found.add(header)
        return found

    def _pending(self, line: deque | None, start: int | None, known: set, axis: int, limit: int) -> bool:
        if not known:
            return start is not None and start < limit
        while line and line[0] in known:
            line.popleft()
        return bool(line) and self.box[line[0]][axis] < limit

    def _scan(self, principal, x: int, y: int, dx: int, dy: int, found: set) -> None:
        grid, header_of, box, kind_of = self.grid, self.header_of, self.box, self.kind
        opaque: list = []
        in_block = header_of[principal]
        block = [principal] if in_block else []
        steps, limit = self.steps, self.MAX_STEPS
        while True:
            x, y = x + dx, y + dy
            if x < 0 or y < 0:
                break
            steps += 1
            if steps > limit:
                self.exhausted = True
                break
            current = grid.get((y, x))
            if current is None or current is principal:
                continue
            if header_of[current]:
                in_block = True
                block.append(current)
                cx, cy, cw, ch = box[current]
                kind = kind_of[current]
                if dx == 0:
                    blocked = kind not in ("col", "auto") or any(
                        box[o][0] == cx and box[o][2] == cw for o in opaque)
                else:
                    blocked = kind not in ("row", "auto") or any(
                        box[o][1] == cy and box[o][3] == ch for o in opaque)
                if not blocked:
                    found.add(current)
            elif in_block:
                in_block = False
                opaque.extend(block)
                block = []
        self.steps = steps


def _kind(cell, x, y, w, h, data_rows, data_cols) -> str:
    keys = cell.keys()   # one call; most header cells have no attributes
    if keys:
        role = (cell.get("role") or "").strip().lower() if "role" in keys else ""
        if role == "columnheader":
            return "col"
        if role == "rowheader":
            return "row"
        scope = (cell.get("scope") or "").strip().lower() if "scope" in keys else ""
        if scope in SCOPES:
            return scope
    if data_rows.isdisjoint(range(y, y + h)):
        return "col"
    if data_cols.isdisjoint(range(x, x + w)):
        return "row"
    # Data cells both in its row and its column: neither, per the HTML spec, but browsers
    # give it a header role anyway (ACT d0f69e, background): the scans accept it as either.
    return "auto"


def _scopes(page: Page, spots: list[tuple[int, int]], headers: list, named: set) -> None:
    """Brickfield table_th_should_have_scope, WCAG technique H63: where a table has column headers
    (in its first row) and row headers (in its first column below that), each <th> says which
    it is with scope, or data cells name it in their headers attribute. `spots`: the (row,
    column) slots the table's header cells fill."""
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
