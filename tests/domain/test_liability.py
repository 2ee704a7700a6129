import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.liability import validate_decision, validate_liability
from domain.models import Decision, Liability

F, MA, E, MI, N = Liability.FULL, Liability.MAJOR, Liability.EQUAL, Liability.MINOR, Liability.NONE


def _ids(n):
    return [f"P{i + 1}" for i in range(n)]


def _check(shares, traffic_accident=False):
    ids = _ids(len(shares))
    return validate_liability(dict(zip(ids, shares, strict=True)), ids, traffic_accident)


@pytest.mark.parametrize(
    "shares",
    [
        (F,),
        (F, N),
        (N, F),
        (MA, MI),
        (MI, MA),
        (E, E),
        (F, N, N),
        (MA, MI, MI),
        (MI, MA, MI),
        (E, E, E),
        (MA, MI, N),
        (E, N, E),
        (E, E, E, E),
        (MA, MI, MI, MI),
        (N, N, F, N),
    ],
)
def test_valid_combinations(shares):
    assert _check(shares) is None


@pytest.mark.parametrize(
    "shares",
    [
        (N,),
        (MA,),
        (E,),
        (N, N),
        (F, F),
        (F, MI),
        (F, E),
        (MA, N),  # one at fault must be FULL
        (MI, N),
        (E, N),
        (MA, MA),
        (MI, MI),
        (MA, E),
        (E, MI),
        (MA, MA, MI),
        (E, E, MI),  # mixed patterns are refused (see module docstring)
        (MA, E, E),
        (F, N, MI),
        (N, N, N),
    ],
)
def test_invalid_combinations(shares):
    r = _check(shares)
    assert r is not None
    assert r.code in {"LIABILITY_INVALID_COMBINATION", "LIABILITY_NO_FAULT"}
    assert r.reason


def test_traffic_accident_requires_all_none():
    assert _check((N,), traffic_accident=True) is None
    assert _check((N, N, N), traffic_accident=True) is None
    r = _check((F, N), traffic_accident=True)
    assert r is not None and r.code == "LIABILITY_TRAFFIC_ACCIDENT_NOT_ALL_NONE"


def test_all_none_without_traffic_accident_refused():
    r = _check((N, N))
    assert r is not None and r.code == "LIABILITY_NO_FAULT"


def test_coverage_of_parties():
    assert validate_liability({"P1": F}, ["P1", "P2"]).code == "LIABILITY_MISSING_PARTY"
    r = validate_liability({"P1": F, "P2": N, "P9": N}, ["P1", "P2"])
    assert r.code == "LIABILITY_UNKNOWN_PARTY" and "P9" in r.reason
    assert validate_liability({}, []).code == "LIABILITY_NO_PARTIES"
    assert validate_liability({"P1": F}, ["P1", "P1"]).code == "LIABILITY_DUPLICATE_PARTY"
    assert validate_liability({"P1": "BLAME"}, ["P1"]).code == "LIABILITY_INVALID_VALUE"
    assert validate_liability({"P1": "FULL", "P2": "NONE"}, ["P1", "P2"]) is None


def _is_valid_by_definition(shares, traffic_accident):
    """An independent, brute statement of the rules."""
    fault = sorted(s.value for s in shares if s != N)
    if traffic_accident:
        return not fault
    if len(fault) == 1:
        return fault == ["FULL"]
    if len(fault) >= 2:
        return set(fault) == {"EQUAL"} or (
            fault.count("MAJOR") == 1 and fault.count("MINOR") == len(fault) - 1
        )
    return False


@given(st.lists(st.sampled_from(list(Liability)), min_size=1, max_size=5), st.booleans())
def test_random_combinations_agree_with_definition(shares, traffic_accident):
    assert (_check(shares, traffic_accident) is None) == _is_valid_by_definition(shares, traffic_accident)


@given(st.integers(2, 6), st.data())
def test_generated_valid_patterns_accepted(n, data):
    ids = _ids(n)
    at_fault = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n, unique=True))
    pattern = data.draw(st.sampled_from(["equal", "major_minor"])) if len(at_fault) > 1 else "full"
    shares = dict.fromkeys(ids, N)
    for i, pid in enumerate(at_fault):
        shares[pid] = {"full": F, "equal": E, "major_minor": MA if i == 0 else MI}[pattern]
    assert validate_liability(shares, ids) is None


def _decision(**kw):
    data = dict(
        officer_id="O1",
        officer_name="王警官",
        badge_number="051234",
        unit="泸州市公安局交通警察支队江阳大队",
        liabilities={"P1": F, "P2": N},
        facts="P1驾驶川E12345小型轿车追尾P2驾驶的川E54321小型轿车。",
        accident_form="13",  # 尾随相撞
        impact_points=["P1:01", "P2:06"],
        mediation_result="P1赔偿P2车辆损失，由交强险理赔。",
    )
    data.update(kw)
    return Decision(**data)


def test_valid_decision():
    assert validate_decision(_decision(), ["P1", "P2"]) == []
    no_mediation = _decision(mediation_result="", no_mediation_reason="不同意调解")
    assert validate_decision(no_mediation, ["P1", "P2"]) == []


def test_decision_collects_every_problem():
    d = _decision(
        liabilities={"P1": MA, "P2": N},
        facts=" ",
        accident_form="",
        badge_number="",
        unit="",
        mediation_result="",
    )
    codes = [r.code for r in validate_decision(d, ["P1", "P2"])]
    assert codes.count("MISSING_OFFICER_INFO") == 2
    assert set(codes) == {
        "LIABILITY_INVALID_COMBINATION",
        "MISSING_FACTS",
        "MISSING_ACCIDENT_FORM",
        "MISSING_OFFICER_INFO",
        "MEDIATION_MISSING",
    }


def test_decision_takes_the_accident_form_and_impact_points_from_the_code_lists():
    free_text = _decision(accident_form="追尾碰撞", impact_points=["P1车头", "P9:01", "P2:77"])
    refusals = validate_decision(free_text, ["P1", "P2"])
    assert [(r.code, r.field) for r in refusals] == [
        ("UNKNOWN_ACCIDENT_FORM", "accident_form"),
        ("UNKNOWN_IMPACT_POINT", "impact_points"),
        ("UNKNOWN_IMPACT_POINT", "impact_points"),
        ("UNKNOWN_IMPACT_POINT", "impact_points"),
    ]
    assert all(r.reason for r in refusals)
    assert "weather" not in Decision.model_fields  # recorded by the seat, never defaulted here


def test_decision_mediation_xor():
    d = _decision(no_mediation_reason="异议")
    assert [r.code for r in validate_decision(d, ["P1", "P2"])] == ["MEDIATION_AMBIGUOUS"]


def test_decision_traffic_accident():
    d = _decision(liabilities={"P1": N, "P2": N}, traffic_accident=True)
    assert validate_decision(d, ["P1", "P2"]) == []
    d = _decision(liabilities={"P1": N, "P2": N})
    assert [r.code for r in validate_decision(d, ["P1", "P2"])] == ["LIABILITY_NO_FAULT"]
