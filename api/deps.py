"""What the routers share: the application state (settings, database, Temporal, the rules), and
the lookups every actor's router needs (a case from the read model, the citizen's party in it).

District scoping, decided here only: a seat, officer or reviewer sees and acts on the
cases of their token's district (the case's district comes from the pilot area's feature the
accident lies in: domain.eligibility, stored in the read model's ``cases.district``); another
district's case is "not found" (404, as an unknown one) and is absent from their lists. Admins
and operators see every district, and so does a staff member of district ``*`` (the whole unit).
Citizens are not scoped by district: they see only their own cases (party_of)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.rules import RulesConfig
from adapters.sms import SmsSender
from api.auth import ALL_DISTRICTS, ApiRole, Principal
from api.staff_sessions import AccountCache
from api.temporal import TemporalGateway, TemporalUnavailable
from domain.case_view import CaseSnapshot, PartySnapshot
from domain.case_view import case_view as masked_view
from domain.messages import Actor, CaseView
from domain.models import Model
from domain.validators import normalize_mobile
from settings import Settings

CASE_NUMBER_PATTERN = r"^[A-Z]{2}\d{8}-\d{6}(-\d+)?$"


C = TypeVar("C", bound=Model)


def command(payload: type[C], actor: Actor, content: Model) -> C:
    """A workflow payload: what the person stated (the request body, the payload's `…Content`
    base) and who they are (from the login)."""
    return payload.model_validate({**dict(content), "actor": actor})


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    temporal: TemporalGateway
    rules: RulesConfig
    sms: SmsSender
    # the time an alert is reported at (eligibility: service hours, working days); tests pin it
    alert_clock: Callable[[], datetime] = utcnow
    codec: object | None = None  # the payload codec, made on first use (api/codec.py)
    # staff accounts' token versions, read at most every 5 s (api/staff_sessions.py)
    account_cache: AccountCache = field(default_factory=AccountCache)


async def state(request: Request) -> AppState:
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop on every request
    return request.app.state.kc


State = Annotated[AppState, Depends(state)]
CaseNumber = Annotated[
    str,
    Path(pattern=CASE_NUMBER_PATTERN, max_length=32, description="案件编号, e.g. LZ20261125-000123"),
]


UNSCOPED_ROLES = (ApiRole.ADMIN, ApiRole.OPS, ApiRole.CITIZEN)


def district_scope(principal: Principal) -> str | None:
    """The one district whose cases this principal sees, or None for every district."""
    if principal.role in UNSCOPED_ROLES or principal.district == ALL_DISTRICTS:
        return None
    return principal.district  # "" (a staff token without a district): matches no case


def in_scope(principal: Principal, district: str) -> bool:
    scope = district_scope(principal)
    return scope is None or (bool(scope) and district == scope)


def listing_district(principal: Principal, requested: str | None = None) -> tuple[bool, str | None]:
    """(anything to list?, the district filter) for a list the principal asked for, optionally
    narrowed to ``requested``: a scoped principal asking for another district gets nothing."""
    scope = district_scope(principal)
    if scope is None:
        return True, requested
    if not scope or (requested is not None and requested != scope):
        return False, scope
    return True, scope


def party_of(snapshot: CaseSnapshot, mobile: str) -> PartySnapshot | None:
    """The citizen's party in the case: the party whose phone is the verified mobile (both
    normalised). If the same phone is on two parties, the first one."""
    wanted = normalize_mobile(mobile)
    return next((p for p in snapshot.parties if normalize_mobile(p.party.phone) == wanted), None)


async def case_view(kc: AppState, snapshot: CaseSnapshot) -> tuple[CaseView, str]:
    """The live view from the workflow query; the stored snapshot's when the workflow is closed
    and gone (archived) or Temporal is unreachable (reads degrade, writes answer 503)."""
    try:
        view = await kc.temporal.view(snapshot.case_number)
    except TemporalUnavailable:
        view = None
    if view is None:
        return masked_view(snapshot), "read_model"
    return view, "workflow"
