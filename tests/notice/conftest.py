"""Fixtures for the notice tests: a service writing under tmp_path with its own keys and local unit
certificate, and helpers around poppler-utils/zbar-tools: text (pdftotext), signatures (pdfsig),
page images (pdftoppm) and the QR code (zbarimg). Page images of every document kind are kept as
artefacts under var/artefacts/notice/ (``KUAICHU_ARTEFACTS`` overrides) for people to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.notice.sample import sample_content
from adapters.notice.service import NoticeService

ROOT = Path(__file__).resolve().parents[2]
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed"
)
needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None, reason="zbar-tools not installed"
)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines and cells where the layout does."""
    return re.sub(r"\s+", "", text)


def pdfsig(path: Path) -> str:
    """pdfsig's report (it exits non-zero for an invalid signature: the report is what counts)."""
    out = subprocess.run(["pdfsig", str(path)], capture_output=True)
    return out.stdout.decode("utf-8", "replace") + out.stderr.decode("utf-8", "replace")


def decode_qr(pdf: Path, workdir: Path) -> list[str]:
    prefix = workdir / "page"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    png = next(workdir.glob("page*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True)
    return [line for line in out.stdout.decode("utf-8").splitlines() if line]


def page_pixels(pdf: Path, dpi: int = 30) -> tuple[int, int, bytes]:
    """First page as raw RGB (a binary PPM from pdftoppm, parsed here: no imaging library needed)."""
    out = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf)],
        check=True,
        capture_output=True,
    ).stdout
    magic, width, height, maxval, data = out.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255"
    return int(width), int(height), data


def artefact_dir() -> Path:
    path = Path(os.environ.get("KUAICHU_ARTEFACTS", ROOT / "var" / "artefacts")) / "notice"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_page_images(pdf: Path, name: str) -> list[Path]:
    """PNG pages of ``pdf`` as artefacts; returns their paths."""
    out = artefact_dir()
    for old in out.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(out / name)], check=True)
    return sorted(out.glob(f"{name}-*.png"))


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One set of keys and one local unit certificate for the session (RSA generation is slow)."""
    return tmp_path_factory.mktemp("notice-keys")


@pytest.fixture
def service(tmp_path: Path, keys_dir: Path) -> NoticeService:
    svc = NoticeService.embedded(keys_dir, verify_base_url="https://kuaichu.example.cn")
    svc.store = type(svc.store)(tmp_path / "notices")
    return svc


@pytest.fixture
def content():
    return sample_content(served=True)


@pytest.fixture
def issued(service, content):
    record, path = service.issue_notice(content)
    return record, path
