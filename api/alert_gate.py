"""One case on the scene per reporter, on every API process: a double tap on the alert button, the
app's retry after a timeout (same ``Idempotency-Key``) or a second alert while the first case is
still on the scene answers that case instead of raising a second one.

The gate is one ``alert_gates`` row per reporter (the phone's HMAC as primary key): the first
alert inserts it (INSERT ... ON CONFLICT DO NOTHING decides races inside the database), a later
one finds it. "On the scene" is queued, in video or verifying: once the evidence is fixed the
parties are told to leave, and a new alert is a new accident (the earlier case may stay open for
weeks of service, review and claims). A gate whose case was never started (the API process died
between the row and the start) is taken over after STALE_AFTER."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from temporalio.service import RPCError, RPCStatusCode

from api.case_reads import load_case
from api.deps import AppState
from api.errors import ApiProblem
from db import repository
from db.api_models import AlertGateRow
from db.session import write_session
from domain import refusals as R
from domain.models import CaseStatus

ON_SCENE = (CaseStatus.QUEUED, CaseStatus.IN_VIDEO, CaseStatus.VERIFYING)
STALE_AFTER = timedelta(seconds=30)
ATTEMPTS = 4


async def _state(kc: AppState, row: AlertGateRow) -> str:
    """on_scene | moved_on | missing (no case: never started, or about to be)."""
    snapshot = await load_case(kc, row.case_number)
    if snapshot is not None:
        return "on_scene" if snapshot.status in ON_SCENE else "moved_on"
    try:
        await (await kc.temporal.handle(row.case_number)).describe()
        return "on_scene"  # started, its first record not yet in the read model
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise ApiProblem(R.TEMPORAL_UNAVAILABLE) from err
    young = datetime.now(UTC) - row.created_at < STALE_AFTER
    return "on_scene" if young else "missing"  # young: another request is starting it now


async def claim(kc: AppState, mobile: str, number: str, key: str) -> str | None:
    """None when the gate is now this alert's, for case `number` (start it); otherwise the
    number of the reporter's case that answers this alert."""
    reporter = repository.phone_hash(mobile, kc.settings.hash_secret)
    values = {"reporter_hash": reporter, "case_number": number, "idempotency_key": key}
    for _ in range(ATTEMPTS):
        async with write_session(kc.sessions) as session:
            inserted = await repository.insert_if_absent(
                session, AlertGateRow, {**values, "created_at": datetime.now(UTC)}, "reporter_hash"
            )
            row = None if inserted else await session.get(AlertGateRow, reporter)
        if inserted:
            return None
        if row is None:  # released meanwhile: try again
            continue
        state = await _state(kc, row)
        if state == "on_scene" or (key and row.idempotency_key == key and state != "missing"):
            return row.case_number
        async with write_session(kc.sessions) as session:  # take over a gate whose case moved on
            table = AlertGateRow.__table__
            taken = await session.execute(
                sa.update(table)
                .where(table.c.reporter_hash == reporter, table.c.case_number == row.case_number)
                .values(**values, created_at=datetime.now(UTC))
            )
        if (taken.rowcount or 0) == 1:
            return None
    raise ApiProblem(R.SERVICE_UNAVAILABLE)


async def release(kc: AppState, mobile: str, number: str) -> None:
    """The case `number` could not be started: the reporter's gate is free again."""
    reporter = repository.phone_hash(mobile, kc.settings.hash_secret)
    table = AlertGateRow.__table__
    async with kc.sessions.begin() as session:
        await session.execute(
            sa.delete(table).where(table.c.reporter_hash == reporter, table.c.case_number == number)
        )
