"""Validators for what citizens declare. Each returns ``None`` when the value is valid, otherwise a
:class:`~domain.models.Refusal` with a stable English code and a reason in Chinese.

Plates (GA 36-2018 and the later letter extension for new-energy plates), decisions taken here:

* Province character (31 mainland provinces) + authority letter A–Z without I and O.
* Standard plate, 7 characters: 5 serial characters, digits or letters without I/O. Cities use
  different letter-count patterns for the serial (自编/选号); they are not enforced, because a
  false refusal strands a citizen while a wrong plate is caught by the registry verification.
* Small new-energy plate, 8 characters: serial position 1 is the energy letter — D (pure electric)
  or F (other), extended by the MPS to D A B C E (pure electric) and F G H J K (other); position 2
  a digit or letter without I/O; positions 3–6 digits (e.g. 川ED12345, 川EF1A234 is refused).
* Large new-energy plate, 8 characters: 5 digits then D or F (e.g. 川E12345D).
* 挂 (trailer) and 学 (learner) as the 7th character after 4 serial characters (川E1234挂).
* Refused with code PLATE_NOT_ELIGIBLE: 警 (police vehicle), 领 and 使 (consular / embassy:
  diplomatic privileges), 港 and 澳 (cross-border vehicles registered in Hong Kong / Macao).
  Such accidents need an officer on site; the refusal says so.
* Military (军/WJ) and other special formats do not match and are refused as INVALID_PLATE.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from domain import refusals as R
from domain.models import Party, PartyKind, Refusal
from domain.notice_glyphs import printable

# ---------------------------------------------------------------- resident ID (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes, plus 81/82/83 used by residence permits of Hong Kong, Macao and
# Taiwan residents (港澳台居民居住证).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "81", "82", "83",
    }
)  # fmt: skip


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def nfkc(value: str) -> str:
    """Every validator reads NFKC: full-width digits and letters (１３６, Ａ) become ASCII and are
    then accepted; other scripts' digits (Arabic-Indic ٠, Devanagari ०) stay what they are and are
    refused, because each pattern here accepts ASCII only."""
    return unicodedata.normalize("NFKC", value or "")


def _ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _id_refusal(reason: str) -> Refusal:
    return R.INVALID_RESIDENT_ID.refusal(reason)


def validate_resident_id(value: str, today: date | None = None) -> Refusal | None:
    v = nfkc(value).strip().upper()
    if len(v) != 18:
        return _id_refusal("身份证号码应为18位。")
    if not _ascii_digits(v[:17]) or not (_ascii_digits(v[17]) or v[17] == "X"):
        return _id_refusal("身份证号码前17位应为数字，最后一位为数字或X。")
    if v[:2] not in PROVINCE_CODES:
        return _id_refusal("身份证号码的地区码不正确。")
    try:
        birth = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return _id_refusal("身份证号码中的出生日期不存在。")
    if birth.year < 1900 or birth > (today or date.today()):
        return _id_refusal("身份证号码中的出生日期不合理。")
    if resident_id_check_char(v[:17]) != v[17]:
        return _id_refusal("身份证号码校验位不正确，请检查是否输错。")
    return None


# ---------------------------------------------------------------- plates

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters without I and O
_AUTH = f"[{_L}]"
_SERIAL = f"[{_L}0-9]"
_NEV_SMALL_ENERGY = "DABCEFGHJK"
_PLATE_PATTERNS = {
    "standard": re.compile(f"^[{PLATE_PROVINCES}]{_AUTH}{_SERIAL}{{5}}$"),
    "trailer_or_learner": re.compile(f"^[{PLATE_PROVINCES}]{_AUTH}{_SERIAL}{{4}}[挂学]$"),
    "nev_small": re.compile(f"^[{PLATE_PROVINCES}]{_AUTH}[{_NEV_SMALL_ENERGY}]{_SERIAL}[0-9]{{4}}$"),
    "nev_large": re.compile(f"^[{PLATE_PROVINCES}]{_AUTH}[0-9]{{5}}[DF]$"),
}
_SPECIAL_SUFFIXES = {"警": "警车", "领": "领馆车辆", "使": "使馆车辆", "港": "港籍车辆", "澳": "澳籍车辆"}


def normalize_plate(value: str) -> str:
    """NFKC (full-width forms), strip spaces and separators (·, -, ., middle dot); upper-case. The
    patterns accept ASCII digits and letters only after the province character."""
    v = re.sub(r"[\s·•・\-.]", "", nfkc(value))
    return v.upper()


def plate_kind(value: str) -> str | None:
    """standard | trailer_or_learner | nev_small | nev_large, or None."""
    v = normalize_plate(value)
    for kind, pattern in _PLATE_PATTERNS.items():
        if pattern.match(v):
            return kind
    return None


def validate_plate(value: str) -> Refusal | None:
    v = normalize_plate(value)
    advice = "请核对号牌号码（如 川E12345、新能源 川ED12345）后重新填写。"
    if not v:
        return R.INVALID_PLATE.refusal(reason="号牌号码不能为空。", advice=advice)
    special = "使" if v[0] == "使" else v[-1] if len(v) == 7 and v[0] in PLATE_PROVINCES else ""
    if special in _SPECIAL_SUFFIXES:
        return R.PLATE_NOT_ELIGIBLE.refusal(
            reason=f"涉及{_SPECIAL_SUFFIXES[special]}的事故不能线上视频快处。",
            advice="请留在安全位置，拨打110报警，等待交警到现场处理。",
        )
    if v[0] not in PLATE_PROVINCES:
        return R.INVALID_PLATE.refusal(reason="号牌号码第一位应为省份简称。", advice=advice)
    if len(v) not in (7, 8):
        return R.INVALID_PLATE.refusal(reason="号牌号码应为7位（新能源8位）。", advice=advice)
    if "I" in v or "O" in v:
        return R.INVALID_PLATE.refusal(
            reason="号牌号码中不使用字母I和O，请检查是否为数字1或0。", advice=advice
        )
    if plate_kind(v) is None:
        return R.INVALID_PLATE.refusal(reason="号牌号码格式不正确。", advice=advice)
    return None


# ---------------------------------------------------------------- mobile, licence, name

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only (\d would take any script's)


def normalize_mobile(value: str) -> str:
    """The one phone normaliser (validation, login, phone hashes, SMS addresses, masking): NFKC
    (full-width digits become ASCII), remove spaces, dashes, dots, brackets and a +86 / 0086 / 86
    country prefix. Digits of other scripts stay and are refused by validate_mobile."""
    v = re.sub(r"[\s\-.()]", "", nfkc(value))
    for prefix in ("+86", "0086"):
        if v.startswith(prefix):
            return v[len(prefix) :]
    if v.startswith("86") and len(v) == 13:
        return v[2:]
    return v


def validate_mobile(value: str) -> Refusal | None:
    if _MOBILE.match(normalize_mobile(value)):
        return None
    return R.INVALID_MOBILE.refusal()


def validate_licence_number(value: str) -> Refusal | None:
    v = nfkc(value).strip()
    if len(v) == 12 and _ascii_digits(v):
        return None
    return R.INVALID_LICENCE_NUMBER.refusal()


def _ideograph(ch: str) -> bool:
    """A CJK ideograph (URO, Extension A, B and beyond, compatibility ideographs) that the notice's
    fonts can print: the Unicode name says ideograph, the generated font table says printable."""
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


_CJK_NAME = re.compile(r"^[^·•]+(?:[·•][^·•]+)*$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-]*[A-Za-z.]$")


def validate_name(value: str) -> Refusal | None:
    """Chinese names (with · for names of ethnic minorities), in every CJK ideograph block the
    notice prints (𠮷田: Extension B), or Latin-letter names of foreigners."""
    v = nfkc(value).strip()
    if not 2 <= len(v) <= 40:
        return R.INVALID_NAME.refusal()
    if _LATIN_NAME.match(v):
        return None
    if _CJK_NAME.match(v) and all(ch in "·•" or (_ideograph(ch) and printable(ch)) for ch in v):
        return None
    return R.INVALID_NAME.refusal()


# ---------------------------------------------------------------- party


def _for_party(party_id: str, field: str, refusal: Refusal) -> Refusal:
    return refusal.model_copy(
        update={"reason": f"当事人{party_id}：{refusal.reason}", "field": f"{party_id}.{field}"}
    )


def validate_party(party: Party, today: date | None = None) -> list[Refusal]:
    """Every problem of one party. Everyone: name and mobile; ID number when given. Motor drivers
    also: licence file number and a vehicle with a valid plate. A non-motor vehicle's plate (e-bike
    plates are local formats) is not checked."""
    pid = party.party_id
    refusals: list[Refusal] = []
    for field, refusal in (("name", validate_name(party.name)), ("phone", validate_mobile(party.phone))):
        if refusal:
            refusals.append(_for_party(pid, field, refusal))
    if party.id_number and (refusal := validate_resident_id(party.id_number, today)):
        refusals.append(_for_party(pid, "id_number", refusal))
    if party.kind == PartyKind.MOTOR_DRIVER:
        if not party.licence_number.strip():
            refusals.append(
                _for_party(
                    pid,
                    "licence_number",
                    R.MISSING_LICENCE_NUMBER.refusal(),
                )
            )
        elif refusal := validate_licence_number(party.licence_number):
            refusals.append(_for_party(pid, "licence_number", refusal))
        if party.vehicle is None:
            refusals.append(
                _for_party(
                    pid,
                    "vehicle",
                    R.MISSING_VEHICLE.refusal(),
                )
            )
        elif refusal := validate_plate(party.vehicle.plate):
            refusals.append(_for_party(pid, "vehicle.plate", refusal))
    return refusals


# ---------------------------------------------------------------- accident time (事故时间)

# how long before the alert an accident may have happened and still be handled online: a later
# report is not a quick-processing case (the scene is gone)
ACCIDENT_TIME_MAX_BEFORE = timedelta(hours=24)


def validate_accident_time(accident_time: datetime | None, reported_at: datetime) -> Refusal | None:
    """The declared (or corrected) accident time: not after the alert, at most 24 h before it.
    None (not declared) is valid: the alert's time stands."""
    if accident_time is None:
        return None
    if accident_time.tzinfo is None:
        return R.INVALID_ACCIDENT_TIME.refusal("事故时间须包含时区。", field="accident_time")
    if accident_time > reported_at:
        return R.INVALID_ACCIDENT_TIME.refusal("事故时间不能晚于报警时间。", field="accident_time")
    if reported_at - accident_time > ACCIDENT_TIME_MAX_BEFORE:
        return R.INVALID_ACCIDENT_TIME.refusal(field="accident_time")
    return None


def duplicate_phone(parties: list[Party]) -> Refusal | None:
    """Two parties with one mobile: each party logs in, is texted and served on its own number,
    so the second would see the first's case as theirs and never get its own SMS."""
    seen: dict[str, str] = {}
    for p in parties:
        mobile = normalize_mobile(p.phone)
        if mobile in seen:
            return R.DUPLICATE_PARTY_PHONE.refusal(
                f"当事人{seen[mobile]}与{p.party_id}填写了同一个手机号码", field=f"{p.party_id}.phone"
            )
        seen[mobile] = p.party_id
    return None


def validate_parties(parties: list[Party], today: date | None = None) -> list[Refusal]:
    """Every problem of a list of parties: each party's (validate_party), then phones shared."""
    refusals = [r for p in parties for r in validate_party(p, today)]
    if refusal := duplicate_phone(parties):
        refusals.append(refusal)
    return refusals


def has_phone(parties: list[Party], phone: str) -> bool:
    wanted = normalize_mobile(phone)
    return any(normalize_mobile(p.phone) == wanted for p in parties)
