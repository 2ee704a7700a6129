"""The registry gateway over HTTP (driver licence, vehicle, 交强险), behind `RegistryProvider`.
Contract: docs/registry-contract.md. The embedded default points at the API's own sandbox
(`{api_internal_url}/sandbox/registry`), so the real HTTP path runs in every embedded case too.

Results are data: not found / expired / suspended / wrong class / scrapped / inspection overdue /
uninsured come back as a `CheckStatus`. Failures are exceptions:
- timeout, connection error, 408/429/5xx → `RegistryUnavailable` (the activity retries);
- any other 4xx (bad key, malformed request) → `PermanentFailure`: retrying the
  same request cannot help, and the workflow must not spin on a configuration error;
- an answer that does not fit the contract → `RegistryUnavailable` (a gateway mid-deploy)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from adapters.errors import PermanentFailure
from adapters.registry import InsuranceCheck, LicenceCheck, VehicleCheck

T = TypeVar("T", bound=BaseModel)


class RegistryUnavailable(Exception):
    """The registry did not answer (timeout, 5xx): retry."""


class HttpRegistry:
    name = "http"

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, transport: Any = None) -> None:
        self._base = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            headers={"X-Registry-Key": api_key},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check_licence(self, licence_number: str, id_number: str, on: date) -> LicenceCheck:
        body = {"licence_number": licence_number, "id_number": id_number, "on": on.isoformat()}
        return await self._post("/licences/check", body, LicenceCheck)

    async def check_vehicle(self, plate: str, on: date) -> VehicleCheck:
        return await self._post("/vehicles/check", {"plate": plate, "on": on.isoformat()}, VehicleCheck)

    async def check_insurance(self, plate: str, on: date) -> InsuranceCheck:
        return await self._post("/policies/check", {"plate": plate, "on": on.isoformat()}, InsuranceCheck)

    async def _post(self, path: str, body: dict[str, str], model: type[T]) -> T:
        try:
            response = await self._client.post(f"{self._base}{path}", json=body)
        except httpx.TransportError as err:  # timeouts included
            raise RegistryUnavailable(f"registry {path}: {type(err).__name__}") from err
        status = response.status_code
        if status == 404 and _says_not_found(response):  # REST-style gateways: 404 = no record
            return model.model_validate({"status": "not_found"})
        if status in (408, 429) or status >= 500:
            raise RegistryUnavailable(f"registry {path}: HTTP {status}")
        if status >= 400:
            raise PermanentFailure(
                f"REGISTRY_HTTP_{status}",
                f"registry {path} refused the request: HTTP {status}",  # its body may echo ID numbers
            )
        try:
            return model.model_validate_json(response.content)
        except ValidationError as err:
            raise RegistryUnavailable(f"registry {path}: answer off contract") from err


def _says_not_found(response: httpx.Response) -> bool:
    try:
        return response.json().get("status") == "not_found"
    except (ValueError, AttributeError):
        return False  # a bare 404: wrong base URL or path, a configuration error
