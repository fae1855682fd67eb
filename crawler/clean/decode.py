"""Turn fetched or saved bytes into text once, whatever the page claims its charset is."""

from __future__ import annotations

import codecs

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Declared labels that sites use for a larger real charset: GB2312/GBK pages routinely hold
# GBK/GB18030 characters, Big5 pages HKSCS ones (older TRS, people.com.cn and CRI pages
# declare gb2312 and carry characters outside it).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
              "big5": "big5hkscs", "cp950": "big5hkscs", "big5-hkscs": "big5hkscs"}


class DecodeError(ValueError):
    """The bytes are not text in any charset we could find."""


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


def decode(body: bytes, content_type: str | None = None, html: bool = True, hint: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return (text, charset used).

    Order: BOM, then strict UTF-8 (a page labelled GB2312 that is really UTF-8 is common,
    and GBK text is practically never valid UTF-8), then the HTTP header and the <meta>
    declaration mapped to their supersets, then the caller's hint, then charset detection.
    """
    if b"\x00" in body[:4096] and not read_bom(body)[0]:
        raise DecodeError("binary content (NUL bytes), not a text page")
    bom_codec, _bom = read_bom(body)
    if bom_codec:
        return body.decode(bom_codec, errors="replace").lstrip("\ufeff"), bom_codec
    candidates = ["utf-8", _codec(http_content_type_encoding(content_type) if content_type else None)]
    if html:
        candidates.append(_codec(html_body_declared_encoding(body)))
    candidates.append(_codec(hint))
    for codec in filter(None, candidates):
        text = _strict(body, codec)
        if text is not None:
            return text, codec
    guess = charset_normalizer.from_bytes(body).best()
    if guess is None:
        raise DecodeError("no charset decodes these bytes")
    codec = _SUPERSETS.get(guess.encoding, guess.encoding)
    return body.decode(codec, errors="replace"), codec
