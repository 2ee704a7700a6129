"""Fixtures for the notice tests: a service writing under tmp_path with its own key, and helpers to
extract text (pdftotext) and decode the QR code (pdftoppm + zbarimg) from poppler-utils/zbar-tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.notice.sample import sample_content
from adapters.notice.service import NoticeService

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None, reason="zbar-tools not installed"
)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines and cells where the layout does."""
    return re.sub(r"\s+", "", text)


def decode_qr(pdf: Path, workdir: Path) -> list[str]:
    prefix = workdir / "page"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    png = next(workdir.glob("page*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True)
    return [line for line in out.stdout.decode("utf-8").splitlines() if line]


@pytest.fixture
def service(tmp_path: Path) -> NoticeService:
    return NoticeService.embedded(tmp_path / "notices", verify_base_url="https://kuaichu.example.cn")


@pytest.fixture
def content():
    return sample_content(served=True)


@pytest.fixture
def issued(service, content):
    record, path = service.issue_notice(content)
    return record, path
