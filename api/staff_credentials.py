"""Staff credentials, the crypto only (no storage): argon2id password hashes (argon2-cffi's
defaults, RFC 9106's second recommended profile), TOTP codes (RFC 6238: 6 digits, 30 s, one step
of drift either way; a code is accepted once), and the TOTP secret encrypted at rest with
AES-GCM under KUAICHU_STAFF_TOTP_KEY."""

from __future__ import annotations

import base64
import hashlib
import os
import time

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import refusals as R
from domain.models import Refusal

TOTP_ISSUER = "快处 kuaichu"
TOTP_STEP_S = 30
TOTP_DRIFT_STEPS = 1
_hasher = PasswordHasher()
# verified against when the staff id is unknown, so that an unknown id takes as long as a wrong
# password (no account enumeration by timing)
_DUMMY_HASH = _hasher.hash("no such account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, min_length: int) -> Refusal | None:
    """A password an admin may set: long enough, letters and digits, not all one character."""
    weak = (
        len(password) < min_length
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
        or len(set(password)) < 5
    )
    return R.WEAK_PASSWORD.refusal(field="password") if weak else None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, staff_id: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=staff_id, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to (within the drift), or None; a step at or before
    ``last_step`` (a code already used) is refused."""
    code = code.strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    t = time.time() if now is None else now
    current = int(t // TOTP_STEP_S)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * TOTP_STEP_S), code):
            return step if last_step is None or step > last_step else None
    return None


def _aead(key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(key.encode()).digest())


def encrypt_secret(key: str, secret: str) -> str:
    nonce = os.urandom(12)
    return "v1:" + base64.b64encode(nonce + _aead(key).encrypt(nonce, secret.encode(), b"totp")).decode()


def decrypt_secret(key: str, stored: str) -> str | None:
    """The TOTP secret, or None when it cannot be read (another key: the account needs a new
    enrolment)."""
    if not stored.startswith("v1:"):
        return None
    try:
        raw = base64.b64decode(stored[3:])
        return _aead(key).decrypt(raw[:12], raw[12:], b"totp").decode()
    except (ValueError, InvalidTag):
        return None
