"""Rules judged on the structure tree: figures, formulas, headings, tables, lists, role mapping.

Each function records one outcome per test target in a `Recorder` (a figure, a heading, a table,
a list...). Nesting rules follow ISO 32000-1 Table 336 (lists) and Table 337 (tables), which
PDF/UA-1 7.2 makes binding (Matterhorn 09-004, 09-005).
"""
from __future__ import annotations

from checkers.findings import Recorder
from checkers.pdf_struct import STANDARD_TYPES, Node, StructTree, attribute, heading_level, name
from checkers.textcheck import alt_doubt, alt_problem

FIGURE, FORMULA = "pdf-figure-alt", "pdf-formula-alt"
HEADINGS_MISSING, FIRST_H1 = "pdf-headings-missing", "pdf-heading-first-not-h1"
HEADING_SKIPPED, HEADING_MIXED = "pdf-heading-skipped", "pdf-heading-mixed"
TABLE_HEADERS, TABLE_SCOPE, TABLE_STRUCTURE = "pdf-table-headers", "pdf-table-scope", "pdf-table-structure"
LIST_STRUCTURE, ROLE_MAP = "pdf-list-structure", "pdf-role-map"
TREE_RULES = (FIGURE, FORMULA, HEADINGS_MISSING, FIRST_H1, HEADING_SKIPPED, HEADING_MIXED,
              TABLE_HEADERS, TABLE_SCOPE, TABLE_STRUCTURE, LIST_STRUCTURE, ROLE_MAP)

TABLE_KIDS = {"Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
              "THead": {"TR"}, "TBody": {"TR"}, "TFoot": {"TR"}, "TR": {"TH", "TD"}}
TABLE_PARENTS = {"TR": {"Table", "THead", "TBody", "TFoot"}, "TH": {"TR"}, "TD": {"TR"},
                 "THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"}}
# Nested lists usually sit in LBody; a list directly inside a list is tolerated (as veraPDF does).
LIST_KIDS = {"L": {"LI", "L", "Caption"}, "LI": {"Lbl", "LBody"}}
LIST_PARENTS = {"LI": {"L"}, "Lbl": {"LI"}, "LBody": {"LI"}}
SCOPES = {"Row", "Column", "Both"}


def where(node: Node) -> str:
    return f"{node.label} (page {node.page})" if node.page else node.label


def check_alternatives(tree: StructTree, rec: Recorder) -> None:
    """Figures need /Alt or /ActualText (7.3, 13-004); formulas need /Alt (7.7, 17-002)."""
    rec.evaluate(FIGURE)
    rec.evaluate(FORMULA)
    for node in tree.nodes:
        alt = (node.alt or "").strip()
        if node.type == "Figure":
            replacement = (node.actual_text or "").strip()
            if not alt and not replacement:
                rec.failed(FIGURE, "Figure has no text alternative (/Alt) and no replacement text "
                                   "(/ActualText)", evidence=f"{where(node)} without /Alt", page=node.page)
            elif alt and (problem := alt_problem(alt)):
                rec.failed(FIGURE, f"Figure's {problem}", evidence=f"{where(node)} /Alt ({alt})",
                           page=node.page)
            elif alt and (doubt := alt_doubt(alt)):   # Office keeps its generated text in the PDF
                rec.cant_tell(FIGURE, f"Figure's text alternative was {doubt}",
                              evidence=f"{where(node)} /Alt ({alt})", page=node.page)
            else:
                rec.passed(FIGURE)
        elif node.type == "Formula":
            if alt:
                rec.passed(FORMULA)
            else:
                rec.failed(FORMULA, "Formula has no text alternative (/Alt)",
                           evidence=f"{where(node)} without /Alt", page=node.page)


def check_headings(tree: StructTree, rec: Recorder, *, long_document: bool, size: str) -> None:
    for rid in (HEADINGS_MISSING, FIRST_H1, HEADING_SKIPPED, HEADING_MIXED):
        rec.evaluate(rid)
    levels: dict[str, int | None] = {}  # a document has a few types: one regular expression match each
    headings = []
    for n in tree.nodes:
        level = levels.get(n.type, -1)
        if level == -1:
            level = levels[n.type] = heading_level(n.type)
        if level is not None:
            headings.append((n, level))
    if headings:
        rec.passed(HEADINGS_MISSING)
    elif long_document:
        rec.failed(HEADINGS_MISSING, f"No heading is tagged in this {size} document",
                   evidence=f"{size}, no /H or /H1–/H6 structure element")
    numbered = [(n, level) for n, level in headings if level > 0]
    if numbered:
        first, level = numbered[0]
        rec.outcome(FIRST_H1, level == 1, "The first heading is not a level-1 heading (H1)",
                    evidence=f"first heading is {where(first)}", page=first.page)
    for (prev, prev_level), (node, level) in zip(numbered, numbered[1:]):
        rec.outcome(HEADING_SKIPPED, level <= prev_level + 1,
                    f"Heading level {level} follows level {prev_level}: level(s) skipped",
                    evidence=f"{where(node)} follows {where(prev)}", page=node.page)
    plain = [n for n, level in headings if level == 0]
    if plain and numbered:
        rec.failed(HEADING_MIXED, "The document uses both unnumbered (H) and numbered (H1–H6) headings",
                   evidence=f"{len(plain)} /H and {len(numbered)} /Hn, first /H at {where(plain[0])}",
                   page=plain[0].page)
    elif headings:
        rec.passed(HEADING_MIXED)


def _nesting_problem(tree: StructTree, top: Node, inside: list[int], allowed_kids: dict[str, set[str]],
                     stop: frozenset[str]) -> str | None:
    """The first element of `top` and `inside` (its descendants, not entering `stop` types) whose
    children break the nesting table."""
    for index in [top.index, *inside]:
        node = tree.nodes[index]
        allowed = allowed_kids.get(node.type)
        if allowed is None or (index != top.index and node.type in stop):
            continue
        for kid in node.kids:
            if tree.nodes[kid].type not in allowed:
                return f"{where(tree.nodes[kid])} inside /{node.type}"
    return None


def _within(tree: StructTree, container: str) -> list[bool]:
    """For each node, whether an ancestor is of type `container`. One pass: the walk lists every
    element after its parent."""
    nodes = tree.nodes
    inside = [False] * len(nodes)
    for node in nodes:
        parent = node.parent
        if parent >= 0:
            inside[node.index] = inside[parent] or nodes[parent].type == container
    return inside


def _orphans(tree: StructTree, rec: Recorder, rule: str, parents: dict[str, set[str]],
             container: str, what: str) -> None:
    """Elements like TD or LI that sit outside any Table or L: broken structure."""
    inside: list[bool] | None = None
    for node in tree.nodes:
        if node.type not in parents:
            continue
        if inside is None:
            inside = _within(tree, container)
        if inside[node.index]:
            continue
        parent = tree.nodes[node.parent].type if node.parent >= 0 else "StructTreeRoot"
        rec.failed(rule, f"{what} element outside any /{container}",
                   evidence=f"{where(node)} inside /{parent}", page=node.page)


def check_tables(tree: StructTree, rec: Recorder) -> None:
    for rid in (TABLE_HEADERS, TABLE_SCOPE, TABLE_STRUCTURE):
        rec.evaluate(rid)
    stop = frozenset({"Table"})
    for table in (n for n in tree.nodes if n.type == "Table"):
        inside = list(tree.descendants(table.index, stop))
        cells = [tree.nodes[i] for i in inside if tree.nodes[i].type in ("TH", "TD")]
        rows = [i for i in inside if tree.nodes[i].type == "TR"]
        problem = _nesting_problem(tree, table, inside, TABLE_KIDS, stop)
        if problem is None and not rows:
            problem = f"{where(table)} has no /TR rows"
        rec.outcome(TABLE_STRUCTURE, problem is None, "Table structure does not follow Table/TR/TH/TD "
                    "(THead, TBody, TFoot allowed)", evidence=problem, page=table.page)
        headers = [c for c in cells if c.type == "TH"]
        if cells:
            rec.outcome(TABLE_HEADERS, bool(headers), "Table has no header cells (TH)",
                        evidence=f"{where(table)}: {len(cells)} cells, no /TH", page=table.page)
        if any(attribute(tree, c, "Table", "/Headers") is not None for c in cells):
            continue  # headers given by Headers/ID: Scope is not required (15-003)
        for th in headers:
            scope = attribute(tree, th, "Table", "/Scope")
            scope_name = name(scope)
            rec.outcome(TABLE_SCOPE, scope_name in SCOPES, "Header cell (TH) has no /Scope "
                        "(Row, Column or Both) and the table has no Headers attributes",
                        evidence=f"{where(th)} without /Scope", page=th.page)
    _orphans(tree, rec, TABLE_STRUCTURE, TABLE_PARENTS, "Table", "Table")


def check_lists(tree: StructTree, rec: Recorder) -> None:
    rec.evaluate(LIST_STRUCTURE)
    for lst in (n for n in tree.nodes if n.type == "L"):
        stop = frozenset({"LBody"})
        problem = _nesting_problem(tree, lst, list(tree.descendants(lst.index, stop)), LIST_KIDS, stop)
        if problem is None and not any(tree.nodes[k].type == "LI" for k in lst.kids):
            problem = f"{where(lst)} has no /LI items"
        rec.outcome(LIST_STRUCTURE, problem is None, "List structure does not follow L/LI/Lbl/LBody",
                    evidence=problem, page=lst.page)
    _orphans(tree, rec, LIST_STRUCTURE, LIST_PARENTS, "L", "List")


def check_role_map(tree: StructTree, rec: Recorder) -> None:
    """Custom tags must map to a standard type, without cycles, and standard tags must not be
    remapped (7.1, Matterhorn 02-001, 02-003, 02-004)."""
    rec.evaluate(ROLE_MAP)
    for raw, problem in sorted(tree.role_problems.items()):
        rec.failed(ROLE_MAP, "A structure type has no standard meaning", evidence=problem)
    for raw, target in sorted(tree.role_map.items()):
        if raw in tree.role_problems:
            continue
        if heading_level(raw) is not None or raw in STANDARD_TYPES:
            rec.failed(ROLE_MAP, "A standard structure type is remapped", evidence=f"/{raw} → /{target}")
        else:
            rec.passed(ROLE_MAP)


def check_tree(tree: StructTree, rec: Recorder, *, long_document: bool, size: str) -> None:
    check_alternatives(tree, rec)
    check_headings(tree, rec, long_document=long_document, size=size)
    check_tables(tree, rec)
    check_lists(tree, rec)
    check_role_map(tree, rec)
