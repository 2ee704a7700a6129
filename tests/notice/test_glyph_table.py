"""domain/notice_glyphs.py (what domain.text checks printed text against) is the coverage of the
fonts the notice really uses: regenerate it (python -m adapters.notice.glyph_table) when they change."""

from __future__ import annotations

from adapters.notice.glyph_table import TABLE_PATH, coverage_ranges, render_module
from adapters.notice.layout import get_font_set
from domain import notice_glyphs


def test_the_domain_table_is_the_fonts_coverage():
    fonts = get_font_set()
    assert list(notice_glyphs.RANGES) == coverage_ranges(fonts)
    assert TABLE_PATH.read_text(encoding="utf-8") == render_module(coverage_ranges(fonts))


def test_the_domain_check_agrees_with_the_renderers_check():
    fonts = get_font_set()
    sample = "南城街道𠮷田\u200b\u00ad\n🚗😀\ue000ÿĀ①㍿"
    assert notice_glyphs.unprintable(sample) == fonts.missing(sample)
    assert "🚗" in notice_glyphs.unprintable(sample) and "𠮷" not in notice_glyphs.unprintable(sample)
