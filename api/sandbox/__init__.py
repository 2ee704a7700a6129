"""Simulated external systems served by the API in the embedded run (registry gateway,
insurers), so that the real HTTP adapters run by default. Mounted under /sandbox:

    /sandbox/registry/...            docs/registry-contract.md      (api/sandbox/registry.py)
    /sandbox/insurers/{code}/...     docs/insurer-contracts.md      (api/sandbox/insurers.py)

They read the application's settings and sessions from `app.state.kc` (api.deps.AppState: any
object with `.settings` and `.sessions`) and require the sandbox credentials from settings."""

from fastapi import APIRouter

from api.sandbox.insurers import router as insurers_router
from api.sandbox.registry import router as registry_router

router = APIRouter(tags=["sandbox (simulated external systems)"])
router.include_router(registry_router, prefix="/registry")
router.include_router(insurers_router, prefix="/insurers")
