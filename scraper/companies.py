"""One `companies` row per real company across sources: resolution, aliases, candidates, merges.

`ensure_companies` (what `companies.ensure_companies` delegates to) resolves a batch of observed
names, each `(name, name_en)` or `(name, name_en, stock_code)`, and returns
`{name_key(name): company_id}`. Per batch it makes one alias query for every key of every name,
then decides name by name (legal full names first, so short forms meet them):

| signal (input key -> stored alias kind)            | score |
|----------------------------------------------------|-------|
| full name key -> full (formatting, script, width)  | 100   |
| stock code -> code                                 | 100   |
| core key -> core (legal suffix, (北京), 集团, -B)   | 97    |
| English key -> en                                  | 95    |
| core/trade key -> trade/core (上海壁仞科技 ~ 壁仞科技) | 93    |
| English trade key -> en_trade (BIREN TECH)         | 92    |
| rapidfuzz ratio / prefix of the trade name (Chinese or English), blocked by prefix | <= 89 |

A name whose best company scores >= MERGE_SCORE (92), with no second company at that level,
becomes an alias of it. Otherwise the name gets its own row, and every company scoring >=
CANDIDATE_SCORE (80) is recorded in `company_candidates` (reported, never merged silently).
Two places named differently, (北京) vs (上海) or 北京… vs 上海…, cap a core/trade match at 85.
Two independent signals (Chinese and English, or a name and a code) on one company add 8.
A stock code already held by another company merges the two when their names score >=
CANDIDATE_SCORE or one of them is a short (security) name; two unlike legal names sharing a
code are a `code_conflict` candidate. When one name links a legal company to short or
English-only rows (壁仞科技-B + BIREN TECH), those rows are folded in unless they are already
doubted against another company. Merges repoint every table's company_id (company_merges).
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scraper.core.names import (
    _REGION_RE,
    NameKeys,
    _nfkc,
    has_cjk,
    keys_for,
    legal_rank,
    name_key,
    normalize,
)
from scraper.db.companies import alias_value, insert_aliases, merge_companies

log = logging.getLogger(__name__)

MERGE_SCORE = 92.0
CANDIDATE_SCORE = 80.0
FUZZY_CAP = 89.0
PREFIX_SCORE = 88.0
REGION_CONFLICT_SCORE = 85.0
TWO_SIGNAL_BONUS = 8.0
FUZZY_BLOCK_LIMIT = 300
# Bounded work on adversarial pages (8,000 near-identical names in one block made resolution
# quadratic): each name is compared with at most FUZZY_WINDOW stored keys on either side of it
# in key order (the nearest, since they share the longest prefix) and PENDING_WINDOW keys of
# the same batch on either side; so at most MAX_COMPARISONS fuzzy comparisons per name and
# family. Real blocks are far smaller, and there every key is still compared.
FUZZY_WINDOW = FUZZY_BLOCK_LIMIT // 2
PENDING_WINDOW = 100
MAX_COMPARISONS = 2 * FUZZY_WINDOW + 2 * PENDING_WINDOW
MAX_CANDIDATES = 20  # candidates recorded per new name (the best ones)
CHECK_EVERY = 64  # names between two stop checks (run_timeout, SIGTERM)
CHUNK = 500

# (input key attribute, stored alias kind) -> score
SIGNALS: tuple[tuple[str, str, float], ...] = (
    ("full", "full", 100.0),
    ("code", "code", 100.0),
    ("core", "core", 97.0),
    ("en", "en", 95.0),
    ("core", "trade", 93.0),
    ("trade", "trade", 93.0),
    ("trade", "core", 93.0),
    ("en_trade", "en_trade", 92.0),
)
_EN_KINDS = {"en", "en_trade"}

_REGION_BRACKET_RE = re.compile(r"\(([\u3400-\u9fff]{2,6})\)")


def region_of(name: str) -> str:
    """The place a Chinese name states: (北京) in brackets or a leading 上海…; '' when none."""
    text = normalize(name)
    for m in _REGION_BRACKET_RE.finditer(text):
        if _REGION_RE.match(m[1]):
            return _REGION_RE.match(m[1])[0].rstrip("省市")
    m = _REGION_RE.match(text)
    return m[0].rstrip("省市") if m else ""


# Words that say what a company does, not which one it is: English fuzzy scores ignore them.
GENERIC_EN = frozenset(
    "technology group holdings international semiconductor electronics science biotech"
    " pharmaceutical manufacturing and of china digital intelligent intelligence information"
    " software systems system materials material energy industrial industries medical robotics"
    " network networks data computing new power equipment development investment".split()
)


def en_similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    """rapidfuzz ratio of the distinctive words of two English keys (0 when either has none)."""
    da = " ".join(sorted(w for w in a.split() if w not in GENERIC_EN))
    db_ = " ".join(sorted(w for w in b.split() if w not in GENERIC_EN))
    if not da or not db_:
        return 0.0
    return fuzz.ratio(da, db_)


def _block(kind: str, key: str) -> str:
    """The fuzzy-matching block of a key: its first two characters, or its first word."""
    return key.split(" ", 1)[0] if kind == "en_trade" else key[:2]


@dataclass
class Observed:
    name: str
    name_en: str | None
    code: str | None
    keys: NameKeys
    short: bool = False  # marked by the parser as a short (security) name: an alias to attach


@dataclass
class Decision:
    company_id: int | None = None
    reason: str = "new"
    score: float = 0.0
    candidates: list[tuple[int, float, str]] = field(default_factory=list)
    fold: list[int] = field(default_factory=list)  # short/English rows this name links in


def _unpack(item) -> tuple[str, str | None, str | None, bool]:
    name = item[0]
    name_en = item[1] if len(item) > 1 else None
    code = item[2] if len(item) > 2 else None
    return name, name_en, code, bool(item[3]) if len(item) > 3 else False


class Resolver:
    """Resolves one batch against the DB, keeping what it learns visible to later names."""

    def __init__(self, db, now: str):
        self.conn = db.conn if hasattr(db, "conn") else db
        self.now = now
        # key -> [(kind, company_id, alias)]
        self.hits: dict[str, list[tuple[str, int, str]]] = {}
        self.names: dict[int, tuple[str, int]] = {}  # company id -> (display name, legal rank)
        self.merged: dict[int, int] = {}  # dropped id -> kept id, in this batch
        self.pending: list[tuple] = []  # alias rows not yet written
        # (kind, block) -> sorted [(key, company_id)] of aliases learnt in this batch
        self.pending_blocks: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self.comparisons = 0  # fuzzy comparisons made (bounded per name: MAX_COMPARISONS)
        self.max_comparisons = 0  # the most made for one name and family

    # -- batch lookups

    def preload(self, observed: Iterable[Observed]) -> None:
        keys: set[str] = set()
        for o in observed:
            k = o.keys
            keys.update(x for x in (k.full, k.core, k.trade, k.en, k.en_trade, k.code) if x)
        todo = [k for k in keys if k not in self.hits]
        for k in todo:
            self.hits[k] = []
        for i in range(0, len(todo), CHUNK):
            part = todo[i : i + CHUNK]
            sql = (
                "SELECT key, kind, company_id, alias FROM company_aliases WHERE key IN "
                f"({', '.join('?' for _ in part)})"
            )
            for key, kind, cid, alias in self.conn.execute(sql, part):
                self.hits[key].append((kind, cid, alias))

    def lookup(self, key: str, kind: str) -> list[tuple[int, str]]:
        if not key:
            return []
        if key not in self.hits:
            self.hits[key] = [
                (k, c, a)
                for k, c, a in self.conn.execute(
                    "SELECT kind, company_id, alias FROM company_aliases WHERE key = ?", [key]
                )
            ]
        if self.merged:
            out = []
            for k, cid, alias in self.hits[key]:
                if k == kind:
                    cid = self.surviving(cid)
                    if all(c != cid for c, _a in out):
                        out.append((cid, alias))
            return out
        return [(cid, alias) for k, cid, alias in self.hits[key] if k == kind]

    def company_name(self, cid: int) -> tuple[str, int]:
        if cid not in self.names:
            row = self.conn.execute("SELECT name FROM companies WHERE id = ?", [cid]).fetchone()
            name = row[0] if row else ""
            self.names[cid] = (name, legal_rank(name))
        return self.names[cid]

    # -- scoring

    def score(self, o: Observed) -> dict[int, tuple[float, str, set[str]]]:
        """company id -> (score, reason, signal families) from exact alias keys and fuzzy blocks."""
        found: dict[int, tuple[float, str, set[str]]] = {}
        region = region_of(o.name) if o.keys.cjk else ""

        def add(cid: int, score: float, reason: str, family: str) -> None:
            old = found.get(cid)
            families = (old[2] if old else set()) | {family}
            if old is None or score > old[0]:
                found[cid] = (score, reason, families)
            else:
                found[cid] = (old[0], old[1], families)

        for attr, kind, score in SIGNALS:
            key = getattr(o.keys, attr)
            for cid, alias in self.lookup(key, kind):
                s, reason = score, kind
                if kind in ("core", "trade") and region:
                    other = region_of(alias)
                    if other and other != region:
                        s, reason = min(s, REGION_CONFLICT_SCORE), "region_conflict"
                if kind == "code" and legal_rank(o.name) >= 2:
                    # two legal names sharing a code must also look alike (a short name need not)
                    other_name = self.company_name(cid)[0]
                    if legal_rank(other_name) >= 2 and (
                        self.name_similarity(o, other_name) < CANDIDATE_SCORE
                    ):
                        s, reason = REGION_CONFLICT_SCORE, "code_conflict"
                family = "code" if kind == "code" else ("en" if kind in _EN_KINDS else "cjk")
                add(cid, s, reason, family)
        if not any(v[0] >= MERGE_SCORE for v in found.values()):
            for cid, s, reason, family in self.fuzzy(o):
                add(cid, s, reason, family)
        for cid, (s, reason, families) in list(found.items()):
            if len(families) >= 2 and s >= CANDIDATE_SCORE and s < 100:
                found[cid] = (min(99.0, s + TWO_SIGNAL_BONUS), reason + "+2", families)
        return found

    def fuzzy(self, o: Observed) -> list[tuple[int, float, str, str]]:
        out: list[tuple[int, float, str, str]] = []
        k = o.keys
        if k.cjk and len(k.trade) >= 2:
            out += self._fuzzy_block("trade", k.trade, k.trade[:2], "cjk", True, o.short)
        if k.en_trade:
            first = k.en_trade.split(" ", 1)[0]
            if len(first) >= 3:
                out += self._fuzzy_block("en_trade", k.en_trade, first, "en", chars=False)
        return out

    def _fuzzy_block(
        self, kind: str, key: str, prefix: str, family: str, chars: bool, short_name=False
    ):
        from rapidfuzz import fuzz

        end = prefix + "\uffff"
        rows = self.conn.execute(  # the nearest stored keys above and below this one
            "SELECT key, company_id FROM company_aliases WHERE kind = ? AND key >= ? AND key < ?"
            " ORDER BY key LIMIT ?", [kind, key, end, FUZZY_WINDOW],
        ).fetchall() + self.conn.execute(
            "SELECT key, company_id FROM company_aliases WHERE kind = ? AND key >= ? AND key < ?"
            " ORDER BY key DESC LIMIT ?", [kind, prefix, key, FUZZY_WINDOW],
        ).fetchall()  # fmt: skip
        block = self.pending_blocks.get((kind, _block(kind, key)), [])
        at = bisect.bisect_left(block, (key,))
        rows += [
            (k, c) for k, c in block[max(0, at - PENDING_WINDOW) : at + PENDING_WINDOW]
            if k.startswith(prefix)
        ]  # fmt: skip
        self.comparisons += len(rows)
        self.max_comparisons = max(self.max_comparisons, len(rows))
        out = []
        seen: set[tuple[str, int]] = set()
        for other, cid in rows:
            cid = self.surviving(cid)
            if (other, cid) in seen:
                continue
            seen.add((other, cid))
            if other == key:
                continue  # exact hits were scored already
            s = fuzz.ratio(key, other) if chars else en_similarity(key, other)
            reason = "fuzzy"
            short, long_ = sorted((key, other), key=len)
            if chars:
                is_prefix = len(short) >= 4 and long_.startswith(short)
            else:
                is_prefix = len(short) >= 4 and long_.startswith(short + " ")
            if is_prefix and s < PREFIX_SCORE:
                s, reason = PREFIX_SCORE, "prefix"
            s = min(s, FUZZY_CAP)
            if chars and self._short_alias(key, other, cid, short_name):
                # a short (security) name is an alias of the one legal name it starts: 英诺特 ->
                # 英诺特生物技术, either order (issue 16); two such companies stay candidates
                s, reason = float(MERGE_SCORE), "short_prefix"
            if s >= CANDIDATE_SCORE:
                out.append((cid, s, reason, family))
        return out

    def _short_alias(self, key: str, other: str, cid: int, short_name: bool) -> bool:
        """A marked short name starts a stored name, or a stored marked short name starts this."""
        if short_name:
            return len(key) >= 2 and other.startswith(key)
        if len(other) < 2 or not key.startswith(other) or self.company_name(cid)[1] > 1:
            return False
        if any(p[0] == cid and p[4] == "short_name" for p in self.pending):
            return True
        return bool(self.conn.execute(
            "SELECT 1 FROM company_aliases WHERE company_id = ? AND reason = 'short_name' LIMIT 1",
            [cid]).fetchone())  # fmt: skip

    def decide(self, o: Observed) -> Decision:
        full = self.lookup(o.keys.full, "full")
        if full:
            return Decision(min(cid for cid, _ in full), "full", 100.0)
        found = self.score(o)
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))
        strong = [(cid, v) for cid, v in ranked if v[0] >= MERGE_SCORE]
        if len(strong) == 1:
            cid, (s, reason, _f) = strong[0]
            return Decision(cid, reason, s)
        if len(strong) > 1:
            fold = self.foldable(strong)
            if fold:
                cid, others = fold
                s, reason, _f = found[cid]
                return Decision(cid, reason, s, fold=others)
        cands = [(cid, v[0], "ambiguous" if len(strong) > 1 else v[1])
                 for cid, v in ranked if v[0] >= CANDIDATE_SCORE][:MAX_CANDIDATES]  # fmt: skip
        return Decision(None, "new", 0.0, cands)

    # -- writing

    def add_aliases(self, cid: int, o: Observed, reason: str, score: float | None) -> None:
        for kind, key in o.keys.pairs():
            if any(c == cid for c, _a in self.lookup(key, kind)):
                continue
            alias = alias_value(kind, o.name, o.name_en, o.code)
            self.pending.append((cid, kind, key, str(alias), reason, score, self.now))
            self.hits.setdefault(key, []).append((kind, cid, str(alias)))
            if kind in ("trade", "en_trade"):
                bisect.insort(
                    self.pending_blocks.setdefault((kind, _block(kind, key)), []), (key, cid)
                )

    def flush(self) -> None:
        """Write the aliases learnt so far (one executemany per batch, or before a merge)."""
        if self.pending:
            rows = [(self.surviving(r[0]), *r[1:]) for r in self.pending]
            insert_aliases(self.conn, rows)
            self.pending.clear()
            self.pending_blocks.clear()

    def create(self, o: Observed) -> int:
        cur = self.conn.execute(
            "INSERT INTO companies (name, name_key, name_en, stock_code, name_core, first_seen_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [o.name, o.keys.full, o.name_en, o.keys.code or None,
             o.keys.core or o.keys.en or o.keys.full, self.now, self.now],
        )  # fmt: skip
        cid = cur.lastrowid
        self.names[cid] = (o.name, legal_rank(o.name))
        return cid

    def attach(self, cid: int, o: Observed) -> None:
        """A name merged into a company: upgrade the display name, fill English name and code."""
        name, rank = self.company_name(cid)
        new_rank = legal_rank(o.name)
        if new_rank > rank and o.keys.full != name_key(name):
            self.conn.execute(
                "UPDATE companies SET name = ?, name_key = ?, name_core = ?, updated_at = ?"
                " WHERE id = ?",
                [o.name, o.keys.full, o.keys.core or o.keys.en, self.now, cid],
            )
            self.names[cid] = (o.name, new_rank)
        if o.name_en or o.keys.code:
            self.conn.execute(
                "UPDATE companies SET name_en = coalesce(name_en, ?),"
                " stock_code = coalesce(stock_code, ?) WHERE id = ?",
                [o.name_en, o.keys.code or None, cid],
            )

    def add_candidates(self, cid: int, o: Observed, cands: Sequence[tuple[int, float, str]]):
        rows = [(cid, other, o.name, round(s, 1), reason, self.now)
                for other, s, reason in cands if other != cid]  # fmt: skip
        if not rows:
            return
        self.conn.executemany(
            "INSERT OR IGNORE INTO company_candidates (company_id, candidate_id, name, score,"
            " reason, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM"
            " company_candidates WHERE company_id = ?2 AND candidate_id = ?1)",
            rows,
        )
        log.warning(
            "company %r (id %s) may be %s: kept apart as candidates",
            o.name, cid,
            ", ".join(f"{self.company_name(o_)[0]!r} (id {o_}, {r} {s:.0f})" for o_, s, r in cands),
        )  # fmt: skip

    def code_owner_conflict(self, cid: int, o: Observed) -> None:
        """The code already names another company: merge when the names agree or one is a short
        (security) name, which the code identifies; else report a code_conflict candidate."""
        if not o.keys.code:
            return
        owners = {c for c, _a in self.lookup(o.keys.code, "code") if c != cid}
        for other in sorted(owners):
            other_name, _ = self.company_name(other)
            s = self.name_similarity(o, other_name)
            short = min(legal_rank(o.name), legal_rank(other_name)) <= 1
            if s >= CANDIDATE_SCORE or short:
                self.flush()
                merge_companies(self.conn, keep=cid, drop=other, reason=f"code {o.keys.code}",
                                now=self.now)  # fmt: skip
                self._forget(other, cid)
            else:
                self.add_candidates(cid, o, [(other, 100.0, "code_conflict")])

    def name_similarity(self, o: Observed, other_name: str) -> float:
        from rapidfuzz import fuzz

        other = keys_for(other_name)
        best = 0.0
        if o.keys.cjk and other.cjk:
            if o.keys.core == other.core:
                return 97.0
            if o.keys.trade == other.trade or o.keys.core == other.trade:
                return 93.0
            short, long_ = sorted((o.keys.trade, other.trade), key=len)
            best = fuzz.ratio(o.keys.trade, other.trade)
            if len(short) >= 4 and long_.startswith(short):
                best = max(best, PREFIX_SCORE)
        elif o.keys.en_trade and other.en_trade:
            best = en_similarity(o.keys.en_trade, other.en_trade)
        return best

    def foldable(self, strong) -> tuple[int, list[int]] | None:
        """One legal company plus short or English-only rows that only this name links to it.

        The observation (e.g. 壁仞科技-B + BIREN TECH + a code) says they are one company; rows
        already doubted against another company (open candidates) are left alone.
        """
        legal = [c for c, _v in strong if legal_rank(self.company_name(c)[0]) >= 2]
        if len(legal) != 1:
            return None
        keep = legal[0]
        others = [c for c, _v in strong if c != keep]
        for c in others:
            if legal_rank(self.company_name(c)[0]) >= 2:
                return None
            doubts = self.conn.execute(
                "SELECT candidate_id FROM company_candidates WHERE company_id = ? AND status = 'open'"
                " UNION SELECT company_id FROM company_candidates WHERE candidate_id = ?"
                " AND status = 'open'",
                [c, c],
            ).fetchall()
            if any(d != keep for (d,) in doubts):
                return None
        return keep, others

    def lacks(self, cid: int, o: Observed) -> bool:
        """An English name or code of a known name not yet recorded for its company."""
        for kind, key in (("en", o.keys.en), ("code", o.keys.code)):
            if key and not any(c == cid for c, _a in self.lookup(key, kind)):
                return True
        return False

    def surviving(self, cid: int) -> int:
        hops = 0
        while cid in self.merged and hops < 50:
            cid, hops = self.merged[cid], hops + 1
        return cid

    def _forget(self, dropped: int, kept: int) -> None:
        self.merged[dropped] = kept  # lookups map through it
        self.names.pop(dropped, None)
        self.names.pop(kept, None)


def observe(items: Iterable) -> list[Observed]:
    """Deduplicate a batch on the full key (first English name and first code win)."""
    seen: dict[str, Observed] = {}
    for item in items:
        name, name_en, code, short = _unpack(item)
        if not name or not str(name).strip():
            continue
        key = name_key(name)
        o = seen.get(key)
        if o is None:
            seen[key] = Observed(name, name_en or None, code or None,
                                 keys_for(name, name_en, code), short)  # fmt: skip
        elif (name_en and not o.name_en) or (code and not o.code):
            o.name_en = o.name_en or name_en
            o.code = o.code or code
            o.keys = keys_for(o.name, o.name_en, o.code)
    return list(seen.values())


def ensure_companies(
    db, items: Iterable, now: str, stats: dict | None = None, check=None
) -> dict[str, int]:
    """name_key(name) -> company id for every observed name, creating or attaching as needed.

    `stats`, when given, receives the fuzzy comparison counts (total and the most for one name).
    `check`, when given, is called every CHECK_EVERY names and may raise to abandon the batch
    (run_timeout or SIGTERM during a long write; the caller's transaction rolls back).
    """
    observed = observe(items)
    if not observed:
        return {}
    r = Resolver(db, now)
    r.preload(observed)
    ids: dict[str, int] = {}
    # Full legal names first, so short forms and English names of the same batch meet them.
    order = sorted(observed, key=lambda o: (-legal_rank(o.name), -len(o.keys.full), o.keys.full))
    for i, o in enumerate(order):
        if check is not None and i % CHECK_EVERY == 0:
            check()
        d = r.decide(o)
        if d.company_id is not None:
            cid = d.company_id
            for other in d.fold:
                r.flush()
                merge_companies(r.conn, keep=cid, drop=other, reason=f"linked by {o.name}",
                                now=now)  # fmt: skip
                r._forget(other, cid)
            if d.reason != "full" or r.lacks(cid, o):
                r.attach(cid, o)
        else:
            cid = r.create(o)
            if d.candidates:
                r.add_candidates(cid, o, d.candidates)
        r.code_owner_conflict(cid, o)
        reason = "short_name" if d.reason == "new" and o.short else d.reason
        r.add_aliases(cid, o, reason, d.score if d.reason != "new" else None)
        ids[o.keys.full] = cid
    r.flush()
    if stats is not None:
        stats.update(comparisons=r.comparisons, max_comparisons=r.max_comparisons, names=len(order))
    if r.merged:  # a code seen later in the batch may have folded an earlier row into another
        ids = {k: r.surviving(v) for k, v in ids.items()}
    return ids


# ---------------------------------------------------------------- merging rows


# ---------------------------------------------------------------- lookups for the CLI


@dataclass
class Match:
    company_id: int
    name: str
    score: float
    how: str


def find(conn, text: str, limit: int = 10) -> list[Match]:
    """Companies a user's text may mean (name, short name, English name, alias, stock code)."""
    text = (text or "").strip()
    if not text:
        return []
    k = keys_for(text, None, text if re.fullmatch(r"[0-9A-Za-z.:]{4,12}", text) else None)
    probes = [("code", k.code, 100.0), ("full", k.full, 100.0), ("core", k.core, 97.0),
              ("en", k.en, 95.0), ("trade", k.trade, 93.0), ("core", k.trade, 93.0),
              ("trade", k.core, 93.0), ("en_trade", k.en_trade, 92.0)]  # fmt: skip
    found: dict[int, tuple[float, str]] = {}
    for kind, key, score in probes:
        if not key:
            continue
        for (cid,) in conn.execute(
            "SELECT company_id FROM company_aliases WHERE key = ? AND kind = ?", [key, kind]
        ):
            if cid not in found or found[cid][0] < score:
                found[cid] = (score, kind)
    if not found:
        found = {cid: (80.0, "prefix") for cid in _prefix_ids(conn, k)}
    if not found:
        found = {cid: (70.0, "contains") for cid in _contains_ids(conn, text)}
    if not found:
        return []
    ids = list(found)
    names = dict(
        conn.execute(
            f"SELECT id, name FROM companies WHERE id IN ({', '.join('?' for _ in ids)})", ids
        ).fetchall()
    )
    out = [
        Match(cid, names.get(cid, "?"), s, how) for cid, (s, how) in found.items() if cid in names
    ]
    out.sort(key=lambda m: (-m.score, m.company_id))
    return out[:limit]


def _prefix_ids(conn, k: NameKeys, limit: int = 50) -> set[int]:
    """Names starting with the text (index range scans on (kind, key))."""
    out: set[int] = set()
    for kind, key in (("full", k.full), ("trade", k.trade), ("en", k.en), ("en_trade", k.en_trade)):
        if not key or (kind in ("full", "trade") and len(key) < 2):
            continue
        out.update(r[0] for r in conn.execute(
            "SELECT company_id FROM company_aliases WHERE kind = ? AND key >= ? AND key < ?"
            " LIMIT ?", [kind, key, key + "\uffff", limit]))  # fmt: skip
    return out


def _contains_ids(conn, text: str, limit: int = 50) -> set[int]:
    """Names containing the text (the last resort of `find`)."""
    needle = name_key(text) if has_cjk(text) else " ".join(_nfkc(text).lower().split())
    if not needle:
        return set()
    like = "%" + needle.replace("%", "").replace("_", "") + "%"
    # a covering-index scan of names only (kinds full and en): ~50 ms over 300k aliases
    return {r[0] for r in conn.execute(
        "SELECT company_id FROM company_aliases WHERE kind IN ('full', 'en') AND key LIKE ?"
        " LIMIT ?", [like, limit])}  # fmt: skip


def candidates(conn, status: str = "open") -> list[dict]:
    sql = (
        "SELECT cc.company_id, c1.name AS company, cc.candidate_id, c2.name AS candidate,"
        " cc.score, cc.reason, cc.created_at FROM company_candidates cc"
        " JOIN companies c1 ON c1.id = cc.company_id JOIN companies c2 ON c2.id = cc.candidate_id"
        " WHERE cc.status = ? ORDER BY cc.score DESC, cc.id"
    )
    cur = conn.execute(sql, [status])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


__all__ = ["ensure_companies", "merge_companies", "find", "candidates", "has_cjk"]
