"""Rules on annotations, form fields and fonts (PDF/UA-1 7.18 and 7.21).

- pdf-form-field-name (7.18.1, Matterhorn 28-005): every form field has a tooltip (/TU) or its
  Form structure element an /Alt: the name a screen reader announces for the field.
- pdf-form-field-tagged (7.18.4, 28-010): every widget annotation sits in a Form structure element.
- pdf-annotation-contents (7.18.1, 28-004): annotations other than links, widgets, popups and
  printer's marks (and hidden ones) carry /Contents or an /Alt on their structure element.
- pdf-font-embedded (7.21.4.1, 31-009): fonts that paint text have their program embedded.
- pdf-font-unicode (7.21.7, 31-027): the character codes of every page font map to Unicode.

Annotation owners (the structure element holding an annotation) come from /StructParent through
the ParentTree, else from the OBJR that names the annotation.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import pikepdf

from checkers.findings import Recorder, clip
from checkers.pdf_limits import Budget
from checkers.pdf_pages import Annotation, PagesInfo, parent_tree
from checkers.pdf_struct import RoleResolver, StructTree

FIELD_NAME, FIELD_TAGGED = "pdf-form-field-name", "pdf-form-field-tagged"
ANNOT_CONTENTS = "pdf-annotation-contents"
FONT_EMBEDDED, FONT_UNICODE = "pdf-font-embedded", "pdf-font-unicode"
# 7.18.1: links and widgets have rules of their own; popups belong to their parent annotation and
# printer's marks are not content (PDF/UA-1 7.18.1 exempts them from tagging).
NOT_CONTENT_ANNOTS = {"Link", "Widget", "Popup", "PrinterMark"}


class Owner(NamedTuple):
    type: str | None     # the structure type holding the annotation (after role mapping)
    alt: str | None      # that element's /Alt


def annotation_owners(pdf: pikepdf.Pdf, tree: StructTree, annots: list[Annotation],
                      budget: Budget) -> list[Owner | None]:
    """The structure element holding each annotation, or None when it is not in the tree."""
    if not annots:
        return []
    by_objgen = {n.objgen: n for n in tree.nodes if n.objgen != (0, 0)}
    resolve = RoleResolver(tree.role_map)
    ptree = parent_tree(pdf.Root.get("/StructTreeRoot"), budget)
    owners: list[Owner | None] = []
    for annot in annots:
        owner = None
        value = ptree.get(annot.struct_parent) if annot.struct_parent is not None else None
        if isinstance(value, pikepdf.Dictionary) and value.is_indirect and value.objgen in by_objgen:
            node = by_objgen[value.objgen]
            owner = Owner(node.type, node.alt)
        elif isinstance(value, pikepdf.Dictionary) and isinstance(value.get("/S"), pikepdf.Name):
            alt = value.get("/Alt")
            owner = Owner(resolve(str(value.get("/S"))[1:]), str(alt) if alt is not None else None)
        elif annot.objgen in tree.annot_owner:
            node = tree.nodes[tree.annot_owner[annot.objgen]]
            owner = Owner(node.type, node.alt)
        owners.append(owner)
    return owners


def _has_text(value: Any) -> bool:
    return bool(value and str(value).strip())


def check_forms(rec: Recorder, widgets: list[Annotation], owners: list[Owner | None] | None) -> None:
    """`owners` is None for an untagged document."""
    rec.evaluate(FIELD_NAME)
    rec.evaluate(FIELD_TAGGED)
    named: dict[Any, bool] = {}
    first: dict[Any, Annotation] = {}
    for index, widget in enumerate(widgets):
        owner = owners[index] if owners else None
        key = widget.field or widget.objgen
        first.setdefault(key, widget)
        named[key] = named.get(key, False) or bool(widget.tooltip) or (owner is not None and _has_text(owner.alt))
        if owners is not None:
            where = _field_where(widget)
            rec.outcome(FIELD_TAGGED, owner is not None and owner.type == "Form", "Form field is not "
                        "inside a Form structure element", evidence=where + (" not in the structure tree"
                        if owner is None else f" inside /{owner.type}"), page=widget.page)
    for key, ok in named.items():
        widget = first[key]
        rec.outcome(FIELD_NAME, ok, "Form field has no tooltip (/TU) and no alternative description, "
                    "so screen readers announce it without a name",
                    evidence=f"{_field_where(widget)} without /TU or /Alt", page=widget.page)
    if widgets and owners is None:   # certain: with no structure tree there is no Form element
        rec.failed(FIELD_TAGGED, "The PDF is not tagged, so its form fields are not inside Form "
                   "structure elements (see pdf-not-tagged)", evidence=f"{len(widgets)} form field "
                   "widget(s), no structure tree", page=widgets[0].page)


def _field_where(widget: Annotation) -> str:
    label = f"form field {clip(widget.field_label, 60)!r}" if widget.field_label else "form field"
    return f"{label} (page {widget.page})"


def check_annotations(rec: Recorder, annots: list[Annotation], owners: list[Owner | None] | None) -> None:
    rec.evaluate(ANNOT_CONTENTS)
    for index, annot in enumerate(annots):
        owner = owners[index] if owners else None
        ok = _has_text(annot.contents) or (owner is not None and _has_text(owner.alt))
        rec.outcome(ANNOT_CONTENTS, ok, f"{annot.subtype} annotation has no description (/Contents "
                    "or /Alt)", evidence=f"/{annot.subtype} annotation (page {annot.page}) without "
                    "/Contents", page=annot.page)


def content_annotations(pages: PagesInfo) -> list[Annotation]:
    """The annotations pdf-annotation-contents tests."""
    return [a for a in pages.annotations if a.subtype not in NOT_CONTENT_ANNOTS and not a.hidden]


def check_fonts(rec: Recorder, pages: PagesInfo) -> None:
    rec.evaluate(FONT_EMBEDDED)
    rec.evaluate(FONT_UNICODE)
    for objgen, font in pages.fonts.items():
        page = pages.font_pages.get(objgen)
        if font.embedded:
            rec.passed(FONT_EMBEDDED)
        if font.unicode is True:
            rec.passed(FONT_UNICODE)
        elif font.unicode is False:
            rec.failed(FONT_UNICODE, "Text in this font cannot be mapped to Unicode characters: "
                       "screen readers and copy-paste get wrong or no text",
                       evidence=f"font {clip(font.name, 80)} ({font.subtype}, page {page}): {font.why}", page=page)
        else:
            rec.cant_tell(FONT_UNICODE, "Check that text in this font copies out as the right "
                          "characters", evidence=f"font {clip(font.name, 80)} ({font.subtype}, page {page}): "
                          f"{font.why}", page=page)
    for name, page in sorted(pages.unembedded_used.items(), key=lambda item: item[1])[:200]:
        rec.failed(FONT_EMBEDDED, "A font that paints text is not embedded: readers substitute "
                   "another font, which may change or lose characters",
                   evidence=f"font {clip(name, 80)} not embedded, used on page {page}", page=page)
