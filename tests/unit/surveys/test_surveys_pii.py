"""Personal data encryption at rest."""

from __future__ import annotations

import base64

import pytest

from services.surveys.adapters.pii import (
    PiiCipher,
    PiiDecryptError,
    PiiKeyError,
    derive_key,
    generate_key,
    key_id,
    validate_key,
)

pytestmark = pytest.mark.unit

PII = ["张伟", "13812345678", "0871-1234567", "白莲镇三村42号", "Li Qiang", ""]


@pytest.fixture(scope="module")
def key() -> str:
    return generate_key()


@pytest.mark.parametrize("plain", PII)
def test_round_trip(key: str, plain: str) -> None:
    cipher = PiiCipher(key)
    assert cipher.decrypt(cipher.encrypt(plain)) == plain


@pytest.mark.parametrize("plain", [p for p in PII if p])
def test_ciphertext_contains_no_plaintext(key: str, plain: str) -> None:
    token = PiiCipher(key).encrypt(plain)
    assert plain not in token
    assert plain.encode("utf-8") not in token.encode("ascii")
    blob = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    assert plain.encode("utf-8") not in blob
    assert plain[-4:] not in token  # not even a tail of a phone number


def test_same_plaintext_encrypts_differently_each_time(key: str) -> None:
    cipher = PiiCipher(key)
    assert cipher.encrypt("13812345678") != cipher.encrypt("13812345678")


def test_wrong_key_tampering_and_context(key: str) -> None:
    cipher = PiiCipher(key)
    token = cipher.encrypt("张伟", context="a1/name")
    assert cipher.decrypt(token, context="a1/name") == "张伟"
    with pytest.raises(PiiDecryptError):
        cipher.decrypt(token, context="a2/name")  # copied onto another respondent
    with pytest.raises(PiiDecryptError, match="unknown key"):
        PiiCipher(generate_key()).decrypt(token, context="a1/name")
    head, kid, body = token.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(PiiDecryptError):
        cipher.decrypt(f"{head}.{kid}.{flipped}", context="a1/name")
    for bad in ("", "plain text", "pii1.x", f"pii1.{kid}.!!!", f"pii1.{kid}.AAAA"):
        with pytest.raises(PiiDecryptError):
            cipher.decrypt(bad)


def test_key_rotation(key: str) -> None:
    old = PiiCipher(key)
    token = old.encrypt("13812345678")
    new = PiiCipher(generate_key(), previous_keys=(key,))
    assert new.needs_rotation(token)
    assert new.decrypt(token) == "13812345678"
    rotated = new.rotate(token)
    assert not new.needs_rotation(rotated)
    assert new.decrypt(rotated) == "13812345678"
    with pytest.raises(PiiDecryptError):
        old.decrypt(rotated)


def test_key_validation_and_derivation(key: str) -> None:
    assert len(validate_key(key)) == 32
    assert validate_key(validate_key(key)) == validate_key(key)
    for bad in ("", "changeme", base64.urlsafe_b64encode(b"\0" * 32).decode(), "A" * 44, "短"):
        with pytest.raises(PiiKeyError):
            PiiCipher(bad)
    derived = derive_key("correct horse battery staple", "jixiao-county-001")
    assert derived == derive_key("correct horse battery staple", "jixiao-county-001")
    assert derived != derive_key("correct horse battery staple", "jixiao-county-002")
    assert PiiCipher(derived).decrypt(PiiCipher(derived).encrypt("x")) == "x"
    with pytest.raises(PiiKeyError):
        derive_key("short", "jixiao-county-001")
    assert key_id(key) == PiiCipher(key).key_id
    assert key not in repr(PiiCipher(key))
