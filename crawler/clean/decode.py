"""Turn fetched or saved bytes into text once, whatever the page claims its charset is."""

from __future__ import annotations

import codecs
from typing import NamedTuple

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Declared labels that sites use for a larger real charset: GB2312/GBK pages routinely hold
# GBK/GB18030 characters, Big5 pages HKSCS ones (older TRS, people.com.cn and CRI pages
# declare gb2312 and carry characters outside it).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
              "big5": "big5hkscs", "cp950": "big5hkscs", "big5-hkscs": "big5hkscs"}


class DecodeError(ValueError):
    """The bytes are not text (binary content)."""


class Decoded(NamedTuple):
    """A page's text and the charset it was read as."""

    text: str
    charset: str

    @property
    def replaced(self) -> int:
        """Characters that could not be decoded and stand as U+FFFD."""
        return self.text.count(REPLACEMENT)


REPLACEMENT = "\ufffd"
# Tried, after the declared charsets, when no charset decodes a page cleanly: the one that
# needs the fewest replacements wins (a GBK page with one bad byte, a truncated UTF-8 one).
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
NEARLY_CLEAN = 1000  # a reading with at most one replacement per this many characters is taken


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(label.strip().lower(), name))


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, content_type: str | None = None, html: bool = True, hint: str | None = None) -> Decoded:
    """Decode page bytes; return (text, charset used).

    Order: BOM, then strict UTF-8 (a page labelled GB2312 that is really UTF-8 is common,
    and GBK text is practically never valid UTF-8), then the HTTP header and the <meta>
    declaration mapped to their supersets, then the caller's hint, then charset detection.
    Bytes no charset reads (a stray 0xFF, a truncated character) are replaced, as browsers
    do: one bad byte never loses a page (`Decoded.replaced` counts them).
    """
    if b"\x00" in body[:4096] and not read_bom(body)[0]:
        raise DecodeError("binary content (NUL bytes), not a text page")
    bom_codec, _bom = read_bom(body)
    if bom_codec:
        return Decoded(body.decode(bom_codec, errors="replace").lstrip("\ufeff"), bom_codec)
    declared = [_codec(http_content_type_encoding(content_type) if content_type else None)]
    if html:
        declared.append(_codec(html_body_declared_encoding(body)))
    declared.append(_codec(hint))
    for codec in filter(None, ["utf-8", *declared]):
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec)
    nearly = min((Decoded(body.decode(codec, errors="replace"), codec) for codec in filter(None, ["utf-8", *declared])),
                 key=lambda reading: reading.replaced)
    if nearly.replaced <= max(1, len(nearly.text) // NEARLY_CLEAN):
        return nearly  # a declared charset (or UTF-8) with a stray bad byte or a cut-off end
    guess = charset_normalizer.from_bytes(body).best()
    if guess is not None:
        codec = _SUPERSETS.get(guess.encoding, guess.encoding)
        return Decoded(body.decode(codec, errors="replace"), codec)
    readings = [Decoded(body.decode(codec, errors="replace"), codec) for codec in dict.fromkeys(
        [*filter(None, declared), *FALLBACKS])]
    return min(readings, key=lambda reading: reading.replaced)
