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


def test_weather_and_road_surface_are_what_was_recorded_never_a_default():
    # the decision carries no weather at all (it used to default to 晴): the seat records it
    assert not hasattr(sample_decision(), "weather")
    unrecorded = _build()
    assert unrecorded.weather == "未记录" and unrecorded.road_surface == "未记录"
    assert _build(weather="3", road_surface="5").model_dump(include={"weather", "road_surface"}) == {
        "weather": "雨",
        "road_surface": "冰雪",
    }
    assert _build(weather="小雨", road_surface=" ").weather == "小雨"  # a name as typed; blank = not recorded
    assert _build(road_surface=" ").road_surface == "未记录"


def test_codes_print_as_names_and_party_ids_become_labels():
    decision = sample_decision().model_copy(
        update={
            "accident_form": "12",
            "impact_points": ["P1:02", "P3:05", "P2车尾部"],
            "facts": "P1变更车道时未让P2先行，与P2车辆左侧相撞。P12不是当事人编号以外的文字，川AP1234是号牌。",
        }
    )
    # P12 is an id of no party: refused below; first the text without it
    with pytest.raises(ValueError, match=r"facts refers to \['P12'\]"):
        _build(decision=decision)
    decision.facts = "P1变更车道时未让P2先行，与P2车辆左侧相撞，川AP1234号车未受损。"
    content = _build(decision=decision)
    assert content.accident_form == "侧面相撞"
    assert content.impact_points == ["甲车左前部", "丙车右侧", "乙车尾部"]
    assert content.facts == "甲变更车道时未让乙先行，与乙车辆左侧相撞，川AP1234号车未受损。"


def test_a_pedestrian_impact_point_has_no_vehicle():
    parties = sample_parties()
    parties[2] = parties[2].model_copy(update={"vehicle": None})
    decision = sample_decision().model_copy(update={"impact_points": ["P3:04"]})
    assert _build(decision=decision, parties=parties).impact_points == ["丙左侧"]


def test_legacy_free_text_is_kept():
    decision = sample_decision().model_copy(
        update={"accident_form": "追尾碰撞、刮擦", "impact_points": ["车头"]}
    )
    content = _build(decision=decision)
    assert content.accident_form == "追尾碰撞、刮擦" and content.impact_points == ["车头"]


def test_party_ids_are_not_part_of_the_signed_content():
    content = sample_content()
    assert content.parties[0].party_id == "P1"  # known in the process, for error messages
    assert b'"P1"' not in content.canonical_json() and b"party_id" not in content.canonical_json()
