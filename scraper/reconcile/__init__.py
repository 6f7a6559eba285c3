"""Per-source steps, pure: (records, previous state) -> (rows, events), through core.policy.

Nothing here touches SQLite: scraper/ingest.py reads the previous state through the
repositories in scraper/db, calls the step, and writes what it returns.
"""
