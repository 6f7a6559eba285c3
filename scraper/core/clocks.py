"""Deadline clocks, pure: a clock's dates (the `clocks` view) and `now` in, its state out.

The dates come from the `clocks` view (scraper/db/migrations/m0640_changes_clocks.py), which
recomputes them from stored facts on every read; this module only says where `now` stands, in
the clock's own market time zone (Asia/Hong_Kong for HKEX, Asia/Shanghai for A-shares: both
UTC+8 today, but each clock names its zone so the date a reminder falls on is the market's).

Rules (README "Clocks" cites them):
* hk_lapse: an Application Proof lapses six months after its submission unless heard (PHIP).
  State `open`, `reminder` (within N days), `due` (lapses today), `lapsed` (after).
* suspension: an A-share review suspended (中止) for expired financial data must resume within
  three months or the review ends. `open`, `due`, `expired`; `resumed` / `ended` once closed.
* tutoring_report: a CSRC tutoring owes a progress report three months after the last report.
  `open`, `due`, `overdue`; `completed` (with the tutoring's duration) / `withdrawn`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

# Clock alert names (events.stage of kind 'clock' events).
HK_LAPSE_REMINDER = "hk_lapse_reminder"
SUSPENSION_EXPIRED = "suspension_expired"
SUSPENSION_RESUMED = "suspension_resumed"
TUTORING_OVERDUE = "tutoring_report_overdue"
ALERTS = (HK_LAPSE_REMINDER, SUSPENSION_EXPIRED, SUSPENSION_RESUMED, TUTORING_OVERDUE)

COLUMNS = ("kind", "subject", "company_id", "company", "tz", "start_date", "due_date",
           "closed_by", "closed_on", "duration_days", "detail")  # fmt: skip

_LABELS = {
    "hk_lapse": ("港股申请失效日", "HKEX application lapses"),
    "suspension": ("中止审核恢复期限", "suspension resume deadline"),
    "tutoring_report": ("辅导进展报告应报", "tutoring progress report due"),
}


@dataclass(frozen=True)
class Options:
    """[clocks] config: reminder lead time and how late an alert may still fire."""

    hk_lapse_reminder_days: int = 14
    # An expiry / resume / overdue older than this is history: shown, never alerted (a first
    # run over a backfilled database must not send years of old deadlines).
    grace_days: int = 14


DEFAULT_OPTIONS = Options()


class Clock(NamedTuple):  # a NamedTuple: tens of thousands are read per cycle
    kind: str
    subject: str
    company_id: int | None
    company: str | None
    tz: str
    start_date: str
    due_date: str
    closed_by: str | None = None
    closed_on: str | None = None
    duration_days: int | None = None
    detail: str | None = None


class Reading(NamedTuple):
    clock: Clock
    state: str
    days_left: int | None  # due_date - today in the clock's zone; None once closed
    alert: str | None  # the alert this reading fires (at most once per clock instance)

    def text(self, lang: str) -> str:
        """One line: "港股申请失效日 2026-04-01（剩 5 天）"."""
        zh, en = _LABELS.get(self.clock.kind, (self.clock.kind, self.clock.kind))
        c = self.clock
        if self.alert == SUSPENSION_RESUMED:
            return (f"中止审核已恢复（{c.closed_on}）" if lang == "zh"
                    else f"review resumed after suspension ({c.closed_on})")  # fmt: skip
        if c.kind == "tutoring_report" and c.closed_by == "completed":
            return (f"辅导完成 {c.closed_on}（历时 {c.duration_days} 天）" if lang == "zh"
                    else f"tutoring completed {c.closed_on} ({c.duration_days} days)")  # fmt: skip
        if self.days_left is None:
            end = c.closed_by or ""
            return f"{zh} {c.due_date}（{end}）" if lang == "zh" else f"{en} {c.due_date} ({end})"
        n = self.days_left
        if lang == "zh":
            when = f"剩 {n} 天" if n > 0 else ("今天" if n == 0 else f"已过 {-n} 天")
            return f"{zh} {c.due_date}（{when}）"
        when = f"in {n} days" if n > 0 else ("today" if n == 0 else f"{-n} days ago")
        return f"{en} {c.due_date} ({when})"


@functools.lru_cache(maxsize=64)
def local_today(now: datetime, tz: str) -> date:
    """The calendar day `now` falls on in the clock's market."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(tz)).date()


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> date:
    return date.fromisoformat(text)


def read(clock: Clock, now: datetime, options: Options = DEFAULT_OPTIONS) -> Reading:
    """Where `now` stands on this clock, and the alert it fires now (if any)."""
    today = local_today(now, clock.tz)
    if clock.closed_by:
        alert = None
        if clock.kind == "suspension" and clock.closed_by == "resumed" and clock.closed_on:
            if 0 <= (today - date.fromisoformat(clock.closed_on)).days <= options.grace_days:
                alert = SUSPENSION_RESUMED
        return Reading(clock, clock.closed_by, None, alert)
    days_left = (_day(clock.due_date) - today).days
    late = -days_left
    if clock.kind == "hk_lapse":
        if days_left < 0:
            return Reading(clock, "lapsed", days_left, None)
        if days_left == 0:
            return Reading(clock, "due", 0, HK_LAPSE_REMINDER)
        if days_left <= options.hk_lapse_reminder_days:
            return Reading(clock, "reminder", days_left, HK_LAPSE_REMINDER)
        return Reading(clock, "open", days_left, None)
    if days_left >= 0:
        return Reading(clock, "due" if days_left == 0 else "open", days_left, None)
    fresh = late <= options.grace_days
    if clock.kind == "suspension":
        return Reading(clock, "expired", days_left, SUSPENSION_EXPIRED if fresh else None)
    return Reading(clock, "overdue", days_left, TUTORING_OVERDUE if fresh else None)


def instance_token(reading: Reading) -> str:
    """What makes one firing unique: the alert and the clock instance (its start date)."""
    return f"{reading.alert}:{reading.clock.start_date}"
