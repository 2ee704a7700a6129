"""Types of an accident case. Pydantic models so that they travel as Temporal payloads
(one pydantic data converter for client, worker and replayer). Every field has a default
or is required at creation only, so that new fields never break old histories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

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


PARTY_KIND_LABELS_ZH: dict[PartyKind, str] = {
    PartyKind.MOTOR_DRIVER: "机动车驾驶人",
    PartyKind.NON_MOTOR: "非机动车方",
    PartyKind.PROPERTY_OWNER: "财产所有人",
}


class AccidentCategory(StrEnum):
    """The three categories that may be handled online (DESIGN.md §1)."""

    MOTOR_VS_MOTOR = "motor_vs_motor"
    MOTOR_VS_NON_MOTOR = "motor_vs_non_motor"
    SINGLE_MOTOR_PROPERTY = "single_motor_property"


CATEGORY_LABELS_ZH: dict[AccidentCategory, str] = {
    AccidentCategory.MOTOR_VS_MOTOR: "机动车之间",
    AccidentCategory.MOTOR_VS_NON_MOTOR: "机动车与非机动车",
    AccidentCategory.SINGLE_MOTOR_PROPERTY: "单车碰撞他人财物",
}


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
    accident_time: AwareDatetime | None = Field(
        default=None,
        description="when the accident happened (事故时间), if earlier than the alert; "
        "not after the alert, at most 24 h before it (domain.validators.validate_accident_time)",
    )
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


EVIDENCE_KIND_LABELS_ZH: dict[EvidenceKind, str] = {
    EvidenceKind.OVERVIEW_FRONT: "正面全景",
    EvidenceKind.OVERVIEW_REAR: "背面全景",
    EvidenceKind.IMPACT_POINT: "碰撞部位",
    EvidenceKind.PLATE: "车辆号牌",
    EvidenceKind.DOCUMENT: "证件",
    EvidenceKind.GROUP_PHOTO: "当事人合影",
    EvidenceKind.VIDEO_CLIP: "视频片段",
    EvidenceKind.RECORDING: "通话录像",
    EvidenceKind.OTHER: "其他",
}


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
    accident_form: PrintedLine = Field(
        max_length=64, description="事故形态: a GA 16.2 code, e.g. 13 (尾随相撞)"
    )
    impact_points: list[Annotated[PrintedLine, Field(max_length=64)]] = Field(
        default_factory=list, max_length=12
    )  # 碰撞部位: "<party id>:<part code>", e.g. "P2:06" (乙车尾部)
    # 天气 and 路面状况 are not the officer's: the seat records them during collection (RecordScene)
    legal_basis: PrintedText = Field(default="", max_length=1000)
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


NOTICE_TITLES_ZH: dict[NoticeKind, str] = {
    NoticeKind.DETERMINATION: "道路交通事故认定书（简易程序）",
    NoticeKind.REVOCATION: "撤销道路交通事故认定书",
    NoticeKind.REVIEW_CONCLUSION: "道路交通事故认定复核结论",
}


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


@dataclass(frozen=True)
class StatusText:
    label: str  # what the pages show for the status (served to them as /web/shared/labels.js)
    next_action: str  # what the citizen is told to do next


# Each status with its words, declared once: a new status is this enum and this table.
STATUS_TEXT: dict[CaseStatus, StatusText] = {
    CaseStatus.QUEUED: StatusText("排队等待", "等待坐席民警接听视频"),
    CaseStatus.IN_VIDEO: StatusText("视频取证中", "视频取证中，请按坐席民警指引操作"),
    CaseStatus.VERIFYING: StatusText("信息核验中", "系统正在核验驾驶证、行驶证和交强险信息"),
    CaseStatus.AWAITING_DECISION: StatusText("等待责任认定", "信息采集完毕，请撤离现场；等待民警认定责任"),
    CaseStatus.NOTICE_SENT: StatusText("认定书待确认", "请查看事故认定书并确认收到"),
    CaseStatus.SERVED: StatusText("认定书已送达", "事故认定书已送达；可在复核期限内申请复核，或一键报保险"),
    CaseStatus.UNDER_REVIEW: StatusText("复核中", "复核申请已受理，等待复核结论"),
    CaseStatus.AWAITING_REDETERMINATION: StatusText("等待重新认定", "复核决定重新认定，等待民警重新认定责任"),
    CaseStatus.CLOSED: StatusText("已办结", "案件已办结"),
    CaseStatus.REFUSED: StatusText("不符合快处条件", "不符合线上快处条件，请按提示处理"),
    CaseStatus.CANCELLED: StatusText("已取消", "已取消线上快处"),
    CaseStatus.HANDED_TO_PATROL: StatusText("已转现场处理", "已转交警现场处理，请在安全位置等候"),
}
