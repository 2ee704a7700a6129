"""The sandbox registry gateway: `/sandbox/registry/...` on the contract of
docs/registry-contract.md, answering from the seeded registry tables through
activities.registry.DatabaseRegistry (fictional demo records, including failing ones).

POST with JSON bodies, so that ID numbers and plates stay out of URLs and access logs."""

from __future__ import annotations

import hmac
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field

from adapters.registry import DatabaseRegistry, InsuranceCheck, LicenceCheck, VehicleCheck
from api.sandbox.deps import sessions_of, settings_of
from domain.validators import normalize_plate


def require_key(request: Request, x_registry_key: Annotated[str, Header()] = "") -> None:
    expected = settings_of(request).registry_api_key or settings_of(request).sandbox_api_key
    if not hmac.compare_digest(x_registry_key.encode(), expected.encode()):
        raise HTTPException(
            401, detail={"code": "UNAUTHORIZED", "message": "missing or wrong X-Registry-Key"}
        )


router = APIRouter(dependencies=[Depends(require_key)])


class LicenceQuery(BaseModel):
    licence_number: str = Field(min_length=1, max_length=20)
    id_number: str = Field(default="", max_length=18)
    on: date


class PlateQuery(BaseModel):
    plate: str = Field(min_length=1, max_length=12)
    on: date


def _registry(request: Request) -> DatabaseRegistry:
    return DatabaseRegistry(sessions_of(request))


@router.post("/licences/check")
async def check_licence(request: Request, q: LicenceQuery) -> LicenceCheck:
    return await _registry(request).check_licence(q.licence_number.strip(), q.id_number.strip(), q.on)


@router.post("/vehicles/check")
async def check_vehicle(request: Request, q: PlateQuery) -> VehicleCheck:
    return await _registry(request).check_vehicle(normalize_plate(q.plate), q.on)


@router.post("/policies/check")
async def check_insurance(request: Request, q: PlateQuery) -> InsuranceCheck:
    return await _registry(request).check_insurance(normalize_plate(q.plate), q.on)
