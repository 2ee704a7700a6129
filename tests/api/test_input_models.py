"""Every request body the API publishes is a domain shape (domain.models / domain.messages), so a
field and its limit are declared once: the walk below goes through the OpenAPI document's request
bodies and compares each property's limits (lengths, patterns, bounds, item counts, nested models)
with the domain model's own JSON schema. A body that is not a domain shape must be listed in
API_ONLY with the reason, and its fields that share a name with a domain input field must carry
the same limits. Then the two 500s this replaced, as regressions, and the 500 handler's log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from api.app import create_app
from api.errors import install_error_handlers
from domain import messages, models
from domain.models import Decision, EvidenceRef
from settings import Settings
from tests.api.conftest import Api

# Bodies with no domain counterpart, and why. A new body goes into domain/ or here, with a reason.
API_ONLY = {
    "DevLoginIn": "development login: role and staff id or phone (phone: the domain's MobileText)",
    "SmsCodeIn": "login: the phone to text a code to",
    "SmsLoginIn": "login: phone and the texted code",
    "StaffLoginIn": "staff login: staff id, password and TOTP code (api/staff_login.py)",
    "OidcLoginIn": "staff login: the detachment IdP's ID token (api/oidc.py)",
    "StaffAccountIn": "admins' staff accounts (the staff_accounts table, api/staff_admin.py)",
    "StaffPasswordIn": "admins' staff accounts: a password reset",
    "StaffChangeIn": "admins' staff accounts: a change of name, roles or district",
    "RedeemIn": "staff login: the one-time code the OIDC callback hands the console (api/oidc.py)",
    "LinkIn": "110 dispatcher: the caller's phone",
    "CalendarDaysIn": "administrators' holiday calendar (the calendar_overrides table)",
    "CalendarDay": "administrators' holiday calendar (the calendar_overrides table)",
    "Payloads": "Temporal's codec-server protocol",
    "RecordingIn": "the seat console's call recording upload: its media type (a file, not case data)",
    "LicenceQuery": "the simulated registry: an external system's contract (docs/registry-contract.md)",
    "PlateQuery": "the simulated registry: an external system's contract (docs/registry-contract.md)",
}
# An API-only field whose name a domain input field shares but which means something else.
DIFFERENT_MEANING = {
    ("LicenceQuery", "licence_number"),
    ("LicenceQuery", "id_number"),
    ("PlateQuery", "plate"),
}
# multipart form bodies: the domain shape whose fields the form fields are
FORM_SHAPES: dict[str, type[BaseModel]] = {"upload_evidence": EvidenceRef}
FORM_TRANSPORT = {"file"}  # the upload itself, not a field of the shape

LIMIT_KEYS = {
    "type",
    "format",
    "maxLength",
    "minLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "maxItems",
    "minItems",
    "maxProperties",
    "minProperties",
    "enum",
    "const",
}
NESTED_KEYS = {"items", "anyOf", "allOf", "oneOf", "additionalProperties", "propertyNames", "prefixItems"}


def domain_shapes() -> dict[str, type[BaseModel]]:
    return {
        name: obj
        for module in (models, messages)
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    }


def limits(schema: Any, defs: dict[str, Any]) -> Any:
    """The constraining part of a JSON schema (no titles, descriptions, defaults); a reference
    becomes its model's name plus that model's own limits, property by property."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = defs[name]
        if "properties" not in target:  # an enum
            return {"ref": name, **limits(target, defs)}
        return {"ref": name}
    out: dict[str, Any] = {k: v for k, v in schema.items() if k in LIMIT_KEYS}
    for key in NESTED_KEYS & schema.keys():
        value = schema[key]
        out[key] = [limits(v, defs) for v in value] if isinstance(value, list) else limits(value, defs)
    return out


def openapi() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def request_bodies(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(operation id, media type, component name) of every request body."""
    out = []
    for item in spec["paths"].values():
        for op in item.values():
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                ref = content["schema"].get("$ref")
                if ref:
                    out.append((op["operationId"], media, ref.rsplit("/", 1)[-1]))
    return out


def reachable(name: str, components: dict[str, Any], seen: set[str]) -> set[str]:
    """The component and every model component it refers to."""
    if name in seen:
        return seen
    seen.add(name)

    def refs(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                reachable(node["$ref"].rsplit("/", 1)[-1], components, seen)
            for v in node.values():
                refs(v)
        elif isinstance(node, list):
            for v in node:
                refs(v)

    refs(components[name])
    return seen


def compare(api_schema: dict[str, Any], api_defs: dict[str, Any], shape: type[BaseModel]) -> list[str]:
    """Properties whose published limits differ from the domain shape's, or that it lacks."""
    domain = shape.model_json_schema(ref_template="#/$defs/{model}")
    domain_props, domain_defs = domain.get("properties", {}), domain.get("$defs", {})
    wrong = []
    for prop, schema in api_schema.get("properties", {}).items():
        if prop not in domain_props:
            wrong.append(f"{shape.__name__}.{prop}: not a field of the domain shape")
        elif limits(schema, api_defs) != limits(domain_props[prop], domain_defs):
            wrong.append(
                f"{shape.__name__}.{prop}: API {limits(schema, api_defs)} "
                f"!= domain {limits(domain_props[prop], domain_defs)}"
            )
    return wrong


def test_every_request_body_is_a_domain_shape_or_declared_api_only() -> None:
    spec = openapi()
    shapes = domain_shapes()
    bodies = request_bodies(spec)
    assert len(bodies) >= 20
    unknown = [
        (op, name)
        for op, media, name in bodies
        if media != "multipart/form-data" and name not in shapes and name not in API_ONLY
    ]
    assert unknown == [], "declare these bodies in domain/ (or list them in API_ONLY with a reason)"


def test_request_body_limits_agree_with_the_domain_models() -> None:
    spec = openapi()
    components, shapes = spec["components"]["schemas"], domain_shapes()
    names: set[str] = set()
    for _, media, name in request_bodies(spec):
        if media == "application/json":
            reachable(name, components, names)
    checked = [n for n in sorted(names) if n in shapes and "properties" in components[n]]
    wrong = [w for n in checked for w in compare(components[n], components, shapes[n])]
    assert wrong == []
    # the shapes that had their own copies before, at least, are walked
    assert {"DecisionContent", "ConclusionContent", "AlertContent", "Party", "ServiceContent"} <= set(checked)


def test_form_fields_are_the_domain_shapes_fields() -> None:
    spec = openapi()
    components = spec["components"]["schemas"]
    forms = [(op, name) for op, media, name in request_bodies(spec) if media == "multipart/form-data"]
    assert forms
    for op, name in forms:
        shape = next((s for prefix, s in FORM_SHAPES.items() if op.startswith(prefix)), None)
        assert shape is not None, f"{op}: name the domain shape of its form in FORM_SHAPES"
        body = components[name]
        fields = {k: v for k, v in body["properties"].items() if k not in FORM_TRANSPORT}
        assert fields and compare({"properties": fields}, components, shape) == []


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field (a change that leaves it out) carries the limits of its value."""
    values = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    return values[0] if len(values) == 1 and len(schema["anyOf"]) == 2 else schema


def test_api_only_fields_named_like_domain_fields_have_their_limits() -> None:
    spec = openapi()
    components, shapes = spec["components"]["schemas"], domain_shapes()
    domain_inputs: set[str] = set()
    for _, media, name in request_bodies(spec):
        if media == "application/json" and name in shapes:
            reachable(name, components, domain_inputs)
    by_name: dict[str, list[Any]] = {}
    for n in domain_inputs & shapes.keys():
        schema = shapes[n].model_json_schema(ref_template="#/$defs/{model}")
        for prop, s in schema.get("properties", {}).items():
            by_name.setdefault(prop, []).append(limits(s, schema.get("$defs", {})))
    wrong = []
    for name in API_ONLY:
        for prop, schema in components[name].get("properties", {}).items():
            candidates = by_name.get(prop, [])
            if not candidates or (name, prop) in DIFFERENT_MEANING:
                continue
            found = limits(_not_null(schema), components)
            if found not in candidates:
                wrong.append(f"{name}.{prop}: {found} not in {candidates}")
    assert wrong == []
    # and the walk does see them: phones are the domain's MobileText
    assert limits(components["SmsCodeIn"]["properties"]["phone"], components) in by_name["phone"]


def test_every_string_in_a_request_body_is_bounded() -> None:
    """Oversized input is a 422 at the door, never a database or payload error later."""
    spec = openapi()
    components = spec["components"]["schemas"]
    names: set[str] = set()
    for _, media, name in request_bodies(spec):
        if media != "application/x-www-form-urlencoded":
            reachable(name, components, names)

    def unbounded(schema: dict[str, Any]) -> bool:
        if schema.get("type") == "string" and "contentMediaType" not in schema:  # not the upload
            return not ({"maxLength", "pattern", "enum", "format"} & schema.keys())
        return any(unbounded(s) for s in schema.get("anyOf", []) if isinstance(s, dict)) or (
            isinstance(schema.get("items"), dict) and unbounded(schema["items"])
        )

    wrong = [
        f"{n}.{p}"
        for n in sorted(names)
        for p, s in components[n].get("properties", {}).items()
        if unbounded(s)
    ]
    assert wrong == []


# --------------------------------------------------------------------------- regressions


async def test_overlong_decision_facts_is_422_with_a_reason(api: Api) -> None:
    """DecisionIn allowed 4000 characters of facts, Decision 2000: 3,010 answered 500."""
    case = (await api.raise_alert(("13800000091", "13800000092")))["case_number"]
    body = {
        "officer_name": "刘警官",
        "badge_number": "051234",
        "unit": "泸州市公安局交通警察支队江阳大队",
        "liabilities": {"P1": "FULL", "P2": "NONE"},
        "facts": "追" * 3010,
        "accident_form": "追尾碰撞",
        "no_mediation_reason": "当事人自行协商赔偿",
    }
    r = await api.client.post(
        f"/officer/cases/{case}/decision", headers=api.token("officer", "officer-91"), json=body
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [("body.facts", "string_too_long")]
    assert problem["errors"][0]["reason"] == "不能超过2000个字符"
    assert "facts" in problem["detail"] and "2000" in problem["detail"]
    assert "追追" not in r.text  # the rejected input is never echoed


async def test_overlong_review_conclusion_reason_is_422(api: Api) -> None:
    """ConclusionIn allowed 4000 characters of reason, ConcludeReview 500: it answered 500."""
    case = (await api.raise_alert(("13800000093", "13800000094")))["case_number"]
    r = await api.client.post(
        f"/reviewer/cases/{case}/conclusion",
        headers=api.token("reviewer", "reviewer-93"),
        json={"outcome": "uphold", "reviewers": ["reviewer-94"], "reason": "理" * 501},
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.reason"]
    # at the domain's limit the body passes the door: the workflow answers (here: not under review)
    r = await api.client.post(
        f"/reviewer/cases/{case}/conclusion",
        headers=api.token("reviewer", "reviewer-93"),
        json={"outcome": "uphold", "reviewers": ["reviewer-94"], "reason": "理" * 500},
    )
    assert r.status_code == 409 and r.json()["code"] == "NOT_UNDER_REVIEW", r.text


NAME, PHONE = "".join(("张", "演示")), str(13800138000)


@pytest.fixture
def failing_app() -> FastAPI:
    """An app whose only route fails the way the decision endpoint did: a domain model built in
    the handler refuses the input."""
    app = FastAPI()
    install_error_handlers(app)
    facts = f"{NAME} {PHONE} " * 200  # built at run time: the traceback's source lines show code

    @app.post("/boom")
    async def boom() -> None:
        try:
            Decision.model_validate({"officer_id": "o", "facts": facts})
        except ValueError as err:
            raise RuntimeError("could not build the decision") from err

    return app


async def test_unexpected_error_log_carries_no_input(
    failing_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="kuaichu.api"):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            r = await client.post("/boom")
    assert r.status_code == 500 and r.json()["code"] == "INTERNAL_ERROR"
    logged = "\n".join(
        rec.getMessage() + (rec.exc_text or "") for rec in caplog.records if rec.name == "kuaichu.api"
    )
    assert "RuntimeError: could not build the decision" in logged
    assert "facts [string_too_long]" in logged and "officer_name [missing]" in logged
    assert PHONE not in logged and NAME not in logged and "input_value" not in logged
    assert all(rec.exc_info is None for rec in caplog.records)  # no formatter re-prints the texts
