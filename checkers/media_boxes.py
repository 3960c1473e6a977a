"""ISO/IEC 14496-12 boxes (MP4, QuickTime, fragmented MP4): a bounded walker over the bytes.

Each box's size is checked against its parent before anything is sliced, so a size that lies ends
as a MediaError; counts and depth are capped (media_info limits). Nothing is copied: boxes are
(type, start, end) over the caller's bytes, read in place with struct.unpack_from.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from checkers.media_info import MAX_DEPTH, MAX_ELEMENTS, MediaError, MediaLimit

# Boxes whose payload is a list of boxes we may need. Movie fragments (moof) are not expanded
# here: media_mp4_samples reads them one by one under its own caps.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"tref",
              b"meta", b"ilst", b"mvex", b"\xa9nam"}


@dataclass
class Box:
    type: bytes
    start: int          # first byte of the payload
    end: int            # one past the last byte of the payload
    children: list["Box"] = field(default_factory=list)
    head: int = 0       # first byte of the box header
    cut: bool = False   # the top level: boxes after the cap were not read

    def find(self, *path: bytes) -> "Box | None":
        box: Box | None = self
        for kind in path:
            box = next((c for c in box.children if c.type == kind), None) if box else None
        return box

    def all(self, kind: bytes) -> list["Box"]:
        return [c for c in self.children if c.type == kind]


def read_boxes(data: bytes, start: int, end: int, parent: Box, budget: list[int]) -> list[Box]:
    """Add the boxes between start and end to parent; return the containers among them."""
    pos, containers = start, []
    while pos < end:
        if end - pos < 8:
            if parent.type == b"root":
                break          # a few stray bytes after the last box: players ignore them
            raise MediaError(f"a box inside '{name(parent.type)}' is cut off")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:          # a 64-bit size follows the type
            if end - pos < 16:
                raise MediaError(f"box '{name(kind)}' is cut off")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos   # "to the end of the enclosing box / file"
        if size < header:
            raise MediaError(f"box '{name(kind)}' has an impossible size {size}")
        if size > end - pos:
            raise MediaError(f"box '{name(kind)}' claims {size:,} bytes but only {end - pos:,} "
                             f"remain: the file is truncated or damaged")
        budget[0] -= 1
        if budget[0] < 0:
            if parent.type == b"root" and parent.find(b"moov") is not None:
                parent.cut = True      # thousands of fragments: the track descriptions are read
                break
            raise MediaLimit(f"more than {MAX_ELEMENTS:,} boxes")
        box = Box(kind, pos + header, pos + size, head=pos)
        parent.children.append(box)
        if kind in CONTAINERS:
            containers.append(box)
        pos += size
    return containers


def name(kind: bytes) -> str:
    return kind.decode("latin-1").replace("\xa9", "©")


def parse_boxes(data: bytes) -> Box:
    """The box tree with containers expanded; an explicit stack, so depth is checked, not recursed.
    The top level has its own budget: a fragmented file holds a moof and an mdat per fragment."""
    root = Box(b"root", 0, len(data))
    stack = [(box, 1) for box in read_boxes(data, 0, len(data), root, [MAX_ELEMENTS])]
    budget = [MAX_ELEMENTS]
    while stack:
        box, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MediaLimit(f"boxes nested deeper than {MAX_DEPTH} levels")
        start = box.start
        if box.type == b"meta" and box.end - start >= 8 and data[start + 4:start + 8] != b"hdlr":
            start += 4         # ISO 'meta' is a full box (version+flags); QuickTime's is not
        elif box.type == b"\xa9nam" and data[start + 4:start + 8] != b"data":
            continue           # a QuickTime user-data string, not an iTunes-style item
        for child in read_boxes(data, start, box.end, box, budget):
            stack.append((child, depth + 1))
    return root


def full_box(data: bytes, box: Box, v0: str, v1: str | None = None) -> tuple:
    """Unpack a full box's fields after version+flags, by version."""
    if box.end - box.start < 4:
        raise MediaError(f"box '{name(box.type)}' is too short")
    fmt = ">" + (v1 if v1 and data[box.start] == 1 else v0)
    if box.end - box.start - 4 < struct.calcsize(fmt):
        raise MediaError(f"box '{name(box.type)}' is too short")
    return struct.unpack_from(fmt, data, box.start + 4)


def version(data: bytes, box: Box) -> int:
    return data[box.start] if box.end > box.start else 0


def flags(data: bytes, box: Box) -> int:
    return struct.unpack_from(">I", data, box.start)[0] & 0xFFFFFF if box.end - box.start >= 4 else 0
