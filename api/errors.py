"""One error shape everywhere: RFC 9457 problem details (``application/problem+json``).

Every problem carries ``code`` (a stable English code, the same one a workflow refusal or an
eligibility refusal carries) and ``detail`` (a sentence a person understands; Chinese, since the
citizen app and the consoles show it as it is). Validation problems list the fields in ``errors``
(location and message only: the rejected input is never echoed, it may be personal data).

Status codes: 400 malformed, 401 no or bad token, 403 wrong role / not your case, 404 unknown
(also a case that exists but is not yours: existence is not leaked), 405, 409 state conflict
(already taken, wrong state, already started), 413 too large, 415 wrong file type, 422 invalid
content (eligibility, party data, decision), 429 rate limited, 503 Temporal unreachable.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain import refusals as R
from domain.refusals import Kind, RefusalCode

log = logging.getLogger("kuaichu.api")

PROBLEM_JSON = "application/problem+json"

TITLES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# One status per kind of refusal (domain.refusals): a code always answers with the same status.
STATUS_OF_KIND: dict[Kind, int] = {
    Kind.BAD_REQUEST: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.METHOD_NOT_ALLOWED: 405,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED: 415,
    Kind.INVALID: 422,
    Kind.RATE_LIMITED: 429,
    Kind.INTERNAL: 500,
    Kind.UNAVAILABLE: 503,
}

# The code of a bare HTTP error (Starlette's 404 for an unknown path, 405, ...).
CODE_OF_STATUS: dict[int, RefusalCode] = {
    400: R.BAD_REQUEST,
    401: R.UNAUTHENTICATED,
    403: R.FORBIDDEN,
    404: R.NOT_FOUND,
    405: R.METHOD_NOT_ALLOWED,
    409: R.CONFLICT,
    413: R.TOO_LARGE,
    415: R.UNSUPPORTED_MEDIA_TYPE,
    422: R.VALIDATION_FAILED,
    429: R.RATE_LIMITED,
    500: R.INTERNAL_ERROR,
    503: R.SERVICE_UNAVAILABLE,
}


def status_of(code: RefusalCode) -> int:
    return STATUS_OF_KIND[code.kind]


def code_for(code: str, reason: str = "") -> RefusalCode:
    """The registered code; an unregistered one (an old workflow's, say) answers as invalid content."""
    found = R.lookup(code)
    if found is None:
        log.warning("unregistered refusal code %s", code)
        return RefusalCode(code, Kind.INVALID, reason or R.VALIDATION_FAILED.reason)
    return found


# The schema of a problem in the OpenAPI document (used in `responses=` of the routers).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {
            "description": TITLES.get(s, "Error"),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for s in statuses
    }


class ApiProblem(Exception):
    """Raise anywhere in a handler: becomes a problem+json response."""

    def __init__(
        self,
        code: RefusalCode,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.status = status_of(code)
        self.code = code.code
        self.detail = detail or code.reason
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}
        super().__init__(f"{self.status} {self.code}")


def problem_response(
    request: Request | None,
    code: RefusalCode,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    status = status_of(code)
    body: dict[str, Any] = {
        "type": f"urn:kuaichu:problem:{code.code.lower()}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code.code,
        "detail": detail or code.reason,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Chinese reasons for pydantic's error types ({…} from the error's context: limits, never input)
REASON_OF_TYPE: dict[str, str] = {
    "missing": "必须填写",
    "string_too_long": "不能超过{max_length}个字符",
    "string_too_short": "至少需要{min_length}个字符",
    "too_long": "最多{max_length}项",
    "too_short": "至少需要{min_length}项",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "greater_than": "应大于{gt}",
    "less_than": "应小于{lt}",
    "timezone_aware": "时间须带时区",
    "json_invalid": "请求体不是有效的JSON",
}


def _reason(err: dict[str, Any]) -> str:
    if R.lookup(str(err.get("type", ""))) is not None:  # a domain text type's refusal (domain.text)
        return str(err.get("msg", ""))
    template = REASON_OF_TYPE.get(str(err.get("type", "")))
    if template is None:
        return "格式或类型不正确"
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("{")[0] or "格式或类型不正确"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        out.append(
            {
                "field": ".".join(loc),
                "message": str(err.get("msg", "")),
                "type": err.get("type", ""),
                "reason": _reason(err),
            }
        )
    return out


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    """One sentence naming the first few fields (body.facts -> facts)."""
    parts = [
        f"{e['field'].removeprefix('body.').removeprefix('body') or '请求体'}：{e['reason']}"
        for e in errors[:3]
    ]
    more = f"等{len(errors)}处" if len(errors) > 3 else ""
    return (
        f"{R.VALIDATION_FAILED.reason}（{'；'.join(parts)}{more}）" if parts else R.VALIDATION_FAILED.reason
    )


def _safe_message(exc: BaseException) -> str:
    """An exception's message without the input that caused it: a pydantic ValidationError's
    text quotes the rejected values (input_value=...), here only where and what kind of error."""
    if isinstance(exc, ValidationError):
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])} [{e['type']}]"
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        )
        return f"{exc.error_count()} validation error(s) for {exc.title}: {where}"
    return str(exc)[:500]


def safe_traceback(exc: BaseException) -> str:
    """The traceback of `exc` and its causes (frames: code only, no local values) with every
    message passed through _safe_message: what the 500 handler logs."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    lines: list[str] = []
    for e in reversed(chain):
        if lines:
            lines.append("\nwhich led to:\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(e.__traceback__))
        lines.append(f"{type(e).__module__}.{type(e).__qualname__}: {_safe_message(e)}\n")
    return "".join(lines)


def install_error_handlers(app: FastAPI) -> None:
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError

    from api.temporal import TemporalUnavailable

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request,
            code_for(exc.code, exc.detail),
            exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_OF_STATUS.get(exc.status_code, R.BAD_REQUEST)
        return problem_response(request, code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        # a domain refusal among the errors (INVALID_CHARACTERS, UNPRINTABLE_TEXT) names the problem
        code = next((c for e in errors if (c := R.lookup(str(e["type"]))) is not None), R.VALIDATION_FAILED)
        return problem_response(request, code, _validation_detail(errors), errors=errors)

    @app.exception_handler(TemporalUnavailable)
    async def _temporal_down(request: Request, exc: TemporalUnavailable) -> JSONResponse:
        return problem_response(request, R.TEMPORAL_UNAVAILABLE)

    @app.exception_handler(RPCError)
    async def _rpc(request: Request, exc: RPCError) -> JSONResponse:
        log.warning("temporal rpc error on %s: %s", request.url.path, exc.status)
        return problem_response(request, R.TEMPORAL_UNAVAILABLE)

    @app.exception_handler(WorkflowAlreadyStartedError)
    async def _started(request: Request, exc: WorkflowAlreadyStartedError) -> JSONResponse:
        return problem_response(request, R.CASE_ALREADY_EXISTS)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # not log.exception: the formatter would print the exceptions' own texts, and a
        # ValidationError's text quotes the input (personal data); never log bodies
        log.error("unhandled error on %s %s\n%s", request.method, request.url.path, safe_traceback(exc))
        return problem_response(request, R.INTERNAL_ERROR)
