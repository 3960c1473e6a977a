"""Video, audio and embedded third-party content (Annex 2 videos and third-party content;
ACT eac66b for video, 2eb176 for audio: a static check sees whether captions or a transcript
are offered, not whether they are correct)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from checkers.htmldoc import Page

RULES = ("video-captions", "audio-transcript", "video-embed-captions", "third-party-embed")

_VIDEO_HOSTS = re.compile(r"(^|\.)(youtube\.com|youtube-nocookie\.com|youtu\.be|vimeo\.com|"
                          r"dailymotion\.com|dai\.ly|ted\.com|panopto\.com|kaltura\.com|"
                          r"vidyard\.com|wistia\.(com|net))$", re.IGNORECASE)
# "transcript" in the alliance's languages (en, es, fi, de, it, fr, el, bg, ro, sv).
_TRANSCRIPT = re.compile(
    r"transcript|transcripción|transcripcion|litteraatti|litterointi|tekstivastine|transkript|"
    r"trascrizione|transcription|απομαγνητοφώνηση|μεταγραφή|транскрипция|транскрипт|стенограма|"
    r"transcriere|transkription|utskrift|text version|textversion|tekstiversio|versión en texto",
    re.IGNORECASE)
_CAPTION_KINDS = ("captions", "subtitles", "")
TRANSCRIPT_MIN_WORDS = 40
# A page that labels its video as the text again "in video form" (ACT eac66b Passed Example 2:
# the video is a media alternative for text and needs no captions, if it adds nothing).
_SAME_AS_TEXT = re.compile(r"same (information|content)[^.]{0,60}video|video (version|form) of|"
                           r"in video form|la misma información|dieselben informationen|"
                           r"les mêmes informations|samma information|sama tieto", re.IGNORECASE)


def check(page: Page, base_url: str | None) -> None:
    for video in page.by_tag["video"]:
        if page.not_rendered(video):
            continue
        kinds = [(t.get("kind") or "").strip().lower() for t in video.iter("track")]
        if any(k in _CAPTION_KINDS for k in kinds):  # a missing kind means subtitles
            page.report("video-captions", True, "")
        elif _alternative_for_text(page, video):
            page.report("video-captions", None,
                        "Video without captions that the page presents as an alternative for its text: "
                        "check that the video says nothing the text does not", video)
        elif _transcript_nearby(page, video):
            page.report("video-captions", None,
                        "Video has no captions track, but a transcript seems to be offered nearby: "
                        "check that it covers everything said and shown", video)
        else:
            page.report("video-captions", False,
                        "Video has no captions or subtitles track and no transcript nearby", video)
    for audio in page.by_tag["audio"]:
        if not page.not_rendered(audio):
            _audio(page, audio)
    own_host = _host(base_url) if base_url else None
    for tag, attr in (("iframe", "src"), ("embed", "src"), ("object", "data")):
        for el in page.by_tag.get(tag, ()):
            if page.not_rendered(el):
                continue
            host = _host(el.get(attr) or "")
            if not host or host == own_host:
                continue
            if _VIDEO_HOSTS.search(host):
                page.report("video-embed-captions", None,
                            f"Embedded video from {host}: verify that it has accurate captions "
                            "(auto-generated ones are often wrong) or add a transcript", el)
            else:
                page.report("third-party-embed", None,
                            f"Content embedded from {host}: assess the accessibility of this "
                            "third-party service (look for its accessibility statement)", el)


def _audio(page: Page, audio) -> None:
    """ACT 2eb176 wants a transcript that is *correct*: a static check can only see one offered,
    so an offered transcript (or a long text beside the player, which may be one) is cantTell,
    and only an audio with neither fails. Without controls or autoplay the audio has no play
    button of its own (ACT: inapplicable), but a page script may play it: cantTell, not failed."""
    if _transcript_nearby(page, audio):
        page.report("audio-transcript", None,
                    "A transcript seems to be offered next to the audio: check that it covers "
                    "everything said", audio)
    elif _long_text_beside(page, audio):
        page.report("audio-transcript", None,
                    "The text next to the audio may be its transcript: check that it covers "
                    "everything said", audio)
    elif audio.get("controls") is None and audio.get("autoplay") is None:
        page.report("audio-transcript", None,
                    "Audio without a player of its own and no transcript nearby: if the page plays "
                    "it, add a transcript", audio)
    else:
        page.report("audio-transcript", False,
                    "Audio has no transcript nearby (a link or text right before or after it)", audio)


def _long_text_beside(page: Page, el) -> bool:
    """A block right before or after the media with at least TRANSCRIPT_MIN_WORDS words."""
    node = el
    for _ in range(2):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or parent.getnext() is not None \
                or parent.getprevious() is not None:
            break
        node = parent
    for sibling in (node.getnext(), node.getprevious()):
        if sibling is not None and not page.not_rendered(sibling) \
                and len(page.text(sibling)[:4000].split()) >= TRANSCRIPT_MIN_WORDS:
            return True
    return False


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "") or not parts.netloc:
        return None
    return (parts.hostname or "").lower() or None


def _alternative_for_text(page: Page, el) -> bool:
    return any(_SAME_AS_TEXT.search(page.text(block)[:4000]) for block in _neighbours(el))


def _neighbours(el) -> list:
    """The media element's container (up to two levels) and the two blocks before and after it."""
    node = el
    for _ in range(2):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
    blocks = [node]
    for step in ("getnext", "getprevious"):
        sibling = node
        for _ in range(2):
            sibling = getattr(sibling, step)()
            if sibling is None:
                break
            blocks.append(sibling)
    return blocks


def _transcript_nearby(page: Page, el) -> bool:
    """A transcript mention in the media element's own fallback content, its container, or the
    two blocks before and after that container."""
    if _TRANSCRIPT.search(page.text(el)):
        return True
    for block in _neighbours(el):
        text = page.text(block)[:2000]
        titles = " ".join(a.get("title") or "" for a in block.iter("a"))
        hrefs = " ".join(a.get("href") or "" for a in block.iter("a"))
        if _TRANSCRIPT.search(text + " " + titles + " " + hrefs):
            return True
    return False
