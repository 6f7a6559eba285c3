"""Charset handling: header over meta, UTF-8 before GB18030, never mojibake."""

from scraper.parsers.common import declared_charset, decode_html, looks_like_challenge

TEXT = "辅导对象：超聚变数字技术股份有限公司"


def test_header_charset_wins_over_meta():
    body = b'<meta charset="utf-8">'
    assert declared_charset(body, "text/html; charset=GBK") == "gb18030"
    assert declared_charset(body, None) == "utf-8"


def test_gbk_declared_in_meta():
    body = (
        f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{TEXT}</p>'.encode(
            "gbk"
        )
    )
    assert TEXT in decode_html(body)


def test_undeclared_gbk_falls_back_after_utf8_fails():
    assert TEXT in decode_html(f"<p>{TEXT}</p>".encode("gbk"))


def test_utf8_mislabelled_as_gbk_is_not_mojibake():
    body = f'<meta charset="gbk"><p>{TEXT}</p>'.encode()
    assert TEXT in decode_html(body)
    assert TEXT in decode_html(body, "text/html; charset=GBK")


def test_challenge_markers():
    assert looks_like_challenge("<title>访问验证</title>")
    assert looks_like_challenge("<script>document.cookie='acw_sc__v2=1'</script>")
    assert looks_like_challenge("<table class='m-table2'></table>") is None
