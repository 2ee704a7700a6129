"""Runtime settings. Environment variables prefixed KUAICHU_ (and a .env file) override the
embedded defaults: SQLite under var/, local video and SMS providers, sandbox registry and insurers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUAICHU_", env_file=".env", extra="ignore")

    env: Literal["embedded", "production"] = "embedded"  # production: no dev login, no sandbox, own secrets
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
    # overrides of domain.messages.CaseTimers, e.g. KUAICHU_CASE_TIMERS='{"seat_answer": "PT5M"}'
    case_timers: dict[str, object] = {}

    # HTTP API (api/)
    case_number_prefix: str = "LZ"  # case numbers: <prefix><yyyymmdd>-<6 digits>
    jwt_secret: str = "kuaichu-embedded-jwt-signing-key-not-secret"  # production: set KUAICHU_JWT_SECRET
    jwt_ttl_seconds: int = 8 * 3600
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

    # provider switches (activities/wiring.py): no code change to go from embedded to real
    # webrtc: self-hosted browser video (the API signals); local: tokens only, no media (tests)
    video_provider: Literal["webrtc", "local", "twilio"] = "webrtc"
    sms_provider: Literal["outbox", "twilio"] = "outbox"
    registry_provider: Literal["http", "database"] = "http"  # http: the gateway (default: our sandbox)
    insurer_provider: Literal["http", "sandbox"] = "http"  # http: per-insurer adapters (default: sandbox)

    # self-hosted video (adapters/webrtc_video.py): ICE servers for the browsers, comma-separated
    # URLs, e.g. the detachment's coturn: stun:turn.example:3478 / turn:turn.example:3478?transport=udp
    webrtc_stun_urls: str = ""
    webrtc_turn_urls: str = ""
    webrtc_turn_secret: str = ""  # coturn static-auth-secret: expiring credentials (preferred)
    webrtc_turn_username: str = ""  # or static TURN credentials
    webrtc_turn_password: str = ""
    webrtc_turn_ttl_seconds: int = 3600
    webrtc_relay_only: bool = False  # media only through TURN (hides the phones' addresses)
    webrtc_max_participants: int = 8  # per room: the seat and the parties (a browser mesh)
    # the seat console's call recording (api/recordings.py): chunked upload limits
    recording_max_bytes: int = 1024 * 1024 * 1024
    recording_chunk_max_bytes: int = 8 * 1024 * 1024

    # URLs: public (what Twilio calls back) and internal (the worker reaching the API's sandbox)
    public_base_url: str = "http://127.0.0.1:8000"
    api_internal_url: str = "http://127.0.0.1:8000"
    twilio_sms_callback_path: str = "/webhooks/twilio/sms-status"
    twilio_video_callback_path: str = "/webhooks/twilio/video-status"

    # Twilio (adapters/twilio_sms.py, adapters/twilio_video.py)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_api_key_sid: str = ""  # API key (SK...): preferred over the auth token for REST calls
    twilio_api_key_secret: str = ""
    twilio_messaging_service_sid: str = ""  # MG...: preferred over a from number
    twilio_from_number: str = ""
    twilio_base_url: str = ""  # tests/stand-ins only: replaces https://*.twilio.com
    twilio_timeout_seconds: float = 10.0
    twilio_sms_lookback_minutes: int = 30  # find_sent: how far back a retry looks for its message
    twilio_video_max_participants: int = 10

    # registry gateway (adapters/registry_http.py; contract: docs/registry-contract.md)
    registry_base_url: str = ""  # default: {api_internal_url}/sandbox/registry
    registry_api_key: str = ""  # default: sandbox_api_key
    registry_timeout_seconds: float = 5.0

    # insurers (adapters/insurer_http.py; contracts: docs/insurer-contracts.md)
    # default base URL: {api_internal_url}/sandbox/insurers/<code>; default key: sandbox_api_key
    insurer_picc_base_url: str = ""
    insurer_picc_api_key: str = ""
    insurer_cpic_base_url: str = ""
    insurer_cpic_api_key: str = ""
    insurer_pingan_base_url: str = ""
    insurer_pingan_app_id: str = "kuaichu"
    insurer_pingan_api_key: str = ""  # Ping An: HMAC-SHA256 signing secret
    insurer_timeout_seconds: float = 10.0

    # the API's simulated external systems (/sandbox/...): the key they require
    sandbox_api_key: str = "kuaichu-sandbox-not-secret"

    # eligibility (DESIGN.md §1: the Luzhou seed; a detachment replaces these)
    timezone: str = "Asia/Shanghai"
    service_windows: str = "08:30-12:00,15:00-18:30"
    pilot_area_file: Path = ROOT / "data" / "pilot_area_luzhou.geojson"
    calendar_overrides_file: Path = ROOT / "data" / "calendar_overrides.json"

    # electronic liability notices (adapters/notice)
    notice_dir: Path | None = None  # PDFs, stored by reference; default var_dir/notices
    notice_signing_key_path: Path | None = None  # default var_dir/keys/notice-ed25519.pem, created 0600
    notice_signing_key_b64: str = ""  # production: base64 of the PEM or of the raw 32-byte key
    notice_verify_base_url: str = "http://127.0.0.1:8000"  # QR: {base}/notices/{number}/verify?code=
    notice_review_unit: str = "泸州市公安局交通警察支队"  # where 复核 is applied for

    def registry_url(self) -> str:
        return (self.registry_base_url or f"{self.api_internal_url}/sandbox/registry").rstrip("/")

    def insurer_url(self, code: str) -> str:
        own = getattr(self, f"insurer_{code.lower()}_base_url", "")
        return (own or f"{self.api_internal_url}/sandbox/insurers/{code.upper()}").rstrip("/")

    def insurer_key(self, code: str) -> str:
        return getattr(self, f"insurer_{code.lower()}_api_key", "") or self.sandbox_api_key

    def callback_url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path

    @model_validator(mode="after")
    def _no_demo_secrets_in_production(self) -> Settings:
        """The embedded defaults of the secrets are public: production must set its own."""
        if self.env == "production":
            demo = [
                name
                for name in ("hash_secret", "jwt_secret", "video_token_secret", "sandbox_api_key")
                if getattr(self, name) == type(self).model_fields[name].default
            ]
            if demo:
                names = ", ".join(f"KUAICHU_{n.upper()}" for n in demo)
                raise ValueError(f"production needs its own secrets: set {names}")
        return self

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
