"""Attachments (附件): what a linked file really is, its name, and its text.

Plain functions over bytes, run in the cleaning workers (flow.prepare_attachment) and by
reclean. The file's kind is read from its bytes, not its link: government servers answer a
missing file with an HTML error page under the .pdf name, and name .docx files .doc. Text
comes from the format's maintained library (pdfminer.six, python-docx, openpyxl); old
binary Office/WPS formats, OFD and archives are kept without text. A file that cannot be
read is kept with the reason (it is what the site published), except an HTML page, which
is not the file at all.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.utils import decode_rfc2231
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from .decode import DecodeError, decode

EXTRACTOR_VERSION = "1"  # bump when extraction changes: `reclean` reads the stored files again
# The formats government notices attach (issue 21; SOURCES.md: TRS ./P0…pdf).
EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "zip", "rar", "7z", "txt")
MAX_PDF_PAGES = 500  # a 50 MB scan would keep pdfminer busy for minutes: its first pages are read
# A zip container (docx, xlsx, zip) that unpacks to more than this, or to this many times its
# size once over EXPANDED_SUSPECT, is a zip bomb: it is never unpacked.
MAX_EXPANDED_BYTES = 256 * 1024 * 1024
EXPANDED_SUSPECT, MAX_RATIO = 16 * 1024 * 1024, 100

TEXT, NO_TEXT, FAILED = "text", "no text", "failed"  # attachments.text_status


@dataclass
class AttachmentText:
    """What reading a file gave. `kind`: its format by its bytes (pdf, docx, xlsx, txt, doc,
    xls, wps, et, ofd, zip, rar, 7z, html, unknown); `status`: TEXT, NO_TEXT (a format read
    without text, or a file holding none) or FAILED; `problem`: why there is no text."""

    kind: str
    text: str | None = None
    status: str = TEXT
    problem: str | None = None


class Unreadable(ValueError):
    """A file of a known format that cannot be read: its reason is recorded."""


# Magic numbers: (prefix, kind). An OLE2 compound file is a .doc, .xls, .wps or .et (the
# link's extension tells which); a zip container is told apart by its members (_zip_kind).
SIGNATURES = ((b"%PDF-", "pdf"), (b"PK\x03\x04", "zip"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
              (b"Rar!\x1a\x07", "rar"), (b"7z\xbc\xaf\x27\x1c", "7z"))
OLE_KINDS = ("doc", "xls", "wps", "et", "ppt")
HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                        re.I | re.S)


def sniff(body: bytes, extension: str = "") -> str:
    """The file's kind by its first bytes (a PDF may have a few bytes of junk before %PDF-)."""
    head = body[:1024]
    for prefix, kind in SIGNATURES:
        if head.startswith(prefix) or (kind == "pdf" and prefix in head):
            if kind == "zip":
                return _zip_kind(body, extension)
            if kind == "ole":
                return extension if extension in OLE_KINDS else "doc"
            return kind
    if HTML_START.match(head):
        return "html"
    if b"\x00" not in head and head.strip():
        return "txt"
    return "unknown"


def _zip_kind(body: bytes, extension: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError):
        return extension if extension in ("docx", "xlsx", "ofd") else "zip"  # read (and failed) as that
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def read_attachment(body: bytes, extension: str = "", content_type: str | None = None) -> AttachmentText:
    """The file's kind and text; never raises (a bad file is a result)."""
    kind = sniff(body, extension)
    if kind == "txt" and "html" in (content_type or "").lower():
        kind = "html"  # an error page without the <html> start: Content-Type says what it is
    reader = READERS.get(kind)
    try:
        if kind in ("docx", "xlsx", "zip", "ofd"):
            _refuse_zip_bomb(body)
        if reader is None:
            return AttachmentText(kind, None, NO_TEXT, f"no text is read from {kind} files: kept as they are")
        text = _tidy(reader(body, content_type))
    except Unreadable as error:
        return AttachmentText(kind, None, FAILED, str(error))
    except Exception as error:  # noqa: BLE001 - a library's parser failing on a bad file
        return AttachmentText(kind, None, FAILED, f"damaged {kind} file ({type(error).__name__}: {error})")
    if not text:
        return AttachmentText(kind, None, NO_TEXT, f"the {kind} file holds no text (scanned pages?)")
    return AttachmentText(kind, text)


def _refuse_zip_bomb(body: bytes) -> None:
    try:
        expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(body)).infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise Unreadable(f"damaged zip container: {error}") from None
    if expanded > MAX_EXPANDED_BYTES or (expanded > EXPANDED_SUSPECT and expanded > MAX_RATIO * len(body)):
        raise Unreadable(f"zip bomb: {len(body):,} bytes would unpack to {expanded:,} bytes; not unpacked")


def _pdf_text(body: bytes, _content_type) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSEOF

    try:
        text = extract_text(io.BytesIO(body), maxpages=MAX_PDF_PAGES)
    except (PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise Unreadable(f"encrypted PDF: it needs a password to be read ({type(error).__name__})") from None
    except PSEOF:
        raise Unreadable("truncated PDF: the file ends before its last object") from None
    if b"%%EOF" not in body[-2048:]:
        raise Unreadable("truncated PDF: no %%EOF at its end (a cut-off download or upload)")
    return text


def _docx_text(body: bytes, _content_type) -> str:
    import docx

    document = docx.Document(io.BytesIO(body))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


def _xlsx_text(body: bytes, _content_type) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        lines = []
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            lines += ["\t".join("" if value is None else str(value) for value in row)
                      for row in sheet.iter_rows(values_only=True) if any(value is not None for value in row)]
        return "\n".join(lines)
    finally:
        workbook.close()


def _txt_text(body: bytes, content_type) -> str:
    try:
        return decode(body, content_type, html=False).text
    except DecodeError as error:
        raise Unreadable(str(error)) from None


READERS = {"pdf": _pdf_text, "docx": _docx_text, "xlsx": _xlsx_text, "txt": _txt_text}


def _tidy(text: str) -> str:
    """Lines stripped, runs of blank lines and form feeds (pdfminer's page breaks) dropped."""
    lines = (line.strip() for line in text.replace("\x0c", "\n").splitlines())
    return "\n".join(line for line in lines if line).strip()


def link_extension(url: str, name: str | None) -> str:
    """The extension a link gives a file: its URL's, else its label's or name's."""
    return extension_of(url or "") or extension_of(name or "")


def extension_of(name_or_url: str) -> str:
    """'pdf' for …/P020231102.PDF, 'xlsx' for 名单.xlsx; '' when there is none."""
    suffix = PurePosixPath(urlsplit(name_or_url).path if "://" in name_or_url else name_or_url).suffix
    return suffix[1:].lower() if 1 < len(suffix) <= 6 else ""


def attachment_name(url: str, label: str | None = None, content_disposition: str | None = None,
                    kind: str | None = None) -> str:
    """The file's real name: the server's Content-Disposition (RFC 5987 `filename*`, or a
    `filename` in UTF-8, GBK or percent-encoded), else the link's label when it names a
    file, else the URL's last segment; given the extension of its kind when it has none of
    a file's."""
    name = _disposition_name(content_disposition) or _label_name(label) or unquote(
        PurePosixPath(urlsplit(url).path).name)
    name = re.sub(r"[\\/\x00-\x1f]+", "_", name).strip() or "attachment"
    if kind in EXTENSIONS and extension_of(name) not in EXTENSIONS:  # 2023名单, download.jsp
        name += f".{kind}"
    return name


EXTENDED_FILENAME = re.compile(r"filename\*\s*=\s*([^;]+)", re.I)


def _disposition_name(value: str | None) -> str | None:
    """`value` as the header came (read as latin-1, as HTTP headers are)."""
    if not value:
        return None
    extended = EXTENDED_FILENAME.search(value)
    if extended:  # RFC 5987: filename*=UTF-8''%E9%99%84… (wins over a plain filename)
        charset, _language, quoted = decode_rfc2231(extended.group(1).strip().strip('"'))
        try:
            return unquote(quoted, encoding=charset or "utf-8", errors="strict").strip() or None
        except (LookupError, UnicodeDecodeError):
            pass
    header = Message()
    header["content-disposition"] = value
    name = header.get_filename()
    if not name:
        return None
    raw = name.encode("latin-1", errors="ignore")
    for charset in ("utf-8", "gb18030"):  # raw bytes of the server's own charset
        try:
            name = raw.decode(charset)
            break
        except UnicodeDecodeError:
            continue
    if re.search(r"%[0-9A-Fa-f]{2}", name):
        name = unquote(name, errors="replace")
    return name.strip().strip('"') or None


# Link labels that name no file: 附件, 下载, 点击下载, 附件2, 查看原文, PDF下载 …
GENERIC_LABEL = re.compile(r"^(?:附件|相关附件|附件下载|下载附件|下载|点击下载|点此下载|查看|点击查看|查看原文|原文|文件|"
                           r"[a-z]{2,4}\s*(?:下载|版|格式)?)\s*\d*\s*[:：]?$", re.I)


def _label_name(label: str | None) -> str | None:
    """A link label that names the file ('附件1：2023年名单.xlsx', '关于…的通知'); a bare
    '附件' or '点击下载' does not."""
    label = re.sub(r"\s+", " ", label or "").strip()
    return label if label and not GENERIC_LABEL.match(label) else None
