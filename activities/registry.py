"""The workflow's registry activity: licence, vehicle and 交强险 of one motor party."""

from __future__ import annotations

from temporalio import activity

from activities.failures import final_on_permanent_failure
from adapters.registry import RegistryProvider, verification_of
from domain import activity_contracts as act
from domain.messages import PartyVerification
from domain.validators import normalize_plate


class RegistryActivities:
    def __init__(self, registry: RegistryProvider) -> None:
        self._registry = registry

    @activity.defn(name=act.VERIFY_PARTY)
    @final_on_permanent_failure
    async def verify_party(self, req: act.VerifyRequest) -> PartyVerification:
        party = req.party
        plate = normalize_plate(party.vehicle.plate) if party.vehicle else ""
        licence = await self._registry.check_licence(party.licence_number, party.id_number, req.accident_date)
        vehicle = await self._registry.check_vehicle(plate, req.accident_date)
        insurance = await self._registry.check_insurance(plate, req.accident_date)
        return verification_of(party.party_id, licence, vehicle, insurance)
