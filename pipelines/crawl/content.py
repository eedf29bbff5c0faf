"""Content decoding (gzip, deflate, brotli) with a cap on the decoded size.

A gzip bomb is a few kilobytes on the wire and gigabytes decoded, so output is bounded at
every step: zlib's `max_length` and brotli's `output_buffer_limit` never produce more than
the room left, and reading stops (the connection is dropped) as soon as the cap is reached.
"""

from __future__ import annotations

import zlib

import brotli

ACCEPT_ENCODING = "gzip, deflate, br"


class UnsupportedEncoding(ValueError):
    pass


class BodyDecoder:
    """Feeds wire bytes in, gets at most `room` decoded bytes out; `over` tells whether the
    body had more than that (so the kept body is truncated)."""

    def __init__(self, content_encoding: str | None) -> None:
        self.encoding = (content_encoding or "identity").strip().lower()
        self.over = False
        self._zlib = None
        self._brotli = None
        self._raw_fallback = self.encoding == "deflate"
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped, per the RFC
        elif self.encoding == "br":
            self._brotli = brotli.Decompressor()
        elif self.encoding not in ("identity", ""):
            raise UnsupportedEncoding(f"unsupported content-encoding {self.encoding!r}")

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._zlib is not None:
            out = self._inflate(chunk, room)
        elif self._brotli is not None:
            out = self._brotli.process(chunk, output_buffer_limit=room + 1)
        else:
            out = chunk
        if len(out) > room:
            self.over = True
            return out[:room]
        return out

    def _inflate(self, chunk: bytes, room: int) -> bytes:
        try:
            out = self._zlib.decompress(chunk, room + 1)
        except zlib.error:
            # Some servers send raw deflate under `deflate`: retry once without the header.
            if not self._raw_fallback:
                raise
            self._raw_fallback = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(chunk, room + 1)
        self._raw_fallback = False
        if self._zlib.unconsumed_tail:  # more output waits: the body is longer than the cap
            self.over = True
        return out


def decode_capped(data: bytes, content_encoding: str | None, cap: int) -> tuple[bytes, bool]:
    """Decodes a whole body at once; returns (at most cap bytes, whether it was cut)."""
    decoder = BodyDecoder(content_encoding)
    out = decoder.feed(data, cap)
    return out, decoder.over
