"""Read a PDF's structure tree (its tags) into a flat list of nodes, robustly.

/K may be an integer (an MCID: marked content on the element's page), a dictionary without /S
(a marked-content reference /MCR or an object reference /OBJR, e.g. to a link annotation), a
structure element, or an array of any of these. Untrusted trees can be cyclic, absurdly deep or
huge: the walk is iterative, remembers every element by object number, and stops at the caps of
`pdf_limits.Caps` (depth, item count, time) by raising `CapExceeded`.

Custom tags are resolved through /RoleMap to the standard types of ISO 32000-1 14.8.4, so that a
`/Diagram` mapped to `/Figure` is checked as a figure.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from checkers.pdf_limits import Budget, CapExceeded

STANDARD_TYPES = frozenset("""
Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot
Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP
Figure Formula Form""".split())
NUMBERED_HEADING = re.compile(r"^H([1-9][0-9]?)$")
ROLE_MAP_STEPS = 32
ATTRIBUTE_ITEMS = 64


class CyclicStructure(Exception):
    """The structure tree loops back on itself: the file is broken, not merely large."""


@dataclass(slots=True)
class Node:
    index: int
    type: str                  # the standard type after role mapping (else the raw type)
    raw: str                   # the type written in the file
    parent: int                # index of the parent node, -1 under the root
    depth: int
    page: int | None           # 1-based page number (/Pg, inherited from the parent)
    objgen: tuple[int, int]
    alt: str | None = None
    actual_text: str | None = None
    lang: str | None = None
    content: int = 0           # marked-content items (MCIDs, MCRs) directly under this element
    kids: list[int] = field(default_factory=list)
    annots: list[tuple[int, int]] = field(default_factory=list)  # OBJR targets
    dict: Any = None           # the element's dictionary, for attribute look-ups

    @property
    def label(self) -> str:
        """'/Figure' or '/Diagram → Figure' for evidence."""
        return f"/{self.raw}" if self.raw == self.type else f"/{self.raw} → {self.type}"


@dataclass
class StructTree:
    nodes: list[Node]
    role_map: dict[str, str]
    role_problems: dict[str, str]          # raw type -> what is wrong with its mapping
    annot_owner: dict[tuple[int, int], int]  # annotation objgen -> node index (via OBJR)
    class_map: Any = None

    def descendants(self, index: int, stop: frozenset[str] = frozenset()):
        """Node indices under `index`, depth first; subtrees of types in `stop` are not entered."""
        stack = list(reversed(self.nodes[index].kids))
        while stack:
            i = stack.pop()
            yield i
            if self.nodes[i].type not in stop:
                stack.extend(reversed(self.nodes[i].kids))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(value)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def _name(value: Any) -> str | None:
    if isinstance(value, pikepdf.Name):
        return str(value)[1:]
    return None


class RoleResolver:
    def __init__(self, role_map: dict[str, str]):
        self.role_map = role_map
        self.problems: dict[str, str] = {}
        self._cache: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        if raw in self._cache:
            return self._cache[raw]
        resolved, seen, current = raw, [raw], raw
        if raw not in STANDARD_TYPES and not NUMBERED_HEADING.match(raw):
            for _ in range(ROLE_MAP_STEPS):
                target = self.role_map.get(current)
                if target is None:
                    self.problems[raw] = (f"/{raw} is not a standard structure type and /RoleMap "
                                          f"does not map it to one" if current == raw else
                                          f"/{raw} maps via {' → '.join(seen)} to no standard type")
                    break
                if target in seen:
                    self.problems[raw] = f"circular role mapping {' → '.join(seen + [target])}"
                    break
                seen.append(target)
                if target in STANDARD_TYPES or NUMBERED_HEADING.match(target):
                    resolved = target
                    break
                current = target
        self._cache[raw] = resolved
        return resolved


def read_role_map(root: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    role_map = root.get("/RoleMap")
    if isinstance(role_map, pikepdf.Dictionary):
        for key in list(role_map.keys())[:10_000]:
            target = _name(role_map.get(key))
            if target is not None:
                out[key[1:]] = target
    return out


def walk(pdf: pikepdf.Pdf, page_numbers: dict[tuple[int, int], int], budget: Budget) -> StructTree | None:
    """The structure tree as nodes in document order, or None when the file has none."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return None
    caps = budget.caps
    role_map = read_role_map(root)
    resolve = RoleResolver(role_map)
    nodes: list[Node] = []
    annot_owner: dict[tuple[int, int], int] = {}
    seen: dict[tuple[int, int], int] = {}
    # Stack items: (object, parent index, depth, inherited page). Pushed in reverse: pre-order.
    stack: list[tuple[Any, int, int, int | None]] = [(root.get("/K"), -1, 1, None)]
    visited = 0
    while stack:
        obj, parent, depth, page = stack.pop()
        visited += 1
        if visited > caps.max_struct_items:
            raise CapExceeded("structure size", f"the structure tree has more than "
                                                f"{caps.max_struct_items:,} items")
        if visited % 512 == 0:
            budget.check()
        if obj is None:
            continue
        if isinstance(obj, int) and not isinstance(obj, bool):
            if parent >= 0:
                nodes[parent].content += 1
            continue
        if isinstance(obj, pikepdf.Array):
            for item in reversed(list(itertools.islice(obj, caps.max_struct_items))):
                stack.append((item, parent, depth, page))
            continue
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        # One keys() call: pikepdf's get() of an absent key costs five times a present one.
        keys = obj.keys()
        kind = _name(obj["/Type"]) if "/Type" in keys else None
        struct_type = _name(obj["/S"]) if "/S" in keys else None
        if struct_type is None:
            if kind == "OBJR" and "/Obj" in keys:
                target = obj["/Obj"]
                if parent >= 0 and target.is_indirect:
                    nodes[parent].annots.append(target.objgen)
                    annot_owner.setdefault(target.objgen, parent)
            elif (kind == "MCR" or "/MCID" in keys) and parent >= 0:
                nodes[parent].content += 1
            continue
        objgen = obj.objgen
        if objgen != (0, 0):
            if objgen in seen:
                if _is_ancestor(nodes, parent, objgen):
                    raise CyclicStructure(f"structure element {objgen[0]} {objgen[1]} R "
                                          f"(/{struct_type}) contains itself")
                continue  # shared by two parents: already read once
            seen[objgen] = len(nodes)
        if depth > caps.max_depth:
            raise CapExceeded("structure depth", f"the structure tree is deeper than "
                                                 f"{caps.max_depth} levels")
        if "/Pg" in keys:
            pg = obj["/Pg"]
            if isinstance(pg, pikepdf.Dictionary) and pg.is_indirect:
                page = page_numbers.get(pg.objgen, page)
        node = Node(index=len(nodes), type=resolve(struct_type), raw=struct_type, parent=parent,
                    depth=depth, page=page, objgen=objgen, dict=obj,
                    alt=_text(obj["/Alt"]) if "/Alt" in keys else None,
                    actual_text=_text(obj["/ActualText"]) if "/ActualText" in keys else None,
                    lang=_text(obj["/Lang"]) if "/Lang" in keys else None)
        nodes.append(node)
        if parent >= 0:
            nodes[parent].kids.append(node.index)
        if "/K" in keys:
            stack.append((obj["/K"], node.index, depth + 1, page))
    return StructTree(nodes=nodes, role_map=role_map, role_problems=resolve.problems,
                      annot_owner=annot_owner, class_map=root.get("/ClassMap"))


def _is_ancestor(nodes: list[Node], index: int, objgen: tuple[int, int]) -> bool:
    while index >= 0:
        if nodes[index].objgen == objgen:
            return True
        index = nodes[index].parent
    return False


def attribute(tree: StructTree, node: Node, owner: str, key: str) -> Any:
    """An attribute of an element (/A, then classes via /C and /ClassMap), e.g. Table /Scope."""
    element = node.dict
    keys = element.keys()
    sources: list[Any] = _attribute_dicts(element["/A"]) if "/A" in keys else []
    classes = element["/C"] if "/C" in keys else None
    if classes is not None and isinstance(tree.class_map, pikepdf.Dictionary):
        names = list(itertools.islice(classes, ATTRIBUTE_ITEMS)) if isinstance(classes, pikepdf.Array) else [classes]
        for name in names:
            if isinstance(name, pikepdf.Name):
                sources.extend(_attribute_dicts(tree.class_map.get(str(name))))
    for attrs in sources:
        if _name(attrs.get("/O")) == owner and key in attrs:
            return attrs.get(key)
    return None


def _attribute_dicts(entry: Any) -> list[Any]:
    if isinstance(entry, pikepdf.Dictionary):
        return [entry]
    if isinstance(entry, pikepdf.Array):
        return [item for item in itertools.islice(entry, ATTRIBUTE_ITEMS)
                if isinstance(item, pikepdf.Dictionary)]
    return []


def heading_level(node_type: str) -> int | None:
    """1..n for H1..Hn, 0 for the unnumbered H, None for anything else."""
    if node_type == "H":
        return 0
    match = NUMBERED_HEADING.match(node_type)
    return int(match.group(1)) if match else None
