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
    max_cached_workflows: int = 2000  # keep above the cases in flight (DESIGN.md §4)
    case_timers: dict[str, object] = {}  # overrides of domain.messages.CaseTimers, e.g. {"seat_answer": "PT5M"}

    # HTTP API (api/)
    case_number_prefix: str = "LZ"  # case numbers: <prefix><yyyymmdd>-<6 digits>
    public_base_url: str = "http://127.0.0.1:8000"  # as the outside world (Twilio) sees the API
    jwt_secret: str = "kuaichu-embedded-jwt-not-secret"  # production: set KUAICHU_JWT_SECRET
    jwt_ttl_seconds: int = 8 * 3600
    twilio_auth_token: str = ""  # webhook signatures; empty: every webhook call is refused (403)
    evidence_max_bytes: int = 20 * 1024 * 1024
    link_token_ttl_seconds: int = 30 * 60  # the 110 link texted to a caller
    sms_code_ttl_seconds: int = 5 * 60  # citizen login one-time code
    sms_code_min_interval_seconds: int = 60  # per phone
    sms_code_max_per_hour: int = 5  # per phone
    temporal_ui_origin: str = "http://localhost:8233"  # may call /codec (CORS)

    # Temporal payload encryption keys "id:base64(32 bytes),..." (first encrypts); embedded:
    # generated once under var/keys/payload.keys
    payload_keys: str = ""

    # external systems: the embedded providers are the default
    video_token_secret: str = "kuaichu-embedded-video-not-secret"
    video_token_ttl_seconds: int = 3600
    connected_insurers: str = "PICC,CPIC,PINGAN"  # insurers that take a one-tap claim report

    # eligibility (DESIGN.md §1: the Luzhou seed; a detachment replaces these)
    timezone: str = "Asia/Shanghai"
    service_windows: str = "08:30-12:00,15:00-18:30"
    pilot_area_file: Path = ROOT / "data" / "pilot_area_luzhou.geojson"
    calendar_overrides_file: Path = ROOT / "data" / "calendar_overrides.json"

    # electronic liability notices (activities/notice)
    notice_dir: Path | None = None  # PDFs, stored by reference; default var_dir/notices
    notice_signing_key_path: Path | None = None  # default var_dir/keys/notice-ed25519.pem, created 0600
    notice_signing_key_b64: str = ""  # production: base64 of the PEM or of the raw 32-byte key
    notice_verify_base_url: str = "http://127.0.0.1:8000"  # QR: {base}/notices/{number}/verify?code=
    notice_review_unit: str = "泸州市公安局交通警察支队"  # where 复核 is applied for

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'kuaichu.db'}"

    @property
    def effective_notice_dir(self) -> Path:
        return self.notice_dir or self.var_dir / "notices"

    @property
    def effective_notice_signing_key_path(self) -> Path:
        return self.notice_signing_key_path or self.var_dir / "keys" / "notice-ed25519.pem"


@lru_cache
def get_settings() -> Settings:
    return Settings()
