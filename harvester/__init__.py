"""Harvesters: one iterator of ResourceRecord per source kind, opened by `open_harvester`.

Both kinds take the same keywords and keep the same contract (see harvester.base): iterate to get
records, read `.stats` afterwards, receive a JSON-serialisable checkpoint after each page through
`on_checkpoint`, and pass it back as `checkpoint=` to resume.
"""
from __future__ import annotations

from typing import Any


def open_harvester(source, *, checkpoint: dict[str, Any] | None = None, since: str | None = None,
                   limit: int | None = None, on_checkpoint=None, fetcher=None, **extra):
    """The harvester for `source.kind`: OAIHarvester for "oai", MoodleHarvester for "moodle".

    `extra` goes to the harvester as is (e.g. retry=, timeout=, raw_dir= for OAI).
    """
    common = dict(checkpoint=checkpoint, since=since, limit=limit, on_checkpoint=on_checkpoint,
                  fetcher=fetcher, **extra)
    if source.kind == "oai":
        from harvester.oai import OAIHarvester
        return OAIHarvester(source, **common)
    if source.kind == "moodle":
        from harvester.moodle import MoodleHarvester   # imported lazily: written alongside
        return MoodleHarvester(source, **common)
    raise ValueError(f"source {source.name!r}: unknown kind {source.kind!r} (expected oai or moodle)")
