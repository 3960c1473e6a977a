"""What every harvester shares: its counts and the checkpoint hand-off.

A harvester is an iterator of `ResourceRecord`s. After each page it hands a JSON-serialisable
checkpoint to `on_checkpoint` (the CLI writes it to a state file, sweeps to the database), so a
killed harvest resumes from the last checkpoint with no gap and no duplicate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

Checkpoint = dict[str, Any]
CheckpointSink = Callable[[Checkpoint], None]


@dataclass
class HarvestStats:
    records: int = 0          # records yielded (deleted ones included)
    deleted: int = 0
    skipped: int = 0          # e.g. hidden Moodle modules, courses without access
    errors: int = 0           # requests that failed after all retries
    lost_pages: int = 0       # pages that could not be parsed (kept raw, see raw_pages)
    lost_records: int = 0     # records known to exist but not received (completeListSize, cursor)
    retries: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    raw_pages: list[str] = field(default_factory=list)   # paths where malformed pages were kept
    messages: list[str] = field(default_factory=list)    # clear, token-free notes for the summary

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped += n
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + n

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
