"""Request bodies are limited before parsing, and NUL is refused in any body but an upload,
whatever its content type and wherever it sits (PostgreSQL text cannot hold it)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from tests.api.conftest import Api


def _alert(api: Api, **extra: object) -> bytes:
    return json.dumps(api.alert_body(("13800000091", "13800000092")) | extra, ensure_ascii=False).encode()


async def test_a_30_mb_alert_is_refused_before_parsing(api: Api) -> None:
    headers = api.token("citizen", phone="13800000091") | {"Content-Type": "application/json"}
    r = await api.client.post(
        "/citizen/alerts", content=_alert(api, padding="x" * 30_000_000), headers=headers
    )
    assert r.status_code == 413 and r.json()["code"] == "BODY_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(40):
            yield b" " * 100_000

    r = await api.client.post("/citizen/alerts", content=chunks(), headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "BODY_TOO_LARGE"


async def test_nul_is_refused_in_any_json_content_type_and_position(api: Api) -> None:
    token = api.token("citizen", phone="13800000091")
    body = _alert(api)
    late_nul = body[:-1] + b', "note": "' + b"y" * 900_000 + b'\\u0000"}'
    for content_type, payload in [
        ("application/vnd.api+json", body.replace(b'"location"', b'"loc\\u0000ation"', 1)),
        ("application/json; charset=utf-8", late_nul),
        ("text/plain", body.replace(b"{", b"{\x00", 1)),
    ]:
        r = await api.client.post(
            "/citizen/alerts", content=payload, headers=token | {"Content-Type": content_type}
        )
        assert r.status_code == 422 and r.json()["code"] == "INVALID_CHARACTERS", content_type


async def test_an_upload_keeps_its_own_limit(api: Api, images) -> None:
    """Multipart is not held to the JSON limit (the evidence handler enforces its own)."""
    assert api.settings.evidence_max_bytes > 100_000
    r = await api.client.post(
        "/seat/cases/LZ20261125-999999/evidence",
        headers=api.token("seat", "seat-1"),
        data={"kind": "plate"},
        files={"file": ("big.jpg", b"\xff\xd8" + b"\x00" * 200_000, "image/jpeg")},
    )
    assert r.status_code != 413 and r.json()["code"] != "INVALID_CHARACTERS"
