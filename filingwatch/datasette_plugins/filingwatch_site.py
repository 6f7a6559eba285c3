"""Datasette plugin loaded by `filingwatch serve` (--plugins-dir): feeds and pipeline reports.

Routes only; what they serve is built in scraper/site.py from the database Datasette opened.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from alerts.feeds import CONTENT_TYPES


def _base_url(request) -> str:
    return f"{request.scheme}://{request.host}"


async def feed(datasette, request):
    from scraper import site

    path, fmt = request.url_vars["path"], request.url_vars["fmt"]
    db = datasette.get_database()
    try:
        body = await db.execute_fn(lambda conn: site.feed_body(conn, path, fmt, _base_url(request)))
    except KeyError:
        return Response.text(f"no feed {path}.{fmt}", status=404)
    return Response(body, content_type=CONTENT_TYPES[fmt])


async def report(datasette, request):
    from scraper import site

    sector = request.url_vars["sector"]
    db = datasette.get_database()
    try:
        page = await db.execute_fn(lambda conn: site.report_html(conn, sector))
    except KeyError:
        return Response.text(f"no sector {sector}", status=404)
    return Response.html(page)


@hookimpl
def register_routes():
    return [
        (r"^/-/feeds/(?P<path>.+)\.(?P<fmt>atom|json)$", feed),
        (r"^/-/report/(?P<sector>[A-Za-z0-9_-]+)\.html$", report),
    ]
