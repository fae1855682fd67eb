"""`newsarchive clean --json` on generated input (Hypothesis): whatever the bytes, every file
gets exactly one JSON line, in order, and no traceback escapes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.cli import cli

TAGS = ["div", "p", "span", "font", "table", "tr", "td", "a", "h1", "script", "style", "br", "img", "text", "ul", "li"]
WORDS = st.text(alphabet=st.sampled_from("吉林省长春市开发区項目建設，。、“”！？ \n\tabc<>&;/=\"'\\\ufffd\x00"), max_size=40)


@st.composite
def markup(draw) -> str:
    """Random, often broken, HTML: unbalanced tags, stray end tags, odd attributes."""
    pieces = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        kind = draw(st.sampled_from(["open", "close", "text", "attr"]))
        if kind == "open":
            pieces.append(f"<{tag}>")
        elif kind == "close":
            pieces.append(f"</{tag}>")
        elif kind == "attr":
            pieces.append(f'<{tag} class="{draw(WORDS)}" charset="{draw(st.sampled_from(["gbk", "big5", "utf-8", "x"]))}">')
        else:
            pieces.append(draw(WORDS))
    head = draw(st.sampled_from(["", "<html>", "<head>", "<!DOCTYPE html><html><head><title>标题</title></head>"]))
    return head + "".join(pieces)


@st.composite
def saved_file(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=3000))
    text = draw(markup())
    encoded = text.encode(draw(st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"])), errors="ignore")
    cut = draw(st.integers(0, len(encoded)))
    return encoded[:cut] if draw(st.booleans()) else encoded


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(saved_file(), min_size=1, max_size=4))
def test_every_input_gets_one_json_line_and_no_traceback(tmp_path, files):
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for number, body in enumerate(files):
        (folder / f"{number:02}.html").write_bytes(body)
    result = CliRunner().invoke(cli, ["clean", "--json", str(folder)])
    assert result.exit_code in (0, 1)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(folder / f"{number:02}.html") for number in range(len(files))]
    assert all((line["error"] is None) == (line["body"] is not None) for line in lines)
