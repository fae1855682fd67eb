"""The sample sites' attachment files (附件), written from articles.yml when the site is built:
a PDF (reportlab, with its built-in Chinese font), a .docx (python-docx), an .xlsx
(openpyxl); `broken:` spoils one as real servers do. The bytes are the same on every build
(fixed dates inside the files and their zip members), so a replica answers like a static site.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

FIXED_TIME = datetime(2023, 11, 2, 15, 0, 0)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment_file(spec: dict) -> tuple[bytes, str]:
    """The file an attachment entry of articles.yml describes, and its Content-Type."""
    kind = spec["kind"]
    body = {"pdf": pdf_file, "docx": docx_file, "xlsx": xlsx_file}[kind](spec)
    if spec.get("broken") == "truncated":  # an upload cut off halfway
        body = body[:len(body) // 2]
    return body, CONTENT_TYPES[kind]


def pdf_file(spec: dict, password: str | None = None) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, encrypt=StandardEncryption(password) if password else None)
    pdf.setTitle(spec.get("title", ""))
    y = 780
    for line in spec["lines"]:
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(60, y, line)
        y -= 22
        if y < 60:
            pdf.showPage()
            y = 780
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_file(spec: dict) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    for line in spec["lines"]:
        document.add_paragraph(line)
    rows = spec.get("table", [])
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for row, values in zip(table.rows, rows):
            for cell, value in zip(row.cells, values):
                cell.text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def xlsx_file(spec: dict) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    sheet = workbook.active
    sheet.title = spec.get("sheet", "Sheet1")
    for row in spec["rows"]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(body: bytes) -> bytes:
    """The zip again with every member, and the document's modification time, dated
    FIXED_TIME (the libraries date them now)."""
    source = zipfile.ZipFile(io.BytesIO(body))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + FIXED_TIME.isoformat().encode() + b"Z",
                                member)
            target.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6]), member,
                            compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
