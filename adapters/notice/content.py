"""What the notice says: 道路交通事故认定书（简易程序） (Order 146 Art. 24) and its revocation.

Full (unmasked) names, ID numbers and phones: the notice is the legal document served on the parties.
Keep this model out of logs and search attributes; pass it to the renderer and to the signer only."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.models import LIABILITY_LABELS_ZH, Decision, Liability, Location, NoticeKind, Party, PartyKind
from domain.notice_codes import (
    NOT_RECORDED,
    PARTY_LABELS,
    ROAD_SURFACES,
    WEATHER,
    accident_form_name,
    impact_point_name,
    name_of,
    party_labels,
    substitute_party_refs,
    unknown_party_refs,
)

NO_VALUE = "无"
__all__ = ["NOT_RECORDED", "NO_VALUE", "PARTY_LABELS"]  # re-exported for the renderers


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class SignedContent(_Model):
    """A document's content as signed: canonical JSON, and its SHA-256 on the record."""

    def canonical_json(self) -> bytes:
        """Sorted-key, compact UTF-8 JSON of every content field: the input of the signature."""
        return canonical_json(self.model_dump(mode="json"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()


class NoticeLocation(_Model):
    address: str
    district: str = ""


class NoticeParty(_Model):
    # the case's internal id (P1): for field names in errors only. Not part of the signed content nor
    # of the JSON attached to the PDF, where parties are 甲, 乙, ... and nothing else.
    party_id: str = Field(default="", exclude=True)
    label: str  # 甲 / 乙 / 丙 ...
    name: str
    id_or_licence_number: str
    phone: str
    kind: PartyKind = PartyKind.MOTOR_DRIVER
    vehicle_type: str = ""  # 小型普通客车, 电动自行车, 步行 ...
    plate: str = ""
    insurer_name: str = ""
    policy_number: str = ""
    liability: Liability
    liability_label: str  # 全部责任 ...


class Revocation(_Model):
    """For a revocation notice: which notice it revokes, why, and the determination replacing it."""

    revoked_notice_number: str
    revoked_issued_at: AwareDatetime | None = None
    reason: str
    new_notice_number: str = ""


class NoticeContent(SignedContent):
    notice_number: str
    case_number: str
    version: int = 1
    issued_at: AwareDatetime
    accident_time: AwareDatetime
    location: NoticeLocation
    weather: str = NOT_RECORDED  # as the seat recorded it; never a default value
    road_surface: str = NOT_RECORDED
    parties: list[NoticeParty]
    accident_form: str = ""  # 事故形态
    impact_points: list[str] = Field(default_factory=list)  # 碰撞部位
    facts: str = ""
    legal_basis: str = ""
    mediation_result: str = ""
    no_mediation_reason: str = ""
    officer_name: str
    badge_number: str
    unit: str  # the issuing unit (大队)
    review_unit: str  # where a review (复核) is applied for: the superior unit (支队)
    served_at: AwareDatetime | None = None  # read confirmation = service; unknown when first issued
    review_deadline: date | None = None  # last day to apply for review (ends 24:00 Asia/Shanghai)
    revokes: Revocation | None = None

    @property
    def kind(self) -> NoticeKind:
        return NoticeKind.REVOCATION if self.revokes else NoticeKind.DETERMINATION

    def texts(self) -> dict[str, str]:
        """Every printed free-text field by name (for the glyph check before rendering)."""
        out = {
            "notice_number": self.notice_number,
            "case_number": self.case_number,
            "location.address": self.location.address,
            "location.district": self.location.district,
            "weather": self.weather,
            "road_surface": self.road_surface,
            "accident_form": self.accident_form,
            "impact_points": "".join(self.impact_points),
            "facts": self.facts,
            "legal_basis": self.legal_basis,
            "mediation_result": self.mediation_result,
            "no_mediation_reason": self.no_mediation_reason,
            "officer_name": self.officer_name,
            "badge_number": self.badge_number,
            "unit": self.unit,
            "review_unit": self.review_unit,
        }
        for p in self.parties:
            for name in ("name", "id_or_licence_number", "phone", "vehicle_type", "plate", "insurer_name"):
                out[f"parties[{p.party_id or p.label}].{name}"] = getattr(p, name)
            out[f"parties[{p.party_id or p.label}].policy_number"] = p.policy_number
        if self.revokes:
            out["revokes.reason"] = self.revokes.reason
            out["revokes.revoked_notice_number"] = self.revokes.revoked_notice_number
            out["revokes.new_notice_number"] = self.revokes.new_notice_number
        return out


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _notice_party(party: Party, label: str, liability: Liability) -> NoticeParty:
    vehicle = party.vehicle
    insurance = vehicle.insurance if vehicle else None
    if vehicle is not None:
        vehicle_type = vehicle.vehicle_type
    elif party.kind == PartyKind.NON_MOTOR:
        vehicle_type = "步行"
    else:
        vehicle_type = ""
    return NoticeParty(
        party_id=party.party_id,
        label=label,
        name=party.name,
        id_or_licence_number=party.id_number or party.licence_number,
        phone=party.phone,
        kind=party.kind,
        vehicle_type=vehicle_type,
        plate=vehicle.plate if vehicle else "",
        insurer_name=insurance.insurer_name if insurance else "",
        policy_number=insurance.policy_number if insurance else "",
        liability=liability,
        liability_label=LIABILITY_LABELS_ZH[liability],
    )


def build_notice_content(
    case_number: str,
    notice_number: str,
    version: int,
    decision: Decision,
    parties: list[Party],
    location: Location,
    accident_time: datetime,
    issued_at: datetime,
    *,
    review_unit: str,
    served_at: datetime | None = None,
    review_deadline: date | None = None,
    revokes: Revocation | None = None,
    weather: str | None = None,
    road_surface: str | None = None,
) -> NoticeContent:
    """The notice content from the officer's decision and the case's parties (in the case's order:
    the first party is 甲, the second 乙, ...). Every party needs a liability in the decision, and the
    decision must carry either a mediation result or the reason there was none.

    ``accident_time`` is when the accident happened (as declared and corrected by the seat), not when
    the alert was raised. ``weather`` and ``road_surface`` are what the seat recorded (a code of
    :data:`domain.notice_codes.WEATHER` / ``ROAD_SURFACES`` or a name); absent, the notice says
    未记录 (the decision has no weather: it is the seat's record, not the officer's).

    Accident form and impact points given as codes print as their names; free text (older decisions)
    prints as written. Party ids (P1, P2) in the officer's text become 甲, 乙; an id of no party of the
    case is refused, as an internal id must never be printed."""
    if not parties:
        raise ValueError("a notice needs at least one party")
    ids = [p.party_id for p in parties]
    labels = party_labels(ids)
    missing = [pid for pid in ids if pid not in decision.liabilities]
    unknown = [pid for pid in decision.liabilities if pid not in ids]
    if missing or unknown:
        raise ValueError(
            f"decision liabilities do not match the parties: missing {missing}, unknown {unknown}"
        )
    if not (decision.mediation_result or decision.no_mediation_reason):
        raise ValueError("a notice states the mediation result or the reason there was none")
    if accident_time.tzinfo is None or issued_at.tzinfo is None:
        raise ValueError("accident_time and issued_at must be timezone-aware")
    with_vehicle = {p.party_id: p.vehicle is not None for p in parties}
    texts = {
        "facts": decision.facts,
        "accident_form": accident_form_name(decision.accident_form),
        "legal_basis": decision.legal_basis,
        "mediation_result": decision.mediation_result,
        "no_mediation_reason": "" if decision.mediation_result else decision.no_mediation_reason,
    }
    impact_points = [impact_point_name(v, labels, with_vehicle) for v in decision.impact_points]
    for field, text in [*texts.items(), *(("impact_points", v) for v in impact_points)]:
        if stray := unknown_party_refs(text, labels):
            raise ValueError(f"{field} refers to {stray}, which is no party of this case")
    texts = {field: substitute_party_refs(text, labels) for field, text in texts.items()}
    return NoticeContent(
        notice_number=notice_number,
        case_number=case_number,
        version=version,
        issued_at=issued_at,
        accident_time=accident_time,
        location=NoticeLocation(address=location.address, district=location.district),
        weather=name_of(WEATHER, weather) if weather and weather.strip() else NOT_RECORDED,
        road_surface=name_of(ROAD_SURFACES, road_surface)
        if road_surface and road_surface.strip()
        else NOT_RECORDED,
        parties=[_notice_party(p, labels[p.party_id], decision.liabilities[p.party_id]) for p in parties],
        impact_points=impact_points,
        officer_name=decision.officer_name,
        badge_number=decision.badge_number,
        unit=decision.unit,
        review_unit=review_unit,
        served_at=served_at,
        review_deadline=review_deadline,
        revokes=revokes,
        **texts,
    )


def build_revocation_content(
    revoked: NoticeContent,
    notice_number: str,
    reason: str,
    issued_at: datetime,
    *,
    new_notice_number: str = "",
    officer_name: str | None = None,
    badge_number: str | None = None,
    unit: str | None = None,
) -> NoticeContent:
    """A revocation notice (撤销道路交通事故认定书) for ``revoked``: same case, parties, time and place;
    states the revoked notice, the reason and the new determination's number. The determination-only
    fields (facts, liability basis, mediation) are not repeated."""
    if not reason.strip():
        raise ValueError("a revocation states its reason")
    return revoked.model_copy(
        update={
            "notice_number": notice_number,
            "version": revoked.version + 1,
            "issued_at": issued_at,
            "facts": "",
            "legal_basis": "",
            "mediation_result": "",
            "no_mediation_reason": "",
            "accident_form": "",
            "impact_points": [],
            "served_at": None,
            "review_deadline": None,
            "officer_name": officer_name if officer_name is not None else revoked.officer_name,
            "badge_number": badge_number if badge_number is not None else revoked.badge_number,
            "unit": unit if unit is not None else revoked.unit,
            "revokes": Revocation(
                revoked_notice_number=revoked.notice_number,
                revoked_issued_at=revoked.issued_at,
                reason=reason,
                new_notice_number=new_notice_number,
            ),
        },
        deep=True,
    )
