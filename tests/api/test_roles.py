"""Every route × every role: the wrong role gets 401 (no or bad token) or 403, a citizen of another
case gets 404 (existence is not leaked), and every error is problem+json."""

from __future__ import annotations

import re

import httpx
import pytest

from api.app import create_app
from api.auth import ApiRole
from db import repository
from settings import Settings
from tests.api.conftest import Api

# path prefix -> the roles allowed; paths not listed are public (or have their own guard)
OPERATORS = frozenset({ApiRole.OPS, ApiRole.ADMIN})
OWNER: dict[str, frozenset[ApiRole]] = {
    "/citizen/": frozenset({ApiRole.CITIZEN}),
    "/seat/": frozenset({ApiRole.SEAT}),
    "/officer/": frozenset({ApiRole.OFFICER}),
    "/reviewer/": frozenset({ApiRole.REVIEWER}),
    "/admin/": frozenset({ApiRole.ADMIN}),
    "/codec/": OPERATORS,
    "/ops/": OPERATORS,
    "/dispatcher/": frozenset({ApiRole.DISPATCHER}),
}
PUBLIC = (
    "/healthz",
    "/readyz",
    "/auth/",
    "/app/",  # the pages' configuration; the 110 link check (the link's token is the guard)
    "/dev/",  # the simulated phone: embedded runs only (404 otherwise)
    "/notices/",
    "/webhooks/",
    "/sandbox/",
    "/docs",
    "/redoc",
    "/openapi",
)


def operations(app) -> list[tuple[str, str]]:
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    ]


def owner(path: str) -> frozenset[ApiRole] | None:
    return next((role for prefix, role in OWNER.items() if path.startswith(prefix)), None)


def fill(path: str, case_number: str) -> str:
    return re.sub(
        r"\{[^}]+\}", lambda m: {"{case_number}": case_number, "{year}": "2027"}.get(m[0], "X1"), path
    )


async def call(api: Api, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return await api.client.request(method, path, headers=headers, **kwargs)


def test_every_route_is_classified(api: Api) -> None:
    ops = operations(api.app)
    assert len(ops) >= 30
    unclassified = [p for _, p in ops if owner(p) is None and not p.startswith(PUBLIC)]
    assert not unclassified
    # (the OpenAPI is generated from the routes, none is excluded from the schema: it is the list)


async def test_wrong_roles_are_refused_on_every_route(api: Api) -> None:
    case = (await api.raise_alert(("13800000031", "13800000032")))["case_number"]
    checked = 0
    for method, path in operations(api.app):
        roles = owner(path)
        if roles is None:
            continue
        url = fill(path, case)
        r = await call(api, method, url, {})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        r = await call(api, method, url, {"Authorization": "Bearer not-a-jwt"})
        assert r.status_code == 401, (method, path)
        for other in ApiRole:
            if other in roles:
                continue
            headers = api.token(other, phone="13800000031") if other == ApiRole.CITIZEN else api.token(other)
            r = await call(api, method, url, headers)
            assert r.status_code == 403, (method, path, other.value, r.status_code, r.text)
            assert r.json()["code"] == "FORBIDDEN_ROLE", (method, path, other.value)
            checked += 1
    assert checked > 150


async def test_a_citizen_of_another_case_gets_404(api: Api) -> None:
    case = (await api.raise_alert(("13800000041", "13800000042")))["case_number"]
    stranger = api.token("citizen", phone="13999999999")
    for method, path in operations(api.app):
        if not path.startswith("/citizen/cases/{case_number}"):
            continue
        r = await call(api, method, fill(path, case), stranger)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json()["code"] == "CASE_NOT_FOUND"
    # and the same answer for a case that does not exist
    r = await api.client.get("/citizen/cases/LZ20261125-999999", headers=stranger)
    assert r.status_code == 404 and r.json()["code"] == "CASE_NOT_FOUND"
    mine = (await api.client.get("/citizen/cases", headers=stranger)).json()
    assert case not in [m["case_number"] for m in mine]


async def test_problem_json_for_unknown_routes_methods_and_bad_input(api: Api) -> None:
    r = await api.client.get("/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await api.client.delete("/healthz")
    assert r.status_code == 405 and r.json()["code"] == "METHOD_NOT_ALLOWED"
    r = await api.client.post(
        "/citizen/alerts",
        content=b"{not json",
        headers={**api.token("citizen", phone="13800000001"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED" and r.json()["detail"]
    r = await api.client.get(
        "/citizen/cases/not-a-case-number", headers=api.token("citizen", phone="13800000001")
    )
    assert r.status_code == 422 and r.json()["errors"]


async def test_dev_login_issues_tokens_and_is_off_in_production(api: Api, tmp_path) -> None:
    r = await api.client.post("/auth/dev-login", json={"role": "seat", "id": "seat-5"})
    assert r.status_code == 200
    token = r.json()["access_token"]
    r = await api.client.get("/seat/queue", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    r = await api.client.post("/auth/dev-login", json={"role": "citizen", "phone": "12345"})
    assert r.status_code == 422

    # the route's behaviour in production (the production settings checks have their own tests,
    # tests/test_deployment.py; this app runs on SQLite, which they would refuse)
    prod_settings = Settings.model_construct(
        **(
            Settings(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}").model_dump()
            | {"env": "production"}
        )
    )
    prod = create_app(prod_settings)
    async with prod.router.lifespan_context(prod):
        transport = httpx.ASGITransport(app=prod)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.post("/auth/dev-login", json={"role": "admin", "id": "a"})
            assert r.status_code == 404
            assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["citizen"])
async def test_sms_login_codes(api: Api, role: str) -> None:
    phone = "13700000001"
    r = await api.client.post("/auth/sms-code", json={"phone": phone})
    assert r.status_code == 200, r.text
    sms = (await api.client.get("/admin/sms", headers=api.token("admin"), params={"limit": 50})).json()
    shown = next(s["body"] for s in sms if s["template"] == "login_code" and s["phone"] == "137****0001")
    assert not re.search(r"\d{6}", shown)  # operators never see a login code
    async with api.sessions() as session:  # the embedded outbox is the citizen's simulated phone
        rows = await repository.list_sms(session, limit=500)
    body = next(r.body for r in rows if r.template == "login_code" and r.phone == phone)
    code = re.search(r"验证码为(\d{6})", body)[1]
    r = await api.client.post(
        "/auth/sms-login", json={"phone": phone, "code": "000000" if code != "000000" else "111111"}
    )
    assert r.status_code == 401
    r = await api.client.post("/auth/sms-login", json={"phone": phone, "code": code})
    assert r.status_code == 200 and r.json()["role"] == "citizen"
    r = await api.client.post("/auth/sms-login", json={"phone": phone, "code": code})
    assert r.status_code == 401  # single use
    for _ in range(api.settings.sms_code_max_per_hour):
        r = await api.client.post("/auth/sms-code", json={"phone": phone})
    assert r.status_code == 429 and r.json()["code"] == "SMS_CODE_LIMIT"
