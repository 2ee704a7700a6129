"""Fixtures for the adapter tests: a Twilio stand-in on a free local port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.twilio_standin import TwilioStandIn

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "auth-token-not-secret"
API_KEY_SID = "SK" + "2" * 32
API_KEY_SECRET = "api-key-secret-not-secret-32-bytes-long"
SERVICE_SID = "MG" + "3" * 32


@pytest.fixture
async def twilio_standin() -> AsyncIterator[TwilioStandIn]:
    standin = TwilioStandIn()
    await standin.start()
    yield standin
    await standin.stop()
