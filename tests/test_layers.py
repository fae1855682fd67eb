"""Cleaning and storage are plain Python: only the Scrapy adapters import Scrapy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "crawler"
PLAIN = ["decode", "extract", "boilerplate", "rules", "normalize", "clean", "ingest", "archive", "reclean", "search"]


@pytest.mark.parametrize("module", PLAIN)
def test_stage_module_does_not_import_scrapy(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name == "scrapy" or name.startswith("scrapy.") for name in imported)
