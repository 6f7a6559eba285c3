"""Storage: connection, migrations, transactions and SQL-only repositories.

Nothing here imports upward (ingest, reconcile, spiders, alerts): the import-linter contracts
in pyproject.toml fail the suite if it does.
"""

from scraper.db.connection import (
    CHUNK,
    apply_migrations,
    open_db,
    open_readonly,
    schema_version,
    transaction,
)

__all__ = ["CHUNK", "apply_migrations", "open_db", "open_readonly", "schema_version", "transaction"]
