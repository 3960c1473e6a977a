"""Caption files: WebVTT (W3C WebVTT, section 6 "Parsing") and SubRip (.srt).

The parser follows the WebVTT parsing algorithm closely enough to predict what a browser shows:
the signature line, the header up to the first blank line, cue blocks whose first or second line
holds the timings, timestamps `[hh:]mm:ss.ttt`. Cues a browser would drop (bad timings, an end not
after the start) are counted as errors, so that an author learns why a caption never appears.
SubRip has no specification; we accept what common players accept (`hh:mm:ss,ttt`, a dot instead
of the comma, a missing counter line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CAPTION_BYTES = 20 * 1024 * 1024   # far above any real caption file; bigger ones are refused
MAX_CUES = 200_000
MAX_ERRORS_KEPT = 5

_VTT_TIME = re.compile(r"(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})")
_VTT_TIMING = re.compile(r"^[ \t]*(\S+?)[ \t]*-->[ \t]*(\S+)(?:[ \t]+.*)?$")
_SRT_TIMING = re.compile(r"^\s*(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*"
                         r"(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]{0,200}>")


class CaptionError(ValueError):
    """The file is not a caption file of the kind it claims to be."""


@dataclass
class Cue:
    start: float
    end: float
    text: str
    line: int        # 1-based line of the timing line


@dataclass
class Captions:
    kind: str                                       # "WebVTT" or "SRT"
    cues: list[Cue] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # first few problems, with line numbers
    error_count: int = 0
    first_error_line: int | None = None

    @property
    def last_end(self) -> float:
        return max((c.end for c in self.cues), default=0.0)

    def text(self) -> str:
        return "\n".join(_TAG.sub("", c.text) for c in self.cues if c.text)

    def _error(self, line: int, message: str) -> None:
        self.error_count += 1
        if self.first_error_line is None:
            self.first_error_line = line
        message = f"line {line}: {message}"
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)


def _decode(data: bytes, webvtt: bool) -> str:
    """WebVTT is UTF-8 by definition (bad bytes become U+FFFD, as in browsers); SubRip files are
    often Windows-1252 or UTF-16, so they get the usual fallbacks."""
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionError(f"the file is {len(data) // 1_048_576} MiB, larger than any caption file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if webvtt:
            raise CaptionError("it is UTF-16 encoded; WebVTT must be UTF-8")
        return data.decode("utf-16", errors="replace")
    if webvtt:
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _lines(text: str) -> list[str]:
    text = text.lstrip("\ufeff").replace("\0", "\ufffd")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def vtt_timestamp(value: str) -> float | None:
    m = _VTT_TIME.fullmatch(value)
    if not m:
        return None
    hours, minutes, seconds, millis = m.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_webvtt(data: bytes) -> Captions:
    """Parse WebVTT; raise CaptionError when a browser would reject the whole file."""
    lines = _lines(_decode(data, webvtt=True))
    first = lines[0]
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        hint = " (it looks like SubRip: rename it .srt or convert it)" if _looks_like_srt(lines) else ""
        raise CaptionError(f"the first line is not the WEBVTT signature{hint}")
    caps = Captions("WebVTT")
    i = 1
    while i < len(lines) and lines[i] != "":       # header: up to the first blank line
        i += 1
    while i < len(lines):
        while i < len(lines) and lines[i] == "":
            i += 1
        block_start = i
        block: list[str] = []
        while i < len(lines) and lines[i] != "":
            # A second line with an arrow starts a new block (the spec's "previous position").
            if "-->" in lines[i] and len(block) >= 2:
                break
            if "-->" in lines[i] and len(block) == 1 and "-->" in block[0]:
                break
            block.append(lines[i])
            i += 1
        if block:
            _vtt_block(caps, block, block_start)
        if len(caps.cues) > MAX_CUES:
            raise CaptionError(f"more than {MAX_CUES} cues")
    return caps


def _vtt_block(caps: Captions, block: list[str], start: int) -> None:
    if "-->" in block[0]:
        timing_at = 0
    elif len(block) > 1 and "-->" in block[1]:
        timing_at = 1
    else:
        head = block[0].split(" ")[0].split("\t")[0]
        if head not in ("NOTE", "STYLE", "REGION"):
            caps._error(start + 1, f"text without cue timings is ignored: {block[0][:60]!r}")
        return
    line_no = start + timing_at + 1
    m = _VTT_TIMING.match(block[timing_at])
    begin = vtt_timestamp(m.group(1)) if m else None
    end = vtt_timestamp(m.group(2)) if m else None
    if begin is None or end is None:
        caps._error(line_no, f"bad cue timing {block[timing_at][:60]!r} (the cue is dropped)")
        return
    if end <= begin:
        caps._error(line_no, f"the cue ends before it starts (the cue never shows)")
        return
    caps.cues.append(Cue(begin, end, "\n".join(block[timing_at + 1:]), line_no))


def _looks_like_srt(lines: list[str]) -> bool:
    return any(_SRT_TIMING.match(line) for line in lines[:5])


def parse_srt(data: bytes) -> Captions:
    """Parse SubRip; raise CaptionError when nothing in the file is a cue."""
    lines = _lines(_decode(data, webvtt=False))
    caps = Captions("SRT")
    i = 0
    while i < len(lines):
        while i < len(lines) and not lines[i].strip():
            i += 1
        block_start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if block:
            _srt_block(caps, block, block_start)
        if len(caps.cues) > MAX_CUES:
            raise CaptionError(f"more than {MAX_CUES} cues")
    if not caps.cues and caps.error_count:
        raise CaptionError(f"no usable SubRip cue (number, 'hh:mm:ss,ttt --> hh:mm:ss,ttt', text); {caps.errors[0]}")
    return caps


def _srt_block(caps: Captions, block: list[str], start: int) -> None:
    timing_at = 1 if len(block) > 1 and block[0].strip().isdigit() else 0
    m = _SRT_TIMING.match(block[timing_at])
    if not m:
        caps._error(start + timing_at + 1, f"not a SubRip timing line: {block[timing_at][:60]!r}")
        return
    v = [int(x) for x in m.groups()]
    begin = v[0] * 3600 + v[1] * 60 + v[2] + v[3] / 10 ** len(m.group(4))
    end = v[4] * 3600 + v[5] * 60 + v[6] + v[7] / 10 ** len(m.group(8))
    if end <= begin:
        caps._error(start + timing_at + 1, f"the cue ends before it starts")
        return
    caps.cues.append(Cue(begin, end, "\n".join(block[timing_at + 1:]), start + timing_at + 1))


def parse_captions(data: bytes, name: str = "") -> Captions:
    """Parse by extension (.vtt is WebVTT, .srt SubRip), else by content."""
    if not data.strip(b" \t\r\n\x00").removeprefix(b"\xef\xbb\xbf").strip():
        raise CaptionError("the file is empty")
    lower = name.lower()
    if lower.endswith(".vtt"):
        return parse_webvtt(data)
    if lower.endswith(".srt"):
        return parse_srt(data)
    if data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return parse_webvtt(data)
    return parse_srt(data)
