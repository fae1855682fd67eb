"""Shared fixtures: the real CLI as a subprocess, a crawled sample archive, free ports,
saved pages of each source (tests/files/<source>/) and an empty archive."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FILES = ROOT / "tests" / "files"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")


def saved_sources() -> list[str]:
    """The sources with saved pages: a folder each under tests/files/."""
    return sorted(path.parent.name for path in FILES.glob("*/expected.json"))


def saved(source: str) -> dict:
    """A source's expected.json: the URLs and content types of its saved pages and what
    the spider and the cleaner should find in them."""
    return json.loads((FILES / source / "expected.json").read_text(encoding="utf-8"))


def saved_page(source: str, name: str) -> bytes:
    return (FILES / source / name).read_bytes()


@pytest.fixture
def fresh_db(tmp_path):
    """An empty archive, opened as a crawl or reclean opens it."""
    from crawler.store.schema import open_archive

    db = open_archive(tmp_path / "news.db")
    yield db
    db.close()


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
                urllib.request.urlopen(base + "/", timeout=1)
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
