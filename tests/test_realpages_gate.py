"""Quality gate on ../shared/realpages (real pages with hand-made gold, not shipped with the
project) when it is beside the checkout: body F1 >= 0.97, at most one page leaking
boilerplate, titles >= 0.95, dates all right, source/author/editor >= 0.80
(trafilatura's eval-gate idea)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import NEWSARCHIVE, ROOT

SCORER = ROOT.parent / "shared" / "realpages" / "score.py"


@pytest.mark.skipif(not SCORER.exists(), reason="../shared/realpages is not beside the project")
def test_extraction_targets_on_real_pages():
    result = subprocess.run([sys.executable, str(SCORER), "--extractor", f"cmd:{NEWSARCHIVE} clean --json"],
                            capture_output=True, text=True, cwd=ROOT, check=True, timeout=300)
    line = result.stdout.strip().splitlines()[-1]
    figure = lambda name: float(re.search(rf"{name}=([\d.]+)", line).group(1))  # noqa: E731
    assert figure("F1") >= 0.97, line
    assert figure("leaky_docs") <= 1, line
    assert figure("title") >= 0.95, line
    assert figure("date") == 1.0, line
    assert figure("source/author/editor") >= 0.80, line
