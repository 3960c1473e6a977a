"""What the media parsers report about a video or audio file, and how they fail.

The container parsers (media_mp4, media_mkv, media_audio) are pure Python walkers over the bytes
with hard limits on element counts, nesting depth and sizes: a hostile file ends as a MediaError
(broken file) or MediaLimit (one of our caps), never as an exception of another kind, a hang or a
large allocation (they slice the input, they never allocate what a size field claims).
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_ELEMENTS = 50_000     # boxes / EBML elements visited in one file
MAX_DEPTH = 24            # nesting depth (real files use fewer than 10 levels)
MAX_TRACKS = 256


class MediaError(ValueError):
    """The file is damaged: students' players cannot use it either."""


class MediaLimit(MediaError):
    """The file went past one of our caps (element count, depth): we could not check it."""


@dataclass
class MediaInfo:
    container: str                                   # "MP4", "WebM", "Matroska", "MP3", ...
    duration: float | None = None                    # seconds, None when unknown
    video_tracks: int = 0
    audio_tracks: int = 0
    caption_tracks: list[str] = field(default_factory=list)   # e.g. "tx3g text track (fin)"
    caption_note: str | None = None                  # why caption data found did not count
    title: str | None = None
    language: str | None = None                      # of the first audio track, ISO 639 as found
    tracks_known: bool = True                        # False: the container was not inspected

    @property
    def is_video(self) -> bool:
        return self.video_tracks > 0


# ISO 639-2 (bibliographic and terminology) to ISO 639-1 for the alliance's languages and a few
# more; other codes are kept as found.
_ISO639_2 = {
    "eng": "en", "spa": "es", "fin": "fi", "deu": "de", "ger": "de", "ita": "it", "fra": "fr",
    "fre": "fr", "ell": "el", "gre": "el", "bul": "bg", "ron": "ro", "rum": "ro", "swe": "sv",
    "por": "pt", "nld": "nl", "dut": "nl", "pol": "pl", "ces": "cs", "cze": "cs", "dan": "da",
    "nor": "no", "nob": "nb", "est": "et", "lav": "lv", "lit": "lt", "hun": "hu", "slk": "sk",
    "slo": "sk", "slv": "sl", "hrv": "hr", "cat": "ca", "eus": "eu", "baq": "eu", "glg": "gl",
    "rus": "ru", "ukr": "uk", "tur": "tr", "ara": "ar", "zho": "zh", "chi": "zh", "jpn": "ja",
}


def language_tag(code: str | None) -> str | None:
    """A track language as a BCP 47 tag; None for 'und', 'zxx', 'mul' and empty values."""
    if not code:
        return None
    code = code.strip().strip("\0").lower()
    if not code or code in ("und", "zxx", "mul", "mis"):
        return None
    return _ISO639_2.get(code, code)


def format_duration(seconds: float) -> str:
    """1:02:03 or 2:05 or 0:07."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
