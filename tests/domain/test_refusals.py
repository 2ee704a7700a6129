"""One registry of refusal codes: every code the code base refuses with is declared there once,
with one kind, so the API answers each code with one status."""

from __future__ import annotations

import re
from pathlib import Path

from domain import refusals as R

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    p for d in ("domain", "workflows", "activities", "adapters", "api") for p in (ROOT / d).rglob("*.py")
]


def test_every_code_has_a_kind_and_a_chinese_reason() -> None:
    for code, entry in R.REGISTRY.items():
        assert entry.code == code and code.isupper()
        assert isinstance(entry.kind, R.Kind)
        assert re.search(r"[\u4e00-\u9fff]", entry.reason), code


def test_refusals_are_made_from_the_registry_only() -> None:
    """No literal codes: a Refusal or an API problem is built from a RefusalCode constant."""
    literal = re.compile(r'Refusal\(\s*code="|ApiProblem\(\s*\d|refuse\(\s*"')
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in SOURCES
        if p.name != "refusals.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []


def test_every_referenced_code_is_declared() -> None:
    used = {
        m for p in SOURCES for m in re.findall(r"\bR\.([A-Z][A-Z0-9_]+)\b", p.read_text(encoding="utf-8"))
    }
    assert used - set(R.REGISTRY) == set()


def test_a_refusal_keeps_its_code_and_defaults_to_the_registry_text() -> None:
    r = R.INVALID_MOBILE.refusal(field="P1.phone")
    assert (r.code, r.reason, r.advice, r.field) == (
        "INVALID_MOBILE",
        R.INVALID_MOBILE.reason,
        R.INVALID_MOBILE.advice,
        "P1.phone",
    )
    assert R.NOT_SERVED.refusal("请先确认收到").reason == "请先确认收到"


def test_the_api_answers_every_kind_with_one_status() -> None:
    from api.errors import STATUS_OF_KIND, code_for, status_of

    assert set(STATUS_OF_KIND) == set(R.Kind)
    assert status_of(code_for("NOT_YET_ACCEPTED")) == 409  # used to fall through to 422
    assert status_of(code_for("NOT_A_PARTY")) == 403
    assert status_of(code_for("SOME_FUTURE_CODE", "原因")) == 422  # unregistered: invalid content


def test_a_code_declared_twice_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="declared twice"):
        R.declare(R.NOT_SERVED.code, R.Kind.CONFLICT, "再次声明")
