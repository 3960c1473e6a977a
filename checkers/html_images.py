"""Images and other non-text content: text alternatives (ACT 23a2a8, 59796f, 8fc3b6, 7d6734,
cae760), their quality (file names, placeholders, length), decorative images (ACT 46ca7f) and
charts or diagrams that need a longer description (Annex 2, images 2)."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from checkers import textcheck
from checkers.accname import PRESENTATIONAL, explicit_role, role_of
from checkers.htmldoc import Page

RULES = ("img-alt-missing", "img-alt-filename", "img-alt-placeholder", "img-alt-too-long",
         "img-decorative", "img-complex-description", "input-image-alt-missing", "area-alt-missing",
         "object-name-missing", "svg-img-name-missing", "iframe-name-missing")

# Words for charts and diagrams in the alliance's languages (file names and alt text).
_COMPLEX = re.compile(
    r"(?<![^\W\d_])(chart|charts|diagram|diagrams|graph|graphs|infographic|flowchart|flow chart|"
    r"plot|gráfico|gráfica|diagrama|esquema|kaavio|kuvaaja|diagrammi|vuokaavio|diagramm|schaubild|"
    r"flussdiagramm|grafico|diagramma|graphique|diagramme|schéma|organigramme|διάγραμμα|γράφημα|"
    r"диаграма|графика|графика|diagramă|diagrama|grafic|graf|flödesschema)(?![^\W\d_])", re.IGNORECASE)
# Words that announce a longer description in the alliance's languages.
_DESCRIPTION_WORDS = re.compile(
    r"descri|long description|text version|kuvaus|tekstiversio|beschreibung|textversion|"
    r"descripción|descrizione|περιγραφή|описание|descriere|beskrivning|data table|datos|tabla|taulukko|tabelle",
    re.IGNORECASE)
_GRAPHICS_ROLES = frozenset({"graphics-document", "graphics-symbol"})
_SEPARATORS = re.compile(r"[_\-.+]+")
_MEDIA_TYPES = ("image/", "video/", "audio/")
_TEXT_EXTENSIONS = ("pdf", "html", "htm", "txt", "xml", "csv")


def check(page: Page) -> None:
    for img in page.by_tag["img"]:
        _image(page, img)
    for el in page.with_role:
        if el.tag in ("img", "svg") or page.hidden(el):
            continue
        role = role_of(el)
        if role == "img":
            page.report("img-alt-missing", bool(page.name(el)), "Element with role=img has no accessible name", el)
        elif role in _GRAPHICS_ROLES:   # a shape inside an SVG (ACT 7d6734)
            page.report("svg-img-name-missing", bool(page.name(el)),
                        f"SVG element with role={role} has no accessible name (add aria-label)", el)
    for inp in page.by_tag["input"]:
        if (inp.get("type") or "").strip().lower() == "image" and not page.hidden(inp):
            page.report("input-image-alt-missing", bool(page.name(inp)),
                        "Image button has no accessible name (alt, aria-label or title)", inp)
    for area in page.by_tag["area"]:
        if area.get("href") is not None and not page.hidden(area):
            page.report("area-alt-missing", bool(page.name(area)),
                        "Image map area has no text alternative (alt)", area)
    for obj in page.by_tag["object"]:
        _object(page, obj)
    for svg in page.by_tag["svg"]:
        _svg(page, svg)
    for frame in page.by_tag["iframe"]:
        if not page.hidden(frame) and (frame.get("tabindex") or "").strip() != "-1":
            page.report("iframe-name-missing", bool(page.name(frame)),
                        "Inline frame has no accessible name (add a title attribute)", frame)


def _shows_image(img) -> bool:
    """ACT 23a2a8 applies to images that display one: src, srcset, a <picture> source, a lazy
    loader's data-src or an inline CSS background; an <img> with none of them shows nothing
    (Inapplicable Example 5)."""
    if any(key == "src" or key.endswith(("src", "srcset")) for key in img.attrib):
        return True
    if "background" in (img.get("style") or "").lower():
        return True
    parent = img.getparent()
    return parent is not None and parent.tag == "picture" and parent.find("source") is not None


def _image(page: Page, img) -> None:
    if page.not_rendered(img) or not _shows_image(img):
        return
    marked = page.aria_hidden(img) or img.get("alt") == "" or explicit_role(img) in PRESENTATIONAL
    if marked and _decorative(page, img):
        return
    name = page.name(img)
    src = img.get("src") or ""
    if not name:
        page.report("img-alt-missing", False, "Image has no text alternative (alt attribute)", img)
        return
    page.report("img-alt-missing", True, "")
    page.report("img-alt-filename", not textcheck.looks_like_file_name(name, src),
                f"The text alternative {name[:60]!r} is a file name, not a description", img)
    if textcheck.is_placeholder_alt(name):
        page.report("img-alt-placeholder", False,
                    f"The text alternative {name[:60]!r} is a placeholder that describes nothing", img)
    else:
        doubt = textcheck.alt_doubt(name)
        page.report("img-alt-placeholder", None if doubt else True,
                    f"The text alternative {name[:60]!r} was {doubt}", img)
    page.report("img-alt-too-long", not textcheck.alt_too_long(name),
                f"The text alternative is {len(name)} characters long (more than {textcheck.ALT_MAX}); "
                "move the details into the page text or a linked description", img)
    if _looks_complex(name, src):
        described = _has_long_description(page, img)
        page.report("img-complex-description", True if described else None,
                    "This image looks like a chart or diagram: make sure its information is also "
                    "given in text (a linked or nearby description, or a data table)", img)


def _decorative(page: Page, img) -> bool:
    """ACT 46ca7f: an image marked decorative must stay out of the accessibility tree.
    True when it does; False when aria-label(ledby) or focus expose it anyway (then it is
    judged as an informative image too)."""
    if page.aria_hidden(img):
        page.report("img-decorative", True, "")
        return True
    exposed = bool((img.get("aria-label") or "").strip() or (img.get("aria-labelledby") or "").strip())
    focusable = img.get("tabindex") is not None
    page.report("img-decorative", not (exposed or focusable),
                "Image is marked decorative but is still exposed (aria-label or tabindex): "
                "either describe it or remove those attributes", img)
    return not (exposed or focusable)


def _looks_complex(name: str, src: str) -> bool:
    if _COMPLEX.search(name):
        return True
    try:
        stem = textcheck.path_stem(unquote(urlsplit(src).path))
    except ValueError:
        stem = ""
    return bool(_COMPLEX.search(_SEPARATORS.sub(" ", stem)))


def _has_long_description(page: Page, img) -> bool:
    if page.names.description(img) or (img.get("longdesc") or "").strip():
        return True
    node = img
    for _ in range(3):  # the image, its link or span wrapper, its figure
        parent = node.getparent()
        if parent is None:
            break
        if parent.tag == "figure":
            caption = parent.find("figcaption")
            if caption is not None and len(page.text(caption).split()) >= 10:
                return True
        node = parent
        sibling = node.getnext()
        for _ in range(2):
            if sibling is None:
                break
            if sibling.tag in ("details", "table"):
                return True
            for link in ([sibling] if sibling.tag == "a" else sibling.iter("a")):
                if _DESCRIPTION_WORDS.search(page.text(link) + " " + (link.get("title") or "")):
                    return True
            sibling = sibling.getnext()
    return False


def _object(page: Page, obj) -> None:
    """ACT 8fc3b6: applies to objects that render images, audio or video and are not marked
    decorative (role=presentation/none, Inapplicable Example 5)."""
    if page.hidden(obj) or explicit_role(obj) in PRESENTATIONAL:
        return
    kind = (obj.get("type") or "").lower()
    ext = PurePosixPath(urlsplit(obj.get("data") or "").path).suffix.lower().lstrip(".")
    if kind.startswith(("text/", "application/pdf")) or ext in _TEXT_EXTENSIONS:
        return
    named = bool(page.name(obj))
    non_text = kind.startswith(_MEDIA_TYPES) or ext in textcheck.IMAGE_EXTENSIONS or \
        textcheck.FILE_EXTENSIONS.get(ext) in ("video", "audio")
    if named:
        page.report("object-name-missing", True, "")
    else:
        page.report("object-name-missing", False if non_text else None,
                    "Embedded object has no accessible name (add a title attribute)"
                    + ("" if non_text else "; check whether it shows an image, audio or video"), obj)


def _svg(page: Page, svg) -> None:
    """ACT 7d6734 for <svg role=img|graphics-document|graphics-symbol>; aria-hidden or
    presentational svg is decorative (ACT 46ca7f)."""
    if page.not_rendered(svg):
        return
    role = (svg.get("role") or "").strip().lower().split(" ")[0]
    if page.aria_hidden(svg) or role in PRESENTATIONAL:
        _decorative(page, svg)
        return
    if role in ("img", "graphics-document", "graphics-symbol"):
        page.report("svg-img-name-missing", bool(page.name(svg)),
                    "SVG image has no accessible name (add <title> or aria-label)", svg)
