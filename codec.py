"""Payload encryption for Temporal: workflow inputs, update payloads and results carry personal
data (names, phones, ID numbers), so every payload is encrypted (AES-256-GCM) before it leaves
the process. The Temporal UI shows ciphertext unless an authorised operator points it at the
API's codec endpoint (/codec, admin role). Keys are identified by id, so a new key can be
introduced while old histories stay readable (KUAICHU_PAYLOAD_KEYS="id:base64,...": first one
encrypts).

Payloads are compressed (zlib) before they are encrypted when that makes them smaller — the case
views and requests are JSON that shrinks to about a third, and ciphertext does not compress, so
this is the only place where it can happen. The outer metadata says so ("compression": "zlib");
payloads without it (every payload written before) decode as they always did. Compression before
encryption lets the length of a ciphertext depend on its content; reading anything from that
would need both the Temporal store and many chosen inputs into one payload, which no caller has."""

from __future__ import annotations

import base64
import dataclasses
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
COMPRESSION = "compression"
ZLIB = b"zlib"
COMPRESS_FROM = 128  # bytes: smaller payloads are stored as they are


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("the current key id must be one of the keys")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        aead, kid = self._aead[self._current], self._current.encode()
        for p in payloads:
            plain = p.SerializeToString()
            metadata = {"encoding": ENCODING, "encryption-key-id": kid}
            if len(plain) >= COMPRESS_FROM:
                packed = zlib.compress(plain, 6)
                if len(packed) < len(plain):
                    plain, metadata[COMPRESSION] = packed, ZLIB
            # the flag is authenticated too (associated data): a payload cannot be made to
            # decompress, or not, by editing its clear metadata
            aad = metadata.get(COMPRESSION)
            nonce = os.urandom(12)
            out.append(Payload(metadata=metadata, data=nonce + aead.encrypt(nonce, plain, aad)))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)
                continue
            kid = p.metadata.get("encryption-key-id", b"").decode()
            aead = self._aead.get(kid)
            if aead is None:
                raise ValueError(f"unknown payload key id {kid!r}")
            compression = p.metadata.get(COMPRESSION)
            if compression not in (None, ZLIB):
                raise ValueError(f"unknown payload compression {compression!r}")
            plain = aead.decrypt(p.data[:12], p.data[12:], compression)
            if compression == ZLIB:
                plain = zlib.decompress(plain)
            out.append(Payload.FromString(plain))
        return out


def parse_keys(spec: str) -> tuple[dict[str, bytes], str]:
    """'k2:BASE64,k1:BASE64' → keys and the current (first) key id."""
    keys: dict[str, bytes] = {}
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        kid, _, b64 = item.partition(":")
        key = base64.b64decode(b64)
        if not kid or len(key) != 32:
            raise ValueError("payload keys must be 'id:base64' with 32-byte keys")
        keys[kid] = key
    if not keys:
        raise ValueError("no payload key given")
    return keys, next(iter(keys))


def load_or_create_key_spec(spec: str, key_file: Path) -> str:
    """The configured keys, or for the embedded run a key generated once under var/ (0600)."""
    if spec:
        return spec
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("local1:" + base64.b64encode(os.urandom(32)).decode())
    return key_file.read_text().strip()


def data_converter(codec: PayloadCodec | None) -> DataConverter:
    """The one converter of client, worker and replayer: pydantic, then encryption. Failure
    messages and stack traces go into an encoded payload too (an adapter's error text or a
    refusal's reason may name a party), so history holds no clear text of them either."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def codec_from_settings(settings: object) -> EncryptionCodec:
    spec = load_or_create_key_spec(
        getattr(settings, "payload_keys", ""), Path(settings.var_dir) / "keys" / "payload.keys"
    )
    keys, current = parse_keys(spec)
    return EncryptionCodec(keys, current)
