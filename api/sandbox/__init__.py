"""Simulated external systems served by the API in the embedded run (registry gateway,
insurers), so that the real HTTP adapters run by default. Mounted under /sandbox."""

from fastapi import APIRouter

router = APIRouter(tags=["sandbox (simulated external systems)"])
