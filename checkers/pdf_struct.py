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
import json
import json.scanner
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
    dict: Any = None           # the element's dictionary (JSON form), for attribute look-ups

    @property
    def label(self) -> str:
        """'/Figure' or '/Diagram → Figure' for evidence."""
        return f"/{self.raw}" if self.raw == self.type else f"/{self.raw} → {self.type}"


class Reader:
    """Objects as plain Python values through qpdf's JSON (schema 2): one C++ call per object
    instead of one per key. (Re-measured against reading the few keys the walk needs through
    pikepdf: no faster, since a pikepdf look-up of an absent key costs ~10 µs.) In that form
    names are "/Name", strings "u:text" or "b:hex", references "12 0 R"."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf

    def load(self, objgen: tuple[int, int]) -> Any:
        try:
            obj = self.pdf.get_object(objgen)
            return None if obj is None else _scan_json(obj.to_json(True).decode(), 0)[0]
        except (pikepdf.PdfError, ValueError, TypeError, RuntimeError, StopIteration):
            return None

    def value(self, value: Any) -> Any:
        """A value with a top-level reference followed (once)."""
        target = ref(value)
        return self.load(target) if target else value


# json's scanner itself: qpdf's JSON starts with the value, so json.loads' encoding sniffing
# and whitespace skipping are not needed (it raises StopIteration on what is not JSON).
_scan_json = json.scanner.make_scanner(json.JSONDecoder())
_REF_CACHE: dict[str, tuple[int, int]] = {}


def ref(value: Any) -> tuple[int, int] | None:
    """(12, 0) for "12 0 R" (what the regular expression ^(\\d+) (\\d+) R$ accepts). Every
    element names its page and parent this way, so the few distinct strings are cached."""
    if type(value) is not str or value[-2:] != " R":
        return None
    found = _REF_CACHE.get(value)
    if found is None:
        number, _, generation = value[:-2].partition(" ")
        if not (number.isdecimal() and generation.isdecimal()):
            return None
        found = int(number), int(generation)
        if len(_REF_CACHE) < 20_000:
            _REF_CACHE[value] = found
    return found


def name(value: Any) -> str | None:
    return value[1:] if isinstance(value, str) and value[:1] == "/" else None


def text(value: Any) -> str | None:
    """A PDF text string from its JSON form ("u:…" already decoded; "b:…" raw bytes)."""
    if not isinstance(value, str):
        return None
    if value.startswith("u:"):
        return value[2:]
    if value.startswith("b:"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            return None
        if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
            return raw.decode("utf-16", "replace")
        return raw.decode("latin-1")
    return None


@dataclass
class StructTree:
    nodes: list[Node]
    role_map: dict[str, str]
    role_problems: dict[str, str]          # raw type -> what is wrong with its mapping
    annot_owner: dict[tuple[int, int], int]  # annotation objgen -> node index (via OBJR)
    reader: Reader | None = None
    class_map: Any = None

    def descendants(self, index: int, stop: frozenset[str] = frozenset()):
        """Node indices under `index`, depth first; subtrees of types in `stop` are not entered."""
        stack = list(reversed(self.nodes[index].kids))
        while stack:
            i = stack.pop()
            yield i
            if self.nodes[i].type not in stop:
                stack.extend(reversed(self.nodes[i].kids))


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


def read_role_map(reader: Reader, root: dict) -> dict[str, str]:
    role_map = reader.value(root.get("/RoleMap"))
    if not isinstance(role_map, dict):
        return {}
    out: dict[str, str] = {}
    for key, value in itertools.islice(role_map.items(), 10_000):
        target = name(value)
        if target is not None and key.startswith("/"):
            out[key[1:]] = target
    return out


def walk(pdf: pikepdf.Pdf, page_numbers: dict[tuple[int, int], int], budget: Budget) -> StructTree | None:
    """The structure tree as nodes in document order, or None when the file has none."""
    root_obj = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root_obj, pikepdf.Dictionary):
        return None
    reader = Reader(pdf)
    root = json.loads(root_obj.to_json(dereference=True))
    if not isinstance(root, dict):
        return None
    caps = budget.caps
    role_map = read_role_map(reader, root)
    resolve = RoleResolver(role_map)
    nodes: list[Node] = []
    annot_owner: dict[tuple[int, int], int] = {}
    seen: set[tuple[int, int]] = set()
    # Stack items: (JSON value, its objgen when it was a reference, parent index, depth,
    # inherited page). Kids are pushed in reverse so that nodes come out in document order.
    # What the walk would push and pop straight away (an element read through a reference, the
    # /K of an element) is handled in place, without the trip through the stack; the visit
    # count, which the structure-size cap reads, counts it all the same.
    stack: list[tuple[Any, tuple[int, int] | None, int, int, int | None]] = [(root.get("/K"), None, -1, 1, None)]
    visited = 0
    max_items, max_depth = caps.max_struct_items, caps.max_depth
    load = reader.load
    while stack:
        obj, objgen, parent, depth, page = stack.pop()
        while True:
            visited += 1
            if visited > max_items:
                raise CapExceeded("structure size", f"the structure tree has more than "
                                                    f"{max_items:,} items")
            if visited % 512 == 0:
                budget.check()
            kind_of = type(obj)
            if kind_of is str:
                target = _REF_CACHE.get(obj) or ref(obj)
                if target is None:
                    break
                if target in seen:
                    if _is_ancestor(nodes, parent, target):
                        raise CyclicStructure(f"structure element {target[0]} {target[1]} R contains itself")
                    break  # shared by two parents: already read once
                seen.add(target)
                obj, objgen = load(target), target
                continue
            if kind_of is int:
                if parent >= 0:
                    nodes[parent].content += 1
                break
            if kind_of is list:
                items = obj[:max_items]
                visited += len(items)
                for item in reversed(items):
                    if type(item) is int:  # an MCID: counted here, no trip through the stack
                        if parent >= 0:
                            nodes[parent].content += 1
                    else:
                        stack.append((item, None, parent, depth, page))
                break
            if kind_of is not dict:
                break  # null, booleans, reals
            struct_type = name(obj.get("/S"))
            if struct_type is None:
                kind = name(obj.get("/Type"))
                if kind == "OBJR":
                    target = ref(obj.get("/Obj"))
                    if parent >= 0 and target is not None:
                        nodes[parent].annots.append(target)
                        annot_owner.setdefault(target, parent)
                elif (kind == "MCR" or "/MCID" in obj) and parent >= 0:
                    nodes[parent].content += 1
                break
            if depth > max_depth:
                raise CapExceeded("structure depth", f"the structure tree is deeper than "
                                                     f"{max_depth} levels")
            pg = obj.get("/Pg")
            if type(pg) is str:  # a reference, its page cached (ref() itself checks the form)
                pg = _REF_CACHE.get(pg) or ref(pg)
                if pg is not None:
                    page = page_numbers.get(pg, page)
            alt, actual_text, lang = obj.get("/Alt"), obj.get("/ActualText"), obj.get("/Lang")
            node = Node(index=len(nodes), type=resolve(struct_type), raw=struct_type, parent=parent,
                        depth=depth, page=page, objgen=objgen or (0, 0), dict=obj,
                        alt=None if alt is None else _string(reader, alt),
                        actual_text=None if actual_text is None else _string(reader, actual_text),
                        lang=None if lang is None else _string(reader, lang))
            nodes.append(node)
            if parent >= 0:
                nodes[parent].kids.append(node.index)
            if "/K" not in obj:
                break
            obj, objgen, parent, depth = obj["/K"], None, node.index, depth + 1
    return StructTree(nodes=nodes, role_map=role_map, role_problems=resolve.problems,
                      annot_owner=annot_owner, reader=reader, class_map=reader.value(root.get("/ClassMap")))


def _string(reader: Reader, value: Any) -> str | None:
    if value is None:
        return None
    return text(reader.value(value)) if ref(value) else text(value)


def _is_ancestor(nodes: list[Node], index: int, objgen: tuple[int, int]) -> bool:
    while index >= 0:
        if nodes[index].objgen == objgen:
            return True
        index = nodes[index].parent
    return False


def attribute(tree: StructTree, node: Node, owner: str, key: str) -> Any:
    """An attribute of an element (/A, then classes via /C and /ClassMap), e.g. Table /Scope.
    Returns the JSON form of the value ("/Column" for a name)."""
    reader = tree.reader
    element = node.dict
    if "/A" not in element and "/C" not in element:
        return None  # most cells have neither: no look-ups
    sources = _attribute_dicts(reader, element.get("/A"))
    classes = reader.value(element.get("/C"))
    class_map = tree.class_map
    if classes is not None and isinstance(class_map, dict):
        names = classes[:ATTRIBUTE_ITEMS] if isinstance(classes, list) else [classes]
        for class_name in names:
            if isinstance(class_name, str) and class_name.startswith("/"):
                sources.extend(_attribute_dicts(reader, class_map.get(class_name)))
    for attrs in sources:
        if name(attrs.get("/O")) == owner and key in attrs:
            return reader.value(attrs[key])
    return None


def _attribute_dicts(reader: Reader, entry: Any) -> list[dict]:
    entry = reader.value(entry)
    if isinstance(entry, dict):
        return [entry]
    if isinstance(entry, list):
        items = (reader.value(item) for item in entry[:ATTRIBUTE_ITEMS])
        return [item for item in items if isinstance(item, dict)]
    return []


def heading_level(node_type: str) -> int | None:
    """1..n for H1..Hn, 0 for the unnumbered H, None for anything else."""
    if node_type == "H":
        return 0
    match = NUMBERED_HEADING.match(node_type)
    return int(match.group(1)) if match else None
