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
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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

DEFAULT_DETAIL: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式不正确"),
    401: ("UNAUTHENTICATED", "请先登录"),
    403: ("FORBIDDEN", "无权执行此操作"),
    404: ("NOT_FOUND", "未找到请求的资源"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    409: ("CONFLICT", "当前状态下不能执行此操作"),
    413: ("TOO_LARGE", "上传的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型"),
    422: ("VALIDATION_FAILED", "提交的内容不符合要求，请核对后重新提交"),
    429: ("RATE_LIMITED", "操作过于频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "系统繁忙，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "系统暂时无法处理案件，请稍后再试；紧急情况请拨打110"),
}

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
        status: int,
        code: str | None = None,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        default_code, default_detail = DEFAULT_DETAIL.get(status, ("ERROR", "请求失败"))
        self.status = status
        self.code = code or default_code
        self.detail = detail or default_detail
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}
        super().__init__(f"{status} {self.code}")


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:kuaichu:problem:{code.lower()}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        out.append({"field": ".".join(loc), "message": str(err.get("msg", "")), "type": err.get("type", "")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError

    from api.temporal import TemporalUnavailable

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers, extra=exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, detail = DEFAULT_DETAIL.get(exc.status_code, ("ERROR", "请求失败"))
        if isinstance(exc.detail, str) and exc.status_code not in DEFAULT_DETAIL:
            detail = exc.detail
        return problem_response(request, exc.status_code, code, detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request, 422, "VALIDATION_FAILED", DEFAULT_DETAIL[422][1], errors=_validation_errors(exc)
        )

    @app.exception_handler(TemporalUnavailable)
    async def _temporal_down(request: Request, exc: TemporalUnavailable) -> JSONResponse:
        return problem_response(request, 503, "TEMPORAL_UNAVAILABLE", DEFAULT_DETAIL[503][1])

    @app.exception_handler(RPCError)
    async def _rpc(request: Request, exc: RPCError) -> JSONResponse:
        log.warning("temporal rpc error on %s: %s", request.url.path, exc.status)
        return problem_response(request, 503, "TEMPORAL_UNAVAILABLE", DEFAULT_DETAIL[503][1])

    @app.exception_handler(WorkflowAlreadyStartedError)
    async def _started(request: Request, exc: WorkflowAlreadyStartedError) -> JSONResponse:
        return problem_response(request, 409, "CASE_ALREADY_EXISTS", "该案件已存在")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # the traceback has no request body in it; never log bodies (personal data)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, *DEFAULT_DETAIL[500])
