"""One stage vocabulary for every source; events.stage and companies.stage use these names.

Each source maps its own codes to these in one table in its parser, keeping the raw code.
"""

from __future__ import annotations

# CSRC tutoring (csrcfd)
TUTORING = "tutoring"
TUTORING_DONE = "tutoring_done"
WITHDRAWN = "withdrawn"

# A-share exchange review (SSE / SZSE / BSE), in pipeline order
ACCEPTED = "accepted"
INQUIRED = "inquired"
COMMITTEE_PASSED = "committee_passed"
COMMITTEE_FAILED = "committee_failed"
COMMITTEE_DEFERRED = "committee_deferred"
SUBMITTED_FOR_REGISTRATION = "submitted_for_registration"
REGISTERED = "registered"
REGISTRATION_REFUSED = "registration_refused"
REGISTRATION_TERMINATED = "registration_terminated"
SUSPENDED = "suspended"
TERMINATED = "terminated"
ISSUED = "issued"
LISTED = "listed"

# HKEX
HK_APPLICATION_FILED = "hk_application_filed"
HK_PHIP = "hk_phip"
HK_LAPSED = "hk_lapsed"
HK_RETURNED = "hk_returned"
PROSPECTUS_PUBLISHED = "prospectus_published"
ALLOTMENT_RESULTS = "allotment_results"

ALL_STAGES = (
    TUTORING, TUTORING_DONE, WITHDRAWN,
    ACCEPTED, INQUIRED, COMMITTEE_PASSED, COMMITTEE_FAILED, COMMITTEE_DEFERRED,
    SUBMITTED_FOR_REGISTRATION, REGISTERED, REGISTRATION_REFUSED, REGISTRATION_TERMINATED,
    SUSPENDED, TERMINATED, ISSUED, LISTED,
    HK_APPLICATION_FILED, HK_PHIP, HK_LAPSED, HK_RETURNED, PROSPECTUS_PUBLISHED, ALLOTMENT_RESULTS,
)  # fmt: skip

# Rough position on the road to listing, for ordering a company's timeline across sources.
ORDER = {stage: i for i, stage in enumerate(ALL_STAGES)}

# Chinese labels for messages and the timeline.
LABELS_ZH = {
    TUTORING: "辅导备案", TUTORING_DONE: "辅导验收", WITHDRAWN: "撤回/终止辅导",
    ACCEPTED: "已受理", INQUIRED: "已问询", COMMITTEE_PASSED: "上市委会议通过",
    COMMITTEE_FAILED: "上市委会议未通过", COMMITTEE_DEFERRED: "暂缓审议",
    SUBMITTED_FOR_REGISTRATION: "提交注册", REGISTERED: "注册生效", REGISTRATION_REFUSED: "不予注册",
    REGISTRATION_TERMINATED: "终止注册", SUSPENDED: "中止", TERMINATED: "终止", ISSUED: "发行",
    LISTED: "上市", HK_APPLICATION_FILED: "递交上市申请(申请版本)", HK_PHIP: "聆讯后资料集",
    HK_LAPSED: "申请失效", HK_RETURNED: "申请发还", PROSPECTUS_PUBLISHED: "招股书刊发",
    ALLOTMENT_RESULTS: "配发结果",
}  # fmt: skip

# Appended for SSE/SZSE/BSE (issue 5): 补充审核 (SSE currStatus 10, SZSE 78) — the CSRC sends a
# registration back to the exchange for further review. No stage above means that.
SUPPLEMENTARY_REVIEW = "supplementary_review"
ALL_STAGES = ALL_STAGES + (SUPPLEMENTARY_REVIEW,)
ORDER[SUPPLEMENTARY_REVIEW] = ORDER[SUBMITTED_FOR_REGISTRATION]
LABELS_ZH[SUPPLEMENTARY_REVIEW] = "补充审核"
