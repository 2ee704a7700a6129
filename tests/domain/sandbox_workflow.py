"""A workflow that imports and uses every domain module inside the Temporal sandbox
(used by test_sandbox.py; kept free of pytest so that the sandbox can re-import it)."""

from __future__ import annotations

from temporalio import workflow

import domain.calendar
import domain.eligibility
import domain.geo
import domain.liability
import domain.masking
import domain.validators
from domain.models import Liability


@workflow.defn
class DomainInSandbox:
    @workflow.run
    async def run(self) -> list[str]:
        refusal = domain.liability.validate_liability(
            {"P1": Liability.MAJOR, "P2": Liability.NONE}, ["P1", "P2"]
        )
        lat, lon = domain.geo.gcj02_to_wgs84(28.86347, 105.438598)
        window = domain.eligibility.parse_service_windows("08:30-12:00")[0]
        return [
            refusal.code if refusal else "",
            domain.masking.mask_phone("13812348000"),
            str(domain.validators.validate_plate("川E12345")),
            f"{lat:.4f},{lon:.4f}",
            str(window),
            domain.calendar.DEFAULT_TZ,
        ]
