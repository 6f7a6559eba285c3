"""HKEX application index (www1.hkexnews.hk/app/appindex.html): the static JSON status files.

Contract: REPORT-csrc-hkex.md §4. The page is rendered from `/ncms/json/eds/{status}_{board}_{lang}.json`
(`genDate` epoch ms, `uDate` DD/MM/YYYY, `app[]` of applicants with `id`, `a` name, `s`, `hasPhip`,
`ls[]`/`ps[]` documents, `w` warning PDF, `st` stock code once listed). Rules kept here:

* AP and PHIP files are both read and merged by `id`; PHIP wins (the files are either split or
  PHIP is a superset of AP, sources disagree), documents are the union of every file's `ls[]`.
* `_c` (traditional Chinese) and `_e` files describe the same applicants: one applicant keeps both
  names and each document both language versions (paired by file number without `_c`).
* AP / PHIP dates come from `ls[]` entries whose `nF` is 申請版本 / Application Proof or
  聆訊後資料集 / PHIP, preferring `nS1` 全文檔案 / Full Version; never from `w` or from `d`.
* Overall Coordinator announcements (`nS1` 整體協調人公告, no `nF`) are documents, not IPO
  evidence: they date nothing and give no stage.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urljoin

import cn2an

from scraper.core import stages
from scraper.core.records import Filing
from scraper.core.timeutil import HONG_KONG, epoch_ms_to_local
from scraper.parsers.common import (
    BadPayload,
    clean_text,
    declared,
    load_json,
    without_cycle_collection,
)
from scraper.parsers.hkex_common import doc_key, hk_date, stock_code

SOURCE = "hkex_app"
STATUS_FILES = ("appactive_app", "appactive_appphip", "appinactive", "applisted", "appreturned")
BOARDS = ("sehk", "gem")
LANGS = ("c", "e")

# When an id appears in several files, the later point in an applicant's life wins (PHIP over AP).
PRECEDENCE = {"appactive_app": 0, "appactive_appphip": 1, "appinactive": 2, "appreturned": 3,
              "applisted": 4}  # fmt: skip
FILE_STAGE = {
    "appinactive": stages.HK_LAPSED,  # lapsed / withdrawn / rejected (失效/撤回/被拒絕)
    "appreturned": stages.HK_RETURNED,
    "applisted": stages.LISTED,
}
# Position on the HK road; a stage never moves back to a lower rank on weak evidence.
RANK = {None: 0, stages.HK_APPLICATION_FILED: 1, stages.HK_PHIP: 2, stages.HK_LAPSED: 3,
        stages.HK_RETURNED: 3, stages.LISTED: 4}  # fmt: skip

_FILE_RE = re.compile(r"^(?P<status>[a-z_]+?)_(?P<board>sehk|gem)_(?P<lang>[ce])\.json$")
_AP_RE = re.compile(r"申請版本|申请版本|application\s*proof", re.IGNORECASE)
_PHIP_RE = re.compile(r"聆訊後資料集|聆讯后资料集|post[\s-]*hearing|\bphip\b", re.IGNORECASE)
_OC_RE = re.compile(r"整體協調人|整体协调人|overall\s*coordinator", re.IGNORECASE)
_FULL_RE = re.compile(r"全文|full\s*version|full\s*text", re.IGNORECASE)
_SUB_ZH_RE = re.compile(r"第\s*([0-9]+|[一二三四五六七八九十两]+)\s*次")
_ZH_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
_SUB_EN_RE = re.compile(r"(\d+)\s*(?:st|nd|rd|th)\s+submission", re.IGNORECASE)

DOC_TYPES = ("application_proof", "phip", "oc_announcement", "other")
# The stage a document marks (filings.status); the applicant's current stage is in
# hkex_applicants / company_status, the file it sits in is filings.status_raw.
DOC_STAGE = {"application_proof": stages.HK_APPLICATION_FILED, "phip": stages.HK_PHIP}


def file_name(status: str, board: str, lang: str) -> str:
    return f"{status}_{board}_{lang}.json"


def split_file_name(name: str) -> tuple[str, str, str]:
    """`appactive_appphip_sehk_c.json` -> ('appactive_appphip', 'sehk', 'c')."""
    m = _FILE_RE.match(name.rsplit("/", 1)[-1])
    if not m or m["status"] not in PRECEDENCE:
        raise ValueError(f"not an application index file name: {name!r}")
    return m["status"], m["board"], m["lang"]


@dataclass
class IndexFile:
    """One parsed status file."""

    name: str
    status: str
    board: str
    lang: str
    gen_date: str | None  # genDate (epoch ms, UTC) as an ISO time in Hong Kong
    u_date: str | None  # uDate, the day the index speaks for
    records: list[dict]
    problems: list[str] = field(default_factory=list)


@declared
def parse_index_file(
    body: bytes | str, url: str, content_type: str | None = None, name: str | None = None
) -> IndexFile:
    """Parse one `{status}_{board}_{lang}.json` (`name` defaults to the URL's file name).
    Truncated JSON, an HTML page or a JSON without `app[]` raise BadPayload (ChallengePage for a
    WAF page); an empty `app[]` is a valid file."""
    status, board, lang = split_file_name(name or url.split("?", 1)[0])
    data = load_json(body, url, content_type)
    if not isinstance(data, dict) or not isinstance(data.get("app"), list):
        raise BadPayload("JSON without an app[] list", url)
    records: list[dict] = data["app"]
    problems: list[str] = []
    if not all(rec.__class__ is dict and rec.get("id").__class__ is int for rec in records):
        records = _valid_records(records, problems)  # else every record is kept as it is
    gen = str(data.get("genDate") or "")
    gen_date = epoch_ms_to_local(gen, HONG_KONG).isoformat() if gen.isdigit() else None
    return IndexFile(name=file_name(status, board, lang), status=status, board=board, lang=lang,
                     gen_date=gen_date, u_date=hk_date(data.get("uDate")), records=records,
                     problems=problems)  # fmt: skip


def _valid_records(app: list, problems: list[str]) -> list[dict]:
    """The objects of `app[]` with a numeric id (other id shapes converted); the rest problems."""
    records: list[dict] = []
    for i, rec in enumerate(app):
        if not isinstance(rec, dict):
            problems.append(f"app[{i}] is not an object")
            continue
        try:
            app_id = rec.get("id")
            if app_id.__class__ is not int:  # ids are numbers; other shapes are converted
                rec["id"] = int(app_id)
        except (TypeError, ValueError):
            problems.append(f"app[{i}] has no numeric id: {str(rec)[:80]}")
            continue
        records.append(rec)
    return records


@dataclass(slots=True)
class Doc:
    """One document of an applicant, in both languages when both files list it (slots: an
    index builds thousands and sets their fields as the second language arrives)."""

    key: str  # file number without `_c` (sehk26062301881): the same document in _c and _e
    date: str | None
    type: str  # application_proof | phip | oc_announcement | other
    submission: int | None  # 第一次呈交 / 1st submission -> 1
    full: bool  # nS1 全文檔案 / Full Version
    nf_c: str | None = None
    ns1_c: str | None = None
    nf_e: str | None = None
    ns1_e: str | None = None
    ns2: str | None = None
    u1_c: str | None = None
    u1_e: str | None = None
    u2_c: str | None = None
    u2_e: str | None = None
    date_raw: str | None = None

    @property
    def title_c(self) -> str | None:
        return _title(self.nf_c, self.ns1_c)

    @property
    def title_e(self) -> str | None:
        return _title(self.nf_e, self.ns1_e)


def _title(nf: str | None, ns1: str | None) -> str | None:
    """'nF - nS1', either alone, or None."""
    if nf and ns1:
        return f"{nf} - {ns1}"
    return nf or ns1 or None


def classify(entry: dict) -> tuple[str, int | None, bool]:
    """(type, submission number, full version) of one `ls[]` entry."""
    return _classify(str(entry.get("nF") or ""), str(entry.get("nS1") or ""))


@functools.lru_cache(maxsize=4096)
def _classify(nf: str, ns1: str) -> tuple[str, int | None, bool]:
    """Cached: an index repeats a handful of nF/nS1 texts thousands of times."""
    full = bool(_FULL_RE.search(ns1))
    if nf:
        if _PHIP_RE.search(nf):
            kind = "phip"
        elif _AP_RE.search(nf):
            kind = "application_proof"
        else:
            kind = "other"
        return kind, submission_number(nf), full
    if _OC_RE.search(ns1):
        return "oc_announcement", None, False
    return "other", None, full


def submission_number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text or "")
    m = _SUB_ZH_RE.search(text)
    if m:
        token = m[1]
        if token.isdigit():
            return int(token)
        if token in _ZH_DIGITS:
            return _ZH_DIGITS[token]
        try:
            return int(cn2an.cn2an(token, "smart"))
        except (ValueError, KeyError):
            return None
    m = _SUB_EN_RE.search(text)
    return int(m[1]) if m else None


@dataclass(slots=True)
class Applicant:
    """An applicant as the whole index states it: every file and both languages merged."""

    board: str
    app_id: int
    status: str  # the status file that wins (PRECEDENCE)
    status_code: str | None  # `s` as published (A, IR, LT, ...)
    name_c: str | None
    name_en: str | None
    has_phip: bool
    stock_code: str | None
    docs: list[Doc]
    files: list[str]  # every file the id appears in
    u_date: str | None  # uDate of the winning file
    d: str | None = None  # the record's own `d` (meaning disputed; kept, never used for dates)
    warning: str | None = None  # `w`: the warning-statement PDF, never the AP
    posting_date: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.board, self.app_id)

    @property
    def company_name(self) -> str:
        return self.name_c or self.name_en or ""

    def _first(self, kind: str) -> Doc | None:
        docs = [d for d in self.docs if d.type == kind and d.date]
        full = [d for d in docs if d.full]
        pick = full or docs
        return min(pick, key=lambda d: (d.date, d.submission or 0, d.key)) if pick else None

    @property
    def ap_doc(self) -> Doc | None:
        """The first Application Proof (full version preferred): what dates the filing."""
        return self._first("application_proof")

    @property
    def phip_doc(self) -> Doc | None:
        return self._first("phip")

    @property
    def ap_date(self) -> str | None:
        doc = self.ap_doc
        return doc.date if doc else None

    @property
    def phip_date(self) -> str | None:
        doc = self.phip_doc
        return doc.date if doc else None

    @property
    def last_doc_date(self) -> str | None:
        dates = [d.date for d in self.docs if d.date and d.type != "oc_announcement"]
        return max(dates) if dates else None

    @property
    def stage(self) -> str | None:
        """Stage from the file the applicant is in; an active applicant with nothing but an
        Overall Coordinator announcement has no stage yet."""
        if self.status in FILE_STAGE:
            return FILE_STAGE[self.status]
        if self.status == "appactive_appphip" or self.has_phip or self.phip_doc:
            return stages.HK_PHIP
        if any(d.type == "application_proof" for d in self.docs):
            return stages.HK_APPLICATION_FILED
        return None


@declared
@without_cycle_collection()
def merge_index(
    files: list[IndexFile],
    previous_names: dict[tuple[str, int], tuple[str | None, str | None]] | None = None,
) -> list[Applicant]:
    """Merge every loaded file into one applicant per (board, id).

    `previous_names` fills a name whose language file did not load this time (from the last
    good snapshot), so a failed `_c` file never renames a company to its English name.

    `_add_doc` runs once per `ls[]`/`ps[]` entry of the whole index (8,500 for 2,000
    applicants): the texts an index repeats thousands of times (nF/nS1, dates) are cleaned once
    per merge, and the cyclic collector is paused while the records are built.
    """
    # (file, record, file, record, ...) per applicant: no pair kept per record
    grouped: dict[tuple[str, int], list] = {}
    for f in files:
        board = f.board
        for rec in f.records:
            key = (board, rec["id"])
            entries = grouped.get(key)
            if entries is None:
                grouped[key] = [f, rec]
            else:
                entries += f, rec
    previous_names = previous_names or {}
    texts_seen: dict[tuple, tuple] = {}  # (nF, nS1) -> cleaned, type, submission, full
    dates_seen: dict[tuple, tuple] = {}  # (d, nS2) -> date_raw, ISO date, nS2
    out: list[Applicant] = []
    for (board, app_id), flat in grouped.items():
        if len(flat) == 4:  # both languages: what the sort below does to two, cheaper
            f0, r0, f1, r1 = flat
            if (PRECEDENCE[f0.status], f0.lang == "c") > (PRECEDENCE[f1.status], f1.lang == "c"):
                entries = ((f1, r1), (f0, r0))
            else:
                entries = ((f0, r0), (f1, r1))
            first, second = f0.name, f1.name
            names = [first] if first == second else sorted((first, second))
        else:
            entries = sorted(zip(flat[::2], flat[1::2], strict=True), key=_file_order)
            names = sorted({f.name for f, _ in entries})
        win_file, win = entries[-1]
        name_c = name_en = None
        docs: dict[str, Doc] = {}
        flags: list[str] = []
        has_phip = False
        for f, rec in entries:  # winning file's names last, so they win
            get = rec.get
            lang = f.lang
            name = _clean(get("a") or get("a_c"))
            if name:
                if lang == "c":
                    name_c = name
                elif lang == "e":
                    name_en = name
            if get("hasPhip"):
                has_phip = True
            for listed in (get("ls"), get("ps")):
                for entry in listed or ():
                    if entry.__class__ is dict or isinstance(entry, dict):
                        _add_doc(docs, entry, lang, flags, texts_seen, dates_seen)
        st = None
        for _, rec in reversed(entries):  # the stock code of the latest file that has one
            if rec.get("st"):
                st = stock_code(rec.get("st"))
                break
        prev = previous_names.get((board, app_id))
        if prev:
            name_c = name_c or prev[0]
            name_en = name_en or prev[1]
        doc_list = list(docs.values())
        if len(doc_list) > 1:
            doc_list.sort(key=_doc_order)
        get = win.get
        d, w, posted = get("d"), get("w"), get("postingDate")  # `w`, postingDate: mostly absent
        # positional, in Applicant's field order (board ... flags)
        out.append(Applicant(
            board, app_id, win_file.status, _clean(get("s")), name_c, name_en, has_phip, st,
            doc_list, names, win_file.u_date,
            hk_date(d) if d else None, None if w is None else _clean(w),
            hk_date(posted) if posted else None,
            sorted(set(flags)) if flags else [],
        ))  # fmt: skip
    out.sort(key=_APPLICANT_ORDER)
    return out


def _file_order(entry: tuple[IndexFile, dict]) -> tuple[int, bool]:
    return PRECEDENCE[entry[0].status], entry[0].lang == "c"


def _doc_order(doc: Doc) -> tuple[str, str]:
    return doc.date or "", doc.key


_APPLICANT_ORDER = operator.attrgetter("board", "app_id")


def _add_doc(
    docs: dict[str, Doc],
    entry: dict,
    lang: str,
    flags: list[str],
    texts_seen: dict[tuple, tuple],
    dates_seen: dict[tuple, tuple],
) -> None:
    """Add one `ls[]`/`ps[]` entry to the applicant's documents (its other language's entry
    fills the same Doc)."""
    get = entry.get
    u1, u2 = get("u1"), get("u2")
    # _clean inlined for the common shape (a printable path without spaces, or nothing)
    if u1 is not None and not (u1.__class__ is str and u1.isprintable() and " " not in u1):
        u1 = _clean(u1)
    if u2 is not None and not (u2.__class__ is str and u2.isprintable() and " " not in u2):
        u2 = _clean(u2)
    u1 = u1 or None
    u2 = u2 or None
    key = doc_key(u1) or doc_key(u2)
    if not key:
        flags.append("document_without_file")
        return
    raw_nf, raw_ns1 = get("nF"), get("nS1")
    # text or nothing may key the cache (1 == 1.0 == True may not)
    plain = (raw_nf is None or raw_nf.__class__ is str) and (
        raw_ns1 is None or raw_ns1.__class__ is str
    )
    texts = texts_seen.get((raw_nf, raw_ns1)) if plain else None
    if texts is None:
        texts = (_clean(raw_nf), _clean(raw_ns1), *classify(entry))
        if plain:
            texts_seen[(raw_nf, raw_ns1)] = texts
    nf, ns1, kind, submission, full = texts
    doc = docs.get(key)
    if doc is None:
        raw_d, raw_ns2 = get("d"), get("nS2")
        plain = (raw_d is None or raw_d.__class__ is str) and (
            raw_ns2 is None or raw_ns2.__class__ is str
        )
        dated = dates_seen.get((raw_d, raw_ns2)) if plain else None
        if dated is None:
            date_raw = _clean(raw_d)
            dated = (date_raw, hk_date(date_raw), _clean(raw_ns2))
            if plain:
                dates_seen[(raw_d, raw_ns2)] = dated
        date_raw, date, ns2 = dated
        # positional, in Doc's field order (key, date, type, submission, full, nf_c, ns1_c,
        # nf_e, ns1_e, ns2, u1_c, u1_e, u2_c, u2_e, date_raw)
        if lang == "c":
            doc = Doc(key, date, kind, submission, full, nf, ns1, None, None, ns2, u1, None, u2,
                      None, date_raw)  # fmt: skip
        else:
            doc = Doc(key, date, kind, submission, full, None, None, nf, ns1, ns2, None, u1, None,
                      u2, date_raw)  # fmt: skip
        docs[key] = doc
        if date_raw and not date:
            flags.append("bad_document_date")
    else:
        if doc.type == "other" and kind != "other":
            doc.type, doc.submission = kind, submission
        if full:
            doc.full = True
        if not doc.date:
            doc.date = hk_date(_clean(get("d")))
        if not doc.ns2:
            doc.ns2 = _clean(get("nS2"))
        if lang == "c":
            doc.nf_c, doc.ns1_c, doc.u1_c, doc.u2_c = nf, ns1, u1, u2
        else:
            doc.nf_e, doc.ns1_e, doc.u1_e, doc.u2_e = nf, ns1, u1, u2
    if kind == "other" and raw_nf:
        flags.append("unknown_document_type")


def app_url(base_url: str, relative: str | None) -> str | None:
    """Document paths in the index are relative to `/app/` (REPORT §4.2)."""
    if not relative:
        return None
    if relative.startswith(_ABSOLUTE):
        return urljoin(base_url.rstrip("/") + "/app/", relative)
    return base_url.rstrip("/") + "/app/" + relative  # the common case, without urljoin's cost


_ABSOLUTE = ("http://", "https://", "/")


@declared
def applicant_filings(app: Applicant, base_url: str, page_url: str) -> list[Filing]:
    """One Filing per document of the applicant (the shared storage shape)."""
    return index_filings([app], base_url, page_url)


@declared
@without_cycle_collection()
def index_filings(apps: list[Applicant], base_url: str, page_url: str) -> list[Filing]:
    """One Filing per document of every applicant, in order.

    Runs once per document of the whole index on every crawl: titles and URLs are built inline
    and the Filing positionally (what `records.document_filing` does, without its call;
    tests/test_records.py pins the field order)."""
    filings: list[Filing] = []
    append = filings.append
    app_base = base_url.rstrip("/") + "/app/"
    for app in apps:
        if not app.docs:
            continue
        status_raw = f"{app.status}:{app.status_code or ''}"
        prefix = f"app:{app.app_id}:"
        company, board, name_en, code = app.company_name, app.board, app.name_en, app.stock_code
        app_id, status = app.app_id, app.status
        for doc in app.docs:
            kind = doc.type
            nf, ns1 = doc.nf_e, doc.ns1_e
            title_e = (f"{nf} - {ns1}" if ns1 else nf) if nf else ns1  # _title
            nf, ns1 = doc.nf_c, doc.ns1_c
            title = ((f"{nf} - {ns1}" if ns1 else nf) if nf else ns1) or title_e or doc.key
            if kind == "other":
                flags = ["unknown_document_type"] if nf or doc.nf_e else []
                kind = "hk_document"
            else:
                flags = []
            day = doc.date
            if day is None:
                flags.append("bad_document_date")
            # paths are relative to /app/ (app_url); cleaned paths are never empty
            pdf, u1_e, u2_c, u2_e = doc.u1_c or doc.u1_e, doc.u1_e, doc.u2_c, doc.u2_e
            raw = {
                "app_id": app_id, "status_file": status, "title_en": title_e,
                "pdf_url_en": u1_e and (app_url(base_url, u1_e) if u1_e.startswith(_ABSOLUTE)
                                        else app_base + u1_e),
                "index_url": u2_c and (app_url(base_url, u2_c) if u2_c.startswith(_ABSOLUTE)
                                       else app_base + u2_c),
                "index_url_en": u2_e and (app_url(base_url, u2_e) if u2_e.startswith(_ABSOLUTE)
                                          else app_base + u2_e),
                "nS2": doc.ns2, "date_raw": doc.date_raw, "full_version": doc.full,
            }  # fmt: skip
            append(Filing(
                SOURCE, prefix + doc.key, company, "hk_application_document", title, kind,
                doc.submission, DOC_STAGE.get(kind), status_raw, None, None, None, "HKEX",
                board, day, day, page_url,
                pdf and (app_url(base_url, pdf) if pdf.startswith(_ABSOLUTE) else app_base + pdf),
                name_en, code, flags, raw,
            ))  # fmt: skip
    return filings


def _clean(value) -> str | None:
    if value.__class__ is str and value.isprintable() and "  " not in value:
        return value.strip(" ") or None  # the common case, without clean_text's call
    if value is None:
        return None
    return clean_text(value) or None
