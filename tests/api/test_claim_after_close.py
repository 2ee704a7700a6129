"""A repeated claim tap after the case closed answers the claim already filed (200, the same
claim number), not 409 CASE_CLOSED; a party that never claimed is still told the case closed."""

from __future__ import annotations

from domain.messages import workflow_id_for
from tests.api.conftest import Api
from tests.walker import CaseWalker

P1, P2 = "13800020001", "13800020002"


async def close(api: Api, case_number: str) -> None:
    client = await api.kc.temporal.client()
    await client.get_workflow_handle(workflow_id_for(case_number)).terminate("closed for the test")


async def test_a_repeated_claim_after_the_case_closed_answers_the_existing_claim(api: Api) -> None:
    c = api.client
    walk = await CaseWalker(c, api.bearer, api.alert_body).walk((P1, P2))
    case = walk.case_number
    assert set(walk.claims) == {"P1", "P2"}
    # the case closes (here at once: the claim grace would last days) and its workflow is gone
    await close(api, case)

    r = await c.post(f"/citizen/cases/{case}/claim", headers=api.token("citizen", phone=P1))
    assert r.status_code == 200, r.text
    assert r.json()["claim_number"] == walk.claims["P1"] and r.json()["party_id"] == "P1"


async def test_a_first_claim_after_the_case_closed_is_still_refused(api: Api) -> None:
    c = api.client
    case = (await api.raise_alert(("13800020011", "13800020012")))["case_number"]
    await close(api, case)
    r = await c.post(f"/citizen/cases/{case}/claim", headers=api.token("citizen", phone="13800020011"))
    assert r.status_code == 409 and r.json()["code"] == "CASE_CLOSED"
