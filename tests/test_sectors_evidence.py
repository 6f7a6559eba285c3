"""Sectors from what a company does: curated list, industry, main business (negations kept),
name (芯 with exclusions, traditional script); no false positives on ordinary companies."""

import json

import pytest

from alerts.sectors import default_taxonomy

T = default_taxonomy()

# Ordinary applicants (banks, food, property, pharma, retail, energy, ...): no sector at all.
NEGATIVE = [
    "中国工商银行股份有限公司", "招商银行股份有限公司", "江苏银行股份有限公司",
    "贵州茅台酒股份有限公司", "海天味业股份有限公司", "内蒙古伊利实业集团股份有限公司",
    "青岛啤酒股份有限公司", "农夫山泉股份有限公司", "万科企业股份有限公司",
    "保利发展控股集团股份有限公司", "江苏恒瑞医药股份有限公司", "云南白药集团股份有限公司",
    "中国平安保险（集团）股份有限公司", "永辉超市股份有限公司", "宁德时代新能源科技股份有限公司",
    "深圳市某某电芯科技股份有限公司", "浙江某某滤芯科技有限公司", "上海某某铁芯电器股份有限公司",
    "某某笔芯文具股份有限公司", "某某冷链存储物流股份有限公司", "某某智能家居科技股份有限公司",
    "中國海外發展有限公司", "周大福珠寶集團有限公司", "某某智能装备股份有限公司",
    "某某锁芯五金制品有限公司", "某某木芯板材股份有限公司", "某某食品科技股份有限公司",
]  # fmt: skip


@pytest.mark.parametrize("name", NEGATIVE)
def test_ordinary_companies_match_nothing(name):
    assert T.classify(name).sectors == []


def test_ordinary_business_texts_match_nothing():
    for biz in ("商业银行业务，吸收公众存款、发放贷款", "白酒的生产与销售", "房地产开发与物业管理",
                "化学药品的研发、生产和销售", "锂离子电池电芯及储能系统的研发与制造",
                "智能家居产品及家用电器的研发"):  # fmt: skip
        assert T.classify("某某股份有限公司", business=biz).sectors == [], biz


@pytest.mark.parametrize(
    "name",
    ["深圳芯联微電子股份有限公司", "芯海技術（香港）有限公司", "某某積體電路股份有限公司",
     "某某半導體設備有限公司", "某某伺服器科技股份有限公司"],
)  # fmt: skip
def test_traditional_names_and_xin_are_signals(name):
    assert T.classify(name).sectors, name


def test_ai_sector_ships_beside_chips_and_ai_server():
    assert {"ai", "ai_server", "chips"} <= set(T.sectors)
    assert T.classify("某某人工智能科技股份有限公司").sectors == ["ai"]
    cls = T.classify(
        "北京某某科技股份有限公司", business="面向企业的大模型及生成式人工智能应用软件"
    )
    assert cls.sectors == ["ai"]
    assert cls.reasons[0]["by"] == "business"


def test_main_business_is_evidence_and_json_says_so():
    cls = T.classify("某某技术股份有限公司", industry="C39 计算机、通信和其他电子设备制造业",
                     business="服务器、存储、数据中心基础设施的研发、生产和销售")  # fmt: skip
    assert cls.sectors == ["ai_server"]  # broad C39 no longer adds chips once the business is known
    out = cls.as_json()
    assert out["reasons"][0]["evidence"] == "main business"
    assert out["reasons"][0]["text"].startswith("服务器、存储")
    assert T.classify("某某技术股份有限公司", industry="C39").sectors == ["ai_server", "chips"]


@pytest.mark.parametrize(
    "name, business, sector",
    [("芯动科技股份有限公司", "公司不涉及芯片业务，主要从事企业管理软件", "chips"),
     ("某某人工智能科技有限公司", "公司未从事人工智能相关业务，主营饮料", "ai")],
)  # fmt: skip
def test_negations_in_business_deny_the_sector(name, business, sector):
    assert sector in T.classify(name).sectors
    assert sector not in T.classify(name, business=business).sectors


def test_curated_companies_have_english_names_and_sources():
    from alerts.sectors import load_data

    data = load_data()
    for c in data["companies"]:
        assert c.get("name_en"), c["name"]
    grown = [c for c in data["companies"] if "source" in c]
    assert len(grown) >= 20
    assert T.classify("澜起科技股份有限公司").known.name_en == "Montage Technology"
    assert "ai" in T.classify("北京智谱华章科技股份有限公司").sectors


def test_match_text_reads_business_not_the_rest(tmp_path, cli):
    text = ("公司名称：某某科技股份有限公司。主营业务：服务器、存储的研发、生产和销售。"
            "注册地址：江苏省无锡市芯谷路1号。公司将开展人工智能专题培训。")  # fmt: skip
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    out = cli("match", "某某科技股份有限公司", "--text", str(path), "--json", check=True)
    result = json.loads(out.stdout)
    assert result["sectors"] == ["ai_server"]  # 芯 in the address, AI in training: not business
    assert result["reasons"][0]["evidence"] == "main business"
