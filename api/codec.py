"""The Temporal codec endpoint (DESIGN.md §4): lets an authorised operator read the encrypted
payloads of a case in the Temporal UI. Protocol of Temporal's codec server: ``POST /codec/decode``
and ``POST /codec/encode`` with ``{"payloads": [<Payload as protobuf JSON>]}``. Operators only
(roles ops and admin, by bearer token or the session cookie of api/ops.py); CORS is open to the
Temporal UI's origins only (KUAICHU_TEMPORAL_UI_ORIGINS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload

from api.errors import ApiProblem, problem_responses
from api.ops import OperatorP
from domain import refusals as R

router = APIRouter(prefix="/codec", tags=["admin"])


class Payloads(BaseModel):
    payloads: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)


def _codec(request: Request):
    from codec import codec_from_settings

    kc = request.app.state.kc
    if kc.codec is None:
        kc.codec = codec_from_settings(kc.settings)
    return kc.codec


def _parse(body: Payloads) -> list[Payload]:
    try:
        return [ParseDict(p, Payload()) for p in body.payloads]
    except (ParseError, TypeError, ValueError) as err:
        raise ApiProblem(R.INVALID_PAYLOAD, "payload 格式不正确") from err


@router.post("/decode", responses=problem_responses(401, 403, 422))
async def decode(body: Payloads, request: Request, principal: OperatorP) -> Payloads:
    try:
        out = await _codec(request).decode(_parse(body))
    except ValueError as err:  # unknown key id, or ciphertext that does not authenticate
        raise ApiProblem(R.UNDECODABLE_PAYLOAD, "无法解密该 payload") from err
    except Exception as err:  # cryptography's InvalidTag and friends
        raise ApiProblem(R.UNDECODABLE_PAYLOAD, "无法解密该 payload") from err
    return Payloads(payloads=[MessageToDict(p) for p in out])


@router.post("/encode", responses=problem_responses(401, 403, 422))
async def encode(body: Payloads, request: Request, principal: OperatorP) -> Payloads:
    out = await _codec(request).encode(_parse(body))
    return Payloads(payloads=[MessageToDict(p) for p in out])
