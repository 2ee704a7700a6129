"""Runtime settings. Environment variables prefixed KUAICHU_ (and a .env file) override the
embedded defaults: SQLite under var/, local video and SMS providers, sandbox registry and insurers."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import Field, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


# a rate limit: "<count>/<seconds>" (api/rate_limits.py)
RateSpec = Annotated[str, StringConstraints(pattern=r"^\d{1,9}/[1-9]\d{0,8}$")]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUAICHU_", env_file=".env", extra="ignore")

    env: Literal["embedded", "production"] = "embedded"  # production: no dev login, no sandbox, own secrets
    var_dir: Path = ROOT / "var"
    database_url: str = ""  # default: sqlite+aiosqlite under var_dir
    # Named exceptions to the production checks (comma-separated), only where a detachment really
    # needs one: "http" (public URLs without TLS on a closed police intranet), "docs" (serve
    # /docs and /openapi.json), "local_storage" (files on local disk: a single-host installation).
    production_allow: str = ""
    # The secrets below: production sets each (≥ 32 random bytes); an embedded run generates each
    # once under var/keys/ (0600), so no public default can mint a token.
    # HMAC key for phone_hash() (citizens' "my cases" lookups without clear phones in indexes).
    # Changing it orphans stored hashes (re-run the records snapshot or a rehash script).
    hash_secret: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "kuaichu-cases"
    # keep above the cases in flight (alert to notice, DESIGN.md §4); cases idle in the review
    # window leave the cache and replay when woken (bench/RESULTS.md: 0.44 MB a cached case)
    max_cached_workflows: int = 500
    # the SDK's workflow sandbox (guards workflow code against I/O, clocks and shared module
    # state). false: the workflows run unsandboxed, about half their CPU (bench/sandbox.py); the
    # tests and the replay of every recorded history still run sandboxed, so a workflow that
    # breaks its rules fails there (README "Benchmarks")
    workflow_sandbox: bool = True
    # threads that run workflow activations, shared by the process's workers (the SDK's default
    # is a thread per activation in flight, up to 500, all taking turns at one GIL: a tenth more
    # CPU a case at 50 in flight, bench/RESULTS.md). An activation waiting for a thread counts
    # against the SDK's 2 s deadlock detection, so not one
    workflow_task_threads: int = Field(default=4, ge=1, le=64)
    # how often the case doctor looks for cases whose workflow cannot replay (0: never)
    case_doctor_interval_seconds: int = 60
    # overrides of domain.messages.CaseTimers, e.g. KUAICHU_CASE_TIMERS='{"seat_answer": "PT5M"}'
    case_timers: dict[str, object] = {}

    # observability (observability/, README "Operating kuaichu"): the worker's /metrics and
    # /healthz (0: no server; each replica its own port or container), the API's /metrics bearer
    # token (empty: open, so the API's port must not be reachable from outside but through the
    # proxy, which refuses /metrics), the log level of the JSON logs
    worker_metrics_port: int = 0
    worker_metrics_host: str = "127.0.0.1"
    metrics_token: str = ""
    log_level: str = "INFO"

    # HTTP API (api/)
    case_number_prefix: str = "LZ"  # case numbers: <prefix><yyyymmdd>-<6 digits>
    jwt_secret: str = ""  # bearer tokens (HS256)
    jwt_ttl_seconds: int = 8 * 3600  # also the most any token may live, whatever its exp says
    evidence_max_bytes: int = 20 * 1024 * 1024
    body_max_bytes: int = 1024 * 1024  # any request body but an upload, refused (413) beyond
    link_token_ttl_seconds: int = 30 * 60  # the 110 link texted to a caller
    sms_code_ttl_seconds: int = 5 * 60  # citizen login one-time code
    sms_code_min_interval_seconds: int = 60  # per phone
    sms_code_max_per_hour: int = 5  # per phone
    # sliding-window rate limits (api/rate_limits.py), counted in the database: every API process
    # shares them. "<count>/<seconds>"; a count of 0 switches that limit off.
    rate_sms_code_per_ip: RateSpec = "10/3600"  # login codes asked from one client address
    rate_sms_code_global: RateSpec = "600/60"  # login codes asked in all (each one is a paid SMS)
    rate_link_per_phone: RateSpec = "3/3600"  # 110 links texted to one phone
    rate_link_per_dispatcher: RateSpec = "60/3600"  # 110 links one dispatcher sends
    rate_verify_per_ip: RateSpec = "30/60"  # notice verifications from one client address
    rate_verify_per_notice: RateSpec = "60/3600"  # verifications of one notice number (code guesses)
    # staff login attempts (password and OIDC together) from one client address, beside the
    # per-account lock-out below: a whole station behind one NAT logs in at shift change
    rate_staff_login_per_ip: RateSpec = "60/600"
    # reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs);
    # from any other peer the header is ignored and the peer is the client
    trusted_proxies: str = ""
    # the Temporal UI's origins (comma-separated): they may call /codec from the browser (CORS,
    # with the operator's session cookie)
    temporal_ui_origins: str = "http://127.0.0.1:8233,http://localhost:8233"
    temporal_ui_url: str = "http://127.0.0.1:8233"  # where /ops/ sends the operator
    ops_session_ttl_seconds: int = 8 * 3600  # the operator's codec cookie (kc_ops)

    # staff login (api/staff_login.py): accounts with password (argon2) + TOTP, managed by admins
    staff_max_failed_logins: int = 5  # consecutive failures that lock the account ...
    staff_lockout_minutes: int = 15  # ... for this long
    staff_password_min_length: int = 12
    # AES-GCM key (any string ≥ 32 random bytes; hashed to 256 bits) for the TOTP secrets at rest;
    # embedded: generated once under var/keys/. Changing it makes every enrolment unreadable.
    staff_totp_key: str = ""
    # OpenID Connect (api/oidc.py), for detachments with their own IdP: its ID tokens are
    # verified against its JWKS and exchanged for our token; empty issuer = OIDC login off
    oidc_issuer: str = ""
    oidc_audience: str = ""  # our client id at the IdP
    oidc_jwks_url: str = ""
    oidc_algorithms: str = "RS256,ES256"
    oidc_subject_claim: str = "sub"  # the staff id
    oidc_role_claim: str = "roles"  # a string or a list; values are our role names ...
    oidc_role_prefix: str = ""  # ... after this prefix (e.g. "kuaichu-" for kuaichu-officer)
    oidc_district_claim: str = "district"  # the unit's district; "*" for the whole city
    # the redirect sign-in (Authorization Code + PKCE): the provider's discovery document (empty:
    # the issuer's /.well-known/openid-configuration), our callback as registered at the provider
    # (empty: KUAICHU_PUBLIC_BASE_URL + /auth/oidc/callback), the scopes asked, and our client
    # secret for a confidential client (empty: a public client, PKCE alone)
    oidc_discovery_url: str = ""
    oidc_redirect_url: str = ""
    oidc_scopes: str = "openid profile"
    oidc_client_secret: str = ""

    # Temporal payload encryption keys "id:base64(32 bytes),..." (first encrypts); embedded:
    # generated once under var/keys/payload.keys
    payload_keys: str = ""

    # external systems: the embedded providers are the default
    video_token_secret: str = ""
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
    sandbox_api_key: str = ""

    # eligibility (DESIGN.md §1: the Luzhou seed; a detachment replaces these)
    timezone: str = "Asia/Shanghai"
    service_windows: str = "08:30-12:00,15:00-18:30"
    pilot_area_file: Path = ROOT / "data" / "pilot_area_luzhou.geojson"
    calendar_overrides_file: Path = ROOT / "data" / "calendar_overrides.json"

    # files: notices, evidence photos, call recordings (adapters/storage). local: under var_dir
    # (one host only); s3: an S3-compatible object store, shared by every API and worker host
    storage_provider: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""  # e.g. https://minio.intranet:9000; empty: AWS S3 itself
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    # empty key id: the SDK's own chain (AWS_* environment, instance or pod role)
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""  # every key below it: several installations may share one bucket
    s3_path_style: bool = True  # bucket in the path (self-hosted servers); false: virtual hosts
    s3_create_bucket: bool = False  # create a missing bucket at first use (embedded, tests)
    s3_conditional_writes: bool = True  # If-None-Match on PUT; false for servers without it
    s3_timeout_seconds: float = 30.0
    # retention (workflows/retention.py): the daily purge of evidence past its 6 months, as a
    # Temporal Schedule the worker keeps (cron in `timezone`; "" = no schedule)
    retention_schedule: str = "30 3 * * *"
    retention_batch_size: int = 200

    # electronic liability notices (adapters/notice)
    notice_dir: Path | None = None  # PDFs, stored by reference; default var_dir/notices
    notice_signing_key_path: Path | None = None  # default var_dir/keys/notice-ed25519.pem, created 0600
    notice_signing_key_b64: str = ""  # production: base64 of the PEM or of the raw 32-byte key
    notice_verify_base_url: str = "http://127.0.0.1:8000"  # QR: {base}/notices/{number}/verify?code=
    notice_review_unit: str = "泸州市公安局交通警察支队"  # where 复核 is applied for
    # the verification page's Ed25519 public key (base64 of the PEM or raw 32 bytes); default: the
    # .pub.pem the issuing side writes beside notice_signing_key_path
    notice_public_key_b64: str = ""
    # the unit's certificate for the PAdES signature and seal inside the PDF: PKCS#12, or PEM key +
    # PEM certificate chain (unit first). Embedded default: a local CA and unit certificate created
    # at first use in var_dir/keys/notice-unit.pem (0600)
    notice_unit_p12_path: Path | None = None
    notice_unit_p12_password: str = ""
    notice_unit_key_path: Path | None = None
    notice_unit_cert_path: Path | None = None
    notice_unit_key_password: str = ""

    def registry_url(self) -> str:
        return (self.registry_base_url or f"{self.api_internal_url}/sandbox/registry").rstrip("/")

    def insurer_url(self, code: str) -> str:
        own = getattr(self, f"insurer_{code.lower()}_base_url", "")
        return (own or f"{self.api_internal_url}/sandbox/insurers/{code.upper()}").rstrip("/")

    def insurer_key(self, code: str) -> str:
        return getattr(self, f"insurer_{code.lower()}_api_key", "") or self.sandbox_api_key

    def callback_url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path

    @property
    def temporal_ui_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.temporal_ui_origins.split(",") if o.strip()]

    @model_validator(mode="after")
    def _secrets_and_production(self) -> Settings:
        if self.env == "production":
            problems = production_problems(self)
            if problems:
                raise ValueError(
                    "KUAICHU_ENV=production refuses this configuration:\n- " + "\n- ".join(problems)
                )
        else:
            for name in SECRET_NAMES:
                if not getattr(self, name):
                    setattr(self, name, load_or_create_secret(self.var_dir / "keys" / f"{name}.key"))
        return self

    @property
    def production_allowed(self) -> set[str]:
        return {a.strip() for a in self.production_allow.split(",") if a.strip()}

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


SECRET_NAMES = ("hash_secret", "jwt_secret", "video_token_secret", "sandbox_api_key", "staff_totp_key")
PRODUCTION_EXCEPTIONS = {"http", "docs", "local_storage"}
MIN_SECRET_BYTES = 32


def load_or_create_secret(path: Path) -> str:
    """A random secret made once for this installation (0600; two processes racing to make it
    read the same file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(MIN_SECRET_BYTES))
    return path.read_text().strip()


def _weak(secret: str) -> bool:
    return len(secret.encode()) < MIN_SECRET_BYTES or len(set(secret)) < 16


def production_problems(s: Settings) -> list[str]:
    """Everything in a production configuration that is not production, each with its fix."""
    problems = [
        f"KUAICHU_{name.upper()} must be at least {MIN_SECRET_BYTES} random bytes"
        for name in SECRET_NAMES
        if _weak(getattr(s, name))
    ]
    unknown = s.production_allowed - PRODUCTION_EXCEPTIONS
    if unknown:
        problems.append(f"KUAICHU_PRODUCTION_ALLOW has unknown exceptions: {', '.join(sorted(unknown))}")
    if not s.effective_database_url.startswith("postgresql"):
        problems.append("KUAICHU_DATABASE_URL must be PostgreSQL (postgresql+asyncpg://...), not SQLite")
    if s.storage_provider == "local" and "local_storage" not in s.production_allowed:
        problems.append(
            "KUAICHU_STORAGE_PROVIDER=local keeps files on one host's disk: use s3 (or KUAICHU_PRODUCTION_ALLOW=local_storage on a single host)"
        )
    if s.storage_provider == "s3" and not s.s3_bucket:
        problems.append("KUAICHU_S3_BUCKET is required with KUAICHU_STORAGE_PROVIDER=s3")
    if s.sms_provider == "outbox":
        problems.append("KUAICHU_SMS_PROVIDER=outbox only simulates delivery: choose a real provider")
    if s.video_provider == "local":
        problems.append("KUAICHU_VIDEO_PROVIDER=local carries no media: choose a real provider")
    if s.video_provider == "webrtc" and not s.webrtc_turn_urls:
        problems.append(
            "KUAICHU_WEBRTC_TURN_URLS: phones on mobile networks need the detachment's TURN server"
        )
    if s.registry_provider == "database" or "/sandbox/" in s.registry_url() + "/":
        problems.append("the registry is the sandbox: set KUAICHU_REGISTRY_BASE_URL to the gateway")
    if s.insurer_provider == "sandbox":
        problems.append(
            "KUAICHU_INSURER_PROVIDER=sandbox is simulated: use http with the insurers' endpoints"
        )
    else:
        sandboxed = [
            c
            for c in s.connected_insurers.split(",")
            if c.strip() and "/sandbox/" in s.insurer_url(c.strip())
        ]
        if sandboxed:
            problems.append(
                f"insurers on the sandbox: set KUAICHU_INSURER_<CODE>_BASE_URL for {', '.join(sandboxed)}"
            )
    if s.oidc_issuer and not (s.oidc_audience and s.oidc_jwks_url.startswith("https://")):
        problems.append("KUAICHU_OIDC_ISSUER needs KUAICHU_OIDC_AUDIENCE and an https KUAICHU_OIDC_JWKS_URL")
    if "http" not in s.production_allowed:
        for name in ("public_base_url", "notice_verify_base_url"):
            if urlparse(getattr(s, name)).scheme != "https":
                problems.append(f"KUAICHU_{name.upper()} must be https (or KUAICHU_PRODUCTION_ALLOW=http)")
    return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
