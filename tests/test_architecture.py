"""The arrows of DESIGN.md §3, enforced: each layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {
    "domain",
    "workflows",
    "activities",
    "adapters",
    "db",
    "api",
    "worker",
    "settings",
    "codec",
    "web",
    "observability",
}

# layer -> the project layers (and I/O libraries) it may import
ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "workflows": {"workflows", "domain", "temporalio"},
    "db": {"db", "domain", "settings", "sqlalchemy", "alembic"},
    "adapters": {
        "adapters",
        "domain",
        "db",
        "settings",
        "sqlalchemy",
        "httpx",
        "twilio",
        "boto3",
        "botocore",
    },
    "activities": {
        "activities",
        "adapters",
        "domain",
        "db",
        "settings",
        "temporalio",
        "sqlalchemy",
        "observability",
    },
    # metrics, logs, the request id's interceptors: beside the activities and the API, below both
    "observability": {"observability", "domain", "temporalio"},
    "api": {
        "api",
        "adapters",
        "domain",
        "db",
        "workflows",
        "settings",
        "codec",
        "temporalio",
        "sqlalchemy",
        "httpx",
        "observability",
    },
}
# I/O and framework libraries: a layer not listed for one may not import it
GUARDED = {
    "temporalio",
    "sqlalchemy",
    "alembic",
    "httpx",
    "twilio",
    "fastapi",
    "starlette",
    "boto3",
    "aioboto3",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_is_below_it(layer: str) -> None:
    allowed = ALLOWED[layer]
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if (name in PROJECT or name in GUARDED) and name not in allowed
    }
    if layer == "api":  # the API serves HTTP: FastAPI/Starlette are its own
        wrong = {w for w in wrong if not w.endswith(("fastapi", "starlette"))}
    assert sorted(wrong) == []
