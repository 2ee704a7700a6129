"""The case as its citizen reads it (GET /citizen/cases/{case}), and as a seat, an officer or a
reviewer reads it in their console (GET /{role}/cases/{case}): the masked view projected from
the read model's snapshot (domain.case_view.case_view, the very projection the workflow's query
makes of the same snapshot), not a workflow query: a read then costs one indexed row and no
worker CPU, and it is the snapshot the live feed's ``snapshot_seq`` announces (api/live.py).

The snapshot is written at every recorded step, so it misses a deadline that a wait started
after the status's last step: the seat answer of a queued case (set once the alert's SMS went
out, after ``alert_received``), the decision escalation of a case awaiting its decision, the
notice reminder of a notice sent, the review window of a served case (LIVE_DEADLINE; compared
with the query over a walked case in tests/api/test_reads.py). Such a deadline is the moment its
wait began plus the timer, derivable from nothing stored, and reaches the snapshot at the next
step. So a case at such a status whose snapshot lacks it is read with the query once; the
deadline the query shows (fixed while the wait runs) is kept for that case and status in this
process and added to the snapshot's view after, until it has passed (then the query again: its
wait may have been followed by another one the snapshot does not hold either)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from api.auth import Principal
from api.deps import AppState, case_view, in_scope
from api.errors import ApiProblem
from api.snapshot_seqs import SnapshotSeqs
from db.models import CaseRow
from domain import refusals as R
from domain.case_view import CaseSnapshot
from domain.case_view import case_view as masked_view
from domain.messages import CaseView, Deadline
from domain.models import CaseStatus

# the deadline of the wait a status starts after its last recorded step (workflows/case_workflow,
# notify.decide_and_notify, service.serve_and_wait_window)
LIVE_DEADLINE = {
    CaseStatus.QUEUED: "seat_answer",
    CaseStatus.AWAITING_DECISION: "decision",
    CaseStatus.AWAITING_REDETERMINATION: "redetermination",
    CaseStatus.NOTICE_SENT: "notice_reminder",
    CaseStatus.SERVED: "review_window",
    CaseStatus.UNDER_REVIEW: "review_conclusion",
}
KEPT = 2_000  # cases (and their answers) a process keeps, the ones read lately: 12 KB a queued one


@dataclass
class CaseRead:
    """A case's snapshot as last read, and the answers built from it (keyed by the caller)."""

    snapshot: CaseSnapshot
    answers: dict[tuple[str, str], bytes] = field(default_factory=dict)


@dataclass
class _Reads:
    seqs: SnapshotSeqs
    cases: dict[str, CaseRead] = field(default_factory=dict)
    # (case, status) -> its LIVE_DEADLINE as the query showed it (each process asks once)
    deadlines: dict[tuple[str, CaseStatus], Deadline] = field(default_factory=dict)


# per database, as the queue cache (api/queue.py): each app, and each test's app, has its own
_READS: weakref.WeakKeyDictionary[Any, _Reads] = weakref.WeakKeyDictionary()
_CASES = CaseRow.__table__.c


def _reads(kc: AppState) -> _Reads:
    reads = _READS.get(kc.engine)
    if reads is None:
        reads = _READS[kc.engine] = _Reads(SnapshotSeqs())
    return reads


def _keep(store: dict[Any, Any], key: Any, value: Any) -> None:
    if key not in store and len(store) >= KEPT:
        store.pop(next(iter(store)))  # the oldest kept
    store[key] = value


async def current(kc: AppState, case_number: str) -> CaseRead | None:
    """The case's stored snapshot: its number (seq) is read for every request (api/snapshot_seqs.py),
    the snapshot itself (and its validation) only when it is not the one kept, so a newer step is
    never missed."""
    reads = _reads(kc)
    seq = await reads.seqs.seq(kc.engine, case_number)
    if seq is None:
        return None
    kept = reads.cases.get(case_number)
    if kept is not None and kept.snapshot.seq == seq:
        return kept
    async with kc.engine.connect() as conn:
        stmt = sa.select(_CASES.snapshot).where(_CASES.case_number == case_number)
        raw = (await conn.execute(stmt)).scalar()
    if raw is None:
        return None
    read = CaseRead(CaseSnapshot.model_validate(raw))
    _keep(reads.cases, case_number, read)
    return read


async def load_case(kc: AppState, case_number: str) -> CaseSnapshot | None:
    """The case's last stored snapshot (parties in full: mask before showing it), as current():
    shared with the other requests of this step, so never changed by its caller."""
    read = await current(kc, case_number)
    return None if read is None else read.snapshot


async def require_case(kc: AppState, case_number: str, principal: Principal) -> CaseSnapshot:
    """The case, or CASE_NOT_FOUND: also when it is another district's than the principal's."""
    snapshot = await load_case(kc, case_number)
    if snapshot is None or not in_scope(principal, snapshot.district):
        raise ApiProblem(R.CASE_NOT_FOUND)
    return snapshot


def snapshot_view(kc: AppState, snapshot: CaseSnapshot) -> CaseView | None:
    """The masked view from the snapshot, or None when the snapshot lacks what the view shows."""
    view = masked_view(snapshot)
    kind = LIVE_DEADLINE.get(snapshot.status)
    if kind is None or any(d.kind == kind for d in view.deadlines):
        return view
    known = _reads(kc).deadlines.get((snapshot.case_number, snapshot.status))
    if known is None or known.at <= datetime.now(UTC):
        return None
    view.deadlines = sorted([*view.deadlines, known], key=lambda d: d.at)
    return view


async def staff_read(
    kc: AppState, case_number: str, principal: Principal
) -> tuple[CaseSnapshot, CaseView, str]:
    """(snapshot, view, source) of a case in the principal's district (as deps.require_case);
    CASE_NOT_FOUND otherwise. The parties in full come from the snapshot (api/views.staff_detail)."""
    read = await current(kc, case_number)
    if read is None or not in_scope(principal, read.snapshot.district):
        raise ApiProblem(R.CASE_NOT_FOUND)
    view, source, _ = await read_view(kc, read.snapshot)
    return read.snapshot, view, source


async def read_view(kc: AppState, snapshot: CaseSnapshot) -> tuple[CaseView, str, bool]:
    """(view, source, final): the snapshot's (``read_model``), else the live query's (``workflow``,
    or ``read_model`` when Temporal is unreachable). Final: the snapshot's own, the same for every
    request of this step (an answer built from it may be kept); a queried one is not."""
    view = snapshot_view(kc, snapshot)
    if view is not None:
        return view, "read_model", True
    view, source = await case_view(kc, snapshot)
    kind = LIVE_DEADLINE.get(view.status)
    deadline = next((d for d in view.deadlines if d.kind == kind), None)
    if deadline is not None and view.status == snapshot.status:
        _keep(_reads(kc).deadlines, (snapshot.case_number, snapshot.status), deadline)
    return view, source, False
