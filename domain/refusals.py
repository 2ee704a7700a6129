"""Every refusal code of kuaichu, declared once: its kind and the reason a person reads.

The domain's validators, the workflow's update validators, the activities and the API all refuse
with a `RefusalCode` from here, so a code always reaches the API with the same HTTP status (the
API maps each `Kind` to one status) and an unknown code cannot exist. A code's `reason` is the
general sentence; a refusal may carry a more specific one (which field, which party)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.models import Refusal


class Kind(StrEnum):
    """What went wrong, independent of the transport (the API maps each kind to one status)."""

    BAD_REQUEST = "bad_request"  # malformed beyond validation (400)
    UNAUTHENTICATED = "unauthenticated"  # no or bad credentials (401)
    FORBIDDEN = "forbidden"  # this actor may not do this (403)
    NOT_FOUND = "not_found"  # unknown, or not yours (404)
    CONFLICT = "conflict"  # not now: the case's state does not allow it (409)
    TOO_LARGE = "too_large"  # (413)
    UNSUPPORTED = "unsupported"  # wrong media type (415)
    INVALID = "invalid"  # the content breaks a rule (422)
    METHOD_NOT_ALLOWED = "method_not_allowed"  # (405)
    RATE_LIMITED = "rate_limited"  # (429)
    UNAVAILABLE = "unavailable"  # a system we depend on is down (503)
    INTERNAL = "internal"  # a bug (500): never for bad input


@dataclass(frozen=True)
class RefusalCode:
    code: str
    kind: Kind
    reason: str
    advice: str = ""

    def refusal(self, reason: str | None = None, advice: str | None = None, field: str = "") -> Refusal:
        return Refusal(
            code=self.code,
            reason=reason or self.reason,
            advice=self.advice if advice is None else advice,
            field=field,
        )

    def __str__(self) -> str:
        return self.code


REGISTRY: dict[str, RefusalCode] = {}


def declare(code: str, kind: Kind, reason: str, advice: str = "") -> RefusalCode:
    """Put a code in the one registry (a second declaration is an error). The codes below are the
    case's; a new step may declare its own in its own domain module, beside its other rules."""
    if code in REGISTRY:
        raise ValueError(f"refusal code {code} declared twice")
    REGISTRY[code] = entry = RefusalCode(code, kind, reason, advice)
    return entry


def lookup(code: str) -> RefusalCode | None:
    return REGISTRY.get(code)


F, C, I = Kind.FORBIDDEN, Kind.CONFLICT, Kind.INVALID  # noqa: E741 - the three kinds a step refuses with

# --- general (the API's own problems) ---------------------------------------------------------
BAD_REQUEST = declare("BAD_REQUEST", Kind.BAD_REQUEST, "请求格式不正确")
UNAUTHENTICATED = declare("UNAUTHENTICATED", Kind.UNAUTHENTICATED, "请先登录")
INVALID_TOKEN = declare("INVALID_TOKEN", Kind.UNAUTHENTICATED, "登录已失效，请重新登录")
INVALID_CODE = declare("INVALID_CODE", Kind.UNAUTHENTICATED, "验证码不正确或已过期")
LINK_INVALID = declare("LINK_INVALID", Kind.UNAUTHENTICATED, "链接已失效，请重新拨打110获取")
FORBIDDEN = declare("FORBIDDEN", F, "无权执行此操作")
BAD_SIGNATURE = declare("BAD_SIGNATURE", F, "签名校验失败")
NOT_FOUND = declare("NOT_FOUND", Kind.NOT_FOUND, "未找到请求的资源")
CASE_NOT_FOUND = declare("CASE_NOT_FOUND", Kind.NOT_FOUND, "未找到该案件")
NOTICE_NOT_FOUND = declare("NOTICE_NOT_FOUND", Kind.NOT_FOUND, "未找到该认定书")
METHOD_NOT_ALLOWED = declare("METHOD_NOT_ALLOWED", Kind.METHOD_NOT_ALLOWED, "不支持该请求方法")
CONFLICT = declare("CONFLICT", C, "当前状态下不能执行此操作")
TOO_LARGE = declare("TOO_LARGE", Kind.TOO_LARGE, "上传的内容过大")
BODY_TOO_LARGE = declare("BODY_TOO_LARGE", Kind.TOO_LARGE, "提交的内容过大，请精简后重试")
UNSUPPORTED_MEDIA_TYPE = declare("UNSUPPORTED_MEDIA_TYPE", Kind.UNSUPPORTED, "不支持的内容类型")
VALIDATION_FAILED = declare("VALIDATION_FAILED", I, "提交的内容不符合要求，请核对后重新提交")
RATE_LIMITED = declare("RATE_LIMITED", Kind.RATE_LIMITED, "操作过于频繁，请稍后再试")
INTERNAL_ERROR = declare("INTERNAL_ERROR", Kind.INTERNAL, "系统繁忙，请稍后再试")
SERVICE_UNAVAILABLE = declare(
    "SERVICE_UNAVAILABLE", Kind.UNAVAILABLE, "系统暂时无法处理案件，请稍后再试；紧急情况请拨打110"
)
TEMPORAL_UNAVAILABLE = declare("TEMPORAL_UNAVAILABLE", Kind.UNAVAILABLE, SERVICE_UNAVAILABLE.reason)
TEMPORAL_TIMEOUT = declare("TEMPORAL_TIMEOUT", Kind.UNAVAILABLE, "系统处理超时，请稍后刷新查看结果")
SMS_UNAVAILABLE = declare("SMS_UNAVAILABLE", Kind.UNAVAILABLE, "短信发送失败，请稍后再试")
CASE_NUMBER_EXHAUSTED = declare("CASE_NUMBER_EXHAUSTED", Kind.UNAVAILABLE, "今日案件编号已用尽，请拨打110")
REQUEST_TOO_LARGE = declare("REQUEST_TOO_LARGE", I, "提交的内容过大或格式不被接受，请精简后重试")
UPDATE_FAILED = declare("UPDATE_FAILED", C, "操作未能完成，请刷新后重试")
CASE_ALREADY_EXISTS = declare("CASE_ALREADY_EXISTS", C, "该案件已存在")
INVALID_PHONE = declare("INVALID_PHONE", I, "手机号码格式不正确，应为11位中国大陆手机号码")
INVALID_STAFF_ID = declare("INVALID_STAFF_ID", I, "工号格式不正确")
INVALID_CHARACTERS = declare("INVALID_CHARACTERS", I, "提交的内容包含无效字符")
UNPRINTABLE_TEXT = declare(
    "UNPRINTABLE_TEXT",
    I,
    "包含认定书无法打印的字符",
    "请删除表情符号等特殊字符，改用常用汉字、字母或数字后重新提交。",
)
SMS_CODE_TOO_SOON = declare("SMS_CODE_TOO_SOON", Kind.RATE_LIMITED, "验证码已发送，请稍后再试")
SMS_CODE_LIMIT = declare("SMS_CODE_LIMIT", Kind.RATE_LIMITED, "获取验证码次数过多，请一小时后再试")
REPORTER_NOT_A_PARTY = declare(
    "REPORTER_NOT_A_PARTY",
    I,
    "报警人手机号须为当事人之一的手机号码。",
    "请由当事人本人使用本人手机号报警，或在当事人信息中填写本人手机号码。",
)
INVALID_PAYLOAD = declare("INVALID_PAYLOAD", I, "提交的数据格式不正确")
UNDECODABLE_PAYLOAD = declare("UNDECODABLE_PAYLOAD", I, "无法解码该数据")
DAY_OUTSIDE_YEAR = declare("DAY_OUTSIDE_YEAR", I, "日期不在所载入的年份内")
EVIDENCE_TYPE = declare("EVIDENCE_TYPE", Kind.UNSUPPORTED, "证据文件只能是JPEG、PNG图片或MP4视频")
EVIDENCE_TOO_LARGE = declare("EVIDENCE_TOO_LARGE", Kind.TOO_LARGE, "证据文件过大")
EVIDENCE_CONFLICT = declare("EVIDENCE_CONFLICT", C, "该证据编号已登记为其他文件")

# recordings and evidence files (the seat console's chunked upload, the staff's evidence view)
FORBIDDEN_CASE = declare("FORBIDDEN_CASE", F, "无权查看该案件的证据")
EVIDENCE_NOT_FOUND = declare("EVIDENCE_NOT_FOUND", Kind.NOT_FOUND, "未找到该证据")
EVIDENCE_REMOTE = declare("EVIDENCE_REMOTE", Kind.NOT_FOUND, "该证据文件不在本系统存储中")
EVIDENCE_DELETED = declare("EVIDENCE_DELETED", Kind.NOT_FOUND, "该证据已超过保存期限，按规定删除")
# the object store (adapters/storage): a file whose bytes no longer match the SHA-256 of its
# record is never served; a store that cannot be reached answers 503
STORAGE_INTEGRITY = declare(
    "STORAGE_INTEGRITY", Kind.INTERNAL, "文件校验未通过（与登记的SHA-256不一致），已停止提供，请联系管理员"
)
STORAGE_UNAVAILABLE = declare("STORAGE_UNAVAILABLE", Kind.UNAVAILABLE, "文件存储暂不可用，请稍后再试")
RECORDING_NOT_FOUND = declare("RECORDING_NOT_FOUND", Kind.NOT_FOUND, "未找到该录像上传")
CHUNK_TOO_LARGE = declare("CHUNK_TOO_LARGE", Kind.TOO_LARGE, "单段录像过大")
RECORDING_TOO_LARGE = declare("RECORDING_TOO_LARGE", Kind.TOO_LARGE, "录像超过大小上限")
CHUNK_EMPTY = declare("CHUNK_EMPTY", I, "录像分段为空")
CHUNK_CONFLICT = declare("CHUNK_CONFLICT", C, "该段已以不同内容上传")
CHUNK_OUT_OF_ORDER = declare("CHUNK_OUT_OF_ORDER", C, "录像分段顺序不对")
RECORDING_FINISHED = declare("RECORDING_FINISHED", C, "录像已保存，不能再追加")
RECORDING_EMPTY = declare("RECORDING_EMPTY", I, "录像为空，无法保存")
PARTY_INVALID = declare("PARTY_INVALID", I, "当事人信息不正确")

# staff accounts and their login (api/staff_login.py, api/staff_admin.py, api/oidc.py)
STAFF_LOGIN_FAILED = declare("STAFF_LOGIN_FAILED", Kind.UNAUTHENTICATED, "工号、密码或动态口令不正确")
STAFF_LOCKED = declare(
    "STAFF_LOCKED", Kind.RATE_LIMITED, "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员"
)
STAFF_NOT_ENROLLED = declare("STAFF_NOT_ENROLLED", C, "该账号尚未绑定动态口令，请联系管理员")
STAFF_ROLE_NOT_GRANTED = declare("STAFF_ROLE_NOT_GRANTED", F, "该账号没有此岗位的权限")
STAFF_EXISTS = declare("STAFF_EXISTS", C, "该工号已存在")
STAFF_NOT_FOUND = declare("STAFF_NOT_FOUND", Kind.NOT_FOUND, "未找到该工号")
WEAK_PASSWORD = declare("WEAK_PASSWORD", I, "密码太短或过于简单", "请使用至少12位、含字母和数字的密码。")
INVALID_DISTRICT = declare("INVALID_DISTRICT", I, "辖区不在本系统的辖区列表中")
INVALID_STAFF_ROLES = declare("INVALID_STAFF_ROLES", I, "岗位只能是坐席、民警、复核、调度、管理员或运维")
OIDC_TOKEN_INVALID = declare("OIDC_TOKEN_INVALID", Kind.UNAUTHENTICATED, "统一身份认证令牌无效或已过期")
OIDC_NO_ROLE = declare("OIDC_NO_ROLE", F, "统一身份认证未授予本系统的岗位或辖区")
# a staff token whose account no longer allows it (api/staff_sessions.py)
STAFF_ACCOUNT_DISABLED = declare("STAFF_ACCOUNT_DISABLED", Kind.UNAUTHENTICATED, "账号已停用，请联系管理员")
STAFF_ACCOUNT_GONE = declare("STAFF_ACCOUNT_GONE", Kind.UNAUTHENTICATED, "账号已删除，请联系管理员")
STAFF_SESSION_REVOKED = declare(
    "STAFF_SESSION_REVOKED", Kind.UNAUTHENTICATED, "账号的权限或密码已变更，或已被管理员强制下线，请重新登录"
)
STAFF_DELETE_SELF = declare("STAFF_DELETE_SELF", C, "不能删除自己的账号")
STAFF_LOGIN_IP_LIMIT = declare(
    "STAFF_LOGIN_IP_LIMIT", Kind.RATE_LIMITED, "该网络登录尝试过于频繁，请稍后再试"
)
# the OIDC redirect sign-in (api/oidc.py)
OIDC_STATE_INVALID = declare(
    "OIDC_STATE_INVALID", Kind.BAD_REQUEST, "统一身份认证登录请求无效、已使用或已过期，请重新登录"
)
OIDC_NONCE_MISMATCH = declare(
    "OIDC_NONCE_MISMATCH", Kind.UNAUTHENTICATED, "统一身份认证令牌与本次登录请求不符，请重新登录"
)
OIDC_CODE_REJECTED = declare(
    "OIDC_CODE_REJECTED", Kind.UNAUTHENTICATED, "统一身份认证授权码无效或已过期，请重新登录"
)
OIDC_HANDOFF_INVALID = declare(
    "OIDC_HANDOFF_INVALID", Kind.UNAUTHENTICATED, "登录凭据无效、已使用或已过期，请重新登录"
)
OIDC_PROVIDER_REFUSED = declare(
    "OIDC_PROVIDER_REFUSED", Kind.UNAUTHENTICATED, "统一身份认证未完成登录，请重新登录"
)

# --- who may act (403) ------------------------------------------------------------------------
FORBIDDEN_ROLE = declare("FORBIDDEN_ROLE", F, "无权执行此操作")
NOT_A_PARTY = declare("NOT_A_PARTY", F, "您不是本案当事人")
NOT_THE_SEAT = declare("NOT_THE_SEAT", F, "该案件由其他坐席处理")
SEAT_CANNOT_DECIDE = declare("SEAT_CANNOT_DECIDE", F, "取证坐席不能同时作出责任认定")
REVIEWER_NOT_INDEPENDENT = declare("REVIEWER_NOT_INDEPENDENT", F, "原认定民警不能参与复核")

# --- not in this state (409) ------------------------------------------------------------------
NOT_YET_ACCEPTED = declare("NOT_YET_ACCEPTED", C, "报警正在受理中，请稍后接听")
NOT_ELIGIBLE = declare("NOT_ELIGIBLE", I, "不符合线上快处条件")
CALL_ALREADY_TAKEN = declare("CALL_ALREADY_TAKEN", C, "该案件已由其他坐席接听或不在排队中")
VIDEO_NOT_AVAILABLE = declare("VIDEO_NOT_AVAILABLE", C, "视频取证已结束，无需再连线")
NOT_COLLECTING = declare("NOT_COLLECTING", C, "案件当前不在视频取证阶段")
EVIDENCE_DUPLICATE = declare("EVIDENCE_DUPLICATE", C, "该证据已登记")
SAFETY_CHECKLIST_INCOMPLETE = declare(
    "SAFETY_CHECKLIST_INCOMPLETE", C, "安全检查未完成：双闪、三角警示牌、人员撤至安全区域"
)
SHOT_LIST_INCOMPLETE = declare("SHOT_LIST_INCOMPLETE", C, "取证清单未完成")
PARTY_INCOMPLETE = declare("PARTY_INCOMPLETE", C, "当事人缺少车辆或驾驶证信息")
WRONG_STATE = declare("WRONG_STATE", C, "只能在等待认定时转现场处理")
TOO_LATE_TO_CANCEL = declare("TOO_LATE_TO_CANCEL", C, "证据已固定，案件已进入认定程序，不能取消")
NOT_AWAITING_DECISION = declare("NOT_AWAITING_DECISION", C, "案件当前不在等待认定状态")
ALREADY_DECIDED = declare("ALREADY_DECIDED", C, "该案件已作出认定，正在生成认定书")
NO_NOTICE = declare("NO_NOTICE", C, "事故认定书尚未出具")
ALREADY_SERVED = declare("ALREADY_SERVED", C, "该当事人已送达")
REVIEW_ALREADY_REQUESTED = declare(
    "REVIEW_ALREADY_REQUESTED", C, "同一事故只能申请一次复核，本案已有复核申请"
)
REVIEW_NOT_OPEN = declare("REVIEW_NOT_OPEN", C, "当前不能申请复核")
REVIEW_WINDOW_CLOSED = declare("REVIEW_WINDOW_CLOSED", C, "已超过复核申请期限（送达之日起三个工作日）")
NOT_SERVED = declare("NOT_SERVED", C, "请先查看并确认收到事故认定书")
NOT_UNDER_REVIEW = declare("NOT_UNDER_REVIEW", C, "案件当前不在复核中")
CO_REVIEWER_NOT_CONCURRED = declare("CO_REVIEWER_NOT_CONCURRED", C, "其他复核民警尚未确认同一复核结论")
CASE_CLOSED = declare("CASE_CLOSED", C, "案件已办结，不能再执行此操作")
NO_INSURANCE_ON_RECORD = declare("NO_INSURANCE_ON_RECORD", C, "该当事人没有可报案的交强险信息")
CLAIM_ALREADY_FILED = declare("CLAIM_ALREADY_FILED", C, "已经向保险公司报案，无需重复报案")
NOTICE_INVALID = declare("NOTICE_INVALID", I, "认定书无法出具")
# races between updates that end or transform the case (workflows/guards.py still_open)
CASE_ENDING = declare("CASE_ENDING", C, "案件已转现场处理或已取消，不能再执行此操作")
NOTICE_BEING_REPLACED = declare(
    "NOTICE_BEING_REPLACED", C, "复核决定重新认定，原认定书将被撤销，请等待新的认定书后再确认送达"
)
# abuse: sliding-window limits (api/rate_limits.py)
SMS_CODE_IP_LIMIT = declare("SMS_CODE_IP_LIMIT", Kind.RATE_LIMITED, "该网络获取验证码过于频繁，请稍后再试")
SMS_CODE_BUSY = declare("SMS_CODE_BUSY", Kind.RATE_LIMITED, "验证码发送繁忙，请稍后再试")
LINK_LIMIT = declare("LINK_LIMIT", Kind.RATE_LIMITED, "短时间内发送报警链接过多，请稍后再试")
VERIFY_LIMIT = declare("VERIFY_LIMIT", Kind.RATE_LIMITED, "查验次数过多，请稍后再试")

# --- content that breaks a rule (422) ---------------------------------------------------------
REASON_REQUIRED = declare("REASON_REQUIRED", I, "请说明理由")
UNKNOWN_PARTY = declare("UNKNOWN_PARTY", I, "案件中没有该当事人")
PARTIES_INVALID = declare("PARTIES_INVALID", I, "当事人列表为空或编号重复")
SERVICE_INVALID = declare("SERVICE_INVALID", I, "送达时间不能晚于当前时间，且须写明送达方式")
TOO_FEW_REVIEWERS = declare("TOO_FEW_REVIEWERS", I, "复核须由两名以上民警共同作出")
REGISTRY_ERROR = declare("REGISTRY_ERROR", I, "核验系统无法完成核验")
SERVICE_BEFORE_NOTICE = declare("SERVICE_BEFORE_NOTICE", I, "送达时间不能早于认定书出具时间")
DUPLICATE_PARTY_PHONE = declare(
    "DUPLICATE_PARTY_PHONE",
    I,
    "不同当事人不能填写同一个手机号码",
    "每位当事人须填写本人的手机号码，以便各自接收短信和电子认定书。",
)
REPORTER_DROPPED = declare(
    "REPORTER_DROPPED", I, "报警人须为当事人之一，不能从当事人列表中删除", "请保留报警人的当事人信息。"
)
CORRECTION_EMPTY = declare("CORRECTION_EMPTY", I, "请填写更正后的事故地点或事故经过，并说明更正理由")
NOT_CORRECTABLE = declare("NOT_CORRECTABLE", C, "案件当前不能更正地点或事故经过")
CALENDAR_MISSING_FOR_DEADLINE = declare(
    "CALENDAR_MISSING_FOR_DEADLINE",
    I,
    "系统尚未载入该年的节假日安排，无法计算期限",
    "请联系管理员载入节假日安排后重试。",
)

# party data (domain.validators)
INVALID_RESIDENT_ID = declare(
    "INVALID_RESIDENT_ID", I, "身份证号码不正确", "请核对居民身份证号码（18位）后重新填写。"
)
INVALID_PLATE = declare("INVALID_PLATE", I, "号牌号码格式不正确。")
PLATE_NOT_ELIGIBLE = declare("PLATE_NOT_ELIGIBLE", I, "该类号牌的车辆不能线上快处。")
INVALID_MOBILE = declare(
    "INVALID_MOBILE",
    I,
    "手机号码格式不正确，应为11位中国大陆手机号码。",
    "请填写本人正在使用的手机号码，以便接收短信和电子认定书。",
)
INVALID_LICENCE_NUMBER = declare(
    "INVALID_LICENCE_NUMBER",
    I,
    "驾驶证档案编号应为12位数字。",
    "档案编号印在驾驶证副页上，也可在交管12123中查看。",
)
MISSING_LICENCE_NUMBER = declare(
    "MISSING_LICENCE_NUMBER",
    I,
    "机动车驾驶人须填写驾驶证档案编号。",
    "档案编号印在驾驶证副页上，也可在交管12123中查看。",
)
MISSING_VEHICLE = declare(
    "MISSING_VEHICLE", I, "机动车驾驶人须填写所驾车辆及号牌号码。", "请补充车辆号牌号码后重新提交。"
)
INVALID_NAME = declare("INVALID_NAME", I, "姓名格式不正确。", "请填写与证件一致的姓名。")

# the decision (domain.liability)
LIABILITY_NO_PARTIES = declare("LIABILITY_NO_PARTIES", I, "案件没有当事人，无法认定责任。")
LIABILITY_DUPLICATE_PARTY = declare("LIABILITY_DUPLICATE_PARTY", I, "当事人编号重复。")
LIABILITY_UNKNOWN_PARTY = declare("LIABILITY_UNKNOWN_PARTY", I, "责任认定包含不属于本案的当事人。")
LIABILITY_MISSING_PARTY = declare("LIABILITY_MISSING_PARTY", I, "有当事人未认定责任。")
LIABILITY_INVALID_VALUE = declare(
    "LIABILITY_INVALID_VALUE", I, "责任类别只能是全部、主要、同等、次要或无责任。"
)
LIABILITY_NO_FAULT = declare(
    "LIABILITY_NO_FAULT", I, "各方均无责任时应认定为交通意外；否则至少一方应承担责任。"
)
LIABILITY_TRAFFIC_ACCIDENT_NOT_ALL_NONE = declare(
    "LIABILITY_TRAFFIC_ACCIDENT_NOT_ALL_NONE", I, "交通意外事故各方均应为无责任。"
)
LIABILITY_INVALID_COMBINATION = declare("LIABILITY_INVALID_COMBINATION", I, "责任划分不符合规定的组合。")
MISSING_FACTS = declare("MISSING_FACTS", I, "请填写事故事实。")
MISSING_ACCIDENT_FORM = declare(
    "MISSING_ACCIDENT_FORM", I, "请从列表中选择事故形态（如尾随相撞、同向刮擦）。"
)
MISSING_WEATHER = declare(
    "MISSING_WEATHER", C, "事故发生时的天气尚未记录，请由取证坐席在案件中记录天气和路面状况后再作认定。"
)
MISSING_OFFICER_INFO = declare("MISSING_OFFICER_INFO", I, "缺少办案民警信息。")
# the notice's code lists (domain.notice_codes): a decision stores codes, the notice prints names
UNKNOWN_ACCIDENT_FORM = declare("UNKNOWN_ACCIDENT_FORM", I, "事故形态须从GA 16.2代码表中选择。")
UNKNOWN_IMPACT_POINT = declare("UNKNOWN_IMPACT_POINT", I, "碰撞部位须选择本案当事人及代码表中的部位。")
UNKNOWN_PARTY_REFERENCE = declare(
    "UNKNOWN_PARTY_REFERENCE", I, "文字中有不是本案当事人的编号，请以甲、乙、丙等称呼当事人。"
)
# the scene as the seat records it (weather, road surface) and the accident time
UNKNOWN_WEATHER = declare("UNKNOWN_WEATHER", I, "天气须从代码表中选择（晴、阴、雨、雪、雾等）。")
UNKNOWN_ROAD_SURFACE = declare("UNKNOWN_ROAD_SURFACE", I, "路面状况须从代码表中选择（干燥、潮湿、积水等）。")
SCENE_EMPTY = declare("SCENE_EMPTY", I, "请至少填写天气、路面状况或事故时间中的一项。")
INVALID_ACCIDENT_TIME = declare(
    "INVALID_ACCIDENT_TIME",
    I,
    "事故时间不正确：不能晚于报警时间，也不能早于报警前24小时。",
    "请填写事故实际发生的时间；超过24小时的事故请到交警队处理。",
)
SCENE_LOCKED = declare("SCENE_LOCKED", C, "责任认定已作出，不能再修改事故情况")
REVIEWER_IDENTITY_MISSING = declare(
    "REVIEWER_IDENTITY_MISSING", I, "复核结论须写明每位复核民警的姓名和警号。"
)
MEDIATION_AMBIGUOUS = declare("MEDIATION_AMBIGUOUS", I, "调解结果与未调解原因只能填写其一。")
MEDIATION_MISSING = declare(
    "MEDIATION_MISSING", I, "请填写调解结果，或未调解的原因（异议、拒签、不同意调解）。"
)

# eligibility (domain.eligibility): the alert cannot be handled online
NOT_A_WORKING_DAY = declare("NOT_A_WORKING_DAY", I, "视频快处仅在工作日提供。")
CALENDAR_UNAVAILABLE = declare(
    "CALENDAR_UNAVAILABLE", I, "系统尚未载入该年的节假日安排，暂时无法受理视频快处。"
)
OUTSIDE_SERVICE_HOURS = declare("OUTSIDE_SERVICE_HOURS", I, "当前不在视频快处服务时间。")
ELIGIBILITY_UNAVAILABLE = declare(  # the check itself failed for longer than a roadside wait
    "ELIGIBILITY_UNAVAILABLE",
    Kind.UNAVAILABLE,
    "系统暂时无法受理视频快处。",
    "请留在安全位置，开启危险报警闪光灯、放置三角警示牌，拨打110报警，由交警处理。",
)
OUTSIDE_PILOT_AREA = declare("OUTSIDE_PILOT_AREA", I, "事故地点不在视频快处试点范围内。")
DRINK_OR_DRUGS = declare("DRINK_OR_DRUGS", I, "当事人有饮酒或服用管制药品嫌疑的事故不能线上处理。")
HIT_AND_RUN = declare("HIT_AND_RUN", I, "有当事人驾车逃逸的事故不能线上处理。")
INJURY_TOO_SERIOUS = declare("INJURY_TOO_SERIOUS", I, "受伤情况超出视频快处范围。")
VEHICLES_NOT_MOVABLE = declare("VEHICLES_NOT_MOVABLE", I, "车辆不能自行移动的事故不能线上处理。")
UNINSURED_MOTOR_PARTY = declare("UNINSURED_MOTOR_PARTY", I, "有机动车未投保交强险或保险不在有效期内。")
MOTOR_PARTY_NOT_LIABLE = declare("MOTOR_PARTY_NOT_LIABLE", I, "机动车方须承担事故责任，方可线上处理。")
INJURED_PARTY_ABSENT = declare("INJURED_PARTY_ABSENT", I, "受损财产的一方须在现场。")
CATEGORY_PARTIES_MISMATCH = declare("CATEGORY_PARTIES_MISMATCH", I, "当事人与所选事故类型不符。")
TOO_MANY_VEHICLES = declare("TOO_MANY_VEHICLES", I, "线上快处涉及的机动车数量超出上限。")
DUPLICATE_PARTY_ID = declare("DUPLICATE_PARTY_ID", I, "当事人编号重复。")
INVALID_PARTY = declare("INVALID_PARTY", I, "当事人信息不正确。")
INVALID_REPORTER_PHONE = declare("INVALID_REPORTER_PHONE", I, "报警人手机号码格式不正确。")
NO_ELECTRONIC_SERVICE_CONSENT = declare(
    "NO_ELECTRONIC_SERVICE_CONSENT", C, "未同意电子送达，认定书将以其他方式送达"
)

del F, C, I
