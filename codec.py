"""Payload encryption for Temporal: workflow inputs, update payloads and results carry personal
data (names, phones, ID numbers), so every payload is encrypted (AES-256-GCM) before it leaves
the process. The Temporal UI shows ciphertext unless an authorised operator points it at the
API's codec endpoint (/codec, admin role). Keys are identified by id, so a new key can be
introduced while old histories stay readable (KUAICHU_PAYLOAD_KEYS="id:base64,...": first one
encrypts)."""

from __future__ import annotations

import base64
import dataclasses
import os
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


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("the current key id must be one of the keys")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            sealed = self._aead[self._current].encrypt(nonce, p.SerializeToString(), None)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, "encryption-key-id": self._current.encode()},
                    data=nonce + sealed,
                )
            )
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
            out.append(Payload.FromString(aead.decrypt(p.data[:12], p.data[12:], None)))
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
