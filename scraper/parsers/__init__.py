"""Pure parsers: response bytes/text -> records. No Scrapy, no network, no database."""
