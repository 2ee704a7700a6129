"""The workflow's registry activity: licence, vehicle and 交强险 of one motor party."""

from __future__ import annotations

from activities.declared import implements
from adapters.registry import RegistryProvider, verification_of
from domain import activity_contracts as act
from domain.messages import PartyVerification
from domain.validators import normalize_plate


class RegistryActivities:
    def __init__(self, registry: RegistryProvider) -> None:
        self._registry = registry

    @implements(act.verify_party)
    async def verify_party(self, req: act.VerifyRequest) -> PartyVerification:
        party = req.party
        plate = normalize_plate(party.vehicle.plate) if party.vehicle else ""
        licence = await self._registry.check_licence(party.licence_number, party.id_number, req.accident_date)
        vehicle = await self._registry.check_vehicle(plate, req.accident_date)
        insurance = await self._registry.check_insurance(plate, req.accident_date)
        return verification_of(party.party_id, licence, vehicle, insurance)
