"""domain.notice_codes: code lists by name, party references, and the refusals the decision
validator can return before a notice is ever rendered."""

from __future__ import annotations

from domain.notice_codes import (
    ACCIDENT_FORMS,
    IMPACT_PARTS,
    ROAD_SURFACES,
    WEATHER,
    accident_form_name,
    impact_point_name,
    party_labels,
    substitute_party_refs,
    unknown_party_refs,
    validate_notice_codes,
)


def test_code_lists_have_unique_names():
    for table in (ACCIDENT_FORMS, IMPACT_PARTS, WEATHER, ROAD_SURFACES):
        assert len(set(table.values())) == len(table)
    assert ACCIDENT_FORMS["13"] == "尾随相撞" and IMPACT_PARTS["06"] == "尾部"


def test_names_from_codes_and_free_text_as_written():
    assert accident_form_name("15") == "同向刮擦"
    assert accident_form_name(" 追尾碰撞 ") == "追尾碰撞"
    labels = party_labels(["P1", "P2"])
    assert impact_point_name("P2:06", labels, {"P2": True}) == "乙车尾部"
    assert impact_point_name("P1车前部", labels, {}) == "甲车前部"
    assert impact_point_name("P9:06", labels, {}) == "P9:06"  # left for the refusal below


def test_party_references():
    labels = party_labels(["P1", "P2", "P3"])
    assert labels == {"P1": "甲", "P2": "乙", "P3": "丙"}
    assert substitute_party_refs("P1追尾P2，P3未受损", labels) == "甲追尾乙，丙未受损"
    assert substitute_party_refs("川AP1234、P12、XP1", labels) == "川AP1234、P12、XP1"
    assert unknown_party_refs("P1与P4、P12", labels) == ["P4", "P12"]


def test_validation_refuses_unknown_codes_and_ids():
    refusals = validate_notice_codes(
        "99",
        ["P1:01", "P3:06", "P2:77", "P2车尾部"],
        ["P1", "P2"],
        {"facts": "P1追尾P5", "mediation_result": "甲赔乙"},
    )
    codes = [(r.code, r.field) for r in refusals]
    assert ("UNKNOWN_ACCIDENT_FORM", "accident_form") in codes
    assert codes.count(("UNKNOWN_IMPACT_POINT", "impact_points")) == 2  # P3 is no party; 77 no part
    assert ("UNKNOWN_PARTY_REFERENCE", "facts") in codes
    assert all(r.reason for r in refusals)
    assert validate_notice_codes("13", ["P1:01", "P2:06"], ["P1", "P2"], {"facts": "P1追尾P2"}) == []
    assert validate_notice_codes("追尾碰撞", ["P1车前部"], ["P1", "P2"]) == []  # legacy text passes
