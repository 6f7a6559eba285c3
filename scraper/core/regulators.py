"""One canonical name per regulator and exchange, with the aliases sources and users write.

The review-status sources print 上交所, the notice sources 上海证券交易所, users write SSE or
"Shanghai Stock Exchange": all are one body. Storage keeps the canonical Chinese name (what the
regulators call themselves); watch rules compare canonical ids, so any alias in a rule matches any
alias a source printed. CSRC bureaus (派出机构) are written 河南证监局 on the tutoring list and
中国证券监督管理委员会河南监管局 in documents: both become the short form.
"""

from __future__ import annotations

import re
from functools import lru_cache

# id -> (canonical name, aliases). Aliases are compared after `_key` (case, width, spaces).
BODIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "sse": ("上海证券交易所", ("上交所", "上证所", "sse", "shanghai stock exchange", "上海交易所")),
    "szse": ("深圳证券交易所", ("深交所", "szse", "shenzhen stock exchange", "深圳交易所")),
    "bse": ("北京证券交易所", ("北交所", "bse", "beijing stock exchange", "北京交易所")),
    "hkex": ("香港交易所", ("港交所", "hkex", "sehk", "香港联合交易所", "香港聯合交易所",
                        "香港交易及结算所", "香港交易及結算所", "hong kong exchanges and clearing",
                        "the stock exchange of hong kong", "hong kong stock exchange")),
    "csrc": ("中国证监会", ("证监会", "中国证券监督管理委员会", "中國證監會", "csrc",
                       "china securities regulatory commission")),
}  # fmt: skip

_BUREAU_FULL_RE = re.compile(r"^中国证券监督管理委员会(.{2,8}?)监管局$")
_BUREAU_SHORT_RE = re.compile(r"^(.{2,8}?)证监局$")


def _key(text: str) -> str:
    import unicodedata

    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


_BY_ALIAS: dict[str, str] = {}
for _id, (_name, _aliases) in BODIES.items():
    for _alias in (_name, _id, *_aliases):
        _BY_ALIAS[_key(_alias)] = _id


@lru_cache(maxsize=4096)
def regulator_id(name: str | None) -> str | None:
    """'sse' for 上交所 / 上海证券交易所 / SSE; 'bureau:河南' for a CSRC bureau; None if unknown."""
    if not name:
        return None
    key = _key(name)
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    m = _BUREAU_FULL_RE.match(key) or _BUREAU_SHORT_RE.match(key)
    if m:
        return f"bureau:{m[1]}"
    return None


@lru_cache(maxsize=4096)
def canonical(name: str | None) -> str | None:
    """The name to store: the body's own full name, a bureau's short form; unknown names as given."""
    if not name:
        return name
    rid = regulator_id(name)
    if rid is None:
        return name.strip()
    if rid.startswith("bureau:"):
        return f"{rid[7:]}证监局"
    return BODIES[rid][0]
