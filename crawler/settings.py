"""Scrapy settings. The environment is read here and nowhere else."""

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.fetch.spider"]
COMMANDS_MODULE = "crawler.fetch.commands"  # `scrapy crawl` with the run's exit code and summary

# Where the archive lives; `newsarchive crawl --db` overrides it.
ARCHIVE_DB = os.getenv("NEWSARCHIVE_DB", "archive/news.db")


def source_dirs() -> list[str]:
    """The operator's folders of source profiles, read beside the built-in ones
    (NEWSARCHIVE_SOURCES, folders separated by ':'; `--sources DIR` sets it). Read when
    asked, so a command's option reaches its worker processes and Scrapy alike."""
    return [folder for folder in os.getenv("NEWSARCHIVE_SOURCES", "").split(os.pathsep) if folder]


# Set by `newsarchive crawl --sample` / `--proxy`: fetch every URL from a replica of the sites.
REPLICA_PROXY = os.getenv("NEWSARCHIVE_REPLICA_PROXY", "")
# A replica on loopback is crawled without delays unless this asks for the real politeness
# (bench/incremental_crawl.py measures a polite crawl).
REPLICA_POLITE = os.getenv("NEWSARCHIVE_REPLICA_POLITE", "") == "1"

# Polite by default: identify ourselves, obey robots.txt, one request at a time per
# host, 2 s between requests to a government host (source profiles may ask for more),
# and let AutoThrottle slow down further when a site answers slowly.
CONTACT_URL = os.getenv("NEWSARCHIVE_CONTACT_URL", "https://github.com/newsarchive/newsarchive")
USER_AGENT = f"newsarchive/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0  # a jitter would also go below the delay, and the delay is a floor
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Larger responses are abandoned and recorded in `errors` (a runaway page, a video).
DOWNLOAD_MAXSIZE = int(os.getenv("NEWSARCHIVE_MAX_PAGE_BYTES", 16 * 1024 * 1024))
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Attachments (附件: PDF, Word, Excel… linked from articles) may be larger, up to this.
ATTACHMENT_MAXSIZE = int(os.getenv("NEWSARCHIVE_MAX_ATTACHMENT_BYTES", 50 * 1024 * 1024))
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
COOKIES_ENABLED = False
# Outputs of one response processed in parallel. A callback here yields one page item or a
# list page's links; Scrapy's default of 100 starts 100 asyncio tasks per response, which
# cost more CPU than the parsing (bench/crawl.py).
CONCURRENT_ITEMS = 16
# Scrapy parses the source of a callback (ast) on every response to warn about generators
# that return a value; its cache is keyed weakly by the bound method, so it misses each time.
WARN_ON_GENERATOR_RETURN_VALUE = False
# The watchdog: a run still going after this long (a hung host, a runaway list) stops as
# if interrupted, records what it did and frees the archive for the next cron run; keep it
# below the cron interval. A backfill stopped so resumes next time.
CLOSESPIDER_TIMEOUT = float(os.getenv("NEWSARCHIVE_MAX_RUN_MINUTES", "50")) * 60
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's RemoteControl runs code sent to a localhost HTTP port (token in a job file):
# a cron archiver has no use for it.
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {"crawler.fetch.pipeline.ArchivePipeline": 300}
# Cleaning runs in this many worker processes (`newsarchive crawl --workers`); 0 cleans in
# the crawl's own process. None: one per core.
CLEANING_WORKERS = int(os.environ["NEWSARCHIVE_WORKERS"]) if os.getenv("NEWSARCHIVE_WORKERS") else None
# The function that cleans a page, RawPage -> flow.Cleaned; tests swap in one that kills
# its worker on a marked page.
CLEAN_FUNCTION = os.getenv("NEWSARCHIVE_CLEAN_FUNCTION", "crawler.flow.prepare")
# Archive writes are committed this many pages at a time (and at least every 2 seconds).
ARCHIVE_BATCH_SIZE = 64
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.fetch.throttle.PoliteThrottle": 0,  # AutoThrottle with per-host floors and robots Crawl-delay
    "crawler.fetch.runlog.CrawlRunLog": 500,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.middlewares.RobotsTxtSlotMiddleware": 90,
    "crawler.fetch.middlewares.AntiBotMiddleware": 585,
    # After HttpCompressionMiddleware (590) has decompressed, before MetaRefreshMiddleware (580) reads the text.
    "crawler.fetch.middlewares.CharsetMiddleware": 587,
    "crawler.fetch.middlewares.ReplicaProxyMiddleware": 760,
    # Crawl nodes only (REDIS_URL): hosts paced across nodes, once a request is as it is sent
    # (the replica's rerouting makes a new request, which would take a second turn).
    "crawler.fetch.pacing.SharedHostPacing": 770,
}

# Crawl nodes (`newsarchive crawl --redis URL`): the request queue, the seen-request filter
# and each host's pacing live in this Redis, shared by every node.
REDIS_URL = os.getenv("NEWSARCHIVE_REDIS_URL", "")
# A node stops fetching while the writer has more than this many entries to file (they wait
# in Redis's memory, ~50 KB each).
STREAM_BACKLOG_MAX = int(os.getenv("NEWSARCHIVE_STREAM_BACKLOG", "5000"))


def node_settings(redis_url: str) -> dict:
    """What makes a crawl a crawl node: the shared queue and seen-request filter (scrapy-redis),
    items sent to the archive's writer instead of written here, no run row of its own."""
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # a node that stops leaves the frontier to the others
        "SCHEDULER_QUEUE_KEY": "newsarchive:requests",
        "SCHEDULER_QUEUE_CLASS": "crawler.fetch.frontier.HostRingQueue",  # hosts in turn, as Scrapy's own scheduler
        "SCHEDULER_DUPEFILTER_KEY": "newsarchive:seen",
        "ITEM_PIPELINES": {"crawler.fetch.stream.StreamPipeline": 300},
        "EXTENSIONS": {**EXTENSIONS, "crawler.fetch.runlog.CrawlRunLog": None, "crawler.fetch.nodes.NodePresence": 500},
    }


if REDIS_URL:
    globals().update(node_settings(REDIS_URL))

LOG_LEVEL = os.getenv("NEWSARCHIVE_LOG_LEVEL", "INFO")
# A sample crawl (demo, --sample) shows warnings and errors only, so its summary stays in
# view; NEWSARCHIVE_LOG_LEVEL or -v ask for more.
SAMPLE_LOG_LEVEL = os.getenv("NEWSARCHIVE_LOG_LEVEL", "WARNING")
FEED_EXPORT_ENCODING = "utf-8"
