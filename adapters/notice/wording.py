"""The sentences of the documents, phrased as a notice phrases them, whatever punctuation the officer
typed: one place for the wording, so every template branch is proofread in one set of tests.

Officers type legal bases as "《道路交通安全法》第四十三条", "依据《…》第…条之规定" or "根据…的规定，";
reasons end with or without "。". These functions strip what they add themselves, so that the
printed text never doubles a word or a mark ("。，现予撤销", "根据依据", "之规定之规定")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.models import Liability

_TRAILING = "，。；、,.;：: \u3000"
_TERMINAL = "。！？…"
_BASIS_LEAD = re.compile(r"^(根据|依据|依照|按照|据)")
_BASIS_TAIL = re.compile(r"(之规定|的规定|规定)$")


def clause(text: str) -> str:
    """Text to be continued by the template: without trailing punctuation."""
    return text.strip().rstrip(_TRAILING).strip()


def sentence(text: str) -> str:
    """Text as a whole sentence: ends with 。 (or the ! ? … the officer typed)."""
    core = text.strip().rstrip("，、；,;：: \u3000")
    if not core:
        return ""
    return core if core[-1] in _TERMINAL else core.rstrip(".") + "。"


def legal_basis_clause(basis: str) -> str:
    """``"《中华人民共和国道路交通安全法》第四十三条"`` -> ``"根据《中华人民共和国道路交通安全法》
    第四十三条之规定"``; a basis typed with 依据/根据 and 之规定 gives the same form."""
    core = clause(basis)
    core = _BASIS_LEAD.sub("", core).strip()
    core = clause(_BASIS_TAIL.sub("", core))
    return f"根据{core}之规定" if core else ""


def liability_share(label: str, name: str, liability: Liability, liability_label: str) -> str:
    """当事人甲（张喆）承担事故全部责任 / 当事人乙（李堃）无责任."""
    who = f"当事人{label}（{name}）"
    return f"{who}{liability_label}" if liability == Liability.NONE else f"{who}承担事故{liability_label}"


def liability_sentence(basis: str, shares: Iterable[str]) -> str:
    """根据《…》第…条之规定，认定：当事人甲（…）承担事故全部责任；当事人乙（…）无责任。"""
    joined = "；".join(shares)
    lead = legal_basis_clause(basis)
    return f"{lead}，认定：{joined}。" if lead else f"认定：{joined}。"


def mediation_sentence(result: str, no_mediation_reason: str, fallback: str) -> str:
    if result.strip():
        return f"经当事人共同申请调解，达成协议如下：{sentence(result)}"
    return f"本次事故未进行损害赔偿调解。原因：{sentence(no_mediation_reason) or fallback}"


def revocation_sentence(
    issued: str, revoked_number: str, accident_time: str, address: str, reason: str
) -> str:
    """本机关于…作出的第 N 号《道路交通事故认定书（简易程序）》（事故时间：…，事故地点：…），
    <reason>，现予撤销。"""
    when = f"于{issued}" if issued else ""
    return (
        f"本机关{when}作出的第 {revoked_number} 号《道路交通事故认定书（简易程序）》"
        f"（事故时间：{accident_time}，事故地点：{clause(address)}），{clause(reason)}，现予撤销。"
    )
