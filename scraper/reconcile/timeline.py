"""A company's overall stage across sources, and the `timeline` events when it moves.

After a batch, each touched company's overall stage is recomputed from what every source last
stated (company_status; core.policy.overall_stage). When it moves to a stage stated by a different
source than before (tutoring_done from csrcfd -> accepted from sse, registered from
csrc_approvals -> listed from sse_notices), one more event is written: kind='stage',
source='timeline', so watch rules can alert on the move across sources.
"""

from __future__ import annotations

from scraper.reconcile.events import snapshot_key

TIMELINE_SOURCE = "timeline"


def triggers(events: list[dict]) -> dict[int, dict]:
    """company id -> the batch's latest-dated source stage event (what caused a move)."""
    out: dict[int, dict] = {}
    for e in events:
        if e.get("kind") == "stage" and e.get("source") != TIMELINE_SOURCE and e.get("company_id"):
            old = out.get(e["company_id"])
            if old is None or (e.get("event_date") or "") >= (old.get("event_date") or ""):
                out[e["company_id"]] = e
    return out


def cross_source_events(ctx, moves, trigger: dict[int, dict]) -> list[dict]:
    """moves: db.status.OverallMove per recomputed company."""
    out: list[dict] = []
    for m in moves:
        base = trigger.get(m.company_id)
        new = m.new
        if (
            base is None
            or not m.old_stage
            or m.old_stage == new.stage
            or m.old_source == new.source
        ):
            continue
        event = {k: v for k, v in base.items() if k != "id"}
        event.update(
            created_at=ctx.now, source=TIMELINE_SOURCE, kind="stage", stage=new.stage,
            old_stage=m.old_stage, company_id=m.company_id, company=m.name, event_date=new.date,
            title=f"{new.source}: {base.get('title') or ''}".strip(),
            dedupe_key=snapshot_key(TIMELINE_SOURCE, str(m.company_id), new.stage),
        )  # fmt: skip
        out.append(event)
    return out
