"""adapters/notice/qr.py draws exactly the modules `qrcode` draws: a retried notice activity must
render the same bytes as before, or the notice store refuses it."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_L

from adapters.notice.qr import qr_matrix

_CHARS = string.ascii_letters + string.digits + "-_/?=&%."


def _qrcode(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()  # type: ignore[no-any-return]


def _links(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    base = "https://notice.example.gov.cn/v/"
    return [base + "".join(rnd.choice(_CHARS) for _ in range(rnd.randint(1, 700))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_the_same_modules_as_qrcode(seed: int) -> None:
    # lengths up to 700 characters: versions 1 to 17, so the version bits (7+) are covered too
    for url in _links(seed, 60):
        assert qr_matrix(url) == _qrcode(url), url


def test_a_notice_link() -> None:
    url = "http://127.0.0.1:8000/verify/LZ20261125-000123-1?c=7K3M9Q2X"
    assert qr_matrix(url) == _qrcode(url)
