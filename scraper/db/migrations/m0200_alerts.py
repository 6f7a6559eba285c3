"""Alert tables: outbox (one row per rule, event and channel), delivery attempts, source incidents."""

from sqlite_utils import Database


def apply(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS incidents (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,              -- unhealthy (a run failed) | stale (no success for too long)
            opened_at TEXT NOT NULL,
            opened_run_id INTEGER,
            detail TEXT,                     -- the problem as the ops message states it
            url TEXT,
            failures INTEGER NOT NULL DEFAULT 1, -- unhealthy runs seen while open
            last_run_id INTEGER,
            resolved_at TEXT,
            resolved_run_id INTEGER
        );
        -- at most one open incident per source: it alerts once and recovers once
        CREATE UNIQUE INDEX IF NOT EXISTS incidents_open ON incidents(source) WHERE resolved_at IS NULL;
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE, -- event:<rule>:<event id>:<channel> | health:<incident>:<state>:<channel>
            kind TEXT NOT NULL,              -- event | health
            rule TEXT,                       -- [[watch]] name (event rows)
            channel TEXT NOT NULL,           -- [[channels]] name
            event_id INTEGER REFERENCES events(id),
            incident_id INTEGER REFERENCES incidents(id),
            payload TEXT NOT NULL,           -- JSON snapshot the message is rendered from
            digest_key TEXT,                 -- rows sharing it go out in one message (digest rules)
            created_at TEXT NOT NULL,
            due_at REAL NOT NULL,            -- epoch seconds: not before (digest window, retry back-off)
            status TEXT NOT NULL DEFAULT 'pending', -- pending | sending (claimed) | sent
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT,                 -- deliverer that holds the claim
            claim_until REAL,                -- epoch seconds; an expired claim is retried
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT                  -- rows delivered in one message share it
        );
        CREATE INDEX IF NOT EXISTS outbox_status_due ON outbox(status, due_at);
        CREATE INDEX IF NOT EXISTS outbox_digest ON outbox(digest_key, status);
        CREATE TABLE IF NOT EXISTS alert_attempts (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            attempt INTEGER NOT NULL,
            at TEXT NOT NULL,
            ok INTEGER NOT NULL,
            seconds REAL,
            error TEXT,
            message_id TEXT
        );
        CREATE INDEX IF NOT EXISTS alert_attempts_outbox ON alert_attempts(outbox_id);
        """
    )
