"""Video and audio files: captions, caption files and transcripts (rules/media.yaml).

A video with sound is captioned when its container holds a caption/subtitle track or its H.264/
HEVC stream carries CEA-608/708 captions (media_cc), or when a caption file with the same base
name (lecture.vtt, lecture.en.srt) sits beside it in the same source: `ctx.siblings` names the
files beside it, `ctx.sibling_data` holds the bytes of caption and transcript files when the
caller fetched them. Caption files must parse, hold cues and cover
most of the media's duration. Audio needs a transcript beside it. A sweep also passes caption
files that a page's `<track>` gives the media (`ctx.options["caption_tracks"]`, their names).
The `<track>` on the page itself, and YouTube/Vimeo embeds, are the HTML checker's business.

Containers are read by small pure-Python walkers (media_mp4, media_mkv, media_audio): no external
program, bounded work, and a hostile file ends as one `unreadable` finding.
"""
from __future__ import annotations

import os
import re
import struct
import unicodedata
from urllib.parse import unquote

from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, Finding, Recorder, unreadable
from checkers.media_audio import parse_flac, parse_mp3, parse_ogg, parse_wav
from checkers.media_captions import CaptionError, Captions, parse_captions
from checkers.media_info import MediaError, MediaInfo, MediaLimit, format_duration
from checkers.media_mkv import parse_matroska
from checkers.media_mp4 import parse_mp4

CAPTIONS, VALID, COVERAGE = "media-video-captions", "media-caption-file-valid", "media-caption-coverage"
TRANSCRIPT, VIDEO_ONLY = "media-audio-transcript", "media-video-only-alternative"
MIN_COVERAGE = 0.8          # the last cue must end after 80 % of the duration
OVERRUN_SECONDS = 10        # captions running this far past the end may be for another cut

CAPTION_EXTS = (".vtt", ".srt")
TRANSCRIPT_EXTS = (".txt", ".html", ".htm", ".xhtml", ".pdf", ".docx", ".odt", ".rtf", ".md",
                   ".vtt", ".srt")
MEDIA_EXTS = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".mka", ".ogv", ".ogg", ".oga", ".opus",
              ".mp3", ".m4a", ".wav", ".flac", ".aac", ".avi", ".wmv", ".mpg", ".mpeg", ".ts")
# "transcript" in the alliance's languages (en, es, fi, de, it, fr, el, bg, ro, sv), accents removed.
TRANSCRIPT_WORDS = ("transcrip", "transkript", "transkrib", "litteraatti", "litterointi",
                    "puhtaaksikirjoitus", "abschrift", "trascrizion", "transcriere", "utskrift",
                    "μεταγραφη", "απομαγνητοφωνηση", "транскрипц", "стенограм")
# What may follow the media's base name in a caption file's name: a language, a caption kind.
_SUFFIX = re.compile(r"(?:[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*)(?:[._-](?:captions?|subtitles?|subs|cc|sdh))?"
                     r"|captions?|subtitles?|subs|cc|sdh")


def _base(name: str) -> str:
    name = unquote(name.split("?", 1)[0].split("#", 1)[0]).replace("\\", "/")
    return name.rsplit("/", 1)[-1]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem_ext(name: str) -> tuple[str, str]:
    stem, ext = os.path.splitext(_fold(_base(name)))
    return stem, ext


def _belongs_to(candidate: str, media_name: str, siblings: tuple[str, ...]) -> bool:
    """Whether a sibling's base name says it belongs to this media file."""
    stem, _ = _stem_ext(candidate)
    own, _ = _stem_ext(media_name)
    if stem == own:
        return True
    other_media = {_stem_ext(s)[0] for s in siblings if _stem_ext(s)[1] in MEDIA_EXTS} - {own}
    if stem in other_media:
        return False
    return any(stem.startswith(own + sep) and _SUFFIX.fullmatch(stem[len(own) + 1:])
               for sep in ".-_ ")


def _is_transcript_name(candidate: str, media_name: str, siblings: tuple[str, ...]) -> bool:
    stem, ext = _stem_ext(candidate)
    if ext not in TRANSCRIPT_EXTS:
        return False
    if _belongs_to(candidate, media_name, siblings):
        return True
    if not any(word in stem for word in TRANSCRIPT_WORDS):
        return False
    # "episode2-transcript.pdf" belongs to episode2.mp3, not to episode1.mp3.
    own = _stem_ext(media_name)[0]
    others = {_stem_ext(s)[0] for s in siblings if _stem_ext(s)[1] in MEDIA_EXTS} - {own}
    return not any(stem.startswith(o) for o in others if o and not own.startswith(o))


def _sibling_bytes(ctx, name: str) -> bytes | None:
    data = ctx.sibling_data.get(name)
    if data is None:
        base = _base(name)
        data = next((v for k, v in ctx.sibling_data.items() if _base(k) == base), None)
    return data


def probe(data: bytes, media_type: str | None = None) -> MediaInfo:
    """Read what the container says; MediaError for a damaged or hostile file."""
    head = data[:16]
    try:
        if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
            return parse_mp4(data)
        if head.startswith(b"\x1a\x45\xdf\xa3"):
            return parse_matroska(data)
        if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
            return parse_wav(data)
        if head.startswith(b"fLaC"):
            return parse_flac(data)
        if head.startswith(b"OggS"):
            return parse_ogg(data)
        if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 in (0xE2, 0xE4, 0xE6)):
            return parse_mp3(data)
        if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
            return MediaInfo("AAC", audio_tracks=1)          # ADTS: no duration without decoding
    except (struct.error, IndexError, OverflowError) as exc:
        raise MediaError(f"damaged container ({type(exc).__name__})") from None
    kind = (media_type or "").split("/")[0]
    container = (media_type or "unknown container").split("/")[-1].upper()
    if kind == "video":
        return MediaInfo(container, video_tracks=1, tracks_known=False)
    if kind == "audio":
        return MediaInfo(container, audio_tracks=1, tracks_known=False)
    raise MediaError("not an audio or video container oerlint can read")


def _describe(info: MediaInfo) -> str:
    what = "video" if info.is_video else "audio"
    length = f" ({format_duration(info.duration)})" if info.duration else ""
    return f"{info.container} {what}{length}"


class _CaptionFiles:
    """The caption files beside one media file, checked for validity and coverage."""

    def __init__(self, rec: Recorder, ctx, names: list[str], duration: float | None):
        self.usable: list[str] = []       # parsed with cues, or not provided (trusted by name)
        self.broken: list[str] = []       # name: why
        self.text = ""
        for name in names:
            self._check(rec, name, _sibling_bytes(ctx, name), duration)

    def _check(self, rec: Recorder, name: str, data: bytes | None, duration: float | None) -> None:
        if data is None:
            self.usable.append(name)
            rec.cant_tell(VALID, f"{name} was not fetched, so it could not be checked",
                          evidence=name)
            rec.cant_tell(COVERAGE, f"{name} was not fetched, so its coverage is unknown", evidence=name)
            return
        caps = check_caption_bytes(rec, data, name)
        if caps is None or not caps.cues:
            self.broken.append(name)
            return
        self.usable.append(name)
        self.text = self.text or caps.text()
        record_coverage(rec, caps, name, duration)


def check_caption_bytes(rec: Recorder, data: bytes, name: str) -> Captions | None:
    """Record media-caption-file-valid for one caption file; the parsed captions or None."""
    kind = "WebVTT" if name.lower().endswith(".vtt") else "caption"
    try:
        caps = parse_captions(data, name)
    except CaptionError as exc:
        rec.failed(VALID, f"{name} does not parse as a {kind} file: {exc}", evidence=name)
        return None
    if not caps.cues:
        why = f"; {caps.errors[0]}" if caps.errors else ""
        rec.failed(VALID, f"{name} holds no caption cues{why}", evidence=name)
        return caps
    if caps.error_count:
        rec.failed(VALID, f"{name}: {caps.error_count} problem(s) make players skip text: "
                          + "; ".join(caps.errors), evidence=f"{name}: {caps.errors[0]}",
                   line=caps.first_error_line)
        return caps
    rec.passed(VALID)
    return caps


def record_coverage(rec: Recorder, caps: Captions, name: str, duration: float | None) -> None:
    end = caps.last_end
    if not duration:
        rec.cant_tell(COVERAGE, f"{name} ends at {format_duration(end)}; the media's duration is "
                                f"not stored in its container, so coverage cannot be compared",
                      evidence=name)
        return
    share = end / duration
    figures = f"the last cue of {name} ends at {format_duration(end)} of {format_duration(duration)} ({share:.0%})"
    if share < MIN_COVERAGE:
        rec.failed(COVERAGE, f"Captions stop early: {figures}; at least {MIN_COVERAGE:.0%} expected",
                   evidence=name)
    elif end - duration > OVERRUN_SECONDS:
        rec.cant_tell(COVERAGE, f"Captions run past the end: {figures}; are they for this version "
                                f"of the media?", evidence=name)
    else:
        rec.passed(COVERAGE)


def check_media(data: bytes, ctx) -> tuple[list[Finding], ContentFacts]:
    facts = ContentFacts("media")
    try:
        info = probe(data, ctx.media_type)
    except MediaLimit as exc:
        return [unreadable(f"The media file went past a safety cap: {exc}", outcome=CANT_TELL)], facts
    except MediaError as exc:
        return [unreadable(f"The media file is damaged: {exc}")], facts
    if not info.video_tracks and not info.audio_tracks:
        return [unreadable(f"The {info.container} file has no video or audio track")], facts
    facts.title, facts.language = info.title, info.language

    rec = Recorder([CAPTIONS, VALID, COVERAGE, TRANSCRIPT, VIDEO_ONLY])
    media_name = ctx.name or "media"
    siblings = tuple(s for s in ctx.siblings if _base(s) != _base(media_name))
    # caption files a page's <track> gives this media, whatever their names (sweeps.siblings)
    tracks = set((getattr(ctx, "options", None) or {}).get("caption_tracks") or ())
    caption_names = [s for s in siblings if _stem_ext(s)[1] in CAPTION_EXTS
                     and (s in tracks or _belongs_to(s, media_name, siblings))]
    files = _CaptionFiles(rec, ctx, caption_names, info.duration)
    facts.add_text(files.text)
    facts.word_count = len(files.text.split())
    what = _describe(info)

    if info.is_video and info.audio_tracks == 0 and info.tracks_known:
        _video_only(rec, media_name, siblings, what)
    elif info.is_video:
        _video_captions(rec, info, files, what)
    else:
        _audio_transcript(rec, media_name, siblings, what)
    return rec.findings(), facts


def _video_captions(rec: Recorder, info: MediaInfo, files: _CaptionFiles, what: str) -> None:
    if info.caption_tracks:
        rec.passed(CAPTIONS)
    elif files.usable:
        rec.passed(CAPTIONS)
    elif files.broken:
        rec.failed(CAPTIONS, f"The {what} has no caption track, and the caption file beside it "
                             f"cannot be used: {', '.join(files.broken)}", evidence=files.broken[0])
    elif not info.tracks_known:
        rec.cant_tell(CAPTIONS, f"The {what} has no caption file beside it; caption tracks inside "
                                f"{info.container} files are not inspected")
    else:
        note = f"; {info.caption_note}" if info.caption_note else ""
        rec.failed(CAPTIONS, f"The {what} has no captions: no caption or subtitle track inside it "
                             f"and no caption file (.vtt, .srt) with the same name beside it{note}")


def _has_transcript(media_name: str, siblings: tuple[str, ...]) -> bool:
    return any(_is_transcript_name(s, media_name, siblings) for s in siblings)


def _video_only(rec: Recorder, media_name: str, siblings: tuple[str, ...], what: str) -> None:
    if _has_transcript(media_name, siblings):
        rec.passed(VIDEO_ONLY)
    else:
        rec.cant_tell(VIDEO_ONLY, f"The {what} has no sound track and no description or transcript "
                                  f"beside it: if it shows information, describe it in text")


def _audio_transcript(rec: Recorder, media_name: str, siblings: tuple[str, ...], what: str) -> None:
    if _has_transcript(media_name, siblings):
        rec.passed(TRANSCRIPT)
    else:
        rec.failed(TRANSCRIPT, f"The {what} has no transcript: no text, HTML, PDF, Word or caption "
                               f"file with the same name or 'transcript' in its name beside it")


def check_caption_file(data: bytes, ctx) -> tuple[list[Finding], ContentFacts]:
    """A caption file on its own: does it parse and hold cues (its video is checked separately)."""
    facts = ContentFacts("media")
    rec = Recorder([VALID])
    name = _base(ctx.name) or ("captions.vtt" if ctx.media_type == "text/vtt" else "captions")
    caps = check_caption_bytes(rec, data, name)
    if caps is not None:
        text = caps.text()
        facts.add_text(text)
        facts.word_count = len(text.split())
    return rec.findings(), facts
