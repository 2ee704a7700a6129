"""Twilio webhooks: Video room/participant status callbacks (``/webhooks/twilio/video-status``)
and SMS status callbacks (``/webhooks/twilio/sms-status``): the paths the adapters register
(KUAICHU_TWILIO_*_CALLBACK_PATH defaults).

Every call must carry a valid ``X-Twilio-Signature``, checked with
``twilio.request_validator.RequestValidator(KUAICHU_TWILIO_AUTH_TOKEN)`` (the
same account token the Twilio adapters use) against the URL Twilio
called: KUAICHU_PUBLIC_BASE_URL + path + query (behind a proxy or tunnel the API's own idea of its
URL is wrong, the configured public URL is right). A missing or wrong signature, or no auth token
configured, is 403 and changes nothing.

Video: ``StatusCallbackEvent`` room-ended / participant-connected / participant-disconnected become
the case workflow's ``video_event`` signal; the case comes from the room name ``kc-<case>-<n>``.
Other events are acknowledged and ignored. SMS: ``MessageSid`` / ``MessageStatus`` / ``ErrorCode``
update the outbox row (a final status is never downgraded by a late callback)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from adapters.twilio_http import valid_signature
from adapters.twilio_sms import status_from_callback
from adapters.twilio_video import case_number_of, video_event_from_callback
from api.deps import State
from api.errors import ApiProblem, problem_responses
from db import repository
from db.session import write_session
from domain import refusals as R
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.api.webhooks")
router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])

FORM_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        }
    },
    "parameters": [
        {"name": "X-Twilio-Signature", "in": "header", "required": False, "schema": {"type": "string"}}
    ],
}


async def verified_form(request: Request, kc) -> dict[str, str]:
    token = kc.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    url = kc.settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not valid_signature(token, url, params, signature):
        log.warning("twilio webhook with a missing or invalid signature on %s", request.url.path)
        raise ApiProblem(R.BAD_SIGNATURE, "签名无效")
    return params


@router.post(
    "/video-status",
    status_code=204,
    openapi_extra=FORM_BODY,
    responses=problem_responses(403, 503),
    response_class=Response,
)
async def video_callback(request: Request, kc: State) -> Response:
    params = await verified_form(request, kc)
    event = video_event_from_callback(params)
    try:
        case_number = case_number_of(params.get("RoomName", ""))
    except ValueError:
        case_number = ""
    if event is None or not case_number:
        return Response(status_code=204)
    if not await kc.temporal.signal(case_number, AccidentCaseWorkflow.video_event, event):
        log.info("video event for unknown or closed case %s ignored", case_number)
    return Response(status_code=204)


@router.post(
    "/sms-status",
    status_code=204,
    openapi_extra=FORM_BODY,
    responses=problem_responses(403),
    response_class=Response,
)
async def sms_callback(request: Request, kc: State) -> Response:
    params = await verified_form(request, kc)
    update = status_from_callback(params)
    if update is None:
        return Response(status_code=204)
    sid, status, error = update
    async with write_session(kc.sessions) as session:  # read-modify-write: take the write lock
        row = await repository.update_sms_status(session, sid[:64], status, error[:32] if error else None)
    if row is None:
        log.info("sms status for an unknown message ignored")
    return Response(status_code=204)
