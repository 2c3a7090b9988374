"""Encryption at rest for respondents' personal data (name, phone, address).

AES-256-GCM with a fresh random 96-bit nonce per value. A token reads
`pii1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`: the key id (a fingerprint, not the key)
lets old tokens be decrypted with `previous_keys` during a key rotation. An optional `context`
(e.g. "<respondent_id>/phone") is bound as associated data, so a token copied onto another
respondent or field does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from services.surveys.domain.errors import SurveyError

TOKEN_VERSION = "pii1"
KEY_BYTES = 32
NONCE_BYTES = 12
_AAD_PREFIX = b"jixiao.surveys.pii/v1\x00"


class PiiError(SurveyError):
    """Base of the PII cipher's errors."""


class PiiKeyError(PiiError):
    """The configured key is missing, malformed or a placeholder."""


class PiiDecryptError(PiiError):
    """A token that is malformed, was encrypted with an unknown key, or was tampered with."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def generate_key() -> str:
    """A new random key, base64url-encoded (what goes into the settings)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def validate_key(key: str | bytes) -> bytes:
    """The 32 raw bytes of a base64url key (or of raw key bytes); PiiKeyError if unusable."""
    if isinstance(key, bytes) and len(key) == KEY_BYTES:
        raw = key
    else:
        text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
        if not isinstance(text, str) or not text.strip():
            raise PiiKeyError("PII key is empty: generate one with generate_key()")
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise PiiKeyError("PII key is not valid base64url") from None
        if len(raw) != KEY_BYTES:
            raise PiiKeyError(f"PII key must decode to {KEY_BYTES} bytes, got {len(raw)}")
    if len(set(raw)) < 8:
        # a random 32-byte key has ~30 distinct bytes; this catches zeros and "aaaa..." defaults
        raise PiiKeyError("PII key looks like a placeholder: generate one with generate_key()")
    return raw


def derive_key(secret: str, salt: str | bytes) -> str:
    """Derive a base64url key from a passphrase with scrypt (n=2**15, r=8, p=1)."""
    if not isinstance(secret, str) or len(secret) < 16:
        raise PiiKeyError("a passphrase for the PII key needs at least 16 characters")
    salt_bytes = salt.encode("utf-8") if isinstance(salt, str) else salt
    if len(salt_bytes) < 8:
        raise PiiKeyError("the salt needs at least 8 bytes")
    raw = Scrypt(salt=salt_bytes, length=KEY_BYTES, n=2**15, r=8, p=1).derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(raw).decode("ascii")


def key_id(key: str | bytes) -> str:
    """A short public fingerprint of a key (8 hex digits)."""
    raw = validate_key(key)
    return hashlib.sha256(b"jixiao.surveys.pii.key-id\x00" + raw).hexdigest()[:8]


class PiiCipher:
    """Encrypts and decrypts personal data; `previous_keys` only decrypt (key rotation)."""

    def __init__(self, key: str | bytes, *, previous_keys: tuple[str | bytes, ...] = ()) -> None:
        raw = validate_key(key)
        self.key_id = key_id(raw)
        self._current = AESGCM(raw)
        self._keys = {self.key_id: self._current}
        for old in previous_keys:
            self._keys.setdefault(key_id(old), AESGCM(validate_key(old)))

    def __repr__(self) -> str:
        return f"PiiCipher(key_id={self.key_id!r})"

    @staticmethod
    def _aad(context: str) -> bytes:
        return _AAD_PREFIX + context.encode("utf-8")

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt a string into a token; the same plaintext gives a different token every time."""
        if not isinstance(plaintext, str):
            raise PiiError("only strings are encrypted")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._current.encrypt(nonce, plaintext.encode("utf-8"), self._aad(context))
        return f"{TOKEN_VERSION}.{self.key_id}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt a token made by encrypt() with the same context."""
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != TOKEN_VERSION:
            raise PiiDecryptError("not a PII token")
        aead = self._keys.get(parts[1])
        if aead is None:
            raise PiiDecryptError(f"token was encrypted with unknown key {parts[1]!r}")
        try:
            blob = _b64decode(parts[2])
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise PiiDecryptError("malformed PII token") from None
        if len(blob) < NONCE_BYTES + 16:
            raise PiiDecryptError("malformed PII token")
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(context))
        except InvalidTag:
            raise PiiDecryptError("token does not authenticate (wrong key or context)") from None
        return plain.decode("utf-8")

    def needs_rotation(self, token: str) -> bool:
        """True when the token was made with a previous key."""
        parts = token.split(".")
        return len(parts) != 3 or parts[1] != self.key_id

    def rotate(self, token: str, *, context: str = "") -> str:
        """Re-encrypt a token under the current key."""
        return self.encrypt(self.decrypt(token, context=context), context=context)
