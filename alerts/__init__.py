"""Alert layer: sectors, watch rules, outbox and delivery (no Scrapy imports)."""
