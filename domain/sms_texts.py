"""Every SMS text of kuaichu, declared once with its id: `declare` puts a text in the one
registry (a second declaration of an id is an error), so a step that sends a new SMS declares its
text beside its other rules. Only case numbers, notice numbers and insurer names go into a text:
never another party's personal data. Rendering (signature, parameters) is adapters/sms_templates.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmsText:
    template: str  # the id the workflow and the outbox carry
    text: str  # str.format text; {case_number} and the like come from the request's params
    secret_params: tuple[str, ...] = ()  # credentials (a login code, a one-time link): never shown


REGISTRY: dict[str, SmsText] = {}


def declare(template: str, text: str, secret_params: tuple[str, ...] = ()) -> str:
    """Register a text; returns its id, the value a request carries."""
    if template in REGISTRY:
        raise ValueError(f"SMS template {template} declared twice")
    REGISTRY[template] = SmsText(template, text, secret_params)
    return template


class SmsTemplate:
    """The case's SMS texts (ids as attributes, so a misspelt one is an error where it is used)."""

    ALERT_RECEIVED = declare(
        "alert_received",
        "您的事故视频快处报警已受理，案件编号{case_number}。请开启双闪、在车后50至100米放置三角警示牌，"
        "人员撤至安全区域，等待坐席民警视频连线。",
    )
    SEAT_CONNECTED = declare(
        "seat_connected",
        "案件{case_number}：坐席民警已接入视频，请按指引配合取证。视频中断时点击“继续处理”即可恢复。",
    )
    YOU_MAY_LEAVE = declare(
        "you_may_leave",
        "案件{case_number}：证据已固定、信息核验通过，请立即驾车撤离现场，恢复交通。责任认定结果将以短信通知。",
    )
    DECISION_NOTICE = declare(
        "decision_notice",
        "案件{case_number}：民警已作出责任认定，道路交通事故认定书（编号{notice_number}）已推送至“交管12123”，"
        "请查看并确认收到。",
    )
    NOTICE_REMINDER = declare(
        "notice_reminder",
        "案件{case_number}：您的道路交通事故认定书尚未查看，请在“交管12123”中查看并确认收到。",
    )
    REVIEW_RECEIVED = declare(
        "review_received", "案件{case_number}：复核申请已受理，复核结论将在30日内作出并通知您。"
    )
    REVIEW_RESULT = declare(
        "review_result", "案件{case_number}：复核已作出结论（{outcome_zh}），详情请在“交管12123”中查看。"
    )
    REVIEW_CONCLUSION = declare(  # the written conclusion is out (its number)
        "review_conclusion",
        "案件{case_number}：复核已作出结论（{outcome_zh}），道路交通事故认定复核结论（编号{notice_number}）"
        "已推送至“交管12123”，请查看。",
    )
    CLAIM_FILED = declare(
        "claim_filed",
        "案件{case_number}：已向{insurer_name}报案，报案号{claim_number}，保险公司将与您联系定损。",
    )
    HANDED_TO_PATROL = declare(
        "handed_to_patrol",
        "案件{case_number}：本起事故无法线上处理，已转交警现场处理，请在安全位置等候民警到达。",
    )
    REFUSED = declare(
        "refused", "您的事故不符合线上视频快处条件：{reasons}。请在安全位置等候，或拨打110报警。"
    )
    NOTICE_REVOKED = declare(
        "notice_revoked",
        "案件{case_number}：经复核重新认定，原事故认定书已撤销，新的认定书（编号{notice_number}）已推送，"
        "请查看并确认收到。",
    )
    LOGIN_CODE = declare(  # API: citizen SMS login
        "login_code", "您的登录验证码为{code}，{minutes}分钟内有效。请勿泄露给他人。", ("code",)
    )
    ALERT_LINK = declare(  # API: the 110 path's one-time alert link
        "alert_link",
        "您报警的轻微交通事故可线上视频快处，请在安全位置点击链接报警：{url}（{minutes}分钟内有效，仅可使用一次）。",
        ("url",),
    )
