"""The registry of sources: one slug names the spider, parser, replay site and fixture folder."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceSpec:
    slug: str
    spider: str
    title: str
    base_url: str
    fallback_base_url: str = ""
    enabled: bool = True  # default for `[sources.<slug>] enabled`; cross-checks ship switched off
    # Extra `[sources.<slug>]` keys this source understands: name -> (type, default, help).
    extra_keys: dict[str, tuple[type, object, str]] = field(default_factory=dict)


SOURCES: dict[str, SourceSpec] = {}


def register(spec: SourceSpec) -> SourceSpec:
    SOURCES[spec.slug] = spec
    return spec


register(
    SourceSpec(
        slug="csrcfd",
        spider="csrcfd",
        title="CSRC tutoring list (辅导信息, eid.csrc.gov.cn/csrcfd)",
        base_url="http://eid.csrc.gov.cn",
        fallback_base_url="https://eid.csrc.gov.cn",
        extra_keys={
            "max_pages": (int, 0, "stop after this many pages in one run; 0 = no limit"),
            "full_sweep_hours": (
                float,
                24.0,
                "hours between full snapshot sweeps that catch status changes of old companies",
            ),
        },
    )
)

# ---- SSE / SZSE / BSE review projects (issue 5): spiders/{sse,szse,bse}.py
_SWEEP = (float, 24.0, "hours between full sweeps of every list page (catch edits far down)")
_MAX_PAGES = (int, 0, "stop after this many list pages per board in one run; 0 = no limit")

register(
    SourceSpec(
        slug="sse",
        spider="sse",
        title="SSE IPO review status, STAR + main board (query.sse.com.cn SH_XM_LB)",
        base_url="http://query.sse.com.cn",
        fallback_base_url="https://query.sse.com.cn",
        extra_keys={
            "boards": (str, "star,main", "boards to list (issueMarketType 1 = star, 2 = main)"),
            "page_size": (int, 100, "projects per list request (pageHelp.pageSize)"),
            "jsonp": (
                bool,
                True,
                "ask for JSONP (jsonCallBack) like the site's pages; false = JSON",
            ),
            "list_endpoint": (str, "statusAction.do", "statusAction.do or commonSoaQuery.do"),
            "always_milestones": (
                bool,
                False,
                "also call GP_GPZCZ_XMDTZTTLB when the status events already reach the current status",
            ),
            "pdf_base_url": (str, "http://static.sse.com.cn/stock", "prefix of document filePath"),
            "full_sweep_hours": _SWEEP,
            "max_pages": _MAX_PAGES,
        },
    )
)
register(
    SourceSpec(
        slug="szse",
        spider="szse",
        title="SZSE IPO review status, ChiNext + main board (listing.szse.cn projectrends)",
        base_url="http://listing.szse.cn",
        fallback_base_url="https://listing.szse.cn",
        extra_keys={
            "boards": (str, "chinext,main", "boards to list (boardCode 16 = chinext, 12 = main)"),
            "page_size": (int, 100, "projects per list request (the site caps pageSize at 100)"),
            "pdf_base_url": (str, "http://reportdocs.static.szse.cn", "prefix of document dfpth"),
            "full_sweep_hours": _SWEEP,
            "max_pages": _MAX_PAGES,
        },
    )
)
register(
    SourceSpec(
        slug="bse",
        spider="bse",
        title="BSE IPO review status (www.bse.cn projectNewsController)",
        base_url="https://www.bse.cn",
        fallback_base_url="",
        extra_keys={
            "list_method": (str, "get", "get = JSONP GET with callback; post = the POST form"),
            "statetypes": (str, "", "status codes to list one by one (P01,P02,...); empty = all"),
            "pdf_base_url": (str, "https://www.bse.cn", "prefix of document destFilePath"),
            "full_sweep_hours": _SWEEP,
            "max_pages": _MAX_PAGES,
        },
    )
)

# ---- HKEX (issue 6): spiders/hkex_app.py, spiders/hkex_listings.py
_HK_HANDLER = (
    str,
    "",
    "Scrapy download handler class for this source's http/https (e.g. a TLS-impersonating one"
    " if HKEX rejects Scrapy's TLS fingerprint); empty = Scrapy's default",
)
register(
    SourceSpec(
        slug="hkex_app",
        spider="hkex_app",
        title="HKEX application proofs and PHIPs (www1.hkexnews.hk/app/appindex.html JSON files)",
        base_url="https://www1.hkexnews.hk",
        fallback_base_url="https://www.hkexnews.hk",
        extra_keys={
            "boards": (str, "sehk,gem", "boards whose status files are read (sehk = Main Board)"),
            "download_handler": _HK_HANDLER,
        },
    )
)
register(
    SourceSpec(
        slug="hkex_listings",
        spider="hkex_listings",
        title="HKEX new listings: New Listing Information, title search, latest announcements",
        base_url="https://www1.hkexnews.hk",
        fallback_base_url="",
        extra_keys={
            "new_listing_base_url": (
                str,
                "",
                "host of the New Listing Information pages; empty ="
                " base_url with www1 -> www2 (the live host)",
            ),
            "boards": (str, "sehk,gem", "New Listing Information boards (sehk = Main Board)"),
            "title_search": (
                str,
                "auto",
                "auto = JSON servlet, HTML form when it fails; servlet; form; off",
            ),
            "title_search_days": (int, 14, "days back the title search covers (backfill: 365)"),
            "title_search_codes": (
                str,
                "30500,30600,30700,31000",
                "IPO subtype t2codes, one query each",
            ),
            "title_search_delay": (float, 1.0, "seconds between title-search requests (<= 1/s)"),
            "latest_files": (
                str,
                "lcisehk1relsdc_1",
                "latest-announcement JSON files (comma"
                " list of names under /ncms/json/eds/); empty = off",
            ),
            "download_handler": _HK_HANDLER,
        },
    )
)


# ---------------------------------------------------------------- listing notices, approvals,
# cninfo documents and the Eastmoney tutoring cross-check (issue 7)
_LOOKBACK = (int, 30, "days back from today each run queries (seDate range)")
_BACKFILL_SINCE = (str, "2019-01-01", "first date of a --backfill run (YYYY-MM-DD)")
_MAX_PAGES = (int, 0, "stop after this many pages per list in one run; 0 = no limit")
# Listing sources (issue 16): a bounded periodic sweep re-reads the whole look-back window (or,
# for sse_notices, `sweep_pages` list pages) so a run that stopped early never hides a document.
_LISTING_SWEEP = (float, 24.0, "hours between bounded full sweeps of the look-back window")
register(
    SourceSpec(
        slug="cninfo",
        spider="cninfo",
        title="cninfo IPO documents (巨潮资讯 hisAnnouncement/query, 首发)",
        base_url="http://www.cninfo.com.cn",
        fallback_base_url="https://www.cninfo.com.cn",
        extra_keys={
            "columns": (
                str,
                "szse,pre_disclosure",
                "columns to query: szse (沪深京), pre_disclosure (预披露)",
            ),
            "category": (str, "category_sf_szsh", "category code sent with the szse column (首发)"),
            "page_size": (int, 30, "announcements per request (pageSize)"),
            "lookback_days": _LOOKBACK,
            "backfill_since": _BACKFILL_SINCE,
            "pdf_base_url": (str, "http://static.cninfo.com.cn/", "PDF link = this + adjunctUrl"),
            "max_pages": _MAX_PAGES,
            "full_sweep_hours": _LISTING_SWEEP,
        },
    )
)
register(
    SourceSpec(
        slug="csrc_approvals",
        spider="csrc_approvals",
        title="CSRC registration approvals and overseas-listing filings (www.csrc.gov.cn searchList)",
        base_url="http://www.csrc.gov.cn",
        fallback_base_url="https://www.csrc.gov.cn",
        extra_keys={
            "channels": (
                str,
                "c105906,c101935",
                "channel codes; channelIds are looked up (getLocalList, meta channelid)",
            ),
            "page_size": (int, 20, "items per searchList page (_pageSize)"),
            "max_pages": _MAX_PAGES,
        },
    )
)
register(
    SourceSpec(
        slug="sse_notices",
        spider="sse_notices",
        title="SSE listing notices (上市交易公告, www.sse.com.cn)",
        base_url="https://www.sse.com.cn",
        fallback_base_url="http://www.sse.com.cn",
        extra_keys={
            "list_path": (
                str,
                "/disclosure/announcement/listing/ipo/index.shtml",
                "the notice channel's first list page; later pages are <name>_N.<ext>",
            ),
            "max_pages": _MAX_PAGES,
            "full_sweep_hours": _LISTING_SWEEP,
            "sweep_pages": (int, 20, "list pages a full sweep reads (the channel is long)"),
        },
    )
)
register(
    SourceSpec(
        slug="szse_notices",
        spider="szse_notices",
        title="SZSE listing notices (annList IPO announcements and the exchange's notices)",
        base_url="https://www.szse.cn",
        fallback_base_url="http://www.szse.cn",
        extra_keys={
            "search_keys": (
                str,
                "",
                "ignored since issue 16: the documented annList body has no searchKey;"
                " IPO documents are picked by title",
            ),
            "page_size": (int, 50, "announcements per annList page"),
            "lookback_days": (int, 30, "days back a full sweep queries (seDate range)"),
            "incremental_days": (int, 3, "days back an incremental run pages through"),
            "full_sweep_hours": _LISTING_SWEEP,
            "backfill_since": _BACKFILL_SINCE,
            "notice_list": (
                bool,
                True,
                "also read the exchange's own notice list for listing dates",
            ),
            "max_pages": _MAX_PAGES,
        },
    )
)
register(
    SourceSpec(
        slug="eastmoney_tutoring",
        spider="eastmoney_tutoring",
        title="Eastmoney tutoring mirror (RPT_IPO_TUTRECORD), a cross-check of csrcfd; off by default",
        base_url="https://datacenter-web.eastmoney.com",
        fallback_base_url="",
        enabled=False,
        extra_keys={
            "page_size": (int, 500, "rows per page (pageSize)"),
            "max_pages": _MAX_PAGES,
        },
    )
)

# ---- listing-committee meeting announcements (issue 14): spiders/sse_committee.py
register(
    SourceSpec(
        slug="sse_committee",
        spider="sse_committee",
        title="SSE listing-committee meeting announcements (commonSoaQuery GP_GPZCZ_SSWHYGGJG)",
        base_url="http://query.sse.com.cn",
        fallback_base_url="https://query.sse.com.cn",
        extra_keys={
            "scope": (
                str,
                "list",
                "list = every file newest first (INFER); projects = the documented per-project"
                " call for each stored SSE project in review",
            ),
            "page_size": (int, 20, "files per list request (pageHelp.pageSize)"),
            "pages": (int, 3, "list pages an incremental run reads (other modes: all)"),
            "pdf_base_url": (str, "http://static.sse.com.cn/stock", "prefix of filePath"),
        },
    )
)
