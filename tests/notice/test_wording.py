"""Every sentence the templates build, whatever punctuation the officer typed."""

from __future__ import annotations

import pytest

from adapters.notice.wording import (
    legal_basis_clause,
    liability_sentence,
    mediation_sentence,
    revocation_sentence,
    sentence,
)

BASIS = "《中华人民共和国道路交通安全法》第四十三条"


@pytest.mark.parametrize(
    "typed",
    [
        BASIS,
        f"{BASIS}，",
        f"依据{BASIS}之规定",
        f"根据{BASIS}的规定。",
        f" 依照{BASIS}规定；",
    ],
)
def test_the_legal_basis_reads_as_a_notice_phrases_it(typed):
    assert legal_basis_clause(typed) == f"根据{BASIS}之规定"
    assert (
        liability_sentence(typed, ["当事人甲（张喆）承担事故全部责任", "当事人乙（李堃）无责任"])
        == f"根据{BASIS}之规定，认定：当事人甲（张喆）承担事故全部责任；当事人乙（李堃）无责任。"
    )


def test_without_a_basis_the_sentence_still_reads():
    assert (
        liability_sentence("  ", ["当事人甲（张喆）承担事故全部责任"])
        == "认定：当事人甲（张喆）承担事故全部责任。"
    )


@pytest.mark.parametrize(
    "reason", ["原认定事实不清", "原认定事实不清。", "原认定事实不清，", "原认定事实不清；"]
)
def test_revocation_has_no_stray_punctuation(reason):
    text = revocation_sentence("2026年3月5日", "N1", "2026年3月5日09时12分", "华阳路口。", reason)
    assert text.endswith("原认定事实不清，现予撤销。")
    assert "。，" not in text and "，，" not in text and "；，" not in text and "。）" not in text


def test_revocation_without_the_revoked_date():
    assert revocation_sentence("", "N1", "t", "a", "r").startswith("本机关作出的第 N1 号")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("已赔偿", "已赔偿。"),
        ("已赔偿。", "已赔偿。"),
        ("已赔偿，", "已赔偿。"),
        ("赔偿?", "赔偿?。"),
        ("赔偿！", "赔偿！"),
        ("", ""),
    ],
)
def test_sentence(typed, expected):
    assert sentence(typed) == expected


def test_mediation_both_branches():
    assert mediation_sentence("甲赔乙500元", "", "无") == "经当事人共同申请调解，达成协议如下：甲赔乙500元。"
    assert (
        mediation_sentence("", "当事人不同意调解。", "无")
        == "本次事故未进行损害赔偿调解。原因：当事人不同意调解。"
    )
    assert mediation_sentence("", "", "无") == "本次事故未进行损害赔偿调解。原因：无"
