"""`scrapy crawl news` that ends as `newsarchive crawl` does: the run's summary line last and
its exit code (0 ok, 1 failing or not finished, 75 another run holds the archive), where
Scrapy's own command exits 0 whatever the run found."""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl news")
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if getattr(crawler, "stats", None) else {}
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif "newsarchive/run_exit_code" in stats:
            print(stats["newsarchive/summary"])
            self.exitcode = stats["newsarchive/run_exit_code"]
