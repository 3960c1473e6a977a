"""Which axe-core rules the browser pass runs, and which catalogue rule each one reports as.

axe-core 4.10.2 (bundled by axe-selenium-python 3.0.0) has 104 rules. The pass runs an explicit
list (`RUN`), so that "every axe rule that can fire" is exactly the list the catalogue maps: all
rules of every tag including best-practice, plus five experimental ones that check what Annex 2
asks (`p-as-heading` is the browser's fake-heading check). `NOT_RUN` says why the others are left
out. An axe rule that performs the same check as a static rule, on the same element, reports under
the static rule's id (`SAME_AS_STATIC`); every other one reports as `axe-<axe id>` (rules/axe.yaml,
whose refs.axe names the axe rule).
"""
from __future__ import annotations

# axe id -> static catalogue rule that performs the same check on the same element.
SAME_AS_STATIC: dict[str, str] = {
    "image-alt": "img-alt-missing",
    "role-img-alt": "img-alt-missing",
    "input-image-alt": "input-image-alt-missing",
    "area-alt": "area-alt-missing",
    "object-alt": "object-name-missing",
    "svg-img-alt": "svg-img-name-missing",
    "frame-title": "iframe-name-missing",
    "video-caption": "video-captions",
    "link-name": "link-name",
    "empty-heading": "heading-empty",
    "heading-order": "heading-order",
    "p-as-heading": "heading-fake",
    "td-headers-attr": "table-headers-attr",
    "th-has-data-cells": "table-header-assigned",
    "color-contrast": "text-contrast",
    "blink": "emphasis-blink-marquee",
    "marquee": "emphasis-blink-marquee",
    "html-has-lang": "html-lang",
    "html-lang-valid": "html-lang-valid",
    "valid-lang": "element-lang-valid",
    "document-title": "page-title",
    "presentation-role-conflict": "img-decorative",
}

# Reported as axe-<id>; grouped only for reading.
AXE_ONLY: tuple[str, ...] = (
    # ARIA and names of controls
    "aria-allowed-attr", "aria-allowed-role", "aria-braille-equivalent", "aria-command-name",
    "aria-conditional-attr", "aria-deprecated-role", "aria-dialog-name", "aria-hidden-body",
    "aria-hidden-focus", "aria-input-field-name", "aria-meter-name", "aria-progressbar-name",
    "aria-prohibited-attr", "aria-required-attr", "aria-required-children", "aria-required-parent",
    "aria-roles", "aria-text", "aria-toggle-field-name", "aria-tooltip-name", "aria-treeitem-name",
    "aria-valid-attr-value", "aria-valid-attr", "button-name", "input-button-name",
    "nested-interactive", "summary-name", "duplicate-id-aria",
    # forms
    "autocomplete-valid", "form-field-multiple-labels", "label", "label-title-only",
    "label-content-name-mismatch", "select-name",
    # keyboard and focus
    "accesskeys", "frame-focusable-content", "scrollable-region-focusable", "tabindex",
    "server-side-image-map",
    # page structure and landmarks
    "bypass", "skip-link", "page-has-heading-one", "region", "landmark-banner-is-top-level",
    "landmark-complementary-is-top-level", "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main", "landmark-one-main", "landmark-unique",
    # lists
    "list", "listitem", "definition-list", "dlitem",
    # tables
    "empty-table-header", "scope-attr-valid", "table-duplicate-name", "table-fake-caption",
    "td-has-header",
    # images, colour, text, media
    "image-redundant-alt", "link-in-text-block", "avoid-inline-spacing", "no-autoplay-audio",
    # frames
    "frame-title-unique", "frame-tested",
    # page settings
    "html-xml-lang-mismatch", "meta-refresh", "meta-viewport", "meta-viewport-large",
)

# The rules of axe-core 4.10.2 the pass leaves out, and why.
NOT_RUN: dict[str, str] = {
    "identical-links-same-purpose": "AAA (2.4.9); the static link-text-ambiguous rule covers it",
    "color-contrast-enhanced": "AAA (1.4.6); Annex 2 asks for AA contrast (text-contrast)",
    "meta-refresh-no-exceptions": "AAA (2.2.4, 3.2.5); meta-refresh covers the AA case",
    "target-size": "WCAG 2.2 pointer target size is the platform's concern, not the content author's",
    "audio-caption": "deprecated in axe; the static audio-transcript rule covers it",
    "duplicate-id": "deprecated: WCAG 2.2 made 4.1.1 obsolete (duplicate-id-aria still runs)",
    "duplicate-id-active": "deprecated: WCAG 2.2 made 4.1.1 obsolete",
    "aria-roledescription": "deprecated in axe",
    "hidden-content": "experimental review item: lists every hidden element as needing review",
    "focus-order-semantics": "experimental and noisy on ordinary content",
    "css-orientation-lock": "reads the CSSOM that axe only loads with preload, which the pass turns off "
                            "(preload waits for media); it would only ever say needs-review",
}

RUN: tuple[str, ...] = tuple(sorted(set(SAME_AS_STATIC) | set(AXE_ONLY)))

# Rules about the whole document: inapplicable to a fragment (Moodle page content, a summary),
# which is shown inside the platform's own page; the static checker treats fragments the same way.
PAGE_LEVEL: frozenset[str] = frozenset({
    "document-title", "html-has-lang", "html-lang-valid", "html-xml-lang-mismatch", "bypass",
    "skip-link", "page-has-heading-one", "region", "landmark-one-main", "landmark-unique",
    "landmark-banner-is-top-level", "landmark-complementary-is-top-level",
    "landmark-contentinfo-is-top-level", "landmark-main-is-top-level",
    "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main", "meta-viewport", "meta-viewport-large", "meta-refresh",
})

# Static rules whose verdict on an element depends on rendering, scripts or the computed
# accessibility tree: when the two passes disagree definitely (failed vs passed) on the same
# element, the browser's verdict wins. For every other mapped rule a failure from either pass
# stands (see checkers/browser.py).
BROWSER_WINS: frozenset[str] = frozenset({
    "text-contrast", "img-alt-missing", "input-image-alt-missing", "area-alt-missing",
    "object-name-missing", "svg-img-name-missing", "iframe-name-missing", "link-name",
    "heading-empty", "heading-order", "page-title", "html-lang",
})

# Static findings on these elements are never dropped as "not rendered": they have no box by
# design (area, title...) or their rule is about the element whatever its rendering.
NO_BOX_TAGS: frozenset[str] = frozenset({
    "html", "head", "title", "meta", "link", "base", "area", "map", "track", "source", "param",
    "audio", "script", "style", "template", "noscript",
})


def catalogue_rule(axe_id: str) -> str:
    """The catalogue rule an axe rule reports as."""
    return SAME_AS_STATIC.get(axe_id) or f"axe-{axe_id}"
