"""`scrapy crawl news` that ends as `newsarchive crawl` does: an unknown source is a usage
error (exit 2), and the run's summary line comes last with its exit code (0 ok, 1 failing or
not finished, 75 another run holds the archive), where Scrapy's own command exits 0 whatever
the run found."""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from ...sources import load_sources


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl news")
        known = load_sources()
        unknown = [name for name in opts.spargs.get("source", "").split(",") if name and name not in known]
        if unknown:
            raise UsageError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}", print_help=False)
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats()
        if "newsarchive/run_exit_code" in stats:
            print(stats["newsarchive/summary"])
            self.exitcode = stats["newsarchive/run_exit_code"]
