"""Downloader middlewares: retry with exponential back-off, and http -> https scheme fallback."""

from __future__ import annotations

import asyncio
import logging

from scrapy import exceptions as scrapy_exceptions
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
)
from twisted.web._newclient import ResponseNeverReceived

log = logging.getLogger(__name__)

# Twisted's own errors, plus the wrappers newer Scrapy raises instead of them.
_CONNECT_FAILURES: tuple[type[BaseException], ...] = (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    ResponseNeverReceived,
) + tuple(
    getattr(scrapy_exceptions, name)
    for name in ("DownloadConnectionRefusedError", "CannotResolveHostError", "DownloadFailedError")
    if hasattr(scrapy_exceptions, name)
)


# The host cannot be resolved or refuses connections: retrying within the run only delays the
# incident (hkex_app took 246 s to give up with the network absent); the next run retries.
_HOST_DOWN: tuple[type[BaseException], ...] = (DNSLookupError, ConnectionRefusedError) + tuple(
    getattr(scrapy_exceptions, name)
    for name in ("DownloadConnectionRefusedError", "CannotResolveHostError")
    if hasattr(scrapy_exceptions, name)
)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting base * 2**n seconds (capped) before each new try.

    Sites answer 403/429/5xx when they are overloaded or suspicious; hammering them again at
    once only prolongs that. The wait is asynchronous, so nothing else is blocked.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("FILINGWATCH_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("FILINGWATCH_BACKOFF_MAX", 60.0)
        self.down: dict[str, BaseException] = {}  # host -> its failure, for the rest of this run

    def process_request(self, request, spider=None):
        """A host that already failed to resolve/connect in this run fails its other requests at once."""
        host = urlparse_cached(request).hostname
        if host in self.down and not request.meta.get("fw_fallback_url"):
            log.warning("skipping %s: host %s already failed in this run", request.url, host)
            raise self.down[host]
        return None

    async def _wait(self, request):
        tries = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2**tries))
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False):
            return response
        if response.status in self.retry_http_codes:
            reason = f"HTTP {response.status}"
            retry = self._retry(request, reason)
            if retry is not None:
                await self._wait(request)
                return retry
        return response

    async def process_exception(self, request, exception, spider=None):
        if request.meta.get("fw_fallback_url") and isinstance(exception, _CONNECT_FAILURES):
            return None  # the scheme fallback takes over before any retry
        if isinstance(exception, _HOST_DOWN):
            host = urlparse_cached(request).hostname
            if host not in self.down:
                log.warning("not retrying %s: host down (%r)", request.url, exception)
                self.down[host] = exception
            return None  # fail fast: the spider's errback records it as a network error
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get(
            "dont_retry", False
        ):
            retry = self._retry(request, exception)
            if retry is not None:
                await self._wait(request)
                return retry
        return None


class SchemeFallbackMiddleware:
    """When the primary base URL cannot be reached at all, re-issue the request on the fallback."""

    def process_exception(self, request, exception, spider=None):
        fallback = request.meta.get("fw_fallback_url")
        if not fallback or not isinstance(exception, _CONNECT_FAILURES):
            return None
        log.warning("cannot reach %s (%s); falling back to %s", request.url, exception, fallback)
        meta = {k: v for k, v in request.meta.items() if k != "fw_fallback_url"}
        meta["fw_used_fallback"] = True
        return request.replace(url=fallback, meta=meta, dont_filter=True)
