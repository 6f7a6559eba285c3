"""Company resolution stays near-linear on adversarial pages (scraper/companies.py windows).

8,000 near-identical names in one fuzzy block used to take ~60 s (every name compared with
every earlier one); the comparisons per name are now capped. The time is in
bench/company_adversarial.py; here the ceiling itself is asserted.
"""

from scraper import companies
from scraper.core.timeutil import now_iso
from scraper.db import connection as dbconn


def test_near_identical_names_are_compared_a_bounded_number_of_times(tmp_path):
    db = dbconn.open_db(tmp_path / "fw.db")
    names = [(f"上海芯片科技{i}号股份有限公司", None) for i in range(8000)]
    stats: dict = {}
    with dbconn.transaction(db):
        ids = companies.ensure_companies(db, names, now_iso(), stats)
    assert len(set(ids.values())) == 8000  # unlike legal names stay apart
    assert 0 < stats["max_comparisons"] <= companies.MAX_COMPARISONS <= 500  # a fixed ceiling
    assert stats["comparisons"] <= companies.MAX_COMPARISONS * 2 * stats["names"]
    most = db.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM company_candidates GROUP BY company_id)"
    ).fetchone()[0]
    assert most <= companies.MAX_CANDIDATES
    # a second page of the same names against the stored block: the stored window caps it too
    stats2: dict = {}
    with dbconn.transaction(db):
        companies.ensure_companies(db, [(f"上海芯片科技{i}号有限公司", None) for i in range(500)],
                                   now_iso(), stats2)  # fmt: skip
    assert stats2["max_comparisons"] <= companies.MAX_COMPARISONS
