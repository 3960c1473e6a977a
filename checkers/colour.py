"""Colours and WCAG contrast, shared by the HTML, PowerPoint and Word checkers.

WCAG 2.2 relative luminance and contrast ratio (success criterion 1.4.3, ACT rule afw4f7).
"""
from __future__ import annotations

import re

RGB = tuple[int, int, int]

NAMED: dict[str, RGB] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "orange": (255, 165, 0), "purple": (128, 0, 128),
    "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "maroon": (128, 0, 0), "navy": (0, 0, 128), "teal": (0, 128, 128), "olive": (128, 128, 0),
    "lime": (0, 255, 0), "aqua": (0, 255, 255), "cyan": (0, 255, 255), "fuchsia": (255, 0, 255),
    "magenta": (255, 0, 255), "darkblue": (0, 0, 139), "mediumblue": (0, 0, 205),
    "royalblue": (65, 105, 225), "steelblue": (70, 130, 180), "dodgerblue": (30, 144, 255),
    "deepskyblue": (0, 191, 255), "lightblue": (173, 216, 230), "skyblue": (135, 206, 235),
    "cornflowerblue": (100, 149, 237), "darkred": (139, 0, 0), "crimson": (220, 20, 60),
    "firebrick": (178, 34, 34), "darkgreen": (0, 100, 0), "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211), "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169),
    "dimgray": (105, 105, 105), "dimgrey": (105, 105, 105), "gainsboro": (220, 220, 220),
    "whitesmoke": (245, 245, 245), "pink": (255, 192, 203), "gold": (255, 215, 0),
    "brown": (165, 42, 42), "darkorange": (255, 140, 0), "tomato": (255, 99, 71),
    "lightyellow": (255, 255, 224), "beige": (245, 245, 220), "ivory": (255, 255, 240),
}

_HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$", re.IGNORECASE)
_FUNC = re.compile(r"^rgba?\(\s*([^)]*)\)$", re.IGNORECASE)


def parse_colour(value: str | None) -> RGB | None:
    """An opaque sRGB colour from CSS text or an Office hex value; None when unknown.

    Transparent or semi-transparent colours return None: their look depends on what is behind
    them, so contrast must then be `cantTell`.
    """
    if not value:
        return None
    v = value.strip().lower().removesuffix("!important").strip()
    if v in NAMED:
        return NAMED[v]
    m = _HEX.match(v)
    if m:
        h = m.group(1)
        if len(h) in (3, 4):
            if len(h) == 4 and h[3] != "f":
                return None
            h = "".join(c * 2 for c in h[:3])
        elif len(h) == 8:
            if h[6:] != "ff":
                return None
            h = h[:6]
        if not v.startswith("#") and not re.fullmatch(r"[0-9a-f]{6}", h):
            return None
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    m = _FUNC.match(v)
    if m:
        parts = [p for p in re.split(r"[\s,/]+", m.group(1).strip()) if p]
        if len(parts) not in (3, 4):
            return None
        if len(parts) == 4:
            alpha = parts[3]
            a = float(alpha[:-1]) / 100 if alpha.endswith("%") else _float(alpha)
            if a is None or a < 1:
                return None
        channels = []
        for p in parts[:3]:
            n = _float(p[:-1]) if p.endswith("%") else _float(p)
            if n is None:
                return None
            channels.append(round(n * 2.55) if p.endswith("%") else round(n))
        return tuple(max(0, min(255, c)) for c in channels)  # type: ignore[return-value]
    return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def relative_luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: RGB, bg: RGB) -> float:
    a, b = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def required_ratio(font_size_pt: float | None, bold: bool) -> float:
    """4.5:1, or 3:1 for large text (>= 18pt, or >= 14pt bold) per WCAG 1.4.3."""
    if font_size_pt is not None and (font_size_pt >= 18 or (bold and font_size_pt >= 14)):
        return 3.0
    return 4.5


def is_bluish(rgb: RGB) -> bool:
    """A colour people read as link blue: blue clearly dominant over red and green."""
    r, g, b = rgb
    return b >= 128 and b - max(r, g) >= 60 and r < 140


def is_neutral(rgb: RGB, tolerance: int = 24) -> bool:
    """Black, white and greys carry no colour meaning."""
    return max(rgb) - min(rgb) <= tolerance
