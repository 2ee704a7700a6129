"""The pages' labels come from the domain's one declaration: /web/shared/labels.js is generated
from domain/models.py, and no page keeps a copy of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

from domain.models import STATUS_TEXT, CaseStatus
from tests.api.conftest import Api

WEB = Path(__file__).resolve().parents[2] / "web"
TABLES = (
    "STATUS_ZH",
    "NEXT_ACTION_ZH",
    "CATEGORY_ZH",
    "KIND_ZH",
    "LIABILITY_ZH",
    "PARTY_KIND_ZH",
    "NOTICE_KIND_ZH",
)


async def test_the_labels_module_carries_every_declared_status(api: Api) -> None:
    r = await api.client.get("/web/shared/labels.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    found = dict(re.findall(r"export const (\w+) = Object\.freeze\((\{.*\})\);", r.text))
    assert set(found) == set(TABLES)
    statuses = json.loads(found["STATUS_ZH"])
    assert statuses == {s.value: STATUS_TEXT[s].label for s in CaseStatus}


def test_no_page_declares_a_domain_label_table_of_its_own() -> None:
    own = re.compile(r"\b(?:const|let|var)\s+(" + "|".join(TABLES) + r")\s*=")
    offenders = [
        f"{p.relative_to(WEB)}: {m.group(1)}"
        for p in WEB.rglob("*.js")
        if "vendor" not in p.parts
        for m in own.finditer(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    labels = [t.label for t in STATUS_TEXT.values()]
    copies = [
        f"{p.relative_to(WEB)}: {label}"
        for p in WEB.rglob("*.js")
        if "vendor" not in p.parts
        for label in labels
        if f'"{label}"' in p.read_text(encoding="utf-8")
    ]
    assert copies == []
