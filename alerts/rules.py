"""Watch rules: does this event concern the user, and why (pure: events and classifications in, reasons out).

A rule fires for an event when the company is in one of its sectors or named in its companies
(when either key is given), and every other given key matches (brokers, regulators, sources,
events). Values inside one key are alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from alerts.sectors import Classification, is_latin
from scraper.core import regulators, stages
from scraper.core.names import name_key

FILING = "filing"  # event name for "any new document" (kind='filing' events)
# Issue 14's event kinds: a field of a filing changed, a listing-committee meeting was
# announced, a deadline clock fired (scraper/clocks.py).
CHANGE, COMMITTEE_MEETING, CLOCK = "change", "committee_meeting", "clock"
KINDS = (FILING, CHANGE, COMMITTEE_MEETING, CLOCK)
# A clock event's stage names the alert; `events = ["clock"]` takes them all, or name one.
CLOCK_ALERTS = ("hk_lapse_reminder", "suspension_expired", "suspension_resumed",
                "tutoring_report_overdue")  # fmt: skip

# Friendly names accepted in `events = [...]` besides the stage names of scraper/stages.py.
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    "tutoring_filed": (stages.TUTORING,),
    "document": (FILING,),
    "committee": (stages.COMMITTEE_PASSED, stages.COMMITTEE_FAILED, stages.COMMITTEE_DEFERRED),
    "registration": (stages.SUBMITTED_FOR_REGISTRATION, stages.REGISTERED,
                     stages.REGISTRATION_REFUSED, stages.REGISTRATION_TERMINATED),
    "hk_application": (stages.HK_APPLICATION_FILED, stages.HK_PHIP),
}  # fmt: skip

EVENT_NAMES = (*stages.ALL_STAGES, *KINDS, *CLOCK_ALERTS, *EVENT_ALIASES)


def resolve_events(names: Iterable[str]) -> tuple[frozenset[str], list[str]]:
    """(event names a rule accepts, unknown names) after expanding aliases."""
    out: set[str] = set()
    unknown = []
    for name in names:
        if name in EVENT_ALIASES:
            out.update(EVENT_ALIASES[name])
        elif name in stages.ALL_STAGES or name in KINDS or name in CLOCK_ALERTS:
            out.add(name)
        else:
            unknown.append(name)
    return frozenset(out), unknown


@dataclass(frozen=True)
class Rule:
    name: str
    channels: tuple[str, ...]
    sectors: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    brokers: tuple[str, ...] = ()
    regulators: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    events: frozenset[str] | None = None  # None: every stage change, no plain documents
    digest: float = 0.0  # seconds; 0 = one message per event
    max_per_message: int | None = None  # None: [alerts] max_per_message
    fields: tuple[str, ...] = ()  # change events: only these fields (scraper/core/changes.py)


def _contains(needle: str, haystack: str | None) -> bool:
    if not haystack:
        return False
    if is_latin(needle):
        return (
            re.search(rf"(?<![A-Za-z0-9]){re.escape(needle)}(?![A-Za-z0-9])", haystack, re.I)
            is not None
        )
    return name_key(needle) in name_key(haystack)


def match(rule: Rule, event: dict, cls: Classification) -> list[dict[str, str]] | None:
    """The reasons this rule fires for the event, or None when it does not."""
    kind = event.get("kind")
    if rule.events is None:
        if kind != "stage":
            return None
    elif (event.get("stage") if kind == "stage" else kind) not in rule.events and not (
        kind == CLOCK and event.get("stage") in rule.events
    ):
        return None
    if kind == CHANGE and rule.fields and event.get("change_field") not in rule.fields:
        return None
    reasons: list[dict[str, str]] = []
    if rule.sources:
        if event.get("source") not in rule.sources:
            return None
        reasons.append({"by": "source", "match": event["source"]})
    if rule.brokers:
        hit = next((w for w in rule.brokers if _contains(w, event.get("broker"))), None)
        if hit is None:
            return None
        reasons.append({"by": "broker", "match": hit})
    if rule.regulators:
        hit = next((w for w in rule.regulators if _names_regulator(w, event)), None)
        if hit is None:
            return None
        reasons.append({"by": "regulator", "match": hit})
    if rule.sectors or rule.companies:
        who = [{"by": "sector", "match": s} for s in cls.sectors if s in rule.sectors]
        who += [
            {"by": "company", "match": c} for c in rule.companies if _names_company(c, event, cls)
        ]
        if not who:
            return None
        reasons[:0] = who
    return reasons


def _names_regulator(entry: str, event: dict) -> bool:
    """上交所, 上海证券交易所 and SSE are one body (core.regulators); other text matches as a part
    of the regulator or board a source printed."""
    wanted = regulators.regulator_id(entry)
    printed = (event.get("regulator"), event.get("board"))
    if wanted is not None and any(regulators.regulator_id(p) == wanted for p in printed if p):
        return True
    return any(_contains(entry, p) for p in printed)


def _names_company(entry: str, event: dict, cls: Classification) -> bool:
    if _contains(entry, event.get("company")) or _contains(entry, event.get("company_en")):
        return True
    key = name_key(entry)
    return any(
        key == name_key(alias)
        for known in cls.known_all
        for alias in (known.name, known.name_en, *known.aliases)
        if alias
    )


def select(
    rule: Rule, events: list[dict], classes: dict[str, Classification]
) -> list[tuple[dict, list]]:
    """Events the rule fires for, with reasons; classes are keyed by company name.

    A new tutoring report usually arrives with the stage change it announces (two events, one
    batch); the stage event carries the same document link, so the document event is dropped
    and the user gets one message, not two.
    """
    fired = [(e, r) for e in events if (r := match(rule, e, classes[e["company"]])) is not None]
    staged = {(e.get("source"), e["company"]) for e, _ in fired if e.get("kind") == "stage"}
    return [
        (e, r) for e, r in fired
        if e.get("kind") != FILING or (e.get("source"), e["company"]) not in staged
    ]  # fmt: skip
