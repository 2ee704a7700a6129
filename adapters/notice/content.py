"""What the notice says: 道路交通事故认定书（简易程序） (Order 146 Art. 24) and its revocation.

Full (unmasked) names, ID numbers and phones: the notice is the legal document served on the parties.
Keep this model out of logs and search attributes; pass it to the renderer and to the signer only."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.models import LIABILITY_LABELS_ZH, Decision, Liability, Location, NoticeKind, Party, PartyKind

PARTY_LABELS = "甲乙丙丁戊己庚辛壬癸"
NO_VALUE = "无"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class NoticeLocation(_Model):
    address: str
    district: str = ""


class NoticeParty(_Model):
    party_id: str
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


class NoticeContent(_Model):
    notice_number: str
    case_number: str
    version: int = 1
    issued_at: AwareDatetime
    accident_time: AwareDatetime
    location: NoticeLocation
    weather: str = ""
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

    def canonical_json(self) -> bytes:
        """Sorted-key, compact UTF-8 JSON of every content field: the input of the signature."""
        return canonical_json(self.model_dump(mode="json"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    def texts(self) -> dict[str, str]:
        """Every printed free-text field by name (for the glyph check before rendering)."""
        out = {
            "notice_number": self.notice_number,
            "case_number": self.case_number,
            "location.address": self.location.address,
            "location.district": self.location.district,
            "weather": self.weather,
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
                out[f"parties[{p.party_id}].{name}"] = getattr(p, name)
            out[f"parties[{p.party_id}].policy_number"] = p.policy_number
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
) -> NoticeContent:
    """The notice content from the officer's decision and the case's parties (in the case's order:
    the first party is 甲, the second 乙, ...). Every party needs a liability in the decision, and the
    decision must carry either a mediation result or the reason there was none."""
    if not parties:
        raise ValueError("a notice needs at least one party")
    if len(parties) > len(PARTY_LABELS):
        raise ValueError(f"at most {len(PARTY_LABELS)} parties")
    ids = [p.party_id for p in parties]
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
    return NoticeContent(
        notice_number=notice_number,
        case_number=case_number,
        version=version,
        issued_at=issued_at,
        accident_time=accident_time,
        location=NoticeLocation(address=location.address, district=location.district),
        weather=decision.weather,
        parties=[
            _notice_party(p, PARTY_LABELS[i], decision.liabilities[p.party_id]) for i, p in enumerate(parties)
        ],
        accident_form=decision.accident_form,
        impact_points=list(decision.impact_points),
        facts=decision.facts,
        legal_basis=decision.legal_basis,
        mediation_result=decision.mediation_result,
        no_mediation_reason="" if decision.mediation_result else decision.no_mediation_reason,
        officer_name=decision.officer_name,
        badge_number=decision.badge_number,
        unit=decision.unit,
        review_unit=review_unit,
        served_at=served_at,
        review_deadline=review_deadline,
        revokes=revokes,
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
