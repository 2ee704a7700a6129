"""The payload codec: encryption with compression before it, and every payload written before
compression existed still decoding."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload

from codec import COMPRESSION, ENCODING, ZLIB, EncryptionCodec

KEY = bytes(range(32))


def json_payload(value: object) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value, ensure_ascii=False).encode())


def legacy_encode(p: Payload) -> Payload:
    """What the codec wrote before it compressed: no compression flag, no associated data."""
    nonce = os.urandom(12)
    return Payload(
        metadata={"encoding": ENCODING, "encryption-key-id": b"k1"},
        data=nonce + AESGCM(KEY).encrypt(nonce, p.SerializeToString(), None),
    )


async def test_a_large_payload_is_compressed_then_encrypted_and_comes_back_whole():
    codec = EncryptionCodec({"k1": KEY}, "k1")
    view = json_payload({"parties": [{"name": "张三", "phone": "13800000001", "status": "served"}] * 20})
    [sealed] = await codec.encode([view])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[COMPRESSION] == ZLIB
    assert len(sealed.data) < len(view.SerializeToString()) / 2
    assert "张三".encode() not in sealed.data
    assert await codec.decode([sealed]) == [view]


async def test_a_small_payload_is_only_encrypted():
    codec = EncryptionCodec({"k1": KEY}, "k1")
    [sealed] = await codec.encode([json_payload(None)])
    assert COMPRESSION not in sealed.metadata
    assert await codec.decode([sealed]) == [json_payload(None)]


async def test_payloads_written_before_compression_still_decode():
    codec = EncryptionCodec({"k1": KEY}, "k1")
    old = json_payload({"case_number": "LZ20261125-000001", "text": "追尾" * 100})
    assert await codec.decode([legacy_encode(old)]) == [old]


async def test_the_compression_flag_cannot_be_edited_in_the_clear_metadata():
    codec = EncryptionCodec({"k1": KEY}, "k1")
    [sealed] = await codec.encode([json_payload({"text": "追尾" * 100})])
    del sealed.metadata[COMPRESSION]
    with pytest.raises(InvalidTag):
        await codec.decode([sealed])
    [plain] = await codec.encode([json_payload(None)])
    plain.metadata[COMPRESSION] = ZLIB
    with pytest.raises(InvalidTag):
        await codec.decode([plain])


async def test_an_unknown_compression_is_refused():
    codec = EncryptionCodec({"k1": KEY}, "k1")
    [sealed] = await codec.encode([json_payload({"text": "追尾" * 100})])
    sealed.metadata[COMPRESSION] = b"lz4"
    with pytest.raises(ValueError, match="compression"):
        await codec.decode([sealed])
