from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.models import Party, PartyKind, Vehicle
from domain.validators import (
    PLATE_PROVINCES,
    PROVINCE_CODES,
    normalize_mobile,
    normalize_plate,
    plate_kind,
    validate_accident_time,
    validate_licence_number,
    validate_mobile,
    validate_name,
    validate_party,
    validate_plate,
    validate_resident_id,
)
from tests.domain.helpers import make_resident_id

TODAY = date(2026, 6, 1)

# ------------------------------------------------------------------ resident ID


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the example printed in GB 11643-1999 (check character X)
        make_resident_id("510502", date(1990, 1, 1)),
        make_resident_id("510521", date(2000, 2, 29), "045"),  # leap day
        make_resident_id("110105", date(1900, 1, 1)),
        make_resident_id("810000", date(1985, 7, 1)),  # HK resident's residence permit
    ],
)
def test_valid_resident_ids(value):
    assert validate_resident_id(value, TODAY) is None


def test_lower_case_x_accepted():
    assert validate_resident_id("11010519491231002x", TODAY) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "empty"),
        ("11010519491231002", "17 chars"),
        ("1101051949123100211", "19 chars"),
        ("110105194912310021", "bad check digit (should be X)"),
        ("11010519491231002Y", "bad last char"),
        ("1101051949A231002X", "letter inside"),
        ("99" + make_resident_id()[2:], "unknown province 99"),
        ("710105" + "19491231002X", "71 not accepted"),
    ],
)
def test_invalid_resident_ids(value, why):
    r = validate_resident_id(value, TODAY)
    assert r is not None, why
    assert r.code == "INVALID_RESIDENT_ID"


def _with_valid_check(first17: str) -> str:
    from domain.validators import resident_id_check_char

    return first17 + resident_id_check_char(first17)


@pytest.mark.parametrize(
    "first17",
    [
        "51050219900230123",  # 30 February
        "51050219901301123",  # month 13
        "51050218991231123",  # before 1900
        "51050220260602123",  # tomorrow relative to TODAY
    ],
)
def test_impossible_birth_dates_refused_even_with_valid_checksum(first17):
    r = validate_resident_id(_with_valid_check(first17), TODAY)
    assert r is not None and "出生日期" in r.reason


def test_birth_today_is_accepted():
    assert validate_resident_id(make_resident_id(birth=TODAY), TODAY) is None


ids = st.builds(
    make_resident_id,
    region=st.sampled_from(sorted(PROVINCE_CODES)).map(lambda p: p + "0102"),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    seq=st.integers(0, 999).map(lambda i: f"{i:03d}"),
)


@given(ids)
def test_generated_checksum_valid_id_validates(value):
    assert validate_resident_id(value, TODAY) is None


@given(ids, st.integers(0, 17), st.integers(1, 9))
def test_changing_one_digit_breaks_it(value, pos, delta):
    c = value[pos]
    if c == "X":
        changed = "0"
    else:
        changed = str((int(c) + delta) % 10)
    mutated = value[:pos] + changed + value[pos + 1 :]
    assert validate_resident_id(mutated, TODAY) is not None


# ------------------------------------------------------------------ plates


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("川E12345", "standard"),
        ("川EA1234", "standard"),
        ("川E8AB88", "standard"),
        ("京N12345", "standard"),
        ("粤B12345", "standard"),
        ("川ED12345", "nev_small"),
        ("川EF12345", "nev_small"),
        ("川EDA1234", "nev_small"),
        ("沪AA12345", "nev_small"),  # extended energy letters (pure electric A)
        ("苏EK12345", "nev_small"),  # extended energy letters (non pure-electric K)
        ("川E12345D", "nev_large"),
        ("川E12345F", "nev_large"),
        ("川E1234挂", "trailer_or_learner"),
        ("川E1234学", "trailer_or_learner"),
    ],
)
def test_valid_plates(value, kind):
    assert validate_plate(value) is None
    assert plate_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "",
        "E12345",  # no province
        "A川12345",
        "X E12345",
        "川112345",  # authority must be a letter
        "川I12345",  # authority I
        "川O12345",
        "川E1O345",  # O in serial
        "川E1I345",
        "川E1234",  # too short
        "川E123456",  # 8 chars but not a NEV pattern
        "川EL12345",  # L is not an energy letter
        "川EI12345",
        "川ED1234A",  # NEV small: last four must be digits
        "川EDA123B",
        "川E1234AD",  # NEV large: five digits then D/F
        "川E12345A",  # NEV large: only D or F last
        "川E123挂",
        "川E12345挂",
        "川E1234X学",
        "川E12 34 56 7",
        "台A12345",  # not a mainland province character
    ],
)
def test_invalid_plates(value):
    r = validate_plate(value)
    assert r is not None and r.code == "INVALID_PLATE", value


@pytest.mark.parametrize("value", ["川E1234警", "沪A1234领", "粤Z1234港", "粤Z1234澳", "使014578"])
def test_special_plates_refused_as_not_eligible(value):
    r = validate_plate(value)
    assert r is not None and r.code == "PLATE_NOT_ELIGIBLE"
    assert "110" in r.advice


def test_normalize_plate():
    assert normalize_plate(" 川e·12345 ") == "川E12345"
    assert normalize_plate("川Ｅ１２３４５") == "川E12345"
    assert normalize_plate("川e-d1234 5") == "川ED12345"
    assert validate_plate("川e 12345") is None


_SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_AUTH = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@given(
    st.sampled_from(PLATE_PROVINCES),
    st.sampled_from(_AUTH),
    st.text(_SERIAL, min_size=5, max_size=5),
)
def test_generated_standard_plate_validates(prov, auth, serial):
    assert validate_plate(prov + auth + serial) is None


@given(
    st.sampled_from(PLATE_PROVINCES),
    st.sampled_from(_AUTH),
    st.sampled_from("DF"),
    st.sampled_from(_SERIAL),
    st.text("0123456789", min_size=4, max_size=4),
    st.booleans(),
)
def test_generated_nev_plate_validates(prov, auth, energy, second, digits, large):
    serial = digits + "0" + energy if large else energy + second + digits
    plate = prov + auth + serial
    assert validate_plate(plate) is None


@given(st.sampled_from(PLATE_PROVINCES), st.text(_SERIAL, min_size=5, max_size=5), st.integers(0, 4))
def test_i_or_o_anywhere_in_serial_refused(prov, serial, pos):
    for bad in "IO":
        plate = prov + "E" + serial[:pos] + bad + serial[pos + 1 :]
        assert validate_plate(plate) is not None


# ------------------------------------------------------------------ mobile, licence, name


@pytest.mark.parametrize(
    "value",
    [
        "13812348000",
        "+8613812348000",
        "+86 138 1234 8000",
        "86-138-1234-8000",
        "008619912345678",
        "19912345678",
    ],
)
def test_valid_mobiles(value):
    assert validate_mobile(value) is None
    assert len(normalize_mobile(value)) == 11


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12812348000",
        "1381234800",
        "138123480001",
        "02812345678",
        "+85261234567",
        "1381234800a",
        "+8612812348000",
    ],
)
def test_invalid_mobiles(value):
    r = validate_mobile(value)
    assert r is not None and r.code == "INVALID_MOBILE"


def test_normalize_mobile():
    assert normalize_mobile("+86 138-1234-8000") == "13812348000"
    assert normalize_mobile("8613812348000") == "13812348000"
    assert normalize_mobile("13812348000") == "13812348000"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("510100123456", True),
        (" 510100123456 ", True),
        ("51010012345", False),
        ("5101001234567", False),
        ("51010012345A", False),
        ("", False),
        ("５１０１００１２３４５６", True),  # NFKC: full-width digits are ASCII digits, as everywhere
    ],
)
def test_licence_number(value, ok):
    r = validate_licence_number(value)
    assert (r is None) is ok
    if not ok:
        assert r.code == "INVALID_LICENCE_NUMBER"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("张三", True),
        ("欧阳娜娜", True),
        ("阿卜杜拉·买买提", True),
        ("John Smith", True),
        ("张", False),
        ("", False),
        ("张3", False),
        ("·张三", False),
        ("<script>", False),
    ],
)
def test_names(value, ok):
    assert (validate_name(value) is None) is ok


# ------------------------------------------------------------------ party


def _driver(**kw):
    data = dict(
        party_id="P1",
        kind=PartyKind.MOTOR_DRIVER,
        name="张三",
        phone="13812348000",
        id_number=make_resident_id(),
        licence_number="510100123456",
        vehicle=Vehicle(plate="川E12345"),
    )
    data.update(kw)
    return Party(**data)


def test_valid_driver():
    assert validate_party(_driver(), TODAY) == []


def test_driver_problems_all_reported_with_party_id():
    p = _driver(party_id="P2", phone="123", licence_number="", vehicle=None, id_number="110105194912310021")
    refusals = validate_party(p, TODAY)
    codes = {r.code for r in refusals}
    assert codes == {"INVALID_MOBILE", "MISSING_LICENCE_NUMBER", "MISSING_VEHICLE", "INVALID_RESIDENT_ID"}
    assert all("P2" in r.reason and r.field.startswith("P2.") for r in refusals)


def test_driver_bad_plate_and_licence():
    refusals = validate_party(_driver(licence_number="12", vehicle=Vehicle(plate="川EI2345")), TODAY)
    assert {r.code for r in refusals} == {"INVALID_LICENCE_NUMBER", "INVALID_PLATE"}
    assert {r.field for r in refusals} == {"P1.licence_number", "P1.vehicle.plate"}


def test_non_motor_and_owner_need_only_name_and_phone():
    cyclist = Party(party_id="P2", kind=PartyKind.NON_MOTOR, name="李四", phone="+86 139 0000 1111")
    owner = Party(party_id="P3", kind=PartyKind.PROPERTY_OWNER, name="王五", phone="13900001111")
    assert validate_party(cyclist, TODAY) == []
    assert validate_party(owner, TODAY) == []
    bad = Party(party_id="P3", kind=PartyKind.PROPERTY_OWNER, name="", phone="")
    assert {r.code for r in validate_party(bad, TODAY)} == {"INVALID_NAME", "INVALID_MOBILE"}


def test_accident_time_not_after_the_alert_nor_more_than_a_day_before():
    reported = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    assert validate_accident_time(None, reported) is None  # not declared: the alert's time stands
    assert validate_accident_time(reported - timedelta(minutes=12), reported) is None
    assert validate_accident_time(reported - timedelta(hours=24), reported) is None
    for wrong in (reported + timedelta(seconds=1), reported - timedelta(hours=24, minutes=1)):
        refusal = validate_accident_time(wrong, reported)
        assert (
            refusal is not None
            and refusal.code == "INVALID_ACCIDENT_TIME"
            and refusal.field == "accident_time"
        )
    naive = validate_accident_time(datetime(2026, 12, 1, 10, 0), reported)
    assert naive is not None and "时区" in naive.reason


# ------------------------------------------------------------------ NFKC, then ASCII only (issue 11)


@pytest.mark.parametrize("digit", ["٠", "۰", "०", "০"])  # Arabic-Indic, Persian, Devanagari, Bengali
def test_digits_of_other_scripts_are_refused_by_every_validator(digit):
    assert validate_mobile(f"1310000000{digit}") is not None
    assert validate_licence_number(f"51010012345{digit}") is not None
    rid = make_resident_id("510502", date(1990, 1, 1))
    assert validate_resident_id(rid[:5] + digit + rid[6:], TODAY) is not None
    assert validate_plate(f"川E1234{digit}") is not None


def test_full_width_forms_are_accepted_by_every_validator_after_nfkc():
    assert validate_mobile("1360000000６") is None
    assert validate_licence_number("５１０１００１２３４５６") is None
    rid = make_resident_id("510502", date(1990, 1, 1))
    full = rid.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    assert validate_resident_id(full, TODAY) is None
    assert validate_plate("川Ｅ１２３４５") is None


@pytest.mark.parametrize(
    "name", ["𠮷田", "张𠀋", "阿依古丽·𠮷", "﨑田", "王\U00030edd"]
)  # Ext B, compatibility, Ext G
def test_names_in_every_cjk_block_the_notice_prints(name):
    assert validate_name(name) is None


@pytest.mark.parametrize("name", ["张😀", "张\ue000", "张1", "张𠀀"])  # 𠀀: Ext B, but no notice font has it
def test_names_with_what_no_font_prints_or_no_ideograph_are_refused(name):
    assert validate_name(name) is not None


def test_masking_reads_the_one_phone_normaliser():
    from domain.masking import mask_phone

    assert mask_phone("0086 (138) 1234-8000") == "138****8000"
    assert mask_phone("１３８１２３４８０００") == "138****8000"
