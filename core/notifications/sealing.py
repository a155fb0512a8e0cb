"""Channel secrets at rest: sealed with a key derived from the deployment's SECRET_KEY.

A robot's webhook address carries its key and a 钉钉 signing secret lets anyone post as the
school's robot, so the database (and its backups) keep them only sealed: encrypted and
authenticated with keys derived from ``SECRET_KEY`` (HMAC-SHA256 in counter mode, then an
HMAC-SHA256 tag over the whole, encrypt-then-MAC; the standard library only, as the server
has no other cryptography package).

Key rotation: put the old key in ``SECRET_KEY_FALLBACKS`` (Flask's list of older keys) when
``SECRET_KEY`` changes. Secrets sealed with a fallback key are still read, and are sealed
again with the new key the next time the channel is saved, or sends a notice (so keep the
fallback until every channel has sent once). Once a secret can be read with no key the deployment has
(the key changed without a fallback, or the school came from another deployment's school
file), the channel is shown as needing its secret re-entered and its sends fail with that
reason; nothing answers a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from flask import current_app

PREFIX = "v1."
_LABEL = b"houqin notification channel secrets v1"
_NONCE = 16
_TAG = 32


class Unreadable(Exception):
    """The sealed secrets open with none of the deployment's keys."""


def _keys() -> list[tuple[bytes, bytes]]:
    """(encryption key, authentication key) for SECRET_KEY, then each fallback key."""
    given = [current_app.config["SECRET_KEY"],
             *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    keys = []
    for secret in given:
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        root = hmac.new(raw, _LABEL, hashlib.sha256).digest()
        keys.append((hmac.new(root, b"encrypt", hashlib.sha256).digest(),
                     hmac.new(root, b"authenticate", hashlib.sha256).digest()))
    return keys


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
              for counter in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(values: dict[str, Any]) -> str | None:
    """The secrets sealed with the current key; None when there are none."""
    if not values:
        return None
    plain = json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    encrypt, authenticate = _keys()[0]
    nonce = os.urandom(_NONCE)
    body = nonce + _xor(plain, _stream(encrypt, nonce, len(plain)))
    tag = hmac.new(authenticate, PREFIX.encode() + body, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(body + tag).decode("ascii")


def unseal(sealed: str | None) -> dict[str, Any]:
    """The secrets as they were sealed ({} for none); ``Unreadable`` when no key of the
    deployment opens them (or they were tampered with)."""
    if not sealed:
        return {}
    if not sealed.startswith(PREFIX):
        raise Unreadable
    try:
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX):].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise Unreadable from None
    if len(raw) < _NONCE + _TAG:
        raise Unreadable
    body, tag = raw[:-_TAG], raw[-_TAG:]
    for encrypt, authenticate in _keys():
        expected = hmac.new(authenticate, PREFIX.encode() + body, hashlib.sha256).digest()
        if hmac.compare_digest(tag, expected):
            nonce, data = body[:_NONCE], body[_NONCE:]
            return json.loads(_xor(data, _stream(encrypt, nonce, len(data))).decode("utf-8"))
    raise Unreadable


def sealed_with_current_key(sealed: str | None) -> bool:
    """Whether the secrets open with SECRET_KEY itself (not only with a fallback key)."""
    if not sealed or not sealed.startswith(PREFIX):
        return not sealed
    try:
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX):].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    _encrypt, authenticate = _keys()[0]
    expected = hmac.new(authenticate, PREFIX.encode() + raw[:-_TAG], hashlib.sha256).digest()
    return len(raw) >= _NONCE + _TAG and hmac.compare_digest(raw[-_TAG:], expected)
