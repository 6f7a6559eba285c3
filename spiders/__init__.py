"""One spider per site. Spiders build requests and paginate; parsing lives in scraper.parsers."""
