"""The one normalised shape of a harvested resource, for OAI-PMH and Moodle alike.

Checkers receive it as a plain dict (`ResourceRecord.to_dict()`), so they do not import the
harvester; `oerlint check --metadata FILE` reads a JSON file with the same keys.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any


@dataclass
class FileRef:
    url: str                          # never carries a token
    name: str = ""
    media_type: str | None = None
    size: int | None = None
    modified: str | None = None       # ISO 8601
    licence: str | None = None        # raw licence statement for this file (e.g. Moodle shortname)
    author: str | None = None
    filepath: str | None = None       # Moodle folder path


@dataclass
class ResourceRecord:
    identifier: str                   # stable: OAI identifier, or moodle:<site>:<course>:<module>:<file>
    source: str                       # the source's name in sources.yaml
    title: str | None = None
    description: str | None = None
    creators: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    language: str | None = None
    created: str | None = None
    modified: str | None = None
    datestamp: str | None = None      # OAI header datestamp, or Moodle timemodified, ISO 8601
    licence_statements: list[str] = field(default_factory=list)  # raw texts (dc:rights, shortnames)
    licence_urls: list[str] = field(default_factory=list)
    resource_type: str | None = None  # dc:type, Moodle modname
    formats: list[str] = field(default_factory=list)             # dc:format / media types
    landing_page: str | None = None
    files: list[FileRef] = field(default_factory=list)
    content_html: str | None = None   # inline HTML (Moodle page content, summaries, labels)
    relations: list[str] = field(default_factory=list)           # dc:relation, isPartOf, courses
    moodle: dict[str, Any] | None = None   # course, section, module, author...
    sets: list[str] = field(default_factory=list)
    openness: str = "open"            # "open" (public repository) | "login" (course behind login)
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """What dataclasses.asdict gives (a deep copy) at a third of its cost: a sweep calls
        this for every harvested record."""
        return {name: _plain(value) for name, value in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ResourceRecord":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["files"] = [f if isinstance(f, FileRef) else FileRef(**f) for f in values.get("files", [])]
        return cls(**values)


_FILE_FIELDS = tuple(f.name for f in fields(FileRef))


def _plain(value: Any) -> Any:
    """A deep copy of a field value: dicts, lists and tuples copied, dataclasses (FileRef) as
    dicts; other leaves (str, numbers, None) are immutable and kept."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is list:
        return [v if type(v) is str else _plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is FileRef:
        return {name: getattr(value, name) for name in _FILE_FIELDS}
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return kind(_plain(v) for v in value)
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})
