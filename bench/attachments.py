"""How fast attachments (附件) are read: the formats' libraries on files made here.

A cleaning worker reads each fetched file (clean/attachments.read_attachment). This times it
on a PDF of N pages of Chinese text (reportlab's built-in font, as the sample sites make
them), a .docx of N paragraphs plus a table, and an .xlsx of N rows, beside decoding the
same text as a .txt (the cheapest reader, the baseline of the same run). Run:

    .venv/bin/python bench/attachments.py [--pages 100]

Final line: `attachments: pdf_pages=… pdf_pages_per_s=… docx_paragraphs_per_s=…
xlsx_rows_per_s=… txt_mb_per_s=… pdf_cost_vs_txt=…`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.clean.attachments import TEXT, read_attachment  # noqa: E402
from crawler.sample.attachments import docx_file, pdf_file, xlsx_file  # noqa: E402

LINE = "第{}条 各开发区应当按照考核评价办法如实填报规模以上工业总产值、实际使用外资和亩均税收等数据。"
LINES_PER_PAGE = 32  # pdf_file starts a new page every 32 lines


def timed(body: bytes, extension: str, repeats: int) -> float:
    """Median seconds to read the file; it must give text."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        read = read_attachment(body, extension)
        times.append(time.perf_counter() - start)
        assert read.status == TEXT, read.problem
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100, help="PDF pages (the docx and xlsx hold as many lines)")
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    lines = [LINE.format(number) for number in range(1, options.pages * LINES_PER_PAGE + 1)]
    files = {
        "pdf": pdf_file({"lines": lines}),
        "docx": docx_file({"lines": lines, "table": [["指标", "单位", "数值"]] + [["产值", "亿元", str(n)] for n in range(200)]}),
        "xlsx": xlsx_file({"rows": [[number, line, "国家级"] for number, line in enumerate(lines, 1)]}),
        "txt": "\n".join(lines).encode("gb18030"),
    }
    seconds = {kind: timed(body, kind, options.repeats) for kind, body in files.items()}
    for kind, body in files.items():
        print(f"{kind}: {len(body) / 1e6:.2f} MB, {len(lines)} lines, {seconds[kind] * 1000:.0f} ms")
    print(f"attachments: pdf_pages={options.pages} pdf_pages_per_s={options.pages / seconds['pdf']:.1f} "
          f"docx_paragraphs_per_s={len(lines) / seconds['docx']:.0f} xlsx_rows_per_s={len(lines) / seconds['xlsx']:.0f} "
          f"txt_mb_per_s={len(files['txt']) / 1e6 / seconds['txt']:.1f} "
          f"pdf_cost_vs_txt={seconds['pdf'] / seconds['txt']:.0f}")


if __name__ == "__main__":
    main()
