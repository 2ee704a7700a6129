"""CJK fonts for fpdf2, parsed once per process and subset per document in about a millisecond.

Why this module exists: ``FPDF.add_font`` parses the whole CJK font for every document (~0.3 s for
Noto Sans SC, 31k glyphs) and at output time fpdf2 runs the fontTools subsetter on it (another
~0.1-0.2 s: cmap and charset decompilation, charstring execution for closure, subroutine pruning,
bounding-box recalculation). Worse, that subsetter works *in place* on the parsed font, so the parsed
object cannot simply be handed to the next document.

What we do instead:

* :class:`CidCffFont` parses a CID-keyed CFF OpenType font (the Noto CJK ``.otf`` files are) once:
  fpdf2's own :class:`fpdf.fonts.TTFFont` for metrics, cmap and descriptor (the full cmap, so every
  character the font has stays printable), plus the raw CFF structures (top DICT, string INDEX, font
  DICTs and private DICTs).
* Each document gets a light :class:`DocumentFont` clone that shares all the read-only parsed data
  and owns only the per-document state (its index in ``FPDF.fonts``, a fresh
  :class:`fpdf.fonts.SubsetMap`, the missing-glyph list, a copy of the font descriptor object).
* At output time :class:`FastFontOutputProducer` (passed to ``FPDF.output`` by :class:`NoticePDF`)
  embeds those fonts itself: it writes a CFF subset from per-glyph *desubroutinised* charstrings,
  which are computed once per glyph and memoised for the life of the process. A desubroutinised
  subset needs no subroutine analysis, and for a few hundred glyphs it is slightly smaller than a
  subroutinised one. Fonts that are not ``DocumentFont`` go through fpdf2's normal path untouched.

The module is written against fpdf2 2.8 (``TTFFont``/``SubsetMap``/``OutputProducer._add_fonts``);
tests in ``tests/notice`` render, extract and rasterise real documents, so a change in fpdf2 that
breaks it fails loudly there.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fontTools.cffLib.transforms import desubroutinizeCharString
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFString, Raw

__all__ = [
    "CidCffFont",
    "DocumentFont",
    "FastFontOutputProducer",
    "FontSet",
    "MissingGlyphError",
    "NoticePDF",
    "default_font_paths",
    "package_font_path",
]


class MissingGlyphError(ValueError):
    """Text contains characters that none of the document's fonts can draw.

    Raised instead of printing a blank: a name on a legal notice must never silently lose a character.
    ``chars`` lists the offending characters (unique, in order of appearance)."""

    def __init__(self, chars: Iterable[str], field: str = ""):
        self.chars: list[str] = list(dict.fromkeys(chars))
        self.field = field
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.chars)
        where = f" in {field}" if field else ""
        super().__init__(f"no font can print {listed}{where}")


class UnsupportedFontError(ValueError):
    """The fast path handles CID-keyed CFF OpenType fonts only."""


# ---------------------------------------------------------------------------------------------------
# Locating the font files shipped by PyPI packages (no system fonts needed)


def package_font_path(package: str, filename: str) -> Path:
    """Path of a font file shipped inside an installed package (e.g. ``pylopdf_fonts_zh_cn``).
    Those packages are data-only; we locate them with ``importlib.util.find_spec``."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"font package {package!r} is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / filename
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{filename} not found in package {package!r}")


def default_font_paths() -> tuple[Path, list[Path]]:
    """Noto Sans SC (``pylopdf-fonts-zh-cn``) as the primary font and Noto Sans JP
    (``pylopdf-fonts-jp``) as the fallback for the CJK Extension B characters that the SC subset of
    Noto lacks but that appear in Chinese names, e.g. 𠮷 (U+20BB7)."""
    primary = package_font_path("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf")
    fallbacks = [package_font_path("pylopdf_fonts_jp", "NotoSansJP-Regular.otf")]
    return primary, fallbacks


# ---------------------------------------------------------------------------------------------------
# Raw CFF structures (Adobe Technical Note #5176)


def _read_index(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """Read a CFF INDEX at ``pos``; return its items and the position just after it."""
    (count,) = struct.unpack_from(">H", data, pos)
    if count == 0:
        return [], pos + 2
    off_size = data[pos + 2]
    offsets = []
    p = pos + 3
    for _ in range(count + 1):
        offsets.append(int.from_bytes(data[p : p + off_size], "big"))
        p += off_size
    base = p - 1
    items = [data[base + offsets[i] : base + offsets[i + 1]] for i in range(count)]
    return items, base + offsets[-1]


def _write_index(items: Sequence[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    total = sum(len(i) for i in items) + 1
    off_size = 1 if total < 0x100 else 2 if total < 0x10000 else 3 if total < 0x1000000 else 4
    out = bytearray(struct.pack(">HB", len(items), off_size))
    offset = 1
    out += offset.to_bytes(off_size, "big")
    for item in items:
        offset += len(item)
        out += offset.to_bytes(off_size, "big")
    for item in items:
        out += item
    return bytes(out)


# A DICT entry: (operator key, raw operand bytes, decoded operands)
_DictEntry = tuple[int, bytes, list[float]]


def _parse_dict(data: bytes) -> list[_DictEntry]:
    entries: list[_DictEntry] = []
    operands: list[float] = []
    start = 0
    p = 0
    n = len(data)
    while p < n:
        b0 = data[p]
        if b0 <= 21:  # operator
            if b0 == 12:
                key = 1200 + data[p + 1]
                end = p + 2
            else:
                key = b0
                end = p + 1
            entries.append((key, data[start:p], operands))
            operands = []
            p = start = end
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, p + 1)[0])
            p += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">l", data, p + 1)[0])
            p += 5
        elif b0 == 30:  # real number: nibbles up to 0xF
            p += 1
            while True:
                byte = data[p]
                p += 1
                if (byte & 0x0F) == 0x0F or (byte >> 4) == 0x0F:
                    break
            operands.append(0.0)  # value not needed: reals are copied as raw bytes
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            p += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[p + 1] + 108)
            p += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[p + 1] - 108)
            p += 2
        else:
            raise UnsupportedFontError(f"bad CFF DICT byte {b0}")
    return entries


def _op_bytes(key: int) -> bytes:
    return bytes((12, key - 1200)) if key >= 1200 else bytes((key,))


def _int5(value: int) -> bytes:
    """Fixed-size (5-byte) integer operand, so offsets can be laid out before they are known."""
    return b"\x1d" + struct.pack(">l", value)


def _dict_bytes(entries: Iterable[_DictEntry]) -> bytes:
    return b"".join(raw + _op_bytes(key) for key, raw, _ in entries)


# Top DICT operators
_OP_CHARSET, _OP_ENCODING, _OP_CHARSTRINGS, _OP_PRIVATE = 15, 16, 17, 18
_OP_UNIQUEID, _OP_XUID, _OP_ROS = 13, 14, 1230
_OP_UIDBASE, _OP_FDARRAY, _OP_FDSELECT = 1235, 1236, 1237
_OP_SUBRS = 19  # private DICT: local subroutines (dropped: our charstrings are desubroutinised)
_TOP_DROP = {
    _OP_CHARSET,
    _OP_ENCODING,
    _OP_CHARSTRINGS,
    _OP_PRIVATE,
    _OP_UNIQUEID,
    _OP_XUID,
    _OP_UIDBASE,
    _OP_FDARRAY,
    _OP_FDSELECT,
}


# ---------------------------------------------------------------------------------------------------
# The parsed font, shared by every document of the process


class CidCffFont:
    """A CID-keyed CFF OpenType font parsed once. Thread-safe: the only mutable state is the memo of
    desubroutinised charstrings, filled under a lock."""

    def __init__(self, path: Path | str, family: str):
        self.path = Path(path)
        self.family = family.lower()
        # fpdf2's parser gives metrics, the full cmap and the descriptor; the throwaway FPDF only
        # serves as its constructor argument.
        self.template = TTFFont(FPDF(), self.path, self.family, "")
        if not (self.template.is_cff and self.template.is_cid_keyed):
            raise UnsupportedFontError(f"{self.path.name} is not a CID-keyed CFF font")
        ttfont = self.template.ttfont
        raw = ttfont.reader["CFF "]
        self._parse_raw(raw)
        cff = ttfont["CFF "].cff
        self._top = cff.topDictIndex[0]
        self._charstrings = self._top.CharStrings
        self._glyph_order: list[str] = list(self._top.charset)
        self._fd_select: list[int] = list(self._top.FDSelect)
        self._cs_cache: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self.cmap: dict[int, str] = self.template.cmap

    def _parse_raw(self, raw: bytes) -> None:
        hdr_size = raw[2]
        pos = hdr_size
        names, pos = _read_index(raw, pos)
        name_end = pos
        top_dicts, pos = _read_index(raw, pos)
        string_start = pos
        _, pos = _read_index(raw, pos)
        self._name_index = raw[hdr_size:name_end]
        self._string_index = raw[string_start:pos]
        self.cff_font_name = names[0].decode("latin-1")
        top = _parse_dict(top_dicts[0])
        if not any(key == _OP_ROS for key, _, _ in top):
            raise UnsupportedFontError("CFF font has no ROS: not CID-keyed")
        self._top_entries = [e for e in top if e[0] not in _TOP_DROP]
        fdarray_offset = next(int(ops[0]) for key, _, ops in top if key == _OP_FDARRAY)
        fd_dicts, _ = _read_index(raw, fdarray_offset)
        self._font_dicts: list[list[_DictEntry]] = []
        self._privates: list[bytes] = []
        for fd in fd_dicts:
            entries = _parse_dict(fd)
            size, offset = next((int(ops[0]), int(ops[1])) for key, _, ops in entries if key == _OP_PRIVATE)
            private = _parse_dict(raw[offset : offset + size])
            self._privates.append(_dict_bytes(e for e in private if e[0] != _OP_SUBRS))
            self._font_dicts.append([e for e in entries if e[0] != _OP_PRIVATE])

    # -- glyph data -------------------------------------------------------------------------------

    def glyph_cid(self, gid: int) -> int:
        name = self._glyph_order[gid]
        return int(name[3:]) if name.startswith("cid") and name[3:].isdigit() else gid

    def charstring(self, gid: int) -> bytes:
        """The desubroutinised Type 2 charstring of a glyph (memoised)."""
        cached = self._cs_cache.get(gid)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._cs_cache.get(gid)
            if cached is None:
                cs = self._charstrings[self._glyph_order[gid]]
                desubroutinizeCharString(cs)
                cs.compile()
                cached = bytes(cs.bytecode)
                self._cs_cache[gid] = cached
            return cached

    def draw_glyph(self, gid: int, pen: Any) -> None:
        """Draw a glyph's outline (font units, y up) on a fontTools pen: text as vectors (the seal)."""
        with self._lock:  # charstring() desubroutinises these objects in place
            self._charstrings[self._glyph_order[gid]].draw(pen)

    def warm(self, text: str) -> None:
        """Pre-compute the charstrings of the characters of ``text`` (e.g. a template's fixed text)."""
        for ch in set(text):
            gid = self.template.glyph_ids.get(ord(ch))
            if gid is not None:
                self.charstring(gid)

    def subset_cff(self, gids: Iterable[int]) -> bytes:
        """A standalone CID-keyed CFF holding ``gids`` (plus .notdef), keeping their original CIDs and
        font DICTs, without subroutines."""
        glyphs = sorted(set(gids) | {0})
        charstrings = [self.charstring(g) for g in glyphs]
        # charset, format 0: the CID of every glyph but .notdef
        charset = b"\x00" + b"".join(struct.pack(">H", self.glyph_cid(g)) for g in glyphs[1:])
        # FDSelect, format 3 (ranges)
        ranges = []
        previous_fd = -1
        for new_gid, g in enumerate(glyphs):
            fd = self._fd_select[g]
            if fd != previous_fd:
                ranges.append(struct.pack(">HB", new_gid, fd))
                previous_fd = fd
        fd_select = (
            b"\x03" + struct.pack(">H", len(ranges)) + b"".join(ranges) + struct.pack(">H", len(glyphs))
        )
        charstrings_index = _write_index(charstrings)

        top_fixed = _dict_bytes(self._top_entries)
        # 4 offset entries with 5-byte operands; FDArray and FDSelect use a 2-byte operator
        top_size = len(top_fixed) + (5 + 1) * 2 + (5 + 2) * 2
        header = b"\x01\x00\x04\x04"
        top_index_size = len(_write_index([b"\x00" * top_size]))
        global_subrs = b"\x00\x00"
        pos = len(header) + len(self._name_index) + top_index_size + len(self._string_index) + 2
        charset_off = pos
        fdselect_off = charset_off + len(charset)
        charstrings_off = fdselect_off + len(fd_select)
        fdarray_off = charstrings_off + len(charstrings_index)
        # font DICTs: Private operands are [size offset], 5-byte each; privates follow the FDArray
        fd_sizes = [len(_dict_bytes(fd)) + 5 + 5 + 1 for fd in self._font_dicts]
        fdarray_size = len(_write_index([b"\x00" * s for s in fd_sizes]))
        private_off = fdarray_off + fdarray_size
        fd_items = []
        for fd, private in zip(self._font_dicts, self._privates, strict=True):
            fd_items.append(
                _dict_bytes(fd) + _int5(len(private)) + _int5(private_off) + bytes((_OP_PRIVATE,))
            )
            private_off += len(private)
        top = (
            top_fixed
            + _int5(charset_off)
            + bytes((_OP_CHARSET,))
            + _int5(fdselect_off)
            + _op_bytes(_OP_FDSELECT)
            + _int5(charstrings_off)
            + bytes((_OP_CHARSTRINGS,))
            + _int5(fdarray_off)
            + _op_bytes(_OP_FDARRAY)
        )
        assert len(top) == top_size
        out = b"".join(
            [
                header,
                self._name_index,
                _write_index([top]),
                self._string_index,
                global_subrs,
                charset,
                fd_select,
                charstrings_index,
                _write_index(fd_items),
                *self._privates,
            ]
        )
        return out

    # -- per document -----------------------------------------------------------------------------

    def document_font(self, pdf: FPDF, fontkey: str | None = None) -> DocumentFont:
        return DocumentFont.clone(self, index=len(pdf.fonts) + 1, fontkey=fontkey or self.family)


class DocumentFont(TTFFont):
    """Per-document view of a :class:`CidCffFont`: shares the parsed data, owns the subset state.
    Only :class:`FastFontOutputProducer` may embed it (fpdf2's default path would subset the shared
    fontTools object in place)."""

    __slots__ = ("source",)

    @classmethod
    def clone(cls, source: CidCffFont, index: int, fontkey: str) -> DocumentFont:
        from fpdf.fonts import SubsetMap

        template = source.template
        font = cls.__new__(cls)
        for slot in TTFFont.__slots__:
            if hasattr(template, slot):
                setattr(font, slot, getattr(template, slot))
        font.source = source
        font.i = index
        font.fontkey = fontkey
        font.desc = copy.copy(template.desc)  # a PDF object: gets a per-document object id
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.color_font = None
        font.subset = SubsetMap(font)
        return font

    def __deepcopy__(self, memo: dict[int, Any]) -> DocumentFont:  # used by fpdf2's offset rendering
        clone = DocumentFont.clone(self.source, self.i, self.fontkey)
        clone.subset = copy.deepcopy(self.subset, memo)
        clone.missing_glyphs = list(self.missing_glyphs)
        clone.biggest_size_pt = self.biggest_size_pt
        return clone

    def close(self) -> None:  # the parsed font is shared: never close it
        pass


# ---------------------------------------------------------------------------------------------------
# Output


def _cmap_stream(ranges: str, body: str, operator: str, name: str, system_info: str) -> bytes:
    blocks = []
    lines = body.splitlines(keepends=True)
    for start in range(0, len(lines), 100):
        chunk = lines[start : start + 100]
        blocks.append(f"{len(chunk)} begin{operator}\n{''.join(chunk)}end{operator}\n")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        f"/CIDSystemInfo\n{system_info} def\n/CMapName /{name} def\n/CMapType 2 def\n"
        f"1 begincodespacerange\n{ranges}\nendcodespacerange\n{''.join(blocks)}"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("latin-1")


def _widths_array(widths: dict[int, int]) -> str:
    """PDF /W array: runs of consecutive CIDs as ``c [w1 w2 ...]``."""
    parts: list[str] = []
    run: list[int] = []
    run_start = prev = -2
    for cid, width in sorted(widths.items()):
        if cid != prev + 1 and run:
            parts.append(f"{run_start} [{' '.join(map(str, run))}]")
            run = []
        if not run:
            run_start = cid
        run.append(width)
        prev = cid
    if run:
        parts.append(f"{run_start} [{' '.join(map(str, run))}]")
    return "[" + " ".join(parts) + "]"


def _utf16_hex(codepoints: Iterable[int]) -> str:
    return "".join(chr(c).encode("utf-16-be").hex().upper() for c in codepoints)


class FastFontOutputProducer(OutputProducer):
    """fpdf2's output producer, embedding :class:`DocumentFont` fonts with our fast CFF subset. Other
    fonts are handed to fpdf2's own ``_add_fonts``."""

    def _add_fonts(self, image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name):  # type: ignore[override]
        fonts = self.fpdf.fonts
        ours = {k: f for k, f in fonts.items() if isinstance(f, DocumentFont)}
        if len(ours) < len(fonts):
            self.fpdf.fonts = {k: f for k, f in fonts.items() if k not in ours}
            try:
                result = super()._add_fonts(
                    image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
                )
            finally:
                self.fpdf.fonts = fonts
        else:
            result = {}
        referenced = self._fonts_on_pages()
        for font in sorted(ours.values(), key=lambda f: f.i):
            if referenced is not None and font.i not in referenced:
                continue  # e.g. a fallback font the document never needed: do not embed it
            result[font.i] = self._add_document_font(font)
        return result

    def _fonts_on_pages(self) -> set[int] | None:
        """Indexes of the fonts some page uses, or None when every font must be embedded."""
        fpdf = self.fpdf
        if fpdf.single_resources_object:
            return None
        from fpdf.enums import PDFResourceType

        used: set[int] = set()
        for page in range(1, fpdf.pages_count + 1):
            used.update(
                int(i) for i in fpdf._resource_catalog.get_resources_per_page(page, PDFResourceType.FONT)
            )
        return used

    def _add_document_font(self, font: DocumentFont):
        from fpdf.output import CIDSystemInfo, PDFFont, PDFFontStream

        if font.missing_glyphs:
            raise MissingGlyphError(chr(c) for c in font.missing_glyphs)
        used = [(glyph, code) for glyph, code in font.subset.items() if glyph is not None]
        source = font.source
        gids = [glyph.glyph_id for glyph, _ in used]
        cff = source.subset_cff(gids)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(cff).digest()[:6])
        fontname = f"{tag}+{source.cff_font_name}"
        registry, ordering, supplement = font.cff_ros or ("Adobe", "Identity", 0)
        system_info = f"<< /Registry ({registry}) /Ordering ({ordering}) /Supplement {supplement} >>"

        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")

        code_to_cid: dict[int, int] = {}
        widths: dict[int, int] = {}
        to_unicode: list[str] = []
        for glyph, code in sorted(used, key=lambda item: item[1]):
            cid = source.glyph_cid(glyph.glyph_id)
            code_to_cid[code] = cid
            widths[cid] = glyph.glyph_width
            if isinstance(glyph.unicode, tuple) and glyph.unicode and glyph.unicode != (0,):
                to_unicode.append(f"<{code:04X}> <{_utf16_hex(glyph.unicode)}>\n")

        cid_font = PDFFont(
            subtype="CIDFontType0", base_font=fontname, d_w=font.desc.missing_width, w=_widths_array(widths)
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        unicode_obj = PDFContentStream(
            _cmap_stream(
                "<0000> <FFFF>",
                "".join(to_unicode),
                "bfchar",
                "Adobe-Identity-UCS",
                "<< /Registry (Adobe) /Ordering (UCS) /Supplement 0 >>",
            )
        )
        self._add_pdf_obj(unicode_obj, "fonts")
        composite.to_unicode = unicode_obj

        cmap_name = f"{registry}-{ordering}-UCS"
        encoding_obj = PDFContentStream(
            _cmap_stream(
                "<0000> <FFFF>",
                "".join(f"<{code:04X}> {cid}\n" for code, cid in sorted(code_to_cid.items())),
                "cidchar",
                cmap_name,
                system_info,
            )
        )
        encoding_obj.type = Name("CMap")  # type: ignore[attr-defined]
        encoding_obj.c_map_name = Name(cmap_name)  # type: ignore[attr-defined]
        encoding_obj.c_i_d_system_info = Raw(system_info)  # type: ignore[attr-defined]
        self._add_pdf_obj(encoding_obj, "fonts")
        composite.encoding = encoding_obj  # type: ignore[assignment]

        info = CIDSystemInfo()
        info.registry = PDFString(registry, encrypt=True)
        info.ordering = PDFString(ordering, encrypt=True)
        info.supplement = supplement
        self._add_pdf_obj(info, "fonts")
        cid_font.c_i_d_system_info = info

        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        stream = PDFFontStream(contents=cff)
        stream.subtype = Name("CIDFontType0C")  # type: ignore[attr-defined]
        self._add_pdf_obj(stream, "fonts")
        descriptor.font_file3 = stream  # type: ignore[attr-defined]

        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        return composite


# ---------------------------------------------------------------------------------------------------
# A font set and the FPDF subclass that uses it


@dataclass
class FontSet:
    """A primary font and its fallbacks, each parsed once. ``install(pdf)`` registers per-document
    clones on an FPDF; ``check(text)`` raises :class:`MissingGlyphError` for characters none of
    them has.

    The fallbacks are parsed on the first character the primary lacks: Noto Sans JP is there for
    653 code points (rare characters of names, e.g. 𠮷) and costs the process 19 MB parsed, which
    nearly every notice never needs (the worker's RSS counts against 20,000 open cases)."""

    primary: CidCffFont
    fallback_sources: list[tuple[Path, str]]  # (path, family), in the order they are tried
    _advances: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    _fallbacks: list[CidCffFont] | None = field(default=None, repr=False)
    _fallback_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls, primary: Path | str, fallbacks: Sequence[Path | str] = (), family: str = "notice"
    ) -> FontSet:
        return cls(
            CidCffFont(primary, family),
            [(Path(p), f"{family}fb{i}") for i, p in enumerate(fallbacks, start=1)],
        )

    @property
    def family(self) -> str:
        return self.primary.family

    @property
    def fallbacks(self) -> list[CidCffFont]:
        """The fallback fonts, parsed on first use."""
        if self._fallbacks is None:
            with self._fallback_lock:
                if self._fallbacks is None:
                    self._fallbacks = [CidCffFont(p, family) for p, family in self.fallback_sources]
        return self._fallbacks

    def fonts(self) -> list[CidCffFont]:
        return [self.primary, *self.fallbacks]

    def font(self, index: int) -> CidCffFont:
        """Font ``index`` of fonts(), parsing the fallbacks only for an index beyond the primary."""
        return self.fallbacks[index - 1] if index else self.primary

    def missing(self, text: str) -> list[str]:
        out = []
        for ch in text:
            code = ord(ch)
            if code < 0x20 or ch in "\u200b\u00ad":  # control characters and soft breaks are not drawn
                continue
            if code not in self.primary.cmap and not any(code in f.cmap for f in self.fallbacks):
                out.append(ch)
        return out

    def check(self, text: str, field: str = "") -> None:
        missing = self.missing(text)
        if missing:
            raise MissingGlyphError(missing, field)

    def install(self, pdf: FPDF, fpdf_fallback: bool = False) -> None:
        """Register per-document fonts on ``pdf``: the primary and the fallbacks parsed so far (a
        fallback parsed later is registered by ``set_font``). ``fpdf_fallback`` also declares the
        fallbacks to fpdf2 (needed for ``cell``/``multi_cell``/``write``; it makes every text call
        slower, and ``NoticeRenderer`` picks fonts per run itself)."""
        fallbacks = self.fallbacks if fpdf_fallback else self._fallbacks or []
        for font in [self.primary, *fallbacks]:
            pdf.fonts[font.family] = font.document_font(pdf)
        pdf._set_min_pdf_version("1.6")  # CID-keyed CFF (FontFile3 /CIDFontType0C), as add_font does
        if fallbacks and fpdf_fallback:
            pdf.set_fallback_fonts([f.family for f in self.fallbacks], exact_match=False)

    def set_font(self, pdf: FPDF, index: int, size: float) -> None:
        """Select font ``index`` of fonts() on ``pdf``, registering it first if it is a fallback
        parsed after ``install``."""
        font = self.font(index)
        if font.family not in pdf.fonts:
            pdf.fonts[font.family] = font.document_font(pdf)
        pdf.set_font(font.family, size=size)

    def advance(self, ch: str) -> tuple[int, int]:
        """(index of the font that draws ``ch``, its advance width in 1/1000 em); raises
        :class:`MissingGlyphError` if no font has it."""
        found = self._advances.get(ch)
        if found is not None:
            return found
        code = ord(ch)
        if code in self.primary.cmap:
            found = self._advances[ch] = (0, self.primary.template.cw[code])
            return found
        for i, font in enumerate(self.fallbacks, start=1):
            if code in font.cmap:
                found = self._advances[ch] = (i, font.template.cw[code])
                return found
        raise MissingGlyphError([ch])

    def warm(self, text: str) -> None:
        """Pre-compute the charstrings of ``text`` in the fonts parsed so far."""
        for font in [self.primary, *(self._fallbacks or [])]:
            font.warm(text)

    def draw_char(self, ch: str, pen: Any) -> int:
        """Draw ``ch``'s outline on a fontTools pen with the font that has it; return its advance
        (1/1000 em). Raises :class:`MissingGlyphError` if no font has it."""
        index, width = self.advance(ch)
        font = self.font(index)
        font.draw_glyph(font.template.glyph_ids[ord(ch)], pen)
        return width


class NoticePDF(FPDF):
    """FPDF whose output always goes through :class:`FastFontOutputProducer`."""

    def output(self, name="", *, linearize=False, output_producer_class=FastFontOutputProducer):  # type: ignore[override]
        return super().output(name, output_producer_class=FastFontOutputProducer)
