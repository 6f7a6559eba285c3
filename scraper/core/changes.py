"""What a `change` event says, in one line per language (pure: values in, text out).

The one place that names the compared fields and formats their values, so the event detail,
the message and `filingwatch company` print a change the same way: 募资额 30.0 亿 → 20.0 亿.
"""

from __future__ import annotations

import json
from typing import Any

# Fields a change event may name; `fields = [...]` in a [[watch]] rule picks among them.
FIELDS: dict[str, tuple[str, str]] = {
    "planned_raise": ("募资额", "planned raise"),
    "sponsor": ("保荐机构", "sponsor"),
    "auditor": ("会计师事务所", "auditor"),
    "law_firm": ("律师事务所", "law firm"),
    "board": ("板块", "board"),
    "industry": ("行业", "industry"),
    "name": ("名称", "name"),
    "document_version": ("招股书版本", "prospectus version"),
    "hk_refiling": ("香港上市申请重新递交", "HKEX re-filing"),
    "hk_document": ("香港上市申请文件", "HKEX filing document"),
}

_BOARDS = {
    "star": ("科创板", "STAR"), "main": ("主板", "Main Board"), "chinext": ("创业板", "ChiNext"),
    "bse": ("北交所", "BSE"), "sehk": ("港交所主板", "HKEX Main Board"), "gem": ("GEM", "GEM"),
}  # fmt: skip


def board_label(code: str | None, lang: str) -> str:
    """科创板 / STAR for `star`; an unknown board code is shown as stored."""
    names = _BOARDS.get(code or "")
    return names[0 if lang == "zh" else 1] if names else (code or "")


_VERSIONS_EN = {
    "申报稿": "filing draft",
    "上会稿": "committee draft",
    "注册稿": "registration draft",
}
_DOCS_EN = {"application_proof": "Application Proof", "phip": "PHIP"}
_DOCS_ZH = {"application_proof": "申请版本", "phip": "聆讯后资料集"}

# Order of prospectus versions (申报稿 -> 上会稿 -> 注册稿): a later one is a change.
VERSION_ORDER = {"申报稿": 1, "上会稿": 2, "注册稿": 3}


def value_text(field: str, value: Any, lang: str) -> str:
    """One value as people write it: 亿 with one decimal, board names, sponsors joined."""
    if value is None or value == "" or value == []:
        return "—" if lang == "zh" else "none"
    if field == "planned_raise":
        amount = float(value)  # 亿元
        return f"{amount:.1f} 亿" if lang == "zh" else f"CNY {amount / 10:.2f}bn"
    if field == "board":
        return board_label(str(value), lang)
    if field == "document_version" and lang == "en":
        return _VERSIONS_EN.get(str(value), str(value))
    if field == "hk_document":  # application_proof#2: the 2nd submission's Application Proof
        kind, _, sub = str(value).partition("#")
        label = (_DOCS_ZH if lang == "zh" else _DOCS_EN).get(kind, kind)
        if not sub:
            return label
        return f"{label}（第{sub}次呈交）" if lang == "zh" else f"{label} (submission {sub})"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) if lang == "zh" else ", ".join(map(str, value))
    return str(value)


def texts(field: str, old: Any, new: Any) -> tuple[str, str]:
    """(text_zh, text_en): "募资额 30.0 亿 → 20.0 亿"."""
    zh_label, en_label = FIELDS.get(field, (field, field))
    zh = f"{zh_label} {value_text(field, old, 'zh')} → {value_text(field, new, 'zh')}"
    en = f"{en_label} {value_text(field, old, 'en')} → {value_text(field, new, 'en')}"
    return zh, en


def detail(field: str, old: Any, new: Any, document_url: str | None) -> dict[str, Any]:
    """The `change` dict of the outbox payload (CONTRACTS.md)."""
    zh, en = texts(field, old, new)
    return {"field": field, "old": old, "new": new, "text_zh": zh, "text_en": en,
            "document_url": document_url}  # fmt: skip


def detail_json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
