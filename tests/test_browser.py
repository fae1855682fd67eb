"""A person's view: headless Chromium types into the search box of a real `newsarchive serve`.

Screenshots go to $NEWSARCHIVE_SCREENSHOTS (the README's come from `docs/`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are needed")


@pytest.fixture(scope="module")
def site(served_archive):
    return served_archive


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1400", f"--user-data-dir={tempfile.mkdtemp()}", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    folder = Path(os.environ.get("NEWSARCHIVE_SCREENSHOTS", tempfile.gettempdir()))
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))


def like_titles(db_path, text: str) -> set[str]:
    rows = sqlite3.connect(db_path).execute(
        "SELECT coalesce(title, '(无标题)') FROM articles WHERE title LIKE ? OR body LIKE ?", [f"%{text}%"] * 2).fetchall()
    return {row[0] for row in rows}


@pytest.mark.parametrize("typed, simplified, picture", [("项目", "项目", "xiangmu"), ("開發區", "开发区", "kaifaqu")])
def test_typing_into_the_search_box(site, browser, typed, simplified, picture):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, db_path = site
    browser.get(base + "/news/articles")
    box = browser.find_element(By.CSS_SELECTOR, "input[name=_search]")
    box.clear()
    box.send_keys(typed + Keys.ENTER)
    time.sleep(0.5)
    assert "/news/search?q=" in browser.current_url  # the readers' search page: ranked, words marked
    assert browser.title.startswith(f"“{typed}” 的搜索结果")
    shown = {link.text.strip() for link in browser.find_elements(By.CSS_SELECTOR, "ol.reader-results a.result-title")}
    assert shown == like_titles(db_path, simplified)
    marks = browser.find_elements(By.CSS_SELECTOR, ".result-snippet mark")
    assert marks and all(mark.text == simplified for mark in marks)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "select " not in page.lower() and "SQL" not in page and browser.find_elements(By.CSS_SELECTOR, ".reader-facet")
    shot(browser, f"search-{picture}")


def test_article_page(site, browser):
    from selenium.webdriver.common.by import By

    base, db_path = site
    article_id = sqlite3.connect(db_path).execute(
        "SELECT article_id FROM article_urls WHERE url = 'https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html'"
    ).fetchone()[0]
    browser.get(f"{base}/news/articles/{article_id}")
    assert browser.find_element(By.CSS_SELECTOR, "article h1").text == "从三组关键词看吉林省开发区建设"
    paragraphs = [p.text for p in browser.find_elements(By.CSS_SELECTOR, "article .body p")]
    assert paragraphs[0].startswith("春光明媚,天气晴好。") and paragraphs[-1].endswith("(记者 张雅静)")
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "article a")}
    assert "https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html" in links
    shot(browser, "article")


def test_an_article_with_attachments(site, browser):
    """The sample notice: its four files listed with download links, the PDF's text on the
    page, the truncated one's reason; a link downloads the stored file."""
    import urllib.request

    from selenium.webdriver.common.by import By

    base, db_path = site
    article_id = sqlite3.connect(db_path).execute(
        "SELECT article_id FROM article_urls WHERE url = 'https://swt.jl.gov.cn/tzgg/202311/t20231102_8832150.html'"
    ).fetchone()[0]
    browser.get(f"{base}/news/articles/{article_id}")
    links = browser.find_elements(By.CSS_SELECTOR, "ul.attachments a.download")
    assert [link.text for link in links] == ["附件1：吉林省开发区综合发展水平考核评价办法.pdf", "开发区考核评价数据填报表.docx",
                                             "2023年度参评开发区名单.xlsx", "附件4：考核评价指标解释.pdf"]  # as the notice lists them
    pdf = next(link for link in links if link.text.startswith("附件1"))
    item = pdf.find_element(By.XPATH, "./ancestor::li")
    item.find_element(By.TAG_NAME, "summary").click()
    assert "第一条 为推动全省开发区高质量发展" in item.find_element(By.CSS_SELECTOR, "pre.attachment-text").text
    assert "无法读取: truncated PDF" in browser.find_element(By.CSS_SELECTOR, "ul.attachments").text
    with urllib.request.urlopen(pdf.get_attribute("href"), timeout=30) as response:
        assert response.read().startswith(b"%PDF-") and response.headers["Content-Type"] == "application/pdf"
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, "article h1"))
    shot(browser, "attachments")


def test_the_reading_list(site, browser):
    """The articles table reads as a list: title (to the article page), 来源, site, date in
    Chinese form; rows under 200 px, the table inside a 1400 px window, facets kept."""
    from selenium.webdriver.common.by import By

    base, db_path = site
    browser.set_window_size(1400, 1400)
    try:
        browser.get(base + "/news/articles")
        headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.reading-list th")]
        rows = browser.find_elements(By.CSS_SELECTOR, "table.reading-list tbody tr")
        count = sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0]
        assert headers == ["标题", "来源", "网站", "发布时间"] and len(rows) == count
        assert max(row.size["height"] for row in rows) < 200
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 1400
        first = rows[0].find_element(By.CSS_SELECTOR, "td.col-title a")
        assert "/news/articles/" in first.get_attribute("href")
        assert "年" in rows[0].find_element(By.CSS_SELECTOR, "td.col-date").text
        assert browser.find_elements(By.CSS_SELECTOR, ".facet-results")
        shot(browser, "reading-list")
    finally:
        browser.set_window_size(1280, 1400)


def test_the_dashboard_draws_its_charts(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, _db = site
    browser.get(base + "/-/dashboards/archive")
    cards = browser.find_elements(By.CSS_SELECTOR, ".dashboard-card")
    assert len(cards) == 3
    WebDriverWait(browser, 30).until(
        lambda driver: all(card.find_elements(By.CSS_SELECTOR, "svg, canvas") for card in cards))
    shot(browser, "dashboard")


def test_the_reprints_page(site, browser):
    """Every story on two or more sites, its title linking to the article, no SQL shown."""
    from selenium.webdriver.common.by import By

    base, db_path = site
    browser.get(base + "/news/reprints")
    assert browser.title.startswith("最多转载的报道")
    links = browser.find_elements(By.CSS_SELECTOR, "td.col-title a")
    cross_site = sqlite3.connect(db_path).execute("SELECT count(*) FROM clusters WHERE sites > 1").fetchone()[0]
    assert len(links) == cross_site >= 2 and all("/news/articles/" in link.get_attribute("href") for link in links)
    assert "select " not in browser.find_element(By.TAG_NAME, "body").text.lower()
    shot(browser, "reprints")
