"""Fetch: the only package that imports Scrapy, thin adapters over plain functions.

spider.py finds pages (discovery.py has the link finding as plain functions) and yields
RawPage items; pipeline.py hands them to the cleaning workers and the archive's writer
(flow.py); middlewares.py, throttle.py, runlog.py and connection.py serve the crawl;
run.py runs one crawl the way cron needs it.
"""
