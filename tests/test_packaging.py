"""newsarchive installed from its wheel, outside the checkout, demos, serves and crawls the
sample; every library the package imports is one it declares."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normal(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]) for requirement in project["dependencies"]}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_modules() -> set[str]:
    found = set()
    for path in (ROOT / "crawler").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"crawler", "__future__"}


def test_every_imported_library_is_declared():
    owners = importlib.metadata.packages_distributions()
    undeclared = {module: owners.get(module) for module in imported_top_level_modules()
                  if not {_normal(name) for name in owners.get(module, [module])} & declared_distributions()}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with newsarchive installed from a freshly built wheel. Its dependencies
    are this venv's (a .pth line): the registry is not needed, and the checkout is not on the
    path (the editable install's hooks live in .pth files a path line does not run)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(folder.glob("newsarchive-*.whl"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site_packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    Path(site_packages, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE_")}
    return subprocess.run([str(bin_dir / "newsarchive"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def test_the_wheel_holds_the_package_and_not_the_checkout(installed, tmp_path):
    where = subprocess.run([str(installed / "python"), "-c", "import crawler; print(crawler.__file__)"], cwd=tmp_path,
                           check=True, capture_output=True, text=True).stdout
    assert str(installed.parent) in where and str(ROOT) not in where


def test_an_installed_wheel_crawls_the_sample_and_serves_it(installed, tmp_path):
    crawl = _run(installed, tmp_path, "crawl", "--sample", "jl_cri")
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert (tmp_path / "archive" / "demo.db").exists()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE_")}
    server = subprocess.Popen([str(installed / "newsarchive"), "serve", "--db", "archive/demo.db", "--port", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        articles = _json(f"http://127.0.0.1:{port}/news/articles.json?_shape=array&_col=title")
        canned = _json(f"http://127.0.0.1:{port}/news/latest.json?_shape=array")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert articles and all(row["title"] for row in articles)
    assert len(canned) == len(articles)


def test_an_installed_wheel_runs_the_demo(installed, tmp_path):
    """`newsarchive demo` from an empty folder: crawl, the shipped seeds cleaned, Datasette up."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE_")}
    demo = subprocess.Popen([str(installed / "newsarchive"), "demo", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        seeds = _json(f"http://127.0.0.1:{port}/news/pages.json?_shape=array&url__startswith=seed:", wait=300)
    finally:
        demo.terminate()
        output = demo.communicate(timeout=30)[0]
    assert len(seeds) == len(list((ROOT / "seeds").iterdir())), output[-3000:]
    assert "Traceback" not in output


def _json(url: str, wait: float = 60):
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
