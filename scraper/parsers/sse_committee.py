"""SSE listing-committee announcements (`GP_GPZCZ_SSWHYGGJG`), pure: an envelope -> Meetings.

Each row is one file (审议会议公告 fileType 1, 结果公告 2; 3/4 INFER 复审/变更) naming the
projects it covers in `stockAudit[]{auditId, companyFullName}`: one Meeting per project.
The list states no meeting date. It is read from the title when the title carries one, and a
result file's publishDate is the meeting day (REAL: 科创板上市委2020年第33次 result published
2020-06-02, the day of the meeting); otherwise it stays unknown, never guessed.
"""

from __future__ import annotations

from scraper.core.records import Meeting
from scraper.core.timeutil import parse_date
from scraper.parsers.committee import session, stated_date
from scraper.parsers.common import BadPayload, clean_text, code_text, to_int
from scraper.parsers.sse import rows_of

SOURCE = "sse_committee"
SQL_ID = "GP_GPZCZ_SSWHYGGJG"
PDF_BASE = "http://static.sse.com.cn/stock"
FILE_KINDS = {1: "announcement", 2: "result", 3: "announcement", 4: "announcement"}


def parse(body: bytes | str, url: str = "", pdf_base: str = PDF_BASE) -> tuple[list[Meeting], dict]:
    """Meetings of one answer and its pageHelp (for paging); BadPayload for unknown shapes."""
    rows, page_help = rows_of(body, url)
    out: list[Meeting] = []
    for row in rows:
        title = clean_text(row.get("fileTitle"))
        audits = row.get("stockAudit")
        if not title or not isinstance(audits, list):
            raise BadPayload(f"committee row without fileTitle or stockAudit[]: {row!r:.200}", url)
        file_type = to_int(row.get("fileType"))
        kind = FILE_KINDS.get(file_type or 0, "other")
        path = clean_text(row.get("filePath"))
        published = parse_date(code_text(row.get("publishDate")))
        meeting_date = stated_date(title)
        if meeting_date is None and kind == "result":
            meeting_date = published
        file_id = code_text(row.get("fileId")) or path
        flags = [] if kind != "other" else [f"unknown_file_type:{row.get('fileType')}"]
        for audit in audits:
            if not isinstance(audit, dict) or not code_text(audit.get("auditId")):
                raise BadPayload(f"stockAudit entry without auditId: {audit!r:.200}", url)
            out.append(Meeting(
                source=SOURCE, file_id=file_id, native_project=code_text(audit["auditId"]),
                company=clean_text(audit.get("companyFullName")), kind=kind, title=title,
                meeting=session(title), published_date=published,
                meeting_date=meeting_date,
                url=(pdf_base.rstrip("/") + path) if path.startswith("/") else (path or None),
                flags=list(flags),
            ))  # fmt: skip
    return out, page_help
