"""Accessible names for static HTML, after W3C "Accessible Name and Description Computation 1.2"
and the HTML-AAM naming rules, on an lxml tree (no browser, no generated CSS content).

Steps followed (accname 1.2 section 4.3.2): 2A hidden nodes are skipped unless reached through
aria-labelledby; 2B aria-labelledby (hidden referenced nodes included); 2D aria-label; 2E native
naming (alt, caption, legend, figcaption, label, svg <title>, value of buttons); 2F name from
content for roles that allow it and inside a traversal; 2I the title attribute (tooltip).
"""
from __future__ import annotations

from typing import Callable

NAME_FROM_CONTENT_ROLES = frozenset({
    "button", "cell", "checkbox", "columnheader", "gridcell", "heading", "link", "menuitem",
    "menuitemcheckbox", "menuitemradio", "option", "radio", "row", "rowheader", "sectionhead",
    "switch", "tab", "tooltip", "treeitem", "comment", "caption", "code", "deletion", "emphasis",
    "insertion", "legend", "mark", "paragraph", "strong", "subscript", "superscript", "term", "time"})
# Elements whose content never contributes to a name (their text is not rendered as such).
NO_CONTENT = frozenset({"script", "style", "template", "noscript", "head", "title", "select",
                        "textarea", "object", "iframe", "video", "audio", "svg", "math", "canvas"})
BLOCK = frozenset({"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
                   "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
                   "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
                   "table", "td", "th", "tr", "ul", "caption", "details", "summary"})
PRESENTATIONAL = frozenset({"presentation", "none"})
MAX_DEPTH = 200


def squash(text: str | None) -> str:
    """Fold runs of white space into one space (str.split is several times faster than a regex)."""
    return " ".join(text.split()) if text else ""


def explicit_role(el) -> str | None:
    role = (el.get("role") or "").strip().lower()
    return role.split()[0] if role else None


def implicit_role(el) -> str | None:
    tag = el.tag
    if tag == "a" or tag == "area":
        return "link" if el.get("href") is not None else None
    if tag == "img":
        alt = el.get("alt")
        if alt is not None and alt == "" and not _has_global_name_attrs(el):
            return "presentation"
        return "img"
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return "heading"
    if tag == "button":
        return "button"
    if tag == "input":
        return _INPUT_ROLES.get((el.get("type") or "text").lower(), "textbox")
    if tag in ("td",):
        return "cell"
    if tag == "th":
        return "columnheader" if (el.get("scope") or "").lower() != "row" else "rowheader"
    return _IMPLICIT_ROLES.get(tag)


_INPUT_ROLES = {"image": "button", "submit": "button", "reset": "button", "button": "button",
                "checkbox": "checkbox", "radio": "radio", "hidden": None}
_IMPLICIT_ROLES = {"table": "table", "ul": "list", "ol": "list", "li": "listitem", "nav": "navigation",
                   "main": "main", "figure": "figure", "p": "paragraph", "svg": None,
                   "summary": "button", "option": "option", "select": "combobox",
                   "textarea": "textbox", "iframe": None, "caption": "caption"}


def role_of(el) -> str | None:
    """Explicit role wins, except presentational roles on focusable or aria-labelled elements
    (ARIA "presentational roles conflict resolution")."""
    role = explicit_role(el)
    if role in PRESENTATIONAL and (_focusable(el) or _has_global_name_attrs(el)):
        return implicit_role(el)
    return role or implicit_role(el)


def _focusable(el) -> bool:
    if el.get("tabindex") is not None:
        return True
    return (el.tag in ("a", "area") and el.get("href") is not None) or el.tag in ("button", "select", "textarea") or (
        el.tag == "input" and (el.get("type") or "").lower() != "hidden")


def _has_global_name_attrs(el) -> bool:
    return bool((el.get("aria-label") or "").strip() or (el.get("aria-labelledby") or "").strip())


class NameComputer:
    """Computes names over one document. `is_hidden(el)` says whether an element is not
    rendered or aria-hidden; `by_id` maps ids to elements; `labels` maps a control id to the
    <label for=…> elements that name it."""

    def __init__(self, by_id: dict, is_hidden: Callable, labels: dict | None = None):
        self.by_id = by_id
        self.is_hidden = is_hidden
        self.labels = labels or {}

    def name(self, el) -> str:
        return squash(self._name(el, in_labelledby=False, in_content=False, hidden_ok=False,
                                 depth=0, visited=set()))

    def description(self, el) -> str:
        """aria-describedby text plus the title when the title was not used for the name."""
        ids = (el.get("aria-describedby") or "").split()
        parts = [self._name(self.by_id[i], True, False, True, 0, set()) for i in ids if i in self.by_id]
        return squash(" ".join(parts))

    def labelledby_targets(self, el) -> list:
        return [self.by_id[i] for i in (el.get("aria-labelledby") or "").split() if i in self.by_id]

    def _name(self, el, in_labelledby: bool, in_content: bool, hidden_ok: bool, depth: int,
              visited: set) -> str:
        if depth > MAX_DEPTH or id(el) in visited:
            return ""
        visited.add(id(el))
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:
            return ""
        # 2A: hidden and not reached through aria-labelledby
        if not hidden_ok and self.is_hidden(el):
            return ""
        # 2B: aria-labelledby, only when not already following one
        if not in_labelledby:
            targets = self.labelledby_targets(el)
            if targets:
                parts = [self._name(t, True, False, True, depth + 1, visited) for t in targets]
                joined = squash(" ".join(parts))
                if joined:
                    return joined
        role = role_of(el)
        # 2C: an embedded control inside a label or content traversal contributes its value
        if in_content and tag in ("input", "select", "textarea") and role != "button":
            return self._control_value(el)
        # 2D: aria-label
        label = squash(el.get("aria-label"))
        if label:
            return label
        # 2E: native naming (not for presentational elements)
        presentational = role in PRESENTATIONAL
        if not presentational:
            native = self._native(el, tag, depth, visited)
            if native:
                return native
        if tag == "img" and presentational:
            return ""
        # 2F: name from content
        if in_content or in_labelledby or (role in NAME_FROM_CONTENT_ROLES):
            text = self._content(el, hidden_ok, depth, visited)
            if text.strip():
                return text
        # 2I: tooltip
        return "" if presentational else squash(el.get("title"))

    def _native(self, el, tag: str, depth: int, visited: set) -> str:
        if tag in ("img", "area"):
            return squash(el.get("alt"))
        if tag == "input":
            kind = (el.get("type") or "text").lower()
            if kind == "image":
                return squash(el.get("alt")) or squash(el.get("value"))
            if kind in ("submit", "reset", "button"):
                return squash(el.get("value"))
            return self._label_for(el, depth, visited)
        if tag in ("select", "textarea", "meter", "progress", "output"):
            return self._label_for(el, depth, visited)
        if tag == "table":
            return self._first_child_text(el, "caption", depth, visited)
        if tag == "fieldset":
            return self._first_child_text(el, "legend", depth, visited)
        if tag == "figure":
            return self._first_child_text(el, "figcaption", depth, visited)
        if tag == "svg":
            for child in el:
                if child.tag == "title" or (isinstance(child.tag, str) and child.tag.endswith("}title")):
                    return squash("".join(child.itertext()))
        return ""

    def _label_for(self, el, depth: int, visited: set) -> str:
        labels = list(self.labels.get(el.get("id"), ())) if el.get("id") else []
        parent = el.getparent()
        while parent is not None:
            if parent.tag == "label":
                labels.append(parent)
                break
            parent = parent.getparent()
        parts = [self._content(lab, False, depth + 1, visited) for lab in labels]
        return squash(" ".join(parts))

    def _first_child_text(self, el, child_tag: str, depth: int, visited: set) -> str:
        for child in el:
            if child.tag == child_tag:
                return squash(self._content(child, False, depth + 1, visited))
        return ""

    def _control_value(self, el) -> str:
        if el.tag == "select":
            for opt in el.iter("option"):
                if opt.get("selected") is not None:
                    return squash("".join(opt.itertext()))
            first = next(el.iter("option"), None)
            return squash("".join(first.itertext())) if first is not None else ""
        if el.tag == "textarea":
            return squash(el.text)
        return squash(el.get("value"))

    def _content(self, el, hidden_ok: bool, depth: int, visited: set) -> str:
        """Name from content: text nodes and each child's own name, block elements spaced."""
        if el.tag in NO_CONTENT and el.tag != "svg":
            return ""
        parts = [el.text or ""]
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and tag not in NO_CONTENT or tag == "svg":
                piece = self._name(child, in_labelledby=False, in_content=True, hidden_ok=hidden_ok,
                                   depth=depth + 1, visited=visited) if tag != "svg" else self._svg_name(child, hidden_ok)
                if tag in BLOCK:
                    piece = f" {piece} "
                parts.append(piece)
            parts.append(child.tail or "")
        return "".join(parts)

    def _svg_name(self, el, hidden_ok: bool) -> str:
        if not hidden_ok and self.is_hidden(el):
            return ""
        label = squash(el.get("aria-label"))
        if label:
            return label
        targets = self.labelledby_targets(el)
        if targets:
            return squash(" ".join(self._name(t, True, False, True, 1, set()) for t in targets))
        return self._native(el, "svg", 0, set())
