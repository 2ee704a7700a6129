"""The consoles' own endpoints (api/staff_consoles.py) and the offline docs (api/docs_pages.py)."""

from __future__ import annotations

import httpx

from api.app import create_app
from settings import SECRET_NAMES, Settings
from tests.api.conftest import Api


async def test_docs_pages_use_only_the_vendored_assets(api: Api) -> None:
    for path, asset in (("/docs", "/web/vendor/swagger-ui-dist/"), ("/redoc", "/web/vendor/redoc/")):
        r = await api.client.get(path)
        assert r.status_code == 200 and asset in r.text, path
        assert "cdn." not in r.text and "fonts.googleapis" not in r.text and "tiangolo" not in r.text, path
        assert '<html lang="en">' in r.text
    for asset in (
        "swagger-ui-dist/swagger-ui-bundle.js",
        "swagger-ui-dist/LICENSE",
        "redoc/redoc.standalone.js",
    ):
        assert (await api.client.get(f"/web/vendor/{asset}")).status_code == 200, asset
    assert (await api.client.get("/openapi.json")).status_code == 200


async def test_no_docs_in_production_unless_allowed(tmp_path) -> None:
    base = Settings(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}").model_dump()
    for allowed, status in (("", 404), ("docs", 200)):
        prod = create_app(
            Settings.model_construct(**(base | {"env": "production", "production_allow": allowed}))
        )
        async with prod.router.lifespan_context(prod):
            transport = httpx.ASGITransport(app=prod)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                for path in ("/docs", "/redoc"):
                    assert (await client.get(path)).status_code == status, (allowed, path)


async def test_code_lists_area_and_settings_without_secrets(api: Api) -> None:
    codes = (await api.client.get("/officer/notice-codes", headers=api.token("officer"))).json()
    assert {"code": "13", "name": "尾随相撞"} in codes["accident_forms"]
    assert {"code": "06", "name": "尾部"} in codes["impact_parts"] and codes["weather"]
    assert {"code": "2", "name": "潮湿"} in codes["road_surfaces"]
    scene = (await api.client.get("/seat/scene-codes", headers=api.token("seat"))).json()
    assert {"code": "1", "name": "晴"} in scene["weather"] and scene["road_surfaces"] == codes[
        "road_surfaces"
    ]
    assert (await api.client.get("/seat/scene-codes", headers=api.token("officer"))).status_code == 403
    area = (await api.client.get("/admin/pilot-area", headers=api.token("admin"))).json()
    assert area["type"] == "FeatureCollection" and len(area["features"]) >= 5
    r = await api.client.get("/admin/settings", headers=api.token("admin"))
    shown = {s["name"]: s["value"] for s in r.json()["settings"]}
    assert shown["service_windows"] == api.settings.service_windows
    for name in SECRET_NAMES:
        assert name not in shown and getattr(api.settings, name) not in r.text
