"""Sector taxonomy: which watched sectors a company name falls in, and why (pure, no I/O but loading).

The shipped data (alerts/sectors.toml) is merged with `[sectors.*]` tables from config.toml, so
users tune matching without code. Every match carries its reason, stored on the company row and
shown by `filingwatch match`, because a rule nobody can explain is a rule nobody trusts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper import resources
from scraper.core.names import name_key

# Shipped next to this module and read through importlib.resources (scraper/resources.py), so a
# wheel or a zipped scrapyd egg finds it too.
DATA_PACKAGE, DATA_NAME = "alerts", "sectors.toml"
_LATIN_RE = re.compile(r"^[\x00-\x7f]+$")
# A keyword in a clause that opens with one of these is denied, not claimed: 不涉及芯片业务.
_NEGATION_RE = re.compile(
    r"不涉及|未涉及|不从事|未从事|不含|不包括|不属于|并非|并未|暂未|尚未|没有|无"
)
EVIDENCE = {"company": "curated list", "industry": "industry", "business": "main business",
            "keyword": "name"}  # fmt: skip


def is_latin(term: str) -> bool:
    return bool(_LATIN_RE.match(term))


def _word_re(terms: list[str]) -> re.Pattern | None:
    """Whole-word, case-insensitive: 'EDA' must not match 'Medallion', 'chip' not 'chipboard'."""
    if not terms:
        return None
    alts = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alts})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class KnownCompany:
    name: str
    name_en: str
    aliases: tuple[str, ...]
    sectors: tuple[str, ...]


@dataclass
class Sector:
    name: str
    label_zh: str = ""
    label_en: str = ""
    keywords: list[str] = field(default_factory=list)  # Chinese and Latin, matched by script
    exclude: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)  # CSRC codes (prefix) or industry text
    # what the company's own main-business text must say (a report's 主营业务); empty: keywords
    business: list[str] = field(default_factory=list)
    business_exclude: list[str] = field(default_factory=list)
    # codes too broad to decide alone (C39 holds phone and PCB makers): they count only while
    # the company's main business is unknown
    broad_industries: list[str] = field(default_factory=list)

    def compile(self) -> None:
        self._biz = sorted({name_key(k) for k in (self.business or self.keywords)}, key=len,
                           reverse=True)  # fmt: skip
        self._biz_ex = sorted({name_key(k) for k in [*self.exclude, *self.business_exclude]},
                              key=len, reverse=True)  # fmt: skip
        self._cjk = [name_key(k) for k in self.keywords if not is_latin(k)]
        self._latin = _word_re([k for k in self.keywords if is_latin(k)])
        self._cjk_ex = sorted((name_key(k) for k in self.exclude if not is_latin(k)), key=len,
                              reverse=True)  # fmt: skip
        self._latin_ex = _word_re([k for k in self.exclude if is_latin(k)])

    def keyword_hits(self, name: str, name_en: str) -> tuple[list[str], list[str]]:
        """(keywords found, excluded phrases that were removed first)."""
        text = name_key(name)
        removed = []
        for phrase in self._cjk_ex:
            if phrase in text:
                removed.append(phrase)
                text = text.replace(phrase, "\0")
        latin_text = f"{name}\n{name_en}"
        if self._latin_ex:
            removed += [m.group(0) for m in self._latin_ex.finditer(latin_text)]
            latin_text = self._latin_ex.sub("\0", latin_text)
        hits = [k for k in self._cjk if k in text]
        if self._latin:
            hits += sorted({m.group(0) for m in self._latin.finditer(latin_text)}, key=str.lower)
        return hits, removed

    def business_hits(self, business: str) -> tuple[list[str], list[str]]:
        """(keywords the main-business text states, keywords it negates: 不涉及芯片业务)."""
        text = name_key(business)
        for phrase in self._biz_ex:
            text = text.replace(phrase, "\0")
        hits: dict[str, int] = {}
        negated = []
        for word in self._biz:
            for m in re.finditer(re.escape(word), text):
                clause = re.split(r"[。；;，,！!？?]", text[: m.start()])[-1]
                if _NEGATION_RE.search(clause):
                    negated.append(word)
                else:
                    hits[word] = m.start()
                    break
        words = sorted(hits, key=hits.get)  # in the order the text states them
        return words, [w for w in dict.fromkeys(negated) if w not in hits]

    def industry_hit(self, industry: str | None, business_known: bool = False) -> str | None:
        if not industry:
            return None
        code = industry.strip()
        broad = [] if business_known else self.broad_industries
        for entry in [*self.industries, *broad]:
            if is_latin(entry) and code.upper().startswith(entry.upper()):
                return entry
            if not is_latin(entry) and entry in code:
                return entry
        return None


@dataclass
class Classification:
    """What a name matched: sectors in taxonomy order, one reason per match, the known company."""

    name: str
    sectors: list[str]
    reasons: list[dict[str, str]]
    known: KnownCompany | None = None  # the curated entry whose English name messages show
    excluded: list[str] = field(default_factory=list)  # exclude phrases found (for `match`)
    known_all: list[KnownCompany] = field(default_factory=list)
    name_en: str = ""  # the English name it was classified with (from a source or the DB)

    def as_json(self) -> dict[str, Any]:
        reasons = [{**r, "evidence": EVIDENCE.get(r["by"], r["by"])} for r in self.reasons]
        return {"name": self.name, "sectors": self.sectors, "reasons": reasons}


class Taxonomy:
    def __init__(self, sectors: dict[str, Sector], companies: list[KnownCompany]):
        self.sectors = sectors
        self.companies = companies
        for sector in sectors.values():
            sector.compile()
        # Chinese aliases are matched as substrings of the name key; Latin ones by one combined
        # whole-word pattern (one regex pass per name instead of one per alias).
        self._order = {id(c): i for i, c in enumerate(companies)}
        self._cjk_aliases: list[tuple[str, KnownCompany]] = []
        self._latin_aliases: dict[str, tuple[str, KnownCompany]] = {}
        for company in companies:
            for alias in dict.fromkeys((*company.aliases, company.name)):
                if is_latin(alias):
                    self._latin_aliases.setdefault(alias.lower(), (alias, company))
                else:
                    self._cjk_aliases.append((name_key(alias), company))
        self._latin_alias_re = _word_re([alias for alias, _ in self._latin_aliases.values()])

    def known_hits(self, name: str, name_en: str = "") -> list[tuple[KnownCompany, str]]:
        """Every curated company a name refers to, each with the alias that says so."""
        key = name_key(name)
        hits: dict[int, tuple[KnownCompany, str]] = {}
        for alias, company in self._cjk_aliases:
            if alias in key and id(company) not in hits:
                hits[id(company)] = (company, alias)
        if self._latin_alias_re is not None:
            for m in self._latin_alias_re.finditer(f"{name}\n{name_en}"):
                alias, company = self._latin_aliases[m.group(0).lower()]
                hits.setdefault(id(company), (company, alias))
        return sorted(hits.values(), key=lambda hit: self._order[id(hit[0])])

    def classify(
        self,
        name: str,
        name_en: str | None = None,
        industry: str | None = None,
        business: str | None = None,
    ) -> Classification:
        """Evidence in order of strength: curated list, CSRC industry, the main-business text
        (a report's 主营业务, negations respected), the name. Never other document text."""
        name_en = name_en or ""
        found: dict[str, list[dict[str, str]]] = {}
        excluded: list[str] = []
        hits = self.known_hits(name, name_en)
        known = next((c for c, _ in hits if c.name_en), hits[0][0] if hits else None)
        for company, alias in hits:
            for sector in company.sectors:
                found.setdefault(sector, []).append(
                    {"sector": sector, "by": "company", "match": alias, "company": company.name_en or company.name}
                )  # fmt: skip
        for sector in self.sectors.values():
            code = sector.industry_hit(industry, bool(business))
            if code:
                found.setdefault(sector.name, []).append(
                    {"sector": sector.name, "by": "industry", "match": code}
                )
            denied = False
            if business:
                words, negated = sector.business_hits(business)
                if words:  # one reason per sector: the words, in text order, and where
                    found.setdefault(sector.name, []).append(
                        {"sector": sector.name, "by": "business", "match": "、".join(words),
                         "text": _snippet(business, words[0])}
                    )  # fmt: skip
                # the company's own words deny the sector: a name keyword alone does not win
                denied = bool(negated) and not words
                excluded += [f"不…{w}" for w in negated]
            words, removed = sector.keyword_hits(name, name_en)
            excluded += removed
            if denied:
                continue
            for word in words:
                found.setdefault(sector.name, []).append(
                    {"sector": sector.name, "by": "keyword", "match": word}
                )
        order = list(self.sectors)
        sectors = sorted(found, key=lambda s: order.index(s) if s in order else len(order))
        reasons = [r for s in sectors for r in found[s]]
        return Classification(name, sectors, reasons, known, sorted(set(excluded)),
                              [c for c, _ in hits], name_en)  # fmt: skip

    def label(self, sector: str, lang: str) -> str:
        s = self.sectors.get(sector)
        if s is None:
            return sector
        return (s.label_en if lang == "en" else s.label_zh) or sector


def _snippet(text: str, word: str, width: int = 24) -> str:
    """The main-business words around a keyword, for reasons: "服务器、存储、数据中心…"."""
    flat = re.sub(r"\s+", "", text)
    at = max(0, name_key(flat).find(word) - 6)
    part = flat[at : at + width]
    return ("…" if at else "") + part + ("…" if at + width < len(flat) else "")


def reason_text(reason: dict[str, str]) -> str:
    """One line a user can act on: `chips: keyword 芯片`, `ai_server: known company xFusion (超聚变)`,
    `ai_server: main business "服务器、存储…" (服务器)`."""
    if reason["by"] == "business":
        return f'{reason["sector"]}: main business "{reason.get("text", "")}" ({reason["match"]})'
    if reason["by"] == "company":
        return f"{reason['sector']}: known company {reason['company']} (alias {reason['match']})"
    return f"{reason['sector']}: {reason['by']} {reason['match']}"


def load_data(path: Path | None = None) -> dict[str, Any]:
    """The shipped taxonomy, or the TOML file at `path`."""
    if path is not None:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return tomllib.loads(resources.read_text(DATA_PACKAGE, DATA_NAME))


def build(data: dict[str, Any], overrides: dict[str, dict[str, Any]] | None = None,
          extra_companies: list[KnownCompany] | None = None) -> Taxonomy:  # fmt: skip
    """Shipped data plus config: lists in an override table extend the shipped ones."""
    sectors: dict[str, Sector] = {}
    for name in {**data.get("sectors", {}), **(overrides or {})}:
        shipped = data.get("sectors", {}).get(name, {})
        extra = (overrides or {}).get(name, {})
        sectors[name] = Sector(
            name=name,
            label_zh=extra.get("label_zh") or shipped.get("label_zh", ""),
            label_en=extra.get("label_en") or shipped.get("label_en", ""),
            keywords=[*shipped.get("keywords", []), *shipped.get("keywords_en", []),
                      *extra.get("keywords", []), *extra.get("keywords_en", [])],
            exclude=[*shipped.get("exclude", []), *shipped.get("exclude_en", []),
                     *extra.get("exclude", []), *extra.get("exclude_en", [])],
            industries=[*(extra["industries"] if "industries" in extra else shipped.get("industries", []))],
            business=[*shipped.get("business", []), *extra.get("business", [])],
            business_exclude=[*shipped.get("business_exclude", []), *extra.get("business_exclude", [])],
            broad_industries=[*(extra["broad_industries"] if "broad_industries" in extra else shipped.get("broad_industries", []))],
        )  # fmt: skip
    companies = [
        KnownCompany(c["name"], c.get("name_en", ""), tuple(c.get("aliases", [])),
                     tuple(c.get("sectors", [])))
        for c in data.get("companies", [])
    ]  # fmt: skip
    return Taxonomy(sectors, [*(extra_companies or []), *companies])


_DEFAULT: Taxonomy | None = None


def default_taxonomy() -> Taxonomy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = build(load_data())
    return _DEFAULT
