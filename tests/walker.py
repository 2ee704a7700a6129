"""Simulated people walking one two-vehicle case through the HTTP API: two citizens, a seat
officer, a deciding officer. Like people, they look at the case before each step and retry after
a failure (a 5xx, a timeout, a dropped connection), so the walk survives processes being killed
under it; a step that already happened is never repeated. A step whose answer carries the case
(as the consoles render it) stands for the next look: they look again only when an answer has
none. Used by the fault tests and the load benchmark (bench/load.py)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SCENE = {"weather": "1", "road_surface": "1"}  # 晴, 干燥: the seat records them
SHOTS = ("overview_front", "overview_rear", "impact_point", "plate", "plate", "group_photo")
DECISION: dict[str, Any] = {
    "officer_name": "刘警官",
    "badge_number": "051234",
    "unit": "泸州市公安局交通警察支队江阳大队",
    "liabilities": {"P1": "FULL", "P2": "NONE"},
    "facts": "甲车驾驶人未与前车保持安全距离，追尾乙车尾部。",
    "accident_form": "13",  # 尾随相撞 (GA 16.2)
    "impact_points": ["P1:01", "P2:06"],  # 甲车前部, 乙车尾部
    "legal_basis": "《中华人民共和国道路交通安全法》第四十三条",
    "no_mediation_reason": "当事人自行协商赔偿",
}
RETRYABLE = {500, 502, 503, 504}


def shot_image(case_number: str, index: int) -> bytes:
    """A real JPEG, the same bytes for the same case and shot (a retried upload is a duplicate)."""
    from PIL import Image

    seed = sum(case_number.encode()) + index * 7919
    img = Image.new("RGB", (24, 24), (seed % 256, (seed // 7) % 256, (seed // 13) % 256))
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    return buf.getvalue()


@dataclass
class Walk:
    """What happened on one walk: the case, the steps taken, the retries and their causes."""

    case_number: str = ""
    steps: list[str] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    started_at: dict[str, float] = field(default_factory=dict)  # epoch seconds of the timed attempt
    final_status: str = ""
    claims: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] | None = field(default=None, repr=False)  # the case the last step answered


class StepFailed(Exception):
    """A refusal that waiting will not change: the walk stops with it."""


class CaseWalker:
    """`token(role, sub="", phone="")` gives a bearer token; `alert_body(phones)` the alert JSON."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token: Callable[..., str],
        alert_body: Callable[[tuple[str, str]], dict[str, Any]],
        *,
        patience_s: float = 240.0,
        seat: str = "seat-1",
        officer: str = "officer-1",
    ) -> None:
        self.client = client
        self._token = token
        self._alert_body = alert_body
        self.patience_s = patience_s
        self.seat, self.officer = seat, officer

    def _auth(self, role: str, sub: str = "", phone: str = "") -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token(role, sub=sub, phone=phone)}"}

    async def _call(
        self, walk: Walk, step: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """One attempt; None when it failed in a way a retry may fix."""
        started, wall = time.perf_counter(), time.time()
        try:
            r = await self.client.request(method, url, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as err:
            walk.retries[f"{step}:{type(err).__name__}"] = (
                walk.retries.get(f"{step}:{type(err).__name__}", 0) + 1
            )
            return None
        walk.timings_ms[step] = (time.perf_counter() - started) * 1000
        walk.started_at[step] = wall
        if r.status_code in RETRYABLE:
            walk.retries[f"{step}:{r.status_code}"] = walk.retries.get(f"{step}:{r.status_code}", 0) + 1
            return None
        return r

    async def _view(self, walk: Walk) -> dict[str, Any] | None:
        r = await self._call(
            walk,
            "look",
            "GET",
            f"/officer/cases/{walk.case_number}",
            headers=self._auth("officer", self.officer),
        )
        return r.json() if r is not None and r.status_code == 200 else None

    async def walk(self, phones: tuple[str, str]) -> Walk:
        walk = Walk()
        deadline = time.monotonic() + self.patience_s
        await self._raise(walk, phones, deadline)
        case: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            if case is None:
                detail = await self._view(walk)
                if detail is None:
                    await asyncio.sleep(0.3)
                    continue
                case = detail["case"]
            walk.final_status = case["status"]
            walk.answer = None
            if await self._next_step(walk, case, phones):
                return walk
            case = walk.answer
            if case is None:
                await asyncio.sleep(0.05)
        raise AssertionError(f"{walk.case_number} stuck in {walk.final_status}: {walk}")

    async def _raise(self, walk: Walk, phones: tuple[str, str], deadline: float) -> None:
        """The alert, retried with the same Idempotency-Key (a person tapping again after a timeout)."""
        body = self._alert_body(phones)
        headers = self._auth("citizen", phone=phones[0]) | {"Idempotency-Key": f"walk-{phones[0]}"}
        while time.monotonic() < deadline:
            r = await self._call(walk, "alert", "POST", "/citizen/alerts", json=body, headers=headers)
            if r is not None and r.status_code in (200, 201):  # 200: a retry answered with its case
                walk.case_number = r.json()["case_number"]
                walk.steps.append("alert")
                return
            if r is not None:
                raise StepFailed(f"alert refused: {r.status_code} {r.text}")
            await asyncio.sleep(0.5)
        raise AssertionError("the alert never answered")

    async def _next_step(self, walk: Walk, case: dict[str, Any], phones: tuple[str, str]) -> bool:
        """Take the step the case's state calls for; True when the walk is over."""
        c, status = walk.case_number, case["status"]
        seat = self._auth("seat", self.seat)
        if status == "queued":
            await self._step(walk, "accept", "POST", f"/seat/cases/{c}/accept", headers=seat)
        elif status == "in_video":
            taken = list(case.get("evidence", []))
            for i, kind in enumerate(SHOTS):
                if kind in taken:
                    taken.remove(kind)
                    continue
                files = {"file": (f"{kind}-{i}.jpg", shot_image(c, i), "image/jpeg")}
                await self._step(
                    walk,
                    f"shot-{i}",
                    "POST",
                    f"/seat/cases/{c}/evidence",
                    headers=seat,
                    data={"kind": kind},
                    files=files,
                )
                return False
            if not case.get("safety_checked"):
                safety = {"hazard_lights": True, "warning_triangle": True, "people_off_carriageway": True}
                await self._step(walk, "safety", "POST", f"/seat/cases/{c}/safety", headers=seat, json=safety)
            elif not case.get("weather"):
                await self._step(walk, "scene", "PUT", f"/seat/cases/{c}/scene", headers=seat, json=SCENE)
            else:
                await self._step(walk, "complete", "POST", f"/seat/cases/{c}/complete", headers=seat)
        elif status == "awaiting_decision":
            await self._step(
                walk,
                "decision",
                "POST",
                f"/officer/cases/{c}/decision",
                headers=self._auth("officer", self.officer),
                json=DECISION,
            )
        elif status in ("notice_sent", "served"):
            return await self._serve_and_claim(walk, case, phones)
        elif status == "verifying":
            await asyncio.sleep(0.1)
        else:
            raise StepFailed(f"{c} ended {status}: {case.get('outcome_reason')}")
        return False

    async def _serve_and_claim(self, walk: Walk, case: dict[str, Any], phones: tuple[str, str]) -> bool:
        c = walk.case_number
        parties = {p["party_id"]: p for p in case["parties"]}
        for pid, phone in zip(("P1", "P2"), phones, strict=True):
            me = self._auth("citizen", phone=phone)
            if parties[pid].get("claim"):  # filed (perhaps by an attempt whose answer was lost)
                walk.claims[pid] = parties[pid]["claim"].get("claim_number", "")
            if parties[pid].get("served_at") is None:
                await self._step(walk, f"receipt-{pid}", "POST", f"/citizen/cases/{c}/receipt", headers=me)
                return False
            if parties[pid].get("claim") is None and case["status"] == "served":
                r = await self._step(walk, f"claim-{pid}", "POST", f"/citizen/cases/{c}/claim", headers=me)
                if r is not None and r.status_code == 200:
                    walk.claims[pid] = r.json().get("claim_number", "")
                return False
        return case["status"] == "served"

    async def _step(
        self, walk: Walk, step: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        r = await self._call(walk, step, method, url, **kwargs)
        if r is None:
            await asyncio.sleep(0.5)
            return None
        if r.status_code < 300:
            walk.steps.append(step)
            walk.answer = _case_of(r)
        elif r.status_code in (401, 403, 404, 413, 415, 422):
            raise StepFailed(f"{walk.case_number} {step}: {r.status_code} {r.text}")
        # 409: the case moved meanwhile (an earlier attempt went through): look again
        return r


def _case_of(r: httpx.Response) -> dict[str, Any] | None:
    """The case a step answered with: the view itself (a seat's or officer's step) or under
    "case" (accept, evidence, a citizen's step); None when the answer has none (a claim)."""
    try:
        body = r.json()
    except ValueError:  # an answer without a JSON body: look instead
        return None
    if not isinstance(body, dict):
        return None
    case = body.get("case", body)
    return case if isinstance(case, dict) and "status" in case and "parties" in case else None
