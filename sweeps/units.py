"""What one harvested record turns into: the units that get checked and stored as resources.

A record's files are each a unit (`<identifier>#<path/name>`); the record itself is a unit when
it carries inline HTML (Moodle pages, labels, summaries) or has no file at all (metadata only:
the licence and Annex 3 checks still apply). Identifiers stay stable when a file is added.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from harvester.record import FileRef, ResourceRecord

VOLATILE = ("datestamp", "extra")  # change without the resource changing


@dataclass(frozen=True)
class Unit:
    identifier: str
    kind: str                 # "file" | "content" | "metadata"
    file: FileRef | None = None


def expand(record: ResourceRecord) -> list[Unit]:
    units: list[Unit] = []
    if record.content_html or not record.files:
        units.append(Unit(record.identifier, "content" if record.content_html else "metadata"))
    for f in record.files:
        units.append(Unit(file_unit_identifier(record.identifier, f), "file", f))
    return units


def file_unit_identifier(record_identifier: str, f: FileRef) -> str:
    name = f"{(f.filepath or '/').rstrip('/')}/{f.name or f.url.rsplit('/', 1)[-1]}"
    return f"{record_identifier}#{name.lstrip('/')}"


def metadata_hash(record: dict[str, Any]) -> str:
    """A hash of what the checks read from the metadata (volatile fields left out)."""
    stable = {k: v for k, v in record.items() if k not in VOLATILE and k != "unit"}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_record(record: ResourceRecord, unit: Unit) -> dict[str, Any]:
    """The record as kept on a resource row, with the unit it stands for."""
    data = record.to_dict()
    data["unit"] = {"kind": unit.kind, "file": None if unit.file is None else asdict(unit.file)}
    return data
