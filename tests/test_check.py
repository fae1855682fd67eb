"""`newsarchive check SOURCE`: a profile tried on a replica list page (live, through the
crawl's own spider) and on saved pages, before it goes into a cron crawl."""

from __future__ import annotations

import pytest

from conftest import FILES, run_cli, saved, saved_sources
from crawler.sample.server import SampleServer


def test_check_lists_a_replica_list_pages_links_and_cleans_its_first_article():
    expected = saved("jl_cri")
    with SampleServer() as server:
        result = run_cli("check", "jl_cri", "--proxy", server.url)
    out = result.stdout
    assert f"article links: {len(expected['list']['articles'])}" in out
    assert all(url in out for url in expected["list"]["articles"] + expected["list"]["next_lists"])
    assert f"title: {expected['expected']['title']}" in out and f"editor: {expected['expected']['editor']}" in out
    assert out.splitlines()[-1].startswith("check: ok: 5 article links, 1 list links; the article has a title")


@pytest.mark.parametrize("source", saved_sources())
def test_check_reads_a_saved_list_page_offline(source):
    expected = saved(source)
    result = run_cli("check", source, "--page", str(FILES / source / "list.html"), "--url", expected["list"]["url"])
    assert all(url in result.stdout for url in expected["list"]["articles"])
    assert result.stdout.splitlines()[-1] == (f"check: ok: {len(expected['list']['articles'])} article links, "
                                              f"{len(expected['list']['next_lists'])} list links")


def test_check_reads_a_saved_article_offline():
    expected = saved("jl_people")
    result = run_cli("check", "jl_people", "--page", str(FILES / "jl_people" / "article.html"),
                     "--url", expected["article"]["url"])
    assert f"title: {expected['expected']['title']}" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("check: ok: the article has a title, date 20")


def test_check_says_what_a_profile_misses(tmp_path):
    """A profile whose article pattern matches nothing on its list page: exit 1, one line saying so."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "cri.toml").write_text('[[source]]\nname = "jl_cri"\ntitle = "t"\nsite = "jl.cri.cn"\nfamily = "generic"\n'
                                     'start_urls = ["https://jl.cri.cn/"]\narticle_pattern = "/nothing/"\n', encoding="utf-8")
    result = run_cli("check", "jl_cri", "--sources", str(folder), "--page", str(FILES / "jl_cri" / "list.html"),
                     check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("check: NOT OK: no article links on the list page")


def test_check_on_an_unreachable_host_fails_in_one_line(tmp_path):
    from conftest import free_port

    result = run_cli("check", "jl_cri", "--proxy", f"http://127.0.0.1:{free_port()}", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("check: NOT OK: nothing could be read")


def test_check_an_unknown_source_is_a_usage_error():
    result = run_cli("check", "no_such_source", check=False)
    assert result.returncode == 2 and "unknown source(s): no_such_source" in result.stderr
