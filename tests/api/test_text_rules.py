"""Text enters the model through the domain's text types whatever the content type: a control
character anywhere is a clear 422 (never a read-model write that fails for ever on PostgreSQL), an
address no notice font prints is refused at the alert, and two parties cannot share a mobile."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Api

PHONES = ("13800000071", "13800000072")


def _post(api: Api, body: dict[str, object], content_type: str = "application/vnd.api+json"):
    headers = api.token("citizen", phone=PHONES[0]) | {"Content-Type": content_type}
    return api.client.post("/citizen/alerts", content=json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize("bad", ["\u0001", "\u001b", "\u007f", "\u0085", "\u009c", "\u202e"])
async def test_a_control_character_in_any_text_field_is_refused_with_a_reason(api: Api, bad: str) -> None:
    body = api.alert_body(PHONES)
    body["parties"][1]["name"] = f"李{bad}四"  # type: ignore[index]
    r = await _post(api, body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "INVALID_CHARACTERS" and "控制字符" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.parties.1.name"


async def test_an_emoji_address_is_refused_at_the_alert(api: Api) -> None:
    body = api.alert_body(PHONES)
    body["location"]["address"] = "南城街道🚗示例路100号"  # type: ignore[index]
    r = await _post(api, body, "application/json")
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "UNPRINTABLE_TEXT" and "🚗" in problem["detail"]
    assert "location.address" in problem["detail"]


async def test_two_parties_with_one_phone_are_refused(api: Api) -> None:
    body = api.alert_body((PHONES[0], "+86 " + PHONES[0]))
    r = await _post(api, body, "application/json")
    assert r.status_code == 422, r.text
    assert "DUPLICATE_PARTY_PHONE" in [e["code"] for e in r.json()["errors"]]
