"""The README stays true to the code: its module table names every room of crawler/ and
nothing that is gone, and the files it points to exist."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MADE_BY_RUNS = ("archive/news.db", "archive/demo.db", "archive/jobs/", "archive/crawl.log", "bench/.cache/")  # not in a checkout


def module_table() -> str:
    start = README.index("| room | what is in it |")
    return README[start:README.index("\n\n", start)]


def test_module_table_names_every_room_of_crawler():
    rooms = {path.name for path in (ROOT / "crawler").iterdir()
             if not path.name.startswith(("_", ".")) and (path.is_dir() or path.suffix == ".py")}
    named = set(re.findall(r"`crawler/([a-z_]+)(?:\.py|/)`", module_table()))
    assert {room.removesuffix(".py") for room in rooms} == named


def test_paths_the_readme_names_exist():
    paths = set(re.findall(r"`((?:crawler|archive|bench|tests|docs)/[\w./<>-]*)`", README))
    paths |= set(re.findall(r"\]\(((?:docs)/[\w.-]+)\)", README))
    missing = [path for path in paths
               if "<" not in path and not path.startswith(MADE_BY_RUNS) and not (ROOT / path).exists()]
    assert paths and not missing, missing


def test_module_table_files_exist():
    table = module_table()
    for folder, names in re.findall(r"`crawler/([a-z_]+)/` \| (.*?) \|$", table, flags=re.M):
        for name in re.findall(r"`([a-z_]+\.(?:py|toml))`", names):
            assert (ROOT / "crawler" / folder / name).exists(), f"crawler/{folder}/{name}"
