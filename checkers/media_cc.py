"""Closed captions inside an H.264 or HEVC video stream: CEA-608/708 in SEI messages.

Broadcast-style captions travel in the video itself, not in a track of their own. ATSC A/53
Part 4 puts cc_data() (CTA-708-E section 4.4) in an SEI message user_data_registered_itu_t_t35
(payload type 4): country code 0xB5, provider code 0x0031, user identifier "GA94",
user_data_type_code 0x03, then cc_data(): a flags byte (process_cc_data_flag 0x40, cc_count in the
low five bits), a reserved byte, and cc_count triplets of marker bits + cc_valid (0x04) + cc_type
(0/1: CEA-608 field 1/2 byte pairs, 3/2: start/continuation of a CEA-708 DTVCC packet).

Encoders send cc_data in every frame whether or not there is anything to say, so its presence
proves nothing: padding is cc_valid=0, a CEA-608 null pair (0x80 0x80: zero with odd parity), or
DTVCC packets holding only the null service. A stream is captioned when some CEA-608 pair carries
a character or command outside XDS (field-2 programme data), or some DTVCC packet holds a service
block of a real service (1-63) with content.

MP4 samples hold NAL units each prefixed by its length in 1, 2 or 4 bytes (ISO/IEC 14496-15:
lengthSizeMinusOne in avcC byte 4, hvcC byte 21). Only NAL headers are read to hop from unit to
unit, and only SEI units are read whole, so a minute of frames costs little; the caps bound it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_CC_SAMPLES = 1_800           # frames read from the start of the video (a minute at 30 fps)
MAX_NAL_UNITS = 20_000
MAX_SEI_BYTES = 1_048_576

AVC_ENTRIES = {b"avc1", b"avc2", b"avc3", b"avc4"}
HEVC_ENTRIES = {b"hvc1", b"hev1"}
AVC_SEI, HEVC_PREFIX_SEI, HEVC_SUFFIX_SEI = 6, 39, 40
T35_PAYLOAD = 4
ATSC_CC = b"\xb5\x00\x31GA94\x03"       # country, provider, user identifier, cc_data type code


def nal_length_size(entry: bytes, config: bytes) -> int | None:
    """Bytes before each NAL unit, from the avcC/hvcC record; None for other codecs or nonsense."""
    if entry in AVC_ENTRIES and len(config) > 4:
        size = (config[4] & 3) + 1
    elif entry in HEVC_ENTRIES and len(config) > 21:
        size = (config[21] & 3) + 1
    else:
        return None
    return size if size != 3 else None


@dataclass
class CcScan:
    hevc: bool
    samples: int = 0                 # samples read
    carriers: int = 0                # cc_data messages found
    found: set[str] = field(default_factory=set)    # "CEA-608", "CEA-708" with caption content
    _xds: bool = False
    _packet: bytearray | None = None
    _budget: list[int] = field(default_factory=lambda: [MAX_NAL_UNITS, MAX_SEI_BYTES])

    @property
    def codec(self) -> str:
        return "HEVC" if self.hevc else "H.264"

    def scan(self, data: bytes, samples: list[tuple[int, int]], length_size: int) -> "CcScan":
        for offset, size in samples:
            if self.found or offset + size > len(data) or min(self._budget) <= 0:
                break
            self.samples += 1
            self._sample(data, offset, offset + size, length_size)
        self._end_packet()
        return self

    def _sample(self, data: bytes, pos: int, end: int, length_size: int) -> None:
        header = 2 if self.hevc else 1
        while end - pos > length_size and self._budget[0] > 0:
            self._budget[0] -= 1
            length = int.from_bytes(data[pos:pos + length_size], "big")
            pos += length_size
            if length < header or length > end - pos:
                return       # a damaged sample: players skip it, so do we
            kind = (data[pos] >> 1) & 0x3F if self.hevc else data[pos] & 0x1F
            if kind in ((HEVC_PREFIX_SEI, HEVC_SUFFIX_SEI) if self.hevc else (AVC_SEI,)):
                self._budget[1] -= length
                if self._budget[1] >= 0:
                    self._sei(data[pos + header:pos + length].replace(b"\x00\x00\x03", b"\x00\x00"))
            pos += length

    def _sei(self, rbsp: bytes) -> None:
        """sei_rbsp(): messages of (type, size, payload), types and sizes as runs of 0xFF + last."""
        pos = 0
        while len(rbsp) - pos > 1:           # the last byte holds the rbsp trailing bits
            values = []
            for _ in range(2):
                value = 0
                while pos < len(rbsp) and rbsp[pos] == 0xFF:
                    value, pos = value + 255, pos + 1
                if pos >= len(rbsp):
                    return
                values.append(value + rbsp[pos])
                pos += 1
            kind, size = values
            if kind == T35_PAYLOAD and size > len(ATSC_CC) and rbsp.startswith(ATSC_CC, pos):
                self._cc_data(rbsp[pos + len(ATSC_CC):pos + size])
            pos += size

    def _cc_data(self, cc: bytes) -> None:
        self.carriers += 1
        if not cc or not cc[0] & 0x40:      # process_cc_data_flag off: ignore the triplets
            return
        for i in range(2, 2 + 3 * (cc[0] & 0x1F), 3):
            if i + 3 > len(cc):
                return
            marker, one, two = cc[i:i + 3]
            if marker & 0x04:                # cc_valid; invalid triplets are padding
                self._pair(marker & 0x03, one, two)

    def _pair(self, cc_type: int, one: int, two: int) -> None:
        if cc_type == 3:                     # a DTVCC packet starts
            self._end_packet()
            self._packet = bytearray((one, two))
        elif cc_type == 2:
            if self._packet is not None:
                self._packet += bytes((one, two))
        else:
            self._cea608(cc_type, one & 0x7F, two & 0x7F)     # parity bits removed
        if self._packet and len(self._packet) >= _packet_size(self._packet[0]):
            self._end_packet()

    def _cea608(self, field_2: int, one: int, two: int) -> None:
        if not one and not two:
            return                           # null pair: padding
        if field_2:                          # XDS runs from a 0x01-0x0E code to 0x0F
            if 0x01 <= one <= 0x0F:
                self._xds = one != 0x0F
                return
            if 0x10 <= one <= 0x1F:
                self._xds = False            # a caption command ends XDS
            elif self._xds:
                return
        self.found.add("CEA-608")

    def _end_packet(self) -> None:
        """A DTVCC packet (CTA-708-E 6.2): its first service block header holds the service
        number (3 bits; 7: the number is in the next byte) and the block size (5 bits). Real
        blocks come first and the null service (0) fills the rest, so the first block decides."""
        packet, self._packet = self._packet, None
        if not packet or len(packet) < 2:
            return
        service, size = packet[1] >> 5, packet[1] & 0x1F
        if service == 7 and len(packet) > 2:
            service = packet[2] & 0x3F
        if service and size:
            self.found.add("CEA-708")


def _packet_size(header: int) -> int:
    """packet_size_code: the packet's bytes (header included) / 2, where 0 means 128 bytes."""
    return (header & 0x3F) * 2 or 128
