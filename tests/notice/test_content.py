"""Building the notice content from the officer's decision."""

from __future__ import annotations

from datetime import datetime

import pytest

from adapters.notice.content import build_notice_content
from adapters.notice.sample import (
    ACCIDENT_AT,
    ISSUED_AT,
    sample_content,
    sample_decision,
    sample_location,
    sample_parties,
)
from domain.models import Liability, PartyKind


def test_parties_in_case_order_with_labels_and_full_identity():
    content = sample_content()
    assert [p.label for p in content.parties] == ["甲", "乙", "丙"]
    first = content.parties[0]
    assert first.id_or_licence_number == "51050219900101123X"  # unmasked: the notice is the legal document
    assert first.insurer_name.startswith("中国人民财产保险")
    assert first.liability == Liability.FULL and first.liability_label == "全部责任"
    ebike = content.parties[2]
    assert (
        ebike.kind == PartyKind.NON_MOTOR and ebike.vehicle_type == "电动自行车" and ebike.insurer_name == ""
    )


def test_digest_changes_with_content():
    a = sample_content()
    assert a.digest() == sample_content().digest()
    assert a.digest() != sample_content(names=("张喆", "李堃", "王五")).digest()


def _build(**overrides):
    args = dict(
        case_number="C1",
        notice_number="N1",
        version=1,
        decision=sample_decision(),
        parties=sample_parties(),
        location=sample_location(),
        accident_time=ACCIDENT_AT,
        issued_at=ISSUED_AT,
        review_unit="泸州市公安局交通警察支队",
    )
    args.update(overrides)
    return build_notice_content(**args)


def test_refuses_liabilities_that_do_not_match_the_parties():
    with pytest.raises(ValueError, match="missing"):
        _build(parties=[*sample_parties(), sample_parties()[0].model_copy(update={"party_id": "P4"})])


def test_refuses_a_decision_without_mediation_result_or_reason():
    decision = sample_decision().model_copy(update={"mediation_result": "", "no_mediation_reason": ""})
    with pytest.raises(ValueError, match="mediation"):
        _build(decision=decision)


def test_refuses_naive_times():
    with pytest.raises(ValueError, match="aware"):
        _build(issued_at=datetime(2026, 3, 5, 10, 40))
