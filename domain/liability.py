"""Liability determination rules (道路交通事故处理程序规定, MPS Order 146, Art. 60–61).

Let the parties *at fault* be those whose liability is not NONE. A determination is accepted when
every party of the case has exactly one liability and:

* 交通意外 (``traffic_accident=True``): every party NONE (no one at fault).
* otherwise at least one party is at fault (all NONE without 交通意外 is refused), and
  - exactly one at fault: that party FULL, all others NONE (FULL vs NONE, Art. 60(1));
  - two or more at fault (Art. 60(2)): either all of them EQUAL, or exactly one MAJOR and all
    the others MINOR. FULL is never combined with another party at fault.
* Parties not at fault (NONE) may stand alongside any of these, e.g. a car pushed into a third
  car in a chain collision: MAJOR + MINOR + NONE, or EQUAL + EQUAL + NONE.

Decision for N ≥ 3 parties at fault: only the two "pure" patterns are accepted — EQUAL × N and
MAJOR + MINOR × (N−1). 主要 means a greater share than every other party, so two MAJORs are
contradictory; mixed patterns (MAJOR + EQUAL + ..., EQUAL + EQUAL + MINOR) express a graded split
that the five categories cannot state consistently, and are left to on-site handling under the
general procedure rather than the online simple procedure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain import refusals as R
from domain.models import LIABILITY_LABELS_ZH, Decision, Liability, Refusal
from domain.notice_codes import validate_notice_codes
from domain.refusals import RefusalCode


def _refuse(code: RefusalCode, reason: str | None = None) -> Refusal:
    return code.refusal(reason, field="liabilities")


def _labels(liabilities: Mapping[str, Liability], ids: Sequence[str]) -> str:
    return "、".join(f"{pid}{LIABILITY_LABELS_ZH[liabilities[pid]]}" for pid in ids)


def validate_liability(
    liabilities: Mapping[str, Liability | str],
    party_ids: Sequence[str],
    traffic_accident: bool = False,
) -> Refusal | None:
    """None when the combination is valid, else the first problem found (see module docstring)."""
    if not party_ids:
        return _refuse(R.LIABILITY_NO_PARTIES, "案件没有当事人，无法认定责任。")
    if len(set(party_ids)) != len(party_ids):
        return _refuse(R.LIABILITY_DUPLICATE_PARTY, "当事人编号重复。")
    unknown = [pid for pid in liabilities if pid not in party_ids]
    if unknown:
        return _refuse(R.LIABILITY_UNKNOWN_PARTY, f"责任认定包含不属于本案的当事人：{'、'.join(unknown)}。")
    missing = [pid for pid in party_ids if pid not in liabilities]
    if missing:
        return _refuse(R.LIABILITY_MISSING_PARTY, f"以下当事人未认定责任：{'、'.join(missing)}。")
    try:
        shares = {pid: Liability(liabilities[pid]) for pid in party_ids}
    except ValueError:
        return _refuse(R.LIABILITY_INVALID_VALUE, "责任类别只能是全部、主要、同等、次要或无责任。")

    at_fault = [pid for pid in party_ids if shares[pid] != Liability.NONE]
    if traffic_accident:
        if at_fault:
            return _refuse(
                R.LIABILITY_TRAFFIC_ACCIDENT_NOT_ALL_NONE,
                f"认定为交通意外时各方均无责任，但{_labels(shares, at_fault)}。",
            )
        return None
    if not at_fault:
        return _refuse(R.LIABILITY_NO_FAULT, "各方均无责任时应认定为交通意外；否则至少一方应承担责任。")
    values = [shares[pid] for pid in at_fault]
    if len(at_fault) == 1:
        if values[0] != Liability.FULL:
            return _refuse(
                R.LIABILITY_INVALID_COMBINATION,
                f"只有一方有过错时，该方应承担全部责任，其他方无责任（当前：{_labels(shares, party_ids)}）。",
            )
        return None
    if all(v == Liability.EQUAL for v in values):
        return None
    if values.count(Liability.MAJOR) == 1 and values.count(Liability.MINOR) == len(values) - 1:
        return None
    return _refuse(
        R.LIABILITY_INVALID_COMBINATION,
        "多方有过错时，应各方同等责任，或一方主要责任、其余有过错方次要责任"
        f"（当前：{_labels(shares, party_ids)}）。",
    )


_REQUIRED_TEXT: dict[str, tuple[RefusalCode, str | None]] = {
    "facts": (R.MISSING_FACTS, None),
    "accident_form": (R.MISSING_ACCIDENT_FORM, None),
    "officer_id": (R.MISSING_OFFICER_INFO, "缺少办案民警编号。"),
    "officer_name": (R.MISSING_OFFICER_INFO, "缺少办案民警姓名。"),
    "badge_number": (R.MISSING_OFFICER_INFO, "缺少办案民警警号。"),
    "unit": (R.MISSING_OFFICER_INFO, "缺少办案单位。"),
}


def validate_decision(decision: Decision, party_ids: Sequence[str]) -> list[Refusal]:
    """Every problem of an officer's determination: liabilities, the required text of the notice
    (Art. 24), the accident form and impact points as codes of their lists (GA 16.2; the console
    offers them), no party id of another case in the text, and exactly one of mediation result /
    reason for no mediation. The weather is not the officer's: the seat records it (the workflow's
    guard refuses a decision before that, MISSING_WEATHER)."""
    refusals: list[Refusal] = []
    if refusal := validate_liability(decision.liabilities, party_ids, decision.traffic_accident):
        refusals.append(refusal)
    for field, (code, reason) in _REQUIRED_TEXT.items():
        if not str(getattr(decision, field) or "").strip():
            refusals.append(code.refusal(reason, field=field))
    texts = {
        "facts": decision.facts,
        "legal_basis": decision.legal_basis,
        "mediation_result": decision.mediation_result,
        "no_mediation_reason": decision.no_mediation_reason,
    }
    if party_ids and len(set(party_ids)) == len(party_ids):
        refusals += validate_notice_codes(
            decision.accident_form, decision.impact_points, party_ids, texts, codes_only=True
        )
    has_result = bool(decision.mediation_result.strip())
    has_reason = bool(decision.no_mediation_reason.strip())
    if has_result and has_reason:
        refusals.append(R.MEDIATION_AMBIGUOUS.refusal(field="mediation_result"))
    elif not has_result and not has_reason:
        refusals.append(R.MEDIATION_MISSING.refusal(field="mediation_result"))
    return refusals
