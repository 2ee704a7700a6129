"""Chinese SMS texts, one per template id (domain.activity_contracts.SmsTemplate). Only case
numbers, notice numbers and insurer names go into a text: never another party's personal data."""

from __future__ import annotations

from domain.activity_contracts import SmsTemplate

SIGNATURE = "【交管快处】"

TEMPLATES: dict[str, str] = {
    SmsTemplate.ALERT_RECEIVED: "您的事故视频快处报警已受理，案件编号{case_number}。请开启双闪、在车后50至100米放置三角警示牌，人员撤至安全区域，等待坐席民警视频连线。",
    SmsTemplate.SEAT_CONNECTED: "案件{case_number}：坐席民警已接入视频，请按指引配合取证。视频中断时点击“继续处理”即可恢复。",
    SmsTemplate.YOU_MAY_LEAVE: "案件{case_number}：证据已固定、信息核验通过，请立即驾车撤离现场，恢复交通。责任认定结果将以短信通知。",
    SmsTemplate.DECISION_NOTICE: "案件{case_number}：民警已作出责任认定，道路交通事故认定书（编号{notice_number}）已推送至“交管12123”，请查看并确认收到。",
    SmsTemplate.NOTICE_REMINDER: "案件{case_number}：您的道路交通事故认定书尚未查看，请在“交管12123”中查看并确认收到。",
    SmsTemplate.REVIEW_RECEIVED: "案件{case_number}：复核申请已受理，复核结论将在30日内作出并通知您。",
    SmsTemplate.REVIEW_RESULT: "案件{case_number}：复核已作出结论（{outcome_zh}），详情请在“交管12123”中查看。",
    SmsTemplate.REVIEW_CONCLUSION: "案件{case_number}：复核已作出结论（{outcome_zh}），道路交通事故认定复核结论（编号{notice_number}）已推送至“交管12123”，请查看。",
    SmsTemplate.CLAIM_FILED: "案件{case_number}：已向{insurer_name}报案，报案号{claim_number}，保险公司将与您联系定损。",
    SmsTemplate.HANDED_TO_PATROL: "案件{case_number}：本起事故无法线上处理，已转交警现场处理，请在安全位置等候民警到达。",
    SmsTemplate.REFUSED: "您的事故不符合线上视频快处条件：{reasons}。请在安全位置等候，或拨打110报警。",
    SmsTemplate.NOTICE_REVOKED: "案件{case_number}：经复核重新认定，原事故认定书已撤销，新的认定书（编号{notice_number}）已推送，请查看并确认收到。",
    SmsTemplate.LOGIN_CODE: "您的登录验证码为{code}，{minutes}分钟内有效。请勿泄露给他人。",
    SmsTemplate.ALERT_LINK: "您报警的轻微交通事故可线上视频快处，请在安全位置点击链接报警：{url}（{minutes}分钟内有效，仅可使用一次）。",
}

OUTCOME_ZH = {"uphold": "维持原认定", "redetermine": "撤销原认定、重新认定"}


# Parameters that are credentials (a login code, a one-time link): they reach the phone but are
# never stored or shown in clear, except in the embedded outbox, which is the simulated handset.
SECRET_PARAMS: dict[str, tuple[str, ...]] = {
    SmsTemplate.LOGIN_CODE: ("code",),
    SmsTemplate.ALERT_LINK: ("url",),
}


def redacted_params(template: str, params: dict[str, str]) -> dict[str, str]:
    secret = SECRET_PARAMS.get(template, ())
    return {k: ("******" if k in secret else v) for k, v in params.items()}


class UnknownTemplate(ValueError):
    pass


def render_sms(template: str, params: dict[str, str]) -> str:
    text = TEMPLATES.get(template)
    if text is None:
        raise UnknownTemplate(f"unknown SMS template {template!r}")
    values = {"outcome_zh": OUTCOME_ZH.get(params.get("outcome", ""), ""), **params}
    try:
        return SIGNATURE + text.format(**values)
    except KeyError as missing:
        raise UnknownTemplate(f"template {template!r} needs parameter {missing}") from None
