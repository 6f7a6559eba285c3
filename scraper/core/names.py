"""Company-name keys: one company written many ways meets on one key.

Every key is derived from the name by pure functions (cached; they run once per name per
process), so storage, parsers, the CLI and the benchmark all agree:

* `name_key`  full name, formatting only: NFKC (full-width brackets, digits and latin to ASCII),
  traditional -> simplified with OpenCC (t2s), 〔〕【】［］ -> (), no whitespace, lower-case latin.
  摩尔线程智能科技（北京）股份有限公司 and 摩尔线程智能科技(北京)股份有限公司 share it.
* `core_key`  the full key without legal suffixes (股份有限公司, 有限责任公司, 有限公司, 公司,
  then 集团), bracketed groups such as (北京) or (集团), and HK stock-name markers (-W, -B,
  -SW, -U, ...). 超聚变数字技术有限公司 and 超聚变数字技术股份有限公司 share it.
* `trade_key` the core without a leading region (上海壁仞科技 -> 壁仞科技); only when at least
  three characters remain, so 北京银行 keeps its core.
* `en_key` / `en_trade_key` English names: lower-case words, punctuation dropped, legal suffix
  words (co, ltd, limited, inc, corporation, ...) dropped, a few abbreviations expanded
  (tech -> technology), and for the trade key a leading place name dropped.
  "Shanghai Biren Technology Co., Ltd." and "BIREN TECH" share the en trade key.
* `code_key`  stock codes: 6 digits for A-shares, "hk:" + 5 digits for HKEX.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")

_SPACE_RE = re.compile(r"\s+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "「": "(", "」": ")"})  # fmt: skip
_BRACKET_GROUP_RE = re.compile(r"\(([^()]{0,12})\)")
# HK stock short names carry share-class markers: 壁仞科技-B, 小米集团-W, XX-SW, XX-U.
_HK_MARK_RE = re.compile(r"-(sw|wr|w|b|u|s|r|p)$")

LEGAL_SUFFIXES = (
    "股份有限公司", "有限责任公司", "股份合作公司", "有限公司", "股份公司", "总公司", "公司",
)  # fmt: skip
GROUP_SUFFIXES = ("集团",)

# Leading place names dropped by trade_key (provinces, municipalities and the cities that
# host most IPO candidates). A name is matched on them only through scored aliases.
REGIONS = (
    "内蒙古自治区", "广西壮族自治区", "宁夏回族自治区", "新疆维吾尔自治区", "西藏自治区",
    "黑龙江省", "北京市", "上海市", "天津市", "重庆市", "内蒙古", "黑龙江",
    "北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南",
    "陕西", "甘肃", "青海", "台湾", "广西", "宁夏", "新疆", "西藏", "香港", "澳门",
    "深圳", "广州", "杭州", "苏州", "南京", "无锡", "常州", "南通", "宁波", "合肥", "武汉",
    "成都", "西安", "厦门", "青岛", "济南", "郑州", "长沙", "福州", "珠海", "东莞", "佛山",
    "昆山", "嘉兴", "绍兴", "温州", "大连", "沈阳", "哈尔滨", "长春", "石家庄", "太原",
    "南昌", "昆明", "贵阳", "南宁", "海口", "兰州", "烟台", "潍坊", "泉州", "芜湖", "徐州",
    "扬州", "镇江", "泰州", "盐城", "台州", "金华", "湖州", "惠州", "中山", "江门", "汕头",
)  # fmt: skip
_REGION_RE = re.compile(
    "^(?:" + "|".join(sorted((re.escape(r) for r in REGIONS), key=len, reverse=True)) + ")[省市]?"
)
MIN_TRADE_CHARS = 3

_EN_SUFFIX_WORDS = {
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "plc",
    "llc", "lp", "sa", "ag", "gmbh", "bv", "nv", "the",
}  # fmt: skip
_EN_ABBREV = {
    "tech": "technology", "techs": "technology", "technologies": "technology",
    "intl": "international", "int'l": "international", "hldg": "holdings", "hldgs": "holdings",
    "holding": "holdings", "grp": "group", "elec": "electronics", "electronic": "electronics",
    "semi": "semiconductor", "semicon": "semiconductor", "semiconductors": "semiconductor",
    "mfg": "manufacturing", "sci": "science", "bio": "biotech", "biotechnology": "biotech",
    "pharm": "pharmaceutical", "pharma": "pharmaceutical", "pharmaceuticals": "pharmaceutical",
    "&": "and",
}  # fmt: skip
_EN_PLACES = {
    "china", "chinese", "beijing", "shanghai", "tianjin", "chongqing", "shenzhen", "guangzhou",
    "hangzhou", "suzhou", "nanjing", "wuxi", "changzhou", "ningbo", "hefei", "wuhan", "chengdu",
    "xian", "xi'an", "xiamen", "qingdao", "jinan", "zhengzhou", "changsha", "fuzhou", "zhuhai",
    "dongguan", "foshan", "jiangsu", "zhejiang", "guangdong", "shandong", "anhui", "hubei",
    "hunan", "sichuan", "fujian", "henan", "hebei", "hong", "kong", "hongkong", "dalian",
}  # fmt: skip
_EN_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|&")


def _nfkc(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "")


@lru_cache(maxsize=200_000)
def normalize(name: str) -> str:
    """Display-safe normalisation: NFKC, simplified characters, ASCII brackets, single spaces."""
    text = _T2S.convert(_nfkc(name)).translate(_BRACKETS)
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Full-name key: formatting differences only (width, script, brackets, spaces, case)."""
    return _SPACE_RE.sub("", normalize(name)).lower()


def has_cjk(text: str | None) -> bool:
    return bool(text and _CJK_RE.search(text))


def strip_legal(key: str) -> str:
    """Drop HK share-class markers, legal suffixes (repeatedly) and one 集团, from a key."""
    text = _HK_MARK_RE.sub("", key)
    changed = True
    while changed:
        changed = False
        for suffix in LEGAL_SUFFIXES + GROUP_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


@lru_cache(maxsize=200_000)
def core_key(name: str) -> str:
    """Full key without legal suffixes and bracketed groups ((北京), (集团), (中国))."""
    key = name_key(name)
    if not has_cjk(key):
        return en_key(name)
    key = strip_legal(key)
    key = _BRACKET_GROUP_RE.sub("", key)
    key = strip_legal(key)  # "XX科技(集团)股份有限公司" -> "XX科技"
    return key or name_key(name)


@lru_cache(maxsize=200_000)
def trade_key(name: str) -> str:
    """Core without a leading region: 上海壁仞科技股份有限公司 -> 壁仞科技."""
    core = core_key(name)
    if not has_cjk(core):
        return en_trade_key(name)
    short = _REGION_RE.sub("", core, count=1)
    return short if len(short) >= MIN_TRADE_CHARS else core


def _en_words(name: str) -> list[str]:
    text = normalize(name).lower()
    text = _HK_MARK_RE.sub("", text.replace(" - ", "-").strip())
    text = re.sub(r"\([^()]*\)", " ", text)  # "(Shanghai)" and friends
    words = [_EN_ABBREV.get(w, w) for w in _EN_WORD_RE.findall(text)]
    while words and words[-1] in _EN_SUFFIX_WORDS:
        words.pop()
    return words


@lru_cache(maxsize=200_000)
def en_key(name: str | None) -> str:
    """English key: 'Shanghai Biren Technology Co., Ltd.' -> 'shanghai biren technology'."""
    if not name or has_cjk(name):
        return ""
    return " ".join(_en_words(name))


@lru_cache(maxsize=200_000)
def en_trade_key(name: str | None) -> str:
    """English key without leading place names: -> 'biren technology'."""
    if not name or has_cjk(name):
        return ""
    words = _en_words(name)
    i = 0
    while i < len(words) - 1 and words[i] in _EN_PLACES:
        i += 1
    return " ".join(words[i:])


def legal_rank(name: str | None) -> int:
    """How official a name looks: 3 股份有限公司, 2 another legal form, 1 short or English, 0 none."""
    if not name:
        return 0
    key = _HK_MARK_RE.sub("", name_key(name))
    if not has_cjk(key):
        return 1
    if key.endswith("股份有限公司"):
        return 3
    if any(key.endswith(s) for s in LEGAL_SUFFIXES):
        return 2
    return 1


def code_key(code: str | None) -> str:
    """Stock codes: '688795' for A-shares, 'hk:09903' for HKEX (4-5 digit codes, zero-padded)."""
    if not code:
        return ""
    text = _nfkc(str(code)).strip().upper()
    text = re.sub(r"\.(SH|SZ|BJ|SS)$", "", text)
    m = re.fullmatch(r"(?:HK)?[:.]?(\d{1,5})(?:\.HK)?", text)
    if m and len(m[1]) <= 5:
        return f"hk:{int(m[1]):05d}"
    m = re.fullmatch(r"(?:SH|SZ|BJ)?(\d{6})", text)
    return m[1] if m else ""


@dataclass(frozen=True)
class NameKeys:
    """Every lookup key of one observed (name, english name, code)."""

    full: str
    core: str
    trade: str
    en: str
    en_trade: str
    code: str
    cjk: bool

    def pairs(self) -> list[tuple[str, str]]:
        """(kind, key) pairs to store as aliases of the company this name belongs to."""
        out = [("full", self.full)]
        if self.cjk:
            out.append(("core", self.core))
            if len(self.trade) >= MIN_TRADE_CHARS:
                out.append(("trade", self.trade))
        if self.en:
            out.append(("en", self.en))
        if self.en_trade:
            out.append(("en_trade", self.en_trade))
        if self.code:
            out.append(("code", self.code))
        return [(k, v) for k, v in out if v]


def keys_for(name: str, name_en: str | None = None, code: str | None = None) -> NameKeys:
    cjk = has_cjk(name)
    english = name_en if name_en and not has_cjk(name_en) else (None if cjk else name)
    return NameKeys(
        full=name_key(name),
        core=core_key(name) if cjk else "",
        trade=trade_key(name) if cjk else "",
        en=en_key(english),
        en_trade=en_trade_key(english),
        code=code_key(code),
        cjk=cjk,
    )


# A legal Chinese company name inside a longer title: "关于同意XX股份有限公司首次公开发行…".
LEGAL_NAME_RE = re.compile(
    r"([\u3400-\u9fffA-Za-z0-9()（）·]{2,60}?(?:股份有限公司|有限责任公司|有限公司))"
)


_LEAD_RE = re.compile(r"^.*?(?:关于同意|关于核准|关于|：|:)")


def legal_names_in(text: str) -> list[str]:
    """Every legal company name in a title, in order, without a leading 关于/关于同意/简称：."""
    out = []
    for m in LEGAL_NAME_RE.finditer(_nfkc(text or "")):
        name = m[1]
        while True:  # "中信证券股份有限公司关于XX股份有限公司…" is split by the regex already
            cut = _LEAD_RE.sub("", name, count=1)
            if cut == name or not cut:
                break
            name = cut
        if name and name not in out:
            out.append(name)
    return out


def legal_name_in(text: str) -> str | None:
    """The first legal company name in a title, without a leading 关于/关于同意."""
    names = legal_names_in(text)
    return names[0] if names else None


def issuer_name_in(title: str, short_name: str | None = None) -> str | None:
    """The issuer's legal name in a document title: the one matching the security's short name
    (中信证券股份有限公司关于澜芯智算…: the sponsor is not the issuer), else the name directly
    before 首次公开发行/招股, else the only name."""
    names = legal_names_in(title)
    if not names:
        return None
    if short_name:
        short = core_key(short_name)
        for name in names:
            if short and (short in core_key(name) or core_key(name) in short):
                return name
    text = _nfkc(title)
    for name in names:
        pos = text.find(name)
        after = text[pos + len(name) : pos + len(name) + 8]
        if after.startswith(("首次公开发行", "招股", "向不特定", "公开发行", "股票", "人民币")):
            return name
    return names[0] if len(names) == 1 else names[-1]
