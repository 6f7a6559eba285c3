"""Scrapy settings for filingwatch: polite by default (one request at a time, short timeouts)."""

import os

BOT_NAME = "filingwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ROBOTSTXT_OBEY = False  # list pages only; robots.txt would cost a request per run
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0  # randomised ±50% by Scrapy's default (DOWNLOAD_DELAY_JITTER)
DOWNLOAD_TIMEOUT = 20
DNS_TIMEOUT = 10  # Scrapy's default is 60 s per lookup; a missing network must fail in seconds
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 opens an HTTP control port per crawl otherwise
LOG_LEVEL = "INFO"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [403, 429, 500, 502, 503, 504, 522, 524, 408]
FILINGWATCH_BACKOFF_BASE = 2.0
FILINGWATCH_BACKOFF_MAX = 60.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.BackoffRetryMiddleware": 550,
    "scraper.middlewares.SchemeFallbackMiddleware": 560,
}
ITEM_PIPELINES = {
    "scraper.pipelines.ValidatePipeline": 100,
    "scraper.pipelines.StorePipeline": 200,
}
EXTENSIONS = {
    "scraper.health.RunHealthExtension": 100,
    "scraper.progress.ProgressExtension": 200,  # progress bar / lines, quiet start-up
    "scraper.native.DefaultMetaExtension": 300,  # `scrapy parse`: callbacks get their meta keys
}

# Filled in by scraper.crawl from config.toml.
FILINGWATCH_DB = "data/filingwatch.db"
# `scrapy crawl SLUG -s FILINGWATCH_CONFIG=...`, or the environment (scrapyd jobs inherit it).
FILINGWATCH_CONFIG = os.environ.get("FILINGWATCH_CONFIG") or None
FILINGWATCH_BROKEN_DIR = None
FILINGWATCH_ALERT_BASELINE = (
    False  # True: a source's first sweep alerts too (crawl --alert-baseline)
)

FILINGWATCH_QUIET_LOGS = True  # Scrapy's start-up lists and stats dump only at DEBUG (progress.py)

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
