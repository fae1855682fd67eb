"""Shared fixtures: the real CLI as a subprocess, a crawled sample archive, free ports."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from contextlib import contextmanager
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")


def run_cli(*args: str, check: bool = True, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `newsarchive ARGS…` from the project root; output as text; `env` adds variables."""
    result = subprocess.run([str(NEWSARCHIVE), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"newsarchive {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(db_path, *options: str):
    """A real `newsarchive serve` on a free loopback port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen([str(NEWSARCHIVE), "serve", "--db", str(db_path), "--port", str(port), *options],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"newsarchive serve did not answer on {base}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def crawled(tmp_path_factory) -> Path:
    """An archive after one `newsarchive crawl --sample` (do not modify: copy it)."""
    db = tmp_path_factory.mktemp("crawled") / "news.db"
    run_cli("crawl", "--sample", "--db", str(db))
    return db


@pytest.fixture
def archive_copy(crawled, tmp_path) -> Path:
    """A private copy of the crawled archive for tests that write to it."""
    db = tmp_path / "news.db"
    shutil.copy(crawled, db)
    return db


@pytest.fixture(scope="session")
def served_archive(crawled, tmp_path_factory):
    """The crawled sample archive plus the seeds, served by `newsarchive serve`: (base URL, db path)."""
    db_path = tmp_path_factory.mktemp("served") / "news.db"
    shutil.copy(crawled, db_path)
    run_cli("reclean", "--db", str(db_path), "--seeds", str(SEEDS))
    with served(db_path) as base:
        yield base, db_path
