"""The one transition policy every source's stage changes go through.

Sources state stages in two ways: a dated history (the SSE/SZSE/BSE review timelines, where each
step is the exchange's own record) and a snapshot of "where the company is now" (the csrcfd list's
status column, the HKEX status files, the HKEX listing pages). The rules, the same for all:

* **forward-only unless the source gives positive evidence.** A snapshot that shows a company at
  a lower stage than stored (PHIP -> AP, withdrawn -> tutoring) moves it back only when the source
  proves it: a complete status-file group, a new tutoring filing dated after the stored stage.
  A dated timeline step is evidence by itself.
* **listed is final.** Nothing moves a listed company or applicant, whatever the evidence.
* **the n-th occurrence of a transition is its own event.** A second withdrawal or a second
  tutoring filing is news; the dedupe key carries the occurrence (`...:withdrawn#2`).
* **a stage's date is the date the source states for it**, never the date we first saw a later
  document (callers pass the stated date; `None` is kept as unknown, not replaced by today).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scraper.core import stages

# Position on the road to listing, per market; a snapshot may only move a subject up this
# ladder. Terminal states sit above the stages they end. Unlisted stages rank 0 (never "higher").
RANK: dict[str | None, int] = {
    None: 0,
    # CSRC tutoring
    stages.TUTORING: 10, stages.TUTORING_DONE: 20, stages.WITHDRAWN: 30,
    # HKEX applicants
    stages.HK_APPLICATION_FILED: 10, stages.HK_PHIP: 20, stages.HK_LAPSED: 30,
    stages.HK_RETURNED: 30,
    # HKEX new listings
    stages.PROSPECTUS_PUBLISHED: 40, stages.ALLOTMENT_RESULTS: 50,
    stages.LISTED: 100,
}  # fmt: skip

FINAL = frozenset({stages.LISTED})


def rank(stage: str | None) -> int:
    return RANK.get(stage, 0)


def decide(old: str | None, new: str | None, *, evidence: bool = False) -> str | None:
    """The stage to keep when a source now states `new` for a subject stored at `old`.

    `evidence`: the source positively shows a move down or sideways (see the module docstring).
    """
    if new is None or new == old:
        return old
    if old is None:
        return new
    if old in FINAL:
        return old
    if rank(new) > rank(old) or evidence:
        return new
    return old


def dedupe_key(source: str, subject: str, token: str, occurrence: int | None) -> str:
    """`<source>:stage:<subject>:<token>#<n>`: one event per subject, stage token and occurrence.

    occurrence None: the open key `...#` whose number ingest assigns (earlier occurrences + 1),
    for moves a step detects once per real change (a changed field, a clock that fires).
    """
    return f"{source}:stage:{subject}:{token}#{'' if occurrence is None else occurrence}"


@dataclass(frozen=True)
class Statement:
    """What one source last stated about a company: its stage and the date it gives for it."""

    source: str
    stage: str | None
    date: str | None


def overall_stage(statements: Iterable[Statement]) -> Statement | None:
    """The company's stage across sources: the latest stated date wins, the later stage on a tie.

    Not forward-only: each source's own statement already went through `decide`, and a listed
    A-share company that files in Hong Kong (A+H) really is at a new stage there.
    """
    known = [s for s in statements if s.stage in stages.ORDER]
    if not known:
        return None
    return max(known, key=lambda s: (s.date or "", stages.ORDER[s.stage], s.source))
