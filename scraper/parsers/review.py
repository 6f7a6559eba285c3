"""Exchange review timelines (SSE, SZSE, BSE), pure rules shared by their parsers.

A project's stage events carry the dates of the exchange's own timeline, never the list's update
date: update dates move on any edit (a new document, a corrected field), so events dated by them
would be late and repeat (REPORT-exchanges.md §6).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass

from scraper.core import stages
from scraper.core.records import Project, StageStep


@dataclass
class ListPage:
    """One page of an exchange's project list."""

    projects: list[Project]
    page: int  # as the site counts it (SSE 1-based, SZSE/BSE 0-based)
    page_count: int | None  # pages in the list, when the envelope says
    total: int | None = None
    last: bool = False  # the envelope says this is the last page


# ---------------------------------------------------------------- timeline rules (pure)


def termination_detail(text: str | None) -> str | None:
    """withdrawn / rejected / lapsed from a 终止 reason or label."""
    if not text:
        return None
    if "撤回" in text:
        return "withdrawn"
    if "未在规定时限" in text or "逾期" in text or "时限内" in text:
        return "lapsed"
    if "不通过" in text or "不符合" in text or "不予" in text:
        return "rejected"
    return None


def finish_timeline(steps: Iterable[StageStep]) -> list[StageStep]:
    """Order steps by date (then time) and merge consecutive repeats of one status code.

    Undated steps are dropped: an event needs its date. A repeat keeps the first date and picks
    up a reason only the later row states (SSE lists a stage again when documents are updated).
    """
    dated = sorted([s for s in steps if s.date], key=_WHEN)
    out: list[StageStep] = []
    last = None
    for step in dated:
        if last is not None and last.status_raw == step.status_raw:
            if step.reason and not last.reason:
                last.reason = step.reason
            last.detail = last.detail or step.detail
            continue
        out.append(step)
        last = step
    return out


_WHEN = operator.attrgetter("date", "sort_key")


def resume_steps(steps: list[StageStep], resumes: list[tuple[str, str, str]]) -> list[StageStep]:
    """Turn 恢复 notes (sort_key, date, reason) into steps back to the stage before the 中止."""
    if not resumes:
        return finish_timeline(steps)  # what the two passes below give, in one
    ordered = finish_timeline(steps)
    added: list[StageStep] = []
    for sort_key, day, reason in resumes:
        before = [s for s in ordered if (s.date, s.sort_key) <= (day, sort_key)]
        prior = next((s for s in reversed(before) if s.stage != stages.SUSPENDED), None)
        if prior is None:
            continue
        added.append(
            StageStep(stage=prior.stage, status_raw=prior.status_raw,
                      label=f"恢复审核（{prior.label or prior.status_raw}）", date=day,
                      sort_key=sort_key, reason=reason, detail="resumed", known=prior.known)
        )  # fmt: skip
    return finish_timeline([*steps, *added])


def with_current(project: Project, steps: list[StageStep]) -> list[StageStep]:
    """When the timeline does not reach the project's current stage, add it.

    Its date is the site's own date for the current status (SZSE timeline's current node, BSE
    operatingTime); the SSE list's updateDate only as a last resort, flagged in the step.
    """
    if not project.stage or not project.current_date:
        return steps
    if steps and steps[-1].stage == project.stage:
        return steps
    if steps and project.current_date < steps[-1].date:
        return steps  # the list lags the timeline: trust the timeline
    known = "unknown_status" not in project.flags
    step = StageStep(stage=project.stage, status_raw=project.status_raw, label=project.status_label,
                     date=project.current_date, sort_key="~", known=known,
                     detail=project.current_date_source)  # fmt: skip
    return [*steps, step]
