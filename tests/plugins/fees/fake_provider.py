"""An online payment provider that lives in the tests (FakePay): it keeps what it was asked
for, and signs its notifications as JSON with an HMAC-SHA256 of the rest of the message, as
real providers sign theirs. ``install(app)`` registers it as a pluggy plugin of the app and
collects the providers again, as the app does at start-up."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.sdk import hookimpl

SECRET = b"fakepay-shared-secret"


class FakePay:
    name = "fakepay"
    title = "FakePay"

    def __init__(self, secret: bytes = SECRET) -> None:
        self.secret = secret
        self.asked: dict[str, dict[str, Any]] = {}  # ref -> what the school asked for
        self.paid: dict[str, tuple[int, datetime]] = {}  # ref -> (amount, when): the payer paid

    # --- the hook's contract ---------------------------------------------------------------

    def create_payment(self, bill_id: uuid.UUID, amount_fen: int, description: str,
                       notify_url: str) -> dict[str, str]:
        ref = f"fp-{uuid.uuid4().hex}"
        self.asked[ref] = {"bill_id": bill_id, "amount_fen": amount_fen,
                           "description": description, "notify_url": notify_url}
        return {"provider_ref": ref, "pay_url": f"https://pay.fake.invalid/{ref}"}

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        try:
            message = json.loads(body)
            signature = message.pop("signature")
        except (ValueError, KeyError, AttributeError) as exc:
            raise ValueError("not a FakePay notification") from exc
        if not isinstance(signature, str) or not hmac.compare_digest(signature,
                                                                     self.sign(message)):
            raise ValueError("the signature does not match")
        return {"provider_ref": message["ref"], "amount_fen": message["amount_fen"],
                "status": message["status"],
                "paid_at": datetime.fromisoformat(message["paid_at"])}

    def query_status(self, provider_ref: str) -> dict[str, Any]:
        if provider_ref in self.paid:
            amount, when = self.paid[provider_ref]
            return {"status": "paid", "amount_fen": amount, "paid_at": when}
        asked = self.asked.get(provider_ref, {"amount_fen": 0})
        return {"status": "pending", "amount_fen": asked["amount_fen"], "paid_at": None}

    # --- what the tests do as the payer and as the provider ------------------------------

    def pay(self, ref: str, amount_fen: int | None = None) -> None:
        """The payer pays (the provider knows; the school does not until told or it asks)."""
        self.paid[ref] = (self.asked[ref]["amount_fen"] if amount_fen is None else amount_fen,
                          datetime.now(UTC))

    def notification(self, ref: str, amount_fen: int | None = None, status: str = "paid",
                     secret: bytes | None = None) -> dict[str, Any]:
        """The JSON body FakePay posts to the school, signed (with another ``secret``: a
        forgery)."""
        amount = self.asked.get(ref, {"amount_fen": 1})["amount_fen"] if amount_fen is None \
            else amount_fen
        message = {"ref": ref, "amount_fen": amount, "status": status,
                   "paid_at": datetime.now(UTC).isoformat()}
        return {**message, "signature": self.sign(message, secret)}

    def sign(self, message: Mapping[str, Any], secret: bytes | None = None) -> str:
        canonical = json.dumps(message, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
        return hmac.new(secret or self.secret, canonical, hashlib.sha256).hexdigest()


class FakePayPlugin:
    """The pluggy plugin that offers FakePay."""

    def __init__(self, provider: FakePay) -> None:
        self.provider = provider

    @hookimpl
    def houqin_payment_providers(self) -> list[FakePay]:
        return [self.provider]


def install(app) -> FakePay:
    """Register FakePay with the app's plugins and collect the providers again."""
    from core.sdk import PluginApp
    from plugins.fees.services import online

    provider = FakePay()
    app.extensions["houqin"].plugins.pm.register(FakePayPlugin(provider), name="fakepay")
    online.collect(PluginApp(app))
    return provider
