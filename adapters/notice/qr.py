"""The notice's QR code (the link to its verification page), the same modules as the `qrcode`
package draws, in less than half its time (bench/notice_bench.py --qr).

`qrcode` chooses among the 8 mask patterns by drawing the code 8 times and scoring each drawing
in pure Python (87% of its time). Here the data bits are placed once with numpy (the placement
order is computed once per version), and the 8 masked variants are scored at once by the same
rules and the same tie-break (the first lowest score); `qrcode` then draws the code with the
chosen mask. What is left is `qrcode`'s own encoding (Reed-Solomon, bit buffers). The choice must be the same as
`qrcode`'s: a retried notice activity must render the same bytes, or the notice store refuses it
(tests/notice/test_qr.py compares both on many links)."""

from __future__ import annotations

import functools

import numpy as np
import qrcode
from qrcode import main as qrcode_main
from qrcode import util as qrcode_util
from qrcode.constants import ERROR_CORRECT_L

# the 8 mask patterns of ISO/IEC 18004 (qrcode.util.mask_func), as functions of row and column
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
)
# 1:1:3:1:1 with 4 light modules on one side (qrcode.util._lost_point_level3), as 11-bit numbers
_FINDER_LIKE = (0b10111010000, 0b00001011101)
_BITS = 1 << np.arange(10, -1, -1)


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the QR code of `url` (error correction L, no border), row by row."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, box_size=1)
    code.add_data(url)
    code.best_fit()
    code.data_cache = qrcode_util.create_data(code.version, code.error_correction, code.data_list)
    data, rows, cols = _placement(code.version)
    n = data.shape[0]
    bits = np.unpackbits(np.frombuffer(bytes(code.data_cache), dtype=np.uint8))
    unmasked = np.zeros((n, n), dtype=bool)  # the function patterns and format bits: light (test)
    unmasked[rows, cols] = np.pad(bits, (0, max(0, rows.size - bits.size)))[: rows.size] == 1
    i, j = np.indices((n, n))
    masks = np.stack([data & mask(i, j) for mask in _MASKS])
    candidates = unmasked ^ masks | _dark_function_modules(code.version)
    scores = _lost_points(candidates)
    best = scores.index(min(scores))  # qrcode's tie-break: the first lowest
    code.makeImpl(False, best)
    return [[bool(m) for m in row] for row in code.modules]


@functools.cache
def _placement(version: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the data modules are and the order qrcode.QRCode.map_data fills them in (up and down
    two-column strips from the bottom right), once per version."""
    free = _blank(version) == 2
    n = free.shape[0]
    rows, cols = [], []
    for strip, right in enumerate(range(n - 1, 0, -2)):
        right = right - 1 if right <= 6 else right  # the vertical timing pattern is skipped
        for r in range(n - 1, -1, -1) if strip % 2 == 0 else range(n):  # up, down, up, ...
            for c in (right, right - 1):
                if free[r, c]:
                    rows.append(r)
                    cols.append(c)
    return free, np.array(rows), np.array(cols)


@functools.cache
def _blank(version: int) -> np.ndarray:
    """The test drawing's function modules (0 light, 1 dark) and free modules (2)."""
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_L, border=0, box_size=1)
    code.add_data("")
    code.makeImpl(True, 0)  # fills qrcode's cache of blanks for this version
    code.modules = qrcode_main.copy_2d_array(qrcode_main.precomputed_qr_blanks[version])
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    return np.array([[2 if m is None else int(m) for m in row] for row in code.modules], dtype=np.int8)


def _dark_function_modules(version: int) -> np.ndarray:
    return _blank(version) == 1


def _lost_points(m: np.ndarray) -> list[int]:
    """qrcode.util.lost_point of each of the drawings m[k]: runs of 5+, 2x2 blocks, finder-like
    patterns, dark balance."""
    k, n, _ = m.shape
    lines = np.concatenate([m, m.transpose(0, 2, 1)], axis=1)  # rows, then columns: (k, 2n, n)
    # runs of one colour 5 or longer: length - 2 each (a run never spans two lines: each line
    # starts and ends with an edge, and the step between lines is 1)
    edges = np.ones((k, 2 * n, n + 1), dtype=bool)
    edges[:, :, 1:n] = lines[:, :, 1:] != lines[:, :, :-1]
    at = np.flatnonzero(edges)
    runs = np.diff(at)
    long = runs >= 5
    points = np.bincount(at[:-1][long] // (2 * n * (n + 1)), weights=runs[long] - 2, minlength=k)
    # 2x2 blocks of one colour: 3 each
    tl = m[:, :-1, :-1]
    block = (tl == m[:, :-1, 1:]) & (tl == m[:, 1:, :-1]) & (tl == m[:, 1:, 1:])
    points += 3 * block.sum(axis=(1, 2))
    # finder-like patterns in rows and columns: 40 each
    windows = np.lib.stride_tricks.sliding_window_view(lines, 11, axis=2) @ _BITS
    points += 40 * ((windows == _FINDER_LIKE[0]) | (windows == _FINDER_LIKE[1])).sum(axis=(1, 2))
    # every 5% away from half dark: 10 (in qrcode's float arithmetic)
    dark = m.sum(axis=(1, 2))
    return [
        int(p) + int(abs(float(int(d)) / (n**2) * 100 - 50) / 5) * 10
        for p, d in zip(points, dark, strict=True)
    ]
