"""Channel secrets at rest: sealed with a key derived from the deployment's SECRET_KEY.

A robot's webhook address carries its key and a 钉钉 signing secret lets anyone post as the
school's robot, so the database (and its backups) keep them only sealed: encrypted and
authenticated as a Fernet token (AES-128-CBC with an HMAC-SHA256 tag, from ``cryptography``)
under a key derived from ``SECRET_KEY`` with HKDF.

Key rotation: put the old key in ``SECRET_KEY_FALLBACKS`` (Flask's list of older keys) when
``SECRET_KEY`` changes. Secrets sealed with a fallback key are still read, and are sealed
again with the new key the next time the channel is saved, or sends a notice (so keep the
fallback until every channel has sent once). Once a secret can be read with no key the
deployment has (the key changed without a fallback, or the school came from another
deployment's school file), the channel is shown as needing its secret re-entered and its sends
fail with that reason; nothing answers a 500.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "v1."
_LABEL = b"houqin notification channel secrets v1"


class Unreadable(Exception):
    """The sealed secrets open with none of the deployment's keys."""


def _fernets() -> list[Fernet]:
    """A Fernet for SECRET_KEY, then one for each fallback key."""
    given = [current_app.config["SECRET_KEY"],
             *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    fernets = []
    for secret in given:
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(raw)
        fernets.append(Fernet(base64.urlsafe_b64encode(key)))
    return fernets


def seal(values: dict[str, Any]) -> str | None:
    """The secrets sealed with the current key; None when there are none."""
    if not values:
        return None
    plain = json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return PREFIX + _fernets()[0].encrypt(plain).decode("ascii")


def unseal(sealed: str | None) -> dict[str, Any]:
    """The secrets as they were sealed ({} for none); ``Unreadable`` when no key of the
    deployment opens them (or they were tampered with)."""
    if not sealed:
        return {}
    if not sealed.startswith(PREFIX):
        raise Unreadable
    try:
        return json.loads(MultiFernet(_fernets()).decrypt(sealed[len(PREFIX):].encode("ascii")))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        raise Unreadable from None


def sealed_with_current_key(sealed: str | None) -> bool:
    """Whether the secrets open with SECRET_KEY itself (not only with a fallback key)."""
    if not sealed or not sealed.startswith(PREFIX):
        return not sealed
    try:
        _fernets()[0].decrypt(sealed[len(PREFIX):].encode("ascii"))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return False
    return True
