"""Can this alert be handled online? (DESIGN.md §1, the Luzhou notice of 2024-06-05.)

:func:`check_eligibility` collects every reason an alert is refused, not only the first, each with
a stable code, a Chinese reason and advice on what to do instead. Everything a detachment changes
(pilot area, service windows, holiday calendar, time zone, vehicle limit) comes in through
:class:`EligibilityConfig`; nothing here does I/O.

Category rules (the three categories of the notice):

1. MOTOR_VS_MOTOR — only motor drivers, at least two; no injuries; every motor party insured
   (交强险 declared and, when its dates are known, valid on the accident date); vehicles movable.
2. MOTOR_VS_NON_MOTOR — at least one motor driver and one non-motor party, no property owner;
   at most minor injury; every motor party insured; the motor party accepts liability.
3. SINGLE_MOTOR_PROPERTY — exactly one motor driver, at least one property owner, no non-motor
   party; no injuries; the owner of the damaged property (injured party) is present.

The vehicle count compared with ``max_vehicles`` is the number of motor-driver parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from domain import refusals as R
from domain.calendar import CalendarYearMissing, WorkingDayCalendar
from domain.geo import PilotArea, to_wgs84
from domain.models import (
    AccidentCategory,
    Alert,
    DeclaredFacts,
    InjuryLevel,
    Location,
    Model,
    Party,
    PartyKind,
    Refusal,
)
from domain.refusals import RefusalCode
from domain.validators import duplicate_phone, validate_mobile, validate_party

ADVICE_CALL_110 = (
    "请留在安全位置，开启危险报警闪光灯，在来车方向50至100米处放置三角警示牌，"
    "拨打110报警，等待交警到现场处理。"
)
ADVICE_MOVE_AND_SETTLE = (
    "车辆能移动的，请先拍照固定现场证据，再将车辆移至不妨碍交通的地点；"
    "可通过交管12123自行协商处理，或拨打110报警，由交警处理。"
)
ADVICE_FIX_INPUT = "请核对并更正填写的信息后重新提交。"

# The codes an alert may be refused with (reasons and kinds in domain.refusals).
ELIGIBILITY_CODES: tuple[RefusalCode, ...] = (
    R.OUTSIDE_SERVICE_HOURS,  # reported outside the service windows (local time)
    R.NOT_A_WORKING_DAY,  # reported on a weekend or statutory holiday
    R.CALENDAR_UNAVAILABLE,  # no holiday calendar for the year of the alert (administrator must load it)
    R.OUTSIDE_PILOT_AREA,  # location outside every pilot-area polygon (after conversion to WGS-84)
    R.DRINK_OR_DRUGS,  # a driver is suspected of drink or drug driving
    R.HIT_AND_RUN,  # a party has fled the scene
    R.INJURY_TOO_SERIOUS,  # injuries beyond what the category allows
    R.VEHICLES_NOT_MOVABLE,  # category 1: vehicles cannot be moved
    R.UNINSURED_MOTOR_PARTY,  # a motor party has no 交强险 valid on the accident date
    R.MOTOR_PARTY_NOT_LIABLE,  # category 2: the motor party does not accept liability
    R.INJURED_PARTY_ABSENT,  # category 3: the owner of the damaged property is not present
    R.CATEGORY_PARTIES_MISMATCH,  # the parties do not fit the declared category
    R.TOO_MANY_VEHICLES,  # more motor vehicles than max_vehicles
    R.DUPLICATE_PARTY_ID,  # two parties share an id
    R.DUPLICATE_PARTY_PHONE,  # two parties share a mobile
    R.INVALID_PARTY,  # a party's data is invalid (see field and reason)
    R.PLATE_NOT_ELIGIBLE,  # police, consular/embassy or Hong Kong/Macao vehicle: on-site handling
    R.INVALID_REPORTER_PHONE,  # the reporter's mobile number is invalid
    R.NO_ELECTRONIC_SERVICE_CONSENT,  # no consent to electronic service of the notice
)

_INJURY_RANK = {InjuryLevel.NONE: 0, InjuryLevel.MINOR: 1, InjuryLevel.SERIOUS: 2}
_MAX_INJURY = {
    AccidentCategory.MOTOR_VS_MOTOR: InjuryLevel.NONE,
    AccidentCategory.MOTOR_VS_NON_MOTOR: InjuryLevel.MINOR,
    AccidentCategory.SINGLE_MOTOR_PROPERTY: InjuryLevel.NONE,
}


@dataclass(frozen=True)
class ServiceWindow:
    start: time
    end: time

    def contains(self, t: time) -> bool:
        """start inclusive, end exclusive."""
        return self.start <= t < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def parse_service_windows(text: str) -> list[ServiceWindow]:
    """ "08:30-12:00,15:00-18:30" → two windows. Raises ValueError on a malformed or empty window."""
    windows: list[ServiceWindow] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_s, end_s = (s.strip() for s in part.split("-"))
            start, end = time.fromisoformat(start_s), time.fromisoformat(end_s)
        except ValueError as exc:
            raise ValueError(f"bad service window {part!r}: expected HH:MM-HH:MM") from exc
        if start >= end:
            raise ValueError(f"bad service window {part!r}: start must be before end")
        windows.append(ServiceWindow(start, end))
    if not windows:
        raise ValueError("no service window configured")
    return windows


@dataclass
class EligibilityConfig:
    pilot_area: PilotArea
    windows: list[ServiceWindow]
    calendar: WorkingDayCalendar
    tz: str = "Asia/Shanghai"
    max_vehicles: int = 3

    @classmethod
    def from_sources(
        cls,
        pilot_area_geojson: dict[str, Any],
        windows: str,
        calendar: WorkingDayCalendar,
        tz: str = "Asia/Shanghai",
        max_vehicles: int = 3,
    ) -> EligibilityConfig:
        ZoneInfo(tz)  # fail early on a bad zone name
        return cls(
            pilot_area=PilotArea.from_geojson(pilot_area_geojson),
            windows=parse_service_windows(windows),
            calendar=calendar,
            tz=tz,
            max_vehicles=max_vehicles,
        )


class EligibilityResult(Model):
    eligible: bool
    refusals: list[Refusal] = Field(default_factory=list)
    area: str | None = None
    district: str | None = None
    location_wgs84: Location | None = None


def _insured_on(party: Party, day: date) -> bool:
    policy = party.vehicle.insurance if party.vehicle else None
    if policy is None:
        return False
    if policy.valid_from and day < policy.valid_from:
        return False
    return not (policy.valid_to and day > policy.valid_to)


class _Refusals(list[Refusal]):
    """The refusals found so far: every rule adds its own, so the citizen learns all at once."""

    def refuse(self, code: RefusalCode, reason: str, advice: str = ADVICE_CALL_110, field: str = "") -> None:
        self.append(code.refusal(reason, advice, field))


def check_eligibility(
    alert: Alert, config: EligibilityConfig, today: date | None = None
) -> EligibilityResult:
    """Every reason the alert cannot be handled online; eligible when there is none.

    ``today`` is used to check birth dates in ID numbers; it defaults to the local date of the alert.
    """
    if alert.reported_at.tzinfo is None or alert.reported_at.utcoffset() is None:
        raise ValueError("alert.reported_at is naive: pass an aware datetime (UTC)")
    local = alert.reported_at.astimezone(ZoneInfo(config.tz))
    out = _Refusals()
    _check_when(local, config, out)
    wgs = to_wgs84(alert.location)
    feature = config.pilot_area.feature_at(wgs)
    if feature is None:
        names = "、".join(config.pilot_area.names)
        out.refuse(
            R.OUTSIDE_PILOT_AREA,
            f"事故地点不在视频快处试点范围内（{names}）。",
            ADVICE_MOVE_AND_SETTLE,
            "location",
        )
    _check_circumstances(alert.facts, out)
    _check_category(alert, local.date(), config.max_vehicles, out)
    _check_data(alert, today or local.date(), out)
    return EligibilityResult(
        eligible=not out,
        refusals=list(out),
        area=feature.name if feature else None,
        district=feature.district if feature else None,
        location_wgs84=wgs,
    )


def _check_when(local: datetime, config: EligibilityConfig, out: _Refusals) -> None:
    """Working days and service windows, in the detachment's local time."""
    local_day = local.date()
    try:
        if not config.calendar.is_workday(local_day):
            out.refuse(
                R.NOT_A_WORKING_DAY,
                f"视频快处仅在工作日提供，{local_day:%Y年%m月%d日}不是工作日。",
                ADVICE_MOVE_AND_SETTLE,
                "reported_at",
            )
    except CalendarYearMissing as exc:
        out.refuse(
            R.CALENDAR_UNAVAILABLE,
            f"系统尚未载入{exc.year}年的节假日安排，暂时无法受理视频快处。",
            ADVICE_MOVE_AND_SETTLE,
            "reported_at",
        )
    if not any(w.contains(local.time()) for w in config.windows):
        hours = "、".join(str(w) for w in config.windows)
        out.refuse(
            R.OUTSIDE_SERVICE_HOURS,
            f"当前不在视频快处服务时间（工作日 {hours}）。",
            ADVICE_MOVE_AND_SETTLE,
            "reported_at",
        )


def _check_circumstances(facts: DeclaredFacts, out: _Refusals) -> None:
    """Drink or drugs, hit and run, injuries beyond what the category allows."""
    if facts.drink_or_drugs:
        out.refuse(
            R.DRINK_OR_DRUGS,
            "当事人有饮酒、服用国家管制的精神药品或者麻醉药品嫌疑的事故不能线上处理。",
            field="facts.drink_or_drugs",
        )
    if facts.hit_and_run:
        out.refuse(R.HIT_AND_RUN, "有当事人驾车逃逸的事故不能线上处理。", field="facts.hit_and_run")
    max_injury = _MAX_INJURY[facts.category]
    if _INJURY_RANK[facts.injuries] > _INJURY_RANK[max_injury]:
        allowed = "轻微伤" if max_injury == InjuryLevel.MINOR else "无人员受伤"
        out.refuse(
            R.INJURY_TOO_SERIOUS,
            f"该类事故仅限{allowed}，超出视频快处范围。",
            "如有人受伤，请立即拨打120急救电话并拨打110报警，保护现场，等待交警到现场处理。",
            "facts.injuries",
        )


def _check_category(alert: Alert, local_day: date, max_vehicles: int, out: _Refusals) -> None:
    """The parties fit the declared category, with its own conditions; insurance; vehicle count."""
    facts, parties = alert.facts, alert.parties
    motor = [p for p in parties if p.kind == PartyKind.MOTOR_DRIVER]
    non_motor = [p for p in parties if p.kind == PartyKind.NON_MOTOR]
    owners = [p for p in parties if p.kind == PartyKind.PROPERTY_OWNER]
    ids = [p.party_id for p in parties]
    if len(set(ids)) != len(ids):
        out.refuse(R.DUPLICATE_PARTY_ID, "当事人编号重复。", ADVICE_FIX_INPUT, "parties")
    elif shared := duplicate_phone(list(parties)):  # (same id twice: one refusal is enough)
        out.refuse(R.DUPLICATE_PARTY_PHONE, shared.reason, R.DUPLICATE_PARTY_PHONE.advice, shared.field)

    category = facts.category
    mismatch = ""
    if category == AccidentCategory.MOTOR_VS_MOTOR:
        if len(motor) < 2 or non_motor or owners:
            mismatch = "机动车与机动车事故应有两名以上机动车驾驶人，且不涉及其他当事人。"
        if not facts.vehicles_movable:
            out.refuse(
                R.VEHICLES_NOT_MOVABLE,
                "车辆不能自行移动的事故不能线上处理。",
                "请开启危险报警闪光灯、放置警示标志，人员撤至安全地带，拨打110报警并联系施救，"
                "等待交警到现场处理。",
                "facts.vehicles_movable",
            )
    elif category == AccidentCategory.MOTOR_VS_NON_MOTOR:
        if not motor or not non_motor or owners:
            mismatch = "机动车与非机动车事故应至少有一名机动车驾驶人和一名非机动车方当事人。"
        if not facts.motor_party_liable:
            out.refuse(
                R.MOTOR_PARTY_NOT_LIABLE,
                "机动车与非机动车事故须机动车方应当承担事故责任，方可线上处理。",
                field="facts.motor_party_liable",
            )
    elif category == AccidentCategory.SINGLE_MOTOR_PROPERTY:
        if len(motor) != 1 or not owners or non_motor:
            mismatch = "单方事故应只有一辆机动车，并有受损财产的一方当事人。"
        if not facts.injured_party_present:
            out.refuse(
                R.INJURED_PARTY_ABSENT,
                "单方事故造成他方财产损失的，须受损方相关人员在现场。",
                "请联系受损财产的所有人或管理人到场；无法到场的，请拨打110报警。",
                "facts.injured_party_present",
            )
    if mismatch:
        out.refuse(R.CATEGORY_PARTIES_MISMATCH, mismatch, ADVICE_FIX_INPUT, "parties")
    if category in (AccidentCategory.MOTOR_VS_MOTOR, AccidentCategory.MOTOR_VS_NON_MOTOR):
        for p in motor:
            if p.vehicle is not None and not _insured_on(p, local_day):
                out.refuse(
                    R.UNINSURED_MOTOR_PARTY,
                    f"当事人{p.party_id}的车辆未投保交强险或保险不在有效期内，不能线上处理。",
                    field=f"{p.party_id}.vehicle.insurance",
                )
    if len(motor) > max_vehicles:
        out.refuse(
            R.TOO_MANY_VEHICLES,
            f"涉及{len(motor)}辆机动车，视频快处最多{max_vehicles}辆。",
            field="parties",
        )


def _check_data(alert: Alert, today: date, out: _Refusals) -> None:
    """Each party's data, the reporter's phone, the consent to electronic service."""
    for p in alert.parties:
        for r in validate_party(p, today):
            # A special plate (police, consular, HK/Macao) is not a typo: keep its own code.
            code = R.PLATE_NOT_ELIGIBLE if r.code == R.PLATE_NOT_ELIGIBLE.code else R.INVALID_PARTY
            out.refuse(code, r.reason, r.advice or ADVICE_FIX_INPUT, r.field)
    if validate_mobile(alert.reporter_phone):
        out.refuse(
            R.INVALID_REPORTER_PHONE,
            "报警人手机号码格式不正确。",
            "请填写本人正在使用的手机号码，以便接收短信和电子认定书。",
            "reporter_phone",
        )
    if not alert.consent_electronic_service:
        out.refuse(
            R.NO_ELECTRONIC_SERVICE_CONSENT,
            "线上处理须同意以电子方式送达事故认定书。",
            "请同意电子送达后重新提交；如不同意，请拨打110，由交警到现场处理。",
            "consent_electronic_service",
        )
