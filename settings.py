"""Runtime settings. Environment variables prefixed KUAICHU_ (and a .env file) override the
embedded defaults: SQLite under var/, local video and SMS providers, sandbox registry and insurers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUAICHU_", env_file=".env", extra="ignore")

    env: str = "embedded"  # embedded | production (production turns the development login off)
    var_dir: Path = ROOT / "var"
    database_url: str = ""  # default: sqlite+aiosqlite under var_dir
    # HMAC key for phone_hash() (citizens' "my cases" lookups without clear phones in indexes).
    # The embedded default is public: production must set KUAICHU_HASH_SECRET. Changing it
    # orphans stored hashes (re-run the records snapshot or a rehash script).
    hash_secret: str = "kuaichu-embedded-not-secret"

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "kuaichu-cases"

    # eligibility (DESIGN.md §1: the Luzhou seed; a detachment replaces these)
    timezone: str = "Asia/Shanghai"
    service_windows: str = "08:30-12:00,15:00-18:30"
    pilot_area_file: Path = ROOT / "data" / "pilot_area_luzhou.geojson"
    calendar_overrides_file: Path = ROOT / "data" / "calendar_overrides.json"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'kuaichu.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
