"""A bounded tar reader: every byte decompressed is counted before it is held.

``tarfile`` is not safe on hostile archives: it decompresses members it is
asked to skip without anyone counting them, and it reads a whole GNU long-name
or PAX header (whatever size the header claims) before the caller sees the
member. A few hundred bytes of gzip can so make it decompress gigabytes or hold
hundreds of MiB. This reader parses the tar stream itself:

- the decompressed stream is capped (absolute, and relative to the compressed
  size, so a bomb is refused after a bounded amount of work);
- every member counts, skipped ones and directories included;
- extended headers (GNU ``L``/``K``, PAX ``x``/``g``) are refused above 64 KiB
  before they are read; a file's size is checked against the budget before its
  data is read;
- only regular files, directories and links are accepted.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from proctor.workspace._files import RolloutError

BLOCK = 512
_MAX_EXTENDED = 64 << 10  # bytes of one long-name or PAX header
_CHUNK = 1 << 16  # compressed bytes read at a time
_STEP = 1 << 20  # most decompressed bytes produced at a time
RATIO = 24
"""The most decompressed bytes accepted per compressed byte (beyond a 4 MiB allowance):
source trees compress 4-10x; bombs compress thousands of times."""


@dataclass
class Member:
    """One archive entry after its extended headers were applied."""

    name: str
    kind: str  # "file", "dir", "symlink", "hardlink", "other"
    size: int
    linkname: str


class _Inflater:
    """Decompress at most _STEP bytes per call, whatever the compression ratio."""

    def __init__(self, head: bytes) -> None:
        self.zlib = None
        self.other: bz2.BZ2Decompressor | lzma.LZMADecompressor | None = None
        if head.startswith(b"\x1f\x8b"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif head.startswith(b"BZh"):
            self.other = bz2.BZ2Decompressor()
        elif head.startswith(b"\xfd7zXZ\x00"):
            self.other = lzma.LZMADecompressor()

    @property
    def compressed(self) -> bool:
        return self.zlib is not None or self.other is not None

    def step(self, raw: bytes) -> bytes:
        """Up to _STEP bytes from what is pending plus ``raw`` (``b""``: nothing new)."""
        if self.zlib is not None:
            return self.zlib.decompress(self.zlib.unconsumed_tail + raw, _STEP)
        assert self.other is not None
        if self.other.eof:
            return b""
        return self.other.decompress(raw, max_length=_STEP)

    def pending(self) -> bool:
        """More output is waiting without new input."""
        if self.zlib is not None:
            return bool(self.zlib.unconsumed_tail)
        return self.other is not None and not self.other.eof and not self.other.needs_input


class _Stream:
    """The decompressed archive, read in bounded steps; raises once a cap is passed."""

    def __init__(self, path: Path, cap: int) -> None:
        self.path = path
        self.file = path.open("rb")
        compressed = path.stat().st_size
        self.inflater = _Inflater(self.file.read(6))
        self.file.seek(0)
        self.cap = cap if not self.inflater.compressed else min(cap, (4 << 20) + RATIO * compressed)
        self.total = 0
        self.buffer = bytearray()
        self.done = False

    def close(self) -> None:
        self.file.close()

    def _fill(self, need: int) -> None:
        while len(self.buffer) < need and not self.done:
            if self.inflater.compressed and self.inflater.pending():
                data = self.inflater.step(b"")
            else:
                raw = self.file.read(_CHUNK)
                if not raw:
                    self.done = True
                    return
                data = self.inflater.step(raw) if self.inflater.compressed else raw
            self.total += len(data)
            if self.total > self.cap:
                raise RolloutError(
                    f"{self.path}: decompresses to more than {self.cap} bytes (refused)"
                )
            self.buffer += data

    def at_end(self) -> bool:
        self._fill(1)
        return not self.buffer

    def read(self, size: int) -> bytes:
        self._fill(size)
        if len(self.buffer) < size:
            raise RolloutError(f"{self.path}: truncated tarball")
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def skip(self, size: int) -> None:
        while size:
            step = min(size, _CHUNK)
            self.read(step)
            size -= step


def _number(field: bytes, path: Path) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # GNU base-256: only for sizes we refuse anyway
        raise RolloutError(f"{path}: a tar member claims a size over 8 GiB")
    text = field.split(b"\x00", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise RolloutError(f"{path}: malformed tar header (number field {field!r})") from None


def _text(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes, path: Path) -> dict[str, str]:
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise RolloutError(f"{path}: malformed PAX header") from None
        if length <= 0 or pos + length > len(data):
            raise RolloutError(f"{path}: malformed PAX header")
        key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


_KINDS = {b"0": "file", b"\x00": "file", b"7": "file", b"5": "dir", b"2": "symlink",
          b"1": "hardlink"}  # fmt: skip


def members(
    path: Path, cap: int, max_members: int, read: Callable[[Member], bool]
) -> Iterator[tuple[Member, bytes | None]]:
    """Yield each member and, when ``read(member)`` says so, its data.

    ``read`` is called before the data is read, so it can refuse a size first.
    """
    stream = _Stream(path, cap)
    try:
        count = 0
        pending: dict[str, str] = {}
        while True:
            if stream.at_end():
                return  # no end-of-archive blocks: accepted, as tar does
            header = stream.read(BLOCK)
            if header == bytes(BLOCK):
                return  # end of archive (a second zero block may follow; not needed)
            count += 1
            if count > max_members:
                raise RolloutError(f"{path}: more than {max_members} entries")
            checksum = _number(header[148:156], path)
            if checksum != sum(header[:148]) + 256 + sum(header[156:]):
                raise RolloutError(f"{path}: not a tarball (bad header checksum)")
            size = _number(header[124:136], path)
            flag = header[156:157]
            padded = -(-size // BLOCK) * BLOCK
            if flag in (b"L", b"K", b"x", b"g"):
                if size > _MAX_EXTENDED:
                    raise RolloutError(
                        f"{path}: an extended tar header of {size} bytes (over {_MAX_EXTENDED})"
                    )
                data = stream.read(padded)[:size]
                if flag == b"L":
                    pending["path"] = _text(data)
                elif flag == b"K":
                    pending["linkpath"] = _text(data)
                elif flag == b"x":
                    pending.update(_pax(data, path))
                continue  # global headers ("g") change nothing we use
            name = _text(header[0:100])
            if header[257:262] == b"ustar" and header[345:500].strip(b"\x00"):
                name = _text(header[345:500]) + "/" + name
            if "size" in pending:
                try:
                    size = int(pending["size"])
                except ValueError:
                    raise RolloutError(f"{path}: malformed PAX size") from None
                padded = -(-size // BLOCK) * BLOCK
            member = Member(
                name=pending.get("path", name),
                kind=_KINDS.get(flag, "other"),
                size=size,
                linkname=pending.get("linkpath", _text(header[157:257])),
            )
            pending = {}
            if member.kind == "file" and read(member):
                data = stream.read(padded)[:size]
                yield member, data
            else:
                yield member, None
                stream.skip(padded)  # still decompressed, still counted against the cap
    finally:
        stream.close()


def looks_like_tar(path: Path) -> bool:
    """A compressed file, or a first block with a valid tar checksum (reads 512 bytes).

    Not ``tarfile.is_tarfile``: that parses the first member, extended headers and all.
    """
    with path.open("rb") as f:
        head = f.read(BLOCK)
    if _Inflater(head[:6]).compressed:
        return True
    if len(head) < BLOCK or head == bytes(BLOCK):
        return False
    try:
        checksum = int(head[148:156].split(b"\x00", 1)[0].strip() or b"x", 8)
    except ValueError:
        return False
    return checksum == sum(head[:148]) + 256 + sum(head[156:])
