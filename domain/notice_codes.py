"""Code lists the notice prints by name, and the party references of the officer's text.

* Accident form (事故形态) and vehicle impact parts (碰撞部位): the categories of GA 16.2 (道路交通
  事故信息代码 第2部分：事故形态代码) and the impact parts used with it in the accident information
  system. The officer console offers them as lists; a decision stores the code, the notice prints the
  name. A detachment that finds a difference with its copy of the standard corrects these tables (the
  stored codes stay valid: codes are never reused).
* Weather (天气) and road surface (路面状况), recorded by the seat during collection.
* Party references: inside a case the parties are P1, P2, ...; on paper they are 甲, 乙, 丙, ... An
  impact point is coded ``"<party id>:<part code>"`` (``"P2:06"`` -> 乙车尾部).

Legacy decisions carry free text (``"追尾碰撞"``, ``"P1车前部"``): names are looked up only for codes,
other text is printed as written, with party ids replaced by their labels."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from domain import refusals as R
from domain.models import PARTY_ID_PATTERN, Refusal

PARTY_LABELS = "甲乙丙丁戊己庚辛壬癸"

ACCIDENT_FORMS: dict[str, str] = {
    # 车辆间事故
    "11": "正面相撞",
    "12": "侧面相撞",
    "13": "尾随相撞",
    "14": "对向刮擦",
    "15": "同向刮擦",
    "16": "撞静止车辆",
    "19": "其他车辆间事故",
    # 车辆与人
    "21": "刮撞行人",
    "22": "碾压行人",
    "29": "其他车辆与人事故",
    # 单车事故
    "31": "侧翻",
    "32": "滚翻",
    "33": "坠车",
    "34": "失火",
    "35": "撞固定物",
    "36": "撞非固定物",
    "37": "乘员跌落或抛出",
    "39": "其他单车事故",
}

IMPACT_PARTS: dict[str, str] = {
    "01": "前部",
    "02": "左前部",
    "03": "右前部",
    "04": "左侧",
    "05": "右侧",
    "06": "尾部",
    "07": "左后部",
    "08": "右后部",
    "09": "顶部",
    "10": "底部",
    "99": "其他部位",
}

WEATHER: dict[str, str] = {
    "1": "晴",
    "2": "阴",
    "3": "雨",
    "4": "雪",
    "5": "雾",
    "6": "大风",
    "7": "沙尘",
    "8": "冰雹",
    "9": "其他",
}

ROAD_SURFACES: dict[str, str] = {
    "1": "干燥",
    "2": "潮湿",
    "3": "积水",
    "4": "漫水",
    "5": "冰雪",
    "6": "泥泞",
    "9": "其他",
}

NOT_RECORDED = "未记录"

_IMPACT_CODE = re.compile(f"^({PARTY_ID_PATTERN}):([0-9]{{2}})$")
# a party id as a word of its own: not inside a plate (川AP1234) or a longer id (P12 is not P1)
_PARTY_REF = re.compile(f"(?<![0-9A-Za-z]){PARTY_ID_PATTERN}(?![0-9A-Za-z])")


def name_of(table: Mapping[str, str], value: str) -> str:
    """The name for a code of ``table``; any other value is legacy free text, returned as written."""
    value = value.strip()
    return table.get(value, value)


def accident_form_name(value: str) -> str:
    return name_of(ACCIDENT_FORMS, value)


def party_labels(party_ids: Sequence[str]) -> dict[str, str]:
    """P-ids in the case's order -> 甲, 乙, 丙, ..."""
    if len(party_ids) > len(PARTY_LABELS):
        raise ValueError(f"at most {len(PARTY_LABELS)} parties")
    return {pid: PARTY_LABELS[i] for i, pid in enumerate(party_ids)}


def substitute_party_refs(text: str, labels: Mapping[str, str]) -> str:
    """``"P1未与前车保持安全距离，追尾P2"`` -> ``"甲未与前车保持安全距离，追尾乙"``. Ids of no party
    are left in place: :func:`unknown_party_refs` finds them (the notice refuses to print them)."""
    return _PARTY_REF.sub(lambda m: labels.get(m.group(0), m.group(0)), text)


def unknown_party_refs(text: str, labels: Mapping[str, str]) -> list[str]:
    """Party ids in ``text`` that belong to no party of the case."""
    return list(dict.fromkeys(m for m in _PARTY_REF.findall(text) if m not in labels))


def impact_point_name(value: str, labels: Mapping[str, str], with_vehicle: Mapping[str, bool]) -> str:
    """``"P2:06"`` -> ``"乙车尾部"`` (``"乙尾部"`` for a party without a vehicle, e.g. a pedestrian);
    legacy free text gets its party ids replaced."""
    match = _IMPACT_CODE.match(value.strip())
    if match and match.group(1) in labels and match.group(2) in IMPACT_PARTS:
        pid, part = match.groups()
        return f"{labels[pid]}{'车' if with_vehicle.get(pid, True) else ''}{IMPACT_PARTS[part]}"
    return substitute_party_refs(value.strip(), labels)


def validate_notice_codes(
    accident_form: str,
    impact_points: Sequence[str],
    party_ids: Sequence[str],
    texts: Mapping[str, str] | None = None,
    *,
    codes_only: bool = False,
) -> list[Refusal]:
    """Problems the officer must fix before a notice can be issued: an unknown accident-form code, an
    impact point of no party or with an unknown part, and (in ``texts``: field -> free text, e.g.
    facts) a party id that is not a party of this case. ``codes_only`` (a new decision: the console
    offers the lists) also refuses free text for the accident form and the impact points; legacy
    decisions with free text still print as written."""
    labels = party_labels(party_ids)
    refusals: list[Refusal] = []
    form = accident_form.strip()
    if (form.isdigit() or codes_only) and form and form not in ACCIDENT_FORMS:
        refusals.append(
            R.UNKNOWN_ACCIDENT_FORM.refusal(
                f"事故形态 {form} 不在 GA 16.2 代码表中，请从列表中选择。", field="accident_form"
            )
        )
    for point in impact_points:
        match = _IMPACT_CODE.match(point.strip())
        if match is None:
            if codes_only:
                refusals.append(
                    R.UNKNOWN_IMPACT_POINT.refusal(
                        f"碰撞部位 {point} 无效：请从列表中选择当事人及碰撞部位。", field="impact_points"
                    )
                )
            continue  # free text: checked with the other texts below
        pid, part = match.groups()
        if pid not in labels or part not in IMPACT_PARTS:
            refusals.append(
                R.UNKNOWN_IMPACT_POINT.refusal(
                    f"碰撞部位 {point} 无效：请选择本案当事人及碰撞部位。", field="impact_points"
                )
            )
    free = dict(texts or {})
    if not codes_only:
        free["accident_form"] = form
        free["impact_points"] = "、".join(p for p in impact_points if not _IMPACT_CODE.match(p.strip()))
    for field, text in free.items():
        unknown = unknown_party_refs(text, labels)
        if unknown:
            refusals.append(
                R.UNKNOWN_PARTY_REFERENCE.refusal(
                    f"文字中的 {'、'.join(unknown)} 不是本案当事人，请以甲、乙、丙等称呼当事人。", field=field
                )
            )
    return refusals


def validate_scene_codes(weather: str, road_surface: str) -> list[Refusal]:
    """The seat's record of the scene: each value given must be a code of its list."""
    refusals: list[Refusal] = []
    if weather and weather not in WEATHER:
        refusals.append(R.UNKNOWN_WEATHER.refusal(field="weather"))
    if road_surface and road_surface not in ROAD_SURFACES:
        refusals.append(R.UNKNOWN_ROAD_SURFACE.refusal(field="road_surface"))
    return refusals
