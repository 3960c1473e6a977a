"""Text judgements shared by every format: alt text quality, link text, file links.

Word lists cover the alliance's ten languages (English, Spanish, Finnish, German, Italian, French,
Greek, Bulgarian, Romanian, Swedish) and live in `checkers/lexicon.yaml` so they can grow without
code changes.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rules import yamlfile

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
ALT_MAX = 125  # characters; Brickfield's img_alt_is_too_long and common screen-reader guidance

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "tif", "tiff", "emf", "wmf", "heic")
FILE_EXTENSIONS = {
    "pdf": "PDF", "doc": "Word", "docx": "Word", "odt": "OpenDocument text", "rtf": "RTF",
    "ppt": "PowerPoint", "pptx": "PowerPoint", "odp": "OpenDocument presentation",
    "xls": "Excel", "xlsx": "Excel", "ods": "OpenDocument spreadsheet", "csv": "CSV",
    "zip": "ZIP", "rar": "RAR", "7z": "7-Zip", "gz": "archive", "tar": "archive",
    "mp4": "video", "webm": "video", "mov": "video", "avi": "video", "mkv": "video", "m4v": "video",
    "mp3": "audio", "wav": "audio", "ogg": "audio", "m4a": "audio", "flac": "audio",
    "epub": "EPUB", "txt": "text file", "ipynb": "notebook",
}


@functools.cache
def lexicon() -> dict[str, list[str]]:
    return yamlfile.load(LEXICON_FILE.read_text(encoding="utf-8"))


_SPACES = re.compile(r"[\s\u00a0]+")
_NORMALISED_MAX = 200  # texts up to this long are remembered (link texts, alt texts repeat)


def normalise(text: str | None) -> str:
    """Lower case, accents kept (Greek and Bulgarian need them), punctuation and spaces folded."""
    if not text:
        return ""
    if len(text) <= _NORMALISED_MAX:
        return _normalise_short(text)
    return _normalise(text)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SPACES.sub(" ", text)
    return text.strip(" \t\n.,;:!?¡¿…»«\"'()[]{}<>|-–—→←>")


_normalise_short = functools.lru_cache(maxsize=4096)(_normalise)


@functools.cache
def _phrase_set(key: str) -> frozenset[str]:
    return frozenset(normalise(p) for p in lexicon()[key])


def is_non_descriptive_link(text: str | None) -> bool:
    """'click here', 'read more', 'hier', 'lue lisää', 'εδώ'...: the text says nothing of the target."""
    return normalise(text) in _phrase_set("link_non_descriptive")


_URL = re.compile(r"^(https?://|ftp://|www\.)\S+$", re.IGNORECASE)


def is_raw_url(text: str | None) -> bool:
    t = (text or "").strip()
    return bool(_URL.match(t)) and " " not in t


_EXTENSION_HINT = re.compile(r"\.(?:" + "|".join(sorted(FILE_EXTENSIONS, key=len, reverse=True)) + r")",
                             re.IGNORECASE)


def file_link_problem(ext: str) -> str:
    """What a link to a file of this type lacks: 'opens an Excel file but its text does not say so…'."""
    kind = FILE_EXTENSIONS[ext]
    article = "an" if kind[0] in "AEIOUaeiou" or kind == "RTF" else "a"
    return f"opens {article} {kind} file but its text does not say so (e.g. add \"({ext.upper()})\")"


def file_extension(url: str | None) -> str | None:
    """The file type a URL points at, judged by the path's extension ('pdf', 'docx'...)."""
    if not url:
        return None
    if "%" not in url and not _EXTENSION_HINT.search(url):
        return None  # no ".pdf", ".docx"... anywhere: the path cannot end in one (cheap, common)
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    suffix = path_suffix(path).lower().lstrip(".")
    return suffix if suffix in FILE_EXTENSIONS else None


def mentions_file_type(text: str | None, ext: str) -> bool:
    """Does a link's text or description say what kind of file it opens?"""
    t = normalise(text)
    if not t:
        return False
    return bool(_file_type_words(ext).search(t))


@functools.cache
def _file_type_words(ext: str) -> re.Pattern[str]:
    """The words that name a file type (the extension, its kind, generic 'file' words) as one regex."""
    words = {ext, FILE_EXTENSIONS.get(ext, ext).casefold()}
    words |= {w.casefold() for w in lexicon()["file_words_generic"]}
    return re.compile("|".join(r"(?<![\w])" + re.escape(w) + r"(?![\w])" for w in sorted(words) if w))


def mentions_new_window(text: str | None) -> bool:
    t = normalise(text)
    return any(p in t for p in _phrase_set("new_window"))


def path_name(path: str) -> str:
    """PurePosixPath(path).name without building a path object (hot in the HTML checker): the
    last component that is neither empty nor "."."""
    last = path[path.rfind("/") + 1:]
    if last and last != ".":
        return last
    return next((part for part in reversed(path.split("/")) if part and part != "."), "")


def path_suffix(path: str) -> str:
    """PurePosixPath(path).suffix: the name's last ".ext", or "" (a leading or final dot is none)."""
    name = path_name(path)
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def path_stem(path: str) -> str:
    """PurePosixPath(path).stem: the name without its last suffix."""
    name = path_name(path)
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def _file_stem(name: str) -> str:
    base = path_name(unquote(urlsplit(name).path if "://" in name else name))
    return base.rsplit(".", 1)[0] if "." in base else base


def looks_like_file_name(alt: str, src: str | None = None) -> bool:
    """'IMG_0234.JPG', 'chart.png', or the image's own file name (Brickfield img_alt_is_different)."""
    a = alt.strip()
    if not a:
        return False
    if _IMAGE_FILE_NAME.fullmatch(a):
        return True
    if src:
        stem = _file_stem(src)
        if stem and normalise(a) in {normalise(stem), normalise(path_name(unquote(src)))}:
            return True
    return False


_IMAGE_FILE_NAME = re.compile(r"[\w\-. ()]+\.(" + "|".join(IMAGE_EXTENSIONS) + r")", re.IGNORECASE)


_CAMERA_NAME = re.compile(r"^(img|image|dsc|dscn|dcim|pic|photo|screenshot|screen shot|scan|clip)[\s_\-]*\d+$",
                          re.IGNORECASE)


def is_placeholder_alt(alt: str) -> bool:
    """'image', 'photo', 'img_0234', 'picture 3', 'Bild', 'kuva'...: alt text that describes nothing."""
    t = normalise(alt)
    if not t:
        return False
    if t in _phrase_set("alt_placeholder") or _CAMERA_NAME.match(t):
        return True
    # "picture 3", "grafik 12": a placeholder word followed by a number (\d is str.isdecimal;
    # the check first spares the regex, which tries every split, on texts not ending in one).
    m = _NUMBERED.fullmatch(t) if t[-1].isdecimal() else None
    return bool(m and normalise(m.group(1)) in _phrase_set("alt_placeholder"))


_NUMBERED = re.compile(r"(.+?)[\s_\-]*\d+")


def alt_problem(alt: str | None, src: str | None = None) -> str | None:
    """Why a (non-empty) text alternative is not a description, or None when it may be one."""
    if alt is None:
        return None
    if looks_like_file_name(alt, src):
        return "the text alternative is a file name"
    if is_placeholder_alt(alt):
        return "the text alternative is a placeholder, not a description"
    return None


def alt_doubt(alt: str | None) -> str | None:
    """Why a text alternative needs a person's check (cantTell), or None: Office's own generated
    descriptions ("… Description automatically generated") are guesses nobody has confirmed."""
    t = normalise(alt)
    if t and any(p in t for p in _phrase_set("alt_auto_generated")):
        return "generated automatically by Office; check that it describes the image"
    return None


def alt_too_long(alt: str | None, limit: int = ALT_MAX) -> bool:
    return bool(alt) and len(alt.strip()) > limit
