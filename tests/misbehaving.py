"""Cleaning functions that misbehave on purpose, for NEWSARCHIVE_CLEAN_FUNCTION.

Run in the real worker processes: the pool must survive a worker that dies, and an
interrupted reclean must resume.
"""

from __future__ import annotations

import os
import signal
import time

from crawler.flow import prepare

DEADLY_PAGE = "a2b4c6d8-1e3f-4a5b-9c7d-0e1f2a3b4c5d"  # a jl.cri.cn replica article


def clean_or_die(page):
    """Clean, except that the deadly page kills its process, as the OOM killer or a crash
    in native code would."""
    if page.url and DEADLY_PAGE in page.url:
        os.kill(os.getpid(), signal.SIGKILL)
    return prepare(page)


def clean_slowly(page):
    """Clean, taking long enough per page for a test to interrupt the run."""
    time.sleep(0.25)
    return prepare(page)
