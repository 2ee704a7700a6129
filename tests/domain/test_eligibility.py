import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkingDayCalendar
from domain.eligibility import (
    ELIGIBILITY_CODES,
    EligibilityConfig,
    ServiceWindow,
    check_eligibility,
    parse_service_windows,
)
from domain.geo import wgs84_to_gcj02
from domain.models import (
    AccidentCategory,
    Alert,
    CoordinateSystem,
    DeclaredFacts,
    InjuryLevel,
    InsurancePolicy,
    Location,
    Party,
    PartyKind,
    Vehicle,
)
from tests.domain.helpers import make_resident_id

SH = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]
GEOJSON = json.loads((ROOT / "data" / "pilot_area_luzhou.geojson").read_text(encoding="utf-8"))
NANCHENG_WGS = (28.8720, 105.4380)
NANCHENG_GCJ = wgs84_to_gcj02(*NANCHENG_WGS)
OUTSIDE = (28.8500, 105.4400)  # south bank of the Yangtze
WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


@pytest.fixture(scope="module")
def config():
    return EligibilityConfig.from_sources(
        GEOJSON, "08:30-12:00,15:00-18:30", WorkingDayCalendar(), "Asia/Shanghai"
    )


POLICY = InsurancePolicy(
    insurer_code="PICC",
    insurer_name="中国人民财产保险",
    policy_number="PDZA202651050000012345",
    valid_from=date(2026, 3, 1),
    valid_to=date(2027, 2, 28),
)


def driver(pid="P1", plate="川E12345", insured=True, **kw):
    data = dict(
        party_id=pid,
        kind=PartyKind.MOTOR_DRIVER,
        name="张三",
        phone=f"1381234{8000 + int(pid[1:]) - 1:04d}",  # one mobile per party: P1 13812348000
        id_number=make_resident_id(),
        licence_number="510100123456",
        vehicle=Vehicle(plate=plate, insurance=POLICY if insured else None),
    )
    data.update(kw)
    return Party(**data)


def cyclist(pid="P2"):
    return Party(party_id=pid, kind=PartyKind.NON_MOTOR, name="李四", phone=f"139000011{int(pid[1:]):02d}")


def owner(pid="P2"):
    return Party(
        party_id=pid, kind=PartyKind.PROPERTY_OWNER, name="王五", phone=f"137000022{int(pid[1:]):02d}"
    )


def alert(
    at=WEDNESDAY_10AM,
    where=NANCHENG_GCJ,
    system=CoordinateSystem.GCJ02,
    category=AccidentCategory.MOTOR_VS_MOTOR,
    parties=None,
    consent=True,
    reporter="+86 138 1234 8000",
    **facts,
):
    return Alert(
        reported_at=at.astimezone(UTC),
        location=Location(lat=where[0], lon=where[1], system=system),
        facts=DeclaredFacts(category=category, **facts),
        parties=parties if parties is not None else [driver("P1"), driver("P2", "川ED12345")],
        reporter_phone=reporter,
        consent_electronic_service=consent,
    )


def codes(result):
    return [r.code for r in result.refusals]


def test_parse_service_windows():
    assert parse_service_windows("08:30-12:00, 15:00-18:30") == [
        ServiceWindow(time(8, 30), time(12, 0)),
        ServiceWindow(time(15, 0), time(18, 30)),
    ]
    for bad in ["", "08:30", "12:00-08:30", "8h-9h", "08:30-12:00-13:00"]:
        with pytest.raises(ValueError):
            parse_service_windows(bad)


def test_fully_eligible_alert_in_nancheng(config):
    result = check_eligibility(alert(), config)
    assert result.eligible, result.refusals
    assert result.refusals == []
    assert result.area == "南城街道" and result.district == "江阳区"
    assert result.location_wgs84.system == CoordinateSystem.WGS84
    assert abs(result.location_wgs84.lat - NANCHENG_WGS[0]) < 1e-6


def test_eligible_category_2_and_3(config):
    cat2 = alert(
        category=AccidentCategory.MOTOR_VS_NON_MOTOR,
        parties=[driver(), cyclist()],
        injuries=InjuryLevel.MINOR,
    )
    assert check_eligibility(cat2, config).eligible
    cat3 = alert(category=AccidentCategory.SINGLE_MOTOR_PROPERTY, parties=[driver(insured=False), owner()])
    assert check_eligibility(cat3, config).eligible


def _only(config, a, code):
    result = check_eligibility(a, config)
    assert not result.eligible
    assert codes(result) == [code], result.refusals
    refusal = result.refusals[0]
    assert refusal.reason and refusal.advice
    assert code in {c.code for c in ELIGIBILITY_CODES}
    return refusal


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (datetime(2026, 11, 25, 8, 29, tzinfo=SH), "OUTSIDE_SERVICE_HOURS"),
        (datetime(2026, 11, 25, 12, 0, tzinfo=SH), "OUTSIDE_SERVICE_HOURS"),  # end is exclusive
        (datetime(2026, 11, 25, 13, 30, tzinfo=SH), "OUTSIDE_SERVICE_HOURS"),
        (datetime(2026, 11, 25, 18, 30, tzinfo=SH), "OUTSIDE_SERVICE_HOURS"),
        (datetime(2026, 11, 28, 10, 0, tzinfo=SH), "NOT_A_WORKING_DAY"),  # Saturday
        (datetime(2026, 10, 2, 10, 0, tzinfo=SH), "NOT_A_WORKING_DAY"),  # National Day (Friday)
    ],
)
def test_time_refusals(config, at, code):
    _only(config, alert(at=at), code)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 25, 8, 30, tzinfo=SH),
        datetime(2026, 11, 25, 18, 29, tzinfo=SH),
        datetime(2026, 10, 10, 9, 0, tzinfo=SH),  # make-up Saturday is a working day
    ],
)
def test_time_accepted(config, at):
    assert check_eligibility(alert(at=at), config).eligible


def test_hours_are_local_time(config):
    # 01:00 UTC is 09:00 in Shanghai: inside; 05:00 UTC is 13:00: outside
    assert check_eligibility(alert(at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC)), config).eligible
    _only(config, alert(at=datetime(2026, 11, 25, 5, 0, tzinfo=UTC)), "OUTSIDE_SERVICE_HOURS")


def test_calendar_unavailable_is_a_refusal_not_a_crash(config):
    refusal = _only(config, alert(at=datetime(2027, 1, 13, 10, 0, tzinfo=SH)), "CALENDAR_UNAVAILABLE")
    assert "2027" in refusal.reason


def test_administrator_calendar_makes_2027_work():
    cfg = EligibilityConfig.from_sources(GEOJSON, "08:30-12:00", WorkingDayCalendar(loaded_years=[2027]))
    assert check_eligibility(
        alert(at=datetime(2027, 1, 13, 10, 0, tzinfo=SH)), cfg, today=date(2027, 1, 13)
    ).eligible


def test_outside_pilot_area(config):
    _only(config, alert(where=OUTSIDE, system=CoordinateSystem.WGS84), "OUTSIDE_PILOT_AREA")


def test_drink_or_drugs(config):
    _only(config, alert(drink_or_drugs=True), "DRINK_OR_DRUGS")


def test_hit_and_run(config):
    _only(config, alert(hit_and_run=True), "HIT_AND_RUN")


@pytest.mark.parametrize(
    ("category", "parties", "injuries"),
    [
        (AccidentCategory.MOTOR_VS_MOTOR, None, InjuryLevel.MINOR),
        (AccidentCategory.MOTOR_VS_NON_MOTOR, [driver(), cyclist()], InjuryLevel.SERIOUS),
        (AccidentCategory.SINGLE_MOTOR_PROPERTY, [driver(), owner()], InjuryLevel.MINOR),
    ],
)
def test_injury_too_serious(config, category, parties, injuries):
    refusal = _only(
        config, alert(category=category, parties=parties, injuries=injuries), "INJURY_TOO_SERIOUS"
    )
    assert "120" in refusal.advice


def test_vehicles_not_movable(config):
    _only(config, alert(vehicles_movable=False), "VEHICLES_NOT_MOVABLE")


def test_uninsured_motor_party(config):
    refusal = _only(
        config, alert(parties=[driver("P1"), driver("P2", insured=False)]), "UNINSURED_MOTOR_PARTY"
    )
    assert "P2" in refusal.reason and refusal.field == "P2.vehicle.insurance"


def test_expired_insurance_is_uninsured(config):
    expired = driver("P2").model_copy(deep=True)
    expired.vehicle.insurance.valid_to = date(2026, 11, 24)
    _only(config, alert(parties=[driver("P1"), expired]), "UNINSURED_MOTOR_PARTY")
    cat2 = alert(category=AccidentCategory.MOTOR_VS_NON_MOTOR, parties=[driver(insured=False), cyclist()])
    _only(config, cat2, "UNINSURED_MOTOR_PARTY")


def test_motor_party_not_liable(config):
    a = alert(
        category=AccidentCategory.MOTOR_VS_NON_MOTOR, parties=[driver(), cyclist()], motor_party_liable=False
    )
    _only(config, a, "MOTOR_PARTY_NOT_LIABLE")


def test_injured_party_absent(config):
    a = alert(
        category=AccidentCategory.SINGLE_MOTOR_PROPERTY,
        parties=[driver(), owner()],
        injured_party_present=False,
    )
    _only(config, a, "INJURED_PARTY_ABSENT")


@pytest.mark.parametrize(
    ("category", "parties"),
    [
        (AccidentCategory.MOTOR_VS_MOTOR, [driver()]),
        (AccidentCategory.MOTOR_VS_MOTOR, [driver(), cyclist("P2")]),
        (AccidentCategory.MOTOR_VS_NON_MOTOR, [driver(), driver("P2")]),
        (AccidentCategory.MOTOR_VS_NON_MOTOR, [cyclist("P1"), cyclist("P2")]),
        (AccidentCategory.SINGLE_MOTOR_PROPERTY, [driver()]),
        (AccidentCategory.SINGLE_MOTOR_PROPERTY, [driver(), driver("P2"), owner("P3")]),
        (AccidentCategory.SINGLE_MOTOR_PROPERTY, [driver(), cyclist("P2"), owner("P3")]),
    ],
)
def test_category_parties_mismatch(config, category, parties):
    _only(config, alert(category=category, parties=parties), "CATEGORY_PARTIES_MISMATCH")


def test_too_many_vehicles(config):
    parties = [driver(f"P{i}", f"川E1234{i}") for i in range(1, 5)]
    _only(config, alert(parties=parties), "TOO_MANY_VEHICLES")
    assert check_eligibility(alert(parties=parties[:3]), config).eligible


def test_duplicate_party_id(config):
    _only(config, alert(parties=[driver("P1"), driver("P1", "川E54321")]), "DUPLICATE_PARTY_ID")


def test_invalid_party(config):
    refusal = _only(config, alert(parties=[driver(), driver("P2", "川EI2345")]), "INVALID_PARTY")
    assert "P2" in refusal.reason and refusal.field == "P2.vehicle.plate"


def test_police_vehicle_is_not_eligible(config):
    refusal = _only(config, alert(parties=[driver(), driver("P2", "川E1234警")]), "PLATE_NOT_ELIGIBLE")
    assert "110" in refusal.advice


def test_invalid_reporter_phone(config):
    _only(config, alert(reporter="12345"), "INVALID_REPORTER_PHONE")


def test_no_electronic_service_consent(config):
    _only(config, alert(consent=False), "NO_ELECTRONIC_SERVICE_CONSENT")


def test_many_reasons_at_once(config):
    a = alert(
        at=datetime(2026, 10, 3, 20, 0, tzinfo=SH),  # National Day, evening
        where=OUTSIDE,
        system=CoordinateSystem.WGS84,
        drink_or_drugs=True,
        hit_and_run=True,
        injuries=InjuryLevel.SERIOUS,
        vehicles_movable=False,
        parties=[
            driver("P1", phone="1"),
            *(driver(f"P{i}", f"川E1234{i}", insured=False) for i in range(2, 5)),
        ],
        reporter="",
        consent=False,
    )
    result = check_eligibility(a, config)
    assert not result.eligible
    assert set(codes(result)) == {
        "NOT_A_WORKING_DAY",
        "OUTSIDE_SERVICE_HOURS",
        "OUTSIDE_PILOT_AREA",
        "DRINK_OR_DRUGS",
        "HIT_AND_RUN",
        "INJURY_TOO_SERIOUS",
        "VEHICLES_NOT_MOVABLE",
        "UNINSURED_MOTOR_PARTY",
        "TOO_MANY_VEHICLES",
        "INVALID_PARTY",
        "INVALID_REPORTER_PHONE",
        "NO_ELECTRONIC_SERVICE_CONSENT",
    }
    assert codes(result).count("UNINSURED_MOTOR_PARTY") == 3
    assert result.area is None and result.district is None
    assert all(r.reason and r.advice for r in result.refusals)


def test_unconverted_gcj_point_near_the_edge_would_be_refused(config):
    # the GCJ-02 point just inside 南城's southern edge (see test_geo) is accepted when labelled
    # correctly, and refused when the same numbers are taken as WGS-84
    gcj = (28.86347, 105.438598)
    assert check_eligibility(alert(where=gcj, system=CoordinateSystem.GCJ02), config).eligible
    _only(config, alert(where=gcj, system=CoordinateSystem.WGS84), "OUTSIDE_PILOT_AREA")


def test_naive_reported_at_is_a_programming_error(config):
    a = alert()
    a.reported_at = datetime(2026, 11, 25, 2, 0)
    with pytest.raises(ValueError):
        check_eligibility(a, config)
