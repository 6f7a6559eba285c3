"""Replay sites, one module per source slug; each exposes make_site(fixtures_dir) -> Site."""
