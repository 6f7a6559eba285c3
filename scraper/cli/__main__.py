"""`python -m scraper.cli ARGS`: what the daemon runs for each crawl."""

from scraper.cli.app import main

main()
