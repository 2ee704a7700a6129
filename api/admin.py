"""Administrator endpoints: the holiday calendar, the SMS outbox and the stuck cases.

Calendar: official years come from the ``chinese-calendar`` package; a year it does not know yet
(2027 at the time of writing) is loaded here - its statutory holidays (``is_workday: false``) and
make-up working days (调休, ``is_workday: true``) - and declared complete, so that deadlines and
eligibility use it instead of failing loudly (domain.calendar). Single days can be corrected too.
SMS outbox: what was (or, embedded, "is") sent, newest first; phones masked.
Stuck cases: running cases waiting on a failing activity for longer than the set time (the
StuckActivities search attribute, workflows/activity_calls.py) or whose workflow task keeps failing
(Temporal's own marker; the case doctor resets replay faults): what an operator must look at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from adapters.sms_templates import is_secret
from api.auth import AdminP
from api.deps import State
from api.errors import ApiProblem, problem_responses
from db import repository
from domain import activity_contracts as act
from domain import refusals as R
from domain.masking import mask_phone
from domain.messages import WORKFLOW_NAME, workflow_id_for
from domain.text import Line

router = APIRouter(prefix="/admin", tags=["admin"])


class CalendarDay(BaseModel):
    day: date
    is_workday: bool
    note: Line = Field(default="", max_length=128)  # the domain's text rules (no control characters)


class CalendarDaysIn(BaseModel):
    days: list[CalendarDay] = Field(min_length=1, max_length=400)


class CalendarOut(BaseModel):
    years: list[int]
    days: list[CalendarDay]


class SmsOut(BaseModel):
    id: int
    case_number: str | None
    party_id: str
    phone: str  # masked
    template: str
    body: str
    status: str
    provider: str
    error_code: str | None = None
    created_at: datetime


async def _store(kc, days: list[CalendarDay], by: str, year: int | None = None) -> None:
    async with kc.sessions.begin() as session:
        for d in days:
            await repository.put_calendar_override(session, d.day, d.is_workday, note=d.note, loaded_by=by)
        if year is not None:
            await repository.put_calendar_year(session, year, loaded_by=by)


@router.put("/calendar/years/{year}", responses=problem_responses(401, 403, 422))
async def load_year(
    year: Annotated[int, Path(ge=2000, le=2100)], body: CalendarDaysIn, kc: State, principal: AdminP
) -> CalendarOut:
    """Load a year's holidays and make-up working days and declare the year complete."""
    wrong = [d.day.isoformat() for d in body.days if d.day.year != year]
    if wrong:
        raise ApiProblem(R.DAY_OUTSIDE_YEAR, f"以下日期不属于{year}年：{'、'.join(wrong[:5])}")
    await _store(kc, body.days, principal.sub, year)
    return await calendar(kc, principal, year)


@router.put("/calendar/days", responses=problem_responses(401, 403, 422))
async def put_days(body: CalendarDaysIn, kc: State, principal: AdminP) -> CalendarOut:
    """Correct single days (the year is not declared complete by this)."""
    await _store(kc, body.days, principal.sub)
    return await calendar(kc, principal, None)


@router.get("/calendar", responses=problem_responses(401, 403))
async def calendar(
    kc: State, principal: AdminP, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> CalendarOut:
    async with kc.sessions() as session:
        days, years = await repository.load_calendar_overrides(session)
    return CalendarOut(
        years=sorted(y for y in years if year is None or y == year),
        days=[
            CalendarDay(day=d, is_workday=w)
            for d, w in sorted(days.items())
            if year is None or d.year == year
        ],
    )


@router.get("/sms", responses=problem_responses(401, 403))
async def sms_outbox(
    kc: State,
    principal: AdminP,
    case_number: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[SmsOut]:
    async with kc.sessions() as session:
        rows = await repository.list_sms(session, case_number=case_number, limit=limit, offset=offset)
    return [
        SmsOut(
            id=r.id,
            case_number=r.case_number,
            party_id=r.party_id,
            phone=mask_phone(r.phone),
            template=r.template,
            body=r.body if not is_secret(r.template) else "（验证码/报警链接短信，内容不予显示）",
            status=r.status,
            provider=r.provider,
            error_code=r.error_code,
            created_at=r.created_at,
        )
        for r in rows
    ]


class StuckCaseOut(BaseModel):
    case_number: str
    status: str = ""  # CaseStatus search attribute
    stuck_activities: list[str] = Field(default_factory=list)  # activity names, no personal data
    task_failing: bool = False  # Temporal reports its workflow task failing (the case doctor's list)
    since: datetime | None = None  # when the case's workflow started


@router.get("/stuck-cases", responses=problem_responses(401, 403, 503))
async def stuck_cases(
    kc: State, principal: AdminP, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[StuckCaseOut]:
    """Running cases an operator must look at (no personal data: case numbers and names)."""
    client = await kc.temporal.client()
    out: list[StuckCaseOut] = []
    async for wf in client.list_workflows(act.stuck_cases_query(WORKFLOW_NAME), limit=limit):
        attrs = wf.search_attributes
        status = attrs.get("CaseStatus") or [""]
        out.append(
            StuckCaseOut(
                case_number=wf.id.removeprefix(workflow_id_for("")),
                status=str(status[0]),
                stuck_activities=[str(a) for a in attrs.get(act.STUCK_ACTIVITIES_ATTRIBUTE) or []],
                task_failing=bool(attrs.get(act.REPORTED_PROBLEMS_ATTRIBUTE)),
                since=wf.start_time,
            )
        )
    return out
