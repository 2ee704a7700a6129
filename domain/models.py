"""Types of an accident case. Pydantic models so that they travel as Temporal payloads
(one pydantic data converter for client, worker and replayer). Every field has a default
or is required at creation only, so that new fields never break old histories."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.text import Line, PrintedLine, PrintedText, Text, as_line


class Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="ignore", use_enum_values=False)


# Limits that several shapes share, declared once (the API's request bodies are these shapes too).
# the one party-id pattern (P1, P2, ...): the models and domain.notice_codes use it
PARTY_ID_PATTERN = "P[0-9]{1,6}"
# (the pattern before the text rule: so it stays in the JSON schema)
PartyId = Annotated[
    str, Field(pattern=f"^{PARTY_ID_PATTERN}$", description="P1, P2, ..."), AfterValidator(as_line)
]
OptionalPartyId = Annotated[str, Field(pattern=f"^({PARTY_ID_PATTERN})?$"), AfterValidator(as_line)]
# a mobile as typed (+86, spaces, dashes); domain.validators.normalize_mobile reads it
MobileText = Annotated[PrintedLine, Field(max_length=24)]
StaffId = Annotated[Line, Field(max_length=64)]
# the case's address (printed on the notice) and the declared account of the accident: the alert
# declares them, the seat or the officer may correct them (domain.messages.CorrectionContent)
Address = Annotated[PrintedLine, Field(max_length=256)]
AccidentAccount = Annotated[Text, Field(max_length=2000)]


class Refusal(Model):
    """Why something was refused: a stable English code and a reason a person understands (Chinese),
    plus what to do instead where that helps the citizen."""

    code: str
    reason: str
    advice: str = ""
    field: str = ""  # what the refusal is about, e.g. "P1.phone" or "liabilities"; empty if general


class CoordinateSystem(StrEnum):
    WGS84 = "WGS84"  # GPS, what phones report
    GCJ02 = "GCJ02"  # Chinese national maps (Amap, Tencent)
    BD09 = "BD09"  # Baidu maps


class Location(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    system: CoordinateSystem = CoordinateSystem.WGS84
    address: Address = ""
    district: PrintedLine = Field(default="", max_length=64)


class PartyKind(StrEnum):
    MOTOR_DRIVER = "motor_driver"
    NON_MOTOR = "non_motor"  # cyclist, e-bike rider, pedestrian
    PROPERTY_OWNER = "property_owner"


class AccidentCategory(StrEnum):
    """The three categories that may be handled online (DESIGN.md §1)."""

    MOTOR_VS_MOTOR = "motor_vs_motor"
    MOTOR_VS_NON_MOTOR = "motor_vs_non_motor"
    SINGLE_MOTOR_PROPERTY = "single_motor_property"


class InjuryLevel(StrEnum):
    NONE = "none"
    MINOR = "minor"  # 轻微伤
    SERIOUS = "serious"


class Liability(StrEnum):
    FULL = "FULL"  # 全部
    MAJOR = "MAJOR"  # 主要
    EQUAL = "EQUAL"  # 同等
    MINOR = "MINOR"  # 次要
    NONE = "NONE"  # 无


LIABILITY_LABELS_ZH: dict[Liability, str] = {
    Liability.FULL: "全部责任",
    Liability.MAJOR: "主要责任",
    Liability.EQUAL: "同等责任",
    Liability.MINOR: "次要责任",
    Liability.NONE: "无责任",
}


class InsurancePolicy(Model):
    """交强险 (compulsory traffic insurance) of one vehicle."""

    insurer_code: Line = Field(default="", max_length=16)  # PICC, CPIC, PINGAN, or another insurer's code
    insurer_name: PrintedLine = Field(default="", max_length=64)
    policy_number: PrintedLine = Field(default="", max_length=64)
    valid_from: date | None = None
    valid_to: date | None = None


class Vehicle(Model):
    plate: PrintedLine = Field(max_length=10)
    vehicle_type: PrintedLine = Field(default="小型普通客车", max_length=32)
    insurance: InsurancePolicy | None = None


class Party(Model):
    """One party of the accident. party_id is stable inside the case (P1, P2, ...)."""

    party_id: PartyId
    kind: PartyKind
    # personal data: repr=False keeps it out of a repr in a log line or a traceback
    name: PrintedLine = Field(max_length=64, repr=False)
    phone: MobileText = Field(repr=False)
    id_number: PrintedLine = Field(default="", max_length=18, repr=False)
    # 驾驶证档案编号, 12 digits, motor drivers only
    licence_number: PrintedLine = Field(default="", max_length=12, repr=False)
    vehicle: Vehicle | None = None


class DeclaredFacts(Model):
    """What the citizen declares at the alert."""

    category: AccidentCategory
    injuries: InjuryLevel = InjuryLevel.NONE
    drink_or_drugs: bool = False
    hit_and_run: bool = False
    vehicles_movable: bool = True
    injured_party_present: bool = True  # category 3: the owner of the damaged property is there
    motor_party_liable: bool = True  # category 2: the motor party accepts it is (at least partly) liable
    description: AccidentAccount = ""


Parties = Annotated[list[Party], Field(min_length=1, max_length=8)]


class AlertContent(Model):
    """What the citizen declares (the alert's request body)."""

    location: Location = Field(description="where the accident is, with its coordinate system")
    facts: DeclaredFacts
    parties: Parties
    consent_electronic_service: bool = Field(
        default=False, description="同意电子送达: required for online handling"
    )


class Alert(AlertContent):
    """The alert as the case starts with it: the declaration, when and by whom."""

    reported_at: datetime
    reporter_phone: MobileText = Field(repr=False)
    channel: Line = "app"  # app | sms_link (the H5 page behind the link that 110 texts)


class EvidenceKind(StrEnum):
    """The shot list the seat officer works through."""

    OVERVIEW_FRONT = "overview_front"
    OVERVIEW_REAR = "overview_rear"
    IMPACT_POINT = "impact_point"
    PLATE = "plate"
    DOCUMENT = "document"
    GROUP_PHOTO = "group_photo"
    VIDEO_CLIP = "video_clip"
    RECORDING = "recording"
    OTHER = "other"


class EvidenceRef(Model):
    """A reference to stored evidence: the bytes never enter workflow history."""

    evidence_id: Line
    kind: EvidenceKind
    storage_path: Line
    sha256: Line
    content_type: Line = ""
    party_id: OptionalPartyId = ""
    captured_by: Line = ""
    captured_at: datetime | None = None


class DecisionContent(Model):
    """An officer's liability determination as the officer writes it (the decision's request
    body): the content of the simple-procedure notice. Empty texts are refused by
    domain.liability.validate_decision, with a code and a reason."""

    officer_name: PrintedLine = Field(max_length=64)
    badge_number: PrintedLine = Field(max_length=32)
    unit: PrintedLine = Field(max_length=128)
    liabilities: dict[PartyId, Liability] = Field(
        max_length=8, description="party id -> FULL | MAJOR | EQUAL | MINOR | NONE"
    )
    facts: PrintedText = Field(max_length=2000)
    accident_form: PrintedLine = Field(max_length=64, description="事故形态, e.g. 追尾碰撞")
    impact_points: list[Annotated[PrintedLine, Field(max_length=64)]] = Field(
        default_factory=list, max_length=12
    )  # 碰撞部位
    legal_basis: PrintedText = Field(default="", max_length=1000)
    weather: PrintedLine = Field(default="晴", max_length=16)
    mediation_result: PrintedText = Field(default="", max_length=1000)  # the agreement reached, if any
    no_mediation_reason: PrintedText = Field(default="", max_length=200)  # 异议 / 拒签 / 不同意调解
    traffic_accident: bool = False  # 交通意外: nobody at fault, all NONE


class Decision(DecisionContent):
    """The determination with the deciding officer's staff id (from the officer's login)."""

    officer_id: StaffId


class NoticeKind(StrEnum):
    DETERMINATION = "determination"  # 道路交通事故认定书（简易程序）
    REVOCATION = "revocation"  # 撤销道路交通事故认定书
    REVIEW_CONCLUSION = "review_conclusion"  # 道路交通事故认定复核结论


class CaseStatus(StrEnum):
    QUEUED = "queued"
    IN_VIDEO = "in_video"
    VERIFYING = "verifying"
    AWAITING_DECISION = "awaiting_decision"
    NOTICE_SENT = "notice_sent"
    SERVED = "served"
    UNDER_REVIEW = "under_review"
    AWAITING_REDETERMINATION = "awaiting_redetermination"
    CLOSED = "closed"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    HANDED_TO_PATROL = "handed_to_patrol"
