"""Online payments: start one for a bill (the office for any bill, a guardian for their own
child's), read how it stands (asking the provider), and the providers' notification address,
which needs no sign-in: the provider's signature is the proof."""

from __future__ import annotations

import uuid

from flask import request, url_for
from marshmallow import fields

from core.sdk import (
    Schema,
    current_principal,
    external_url,
    public,
    require_tenant,
    requires,
    transactional,
)

from ..schemas.payments import (
    FeeOnlinePaymentSchema,
    OnlineNotifyAnswerSchema,
    OnlinePaymentStartSchema,
)
from ..services import online
from . import blp


class PaymentProviderSchema(Schema):
    name = fields.String()
    title = fields.String()


def notify_url(provider: str) -> str:
    """Where the provider tells us: an address that names the school by its path, whichever
    way this request named it (a provider sends no X-Tenant header)."""
    root, prefix = request.script_root, f"/t/{require_tenant().slug}"
    path = url_for("fees_api.online_notify", provider=provider)
    if not root.endswith(prefix):
        path = root + prefix + path[len(root):]
    return external_url(path)


@blp.route("/online/providers")
@blp.response(200, PaymentProviderSchema(many=True))
@requires("fees.online.pay")
def list_payment_providers():
    """The online payment providers this school can take payments through."""
    return sorted(online.providers().values(), key=lambda p: p.name)


@blp.route("/bills/<uuid:bill_id>/online-payments", methods=["POST"])
@blp.arguments(OnlinePaymentStartSchema)
@blp.response(201, FeeOnlinePaymentSchema)
@requires("fees.online.pay")
@transactional
def start_online_payment(data, bill_id: uuid.UUID):
    """Start paying (part of) what the bill still owes through a provider: the answer's
    ``pay_url`` is where the payer pays. The office may start one for any bill, a guardian
    only for their own child's; the payment is recorded when the provider says it was paid."""
    bill = online.reachable_bill(bill_id, current_principal())
    return online.start(bill.id, data["provider"], data["amount_fen"],
                        notify_url(data["provider"]))


@blp.route("/online-payments/<uuid:online_payment_id>")
@blp.response(200, FeeOnlinePaymentSchema)
@requires("fees.online.pay")
@transactional
def get_online_payment(online_payment_id: uuid.UUID):
    """How an online payment stands. A pending one is asked about at its provider, and
    recorded (once) if the provider says it was paid: a notification that never came."""
    found = online.get_online(online_payment_id)
    online.reachable_bill(found.bill_id, current_principal(), field="online_payment_id")
    return online.refresh(found.id)


@blp.route("/online/<provider>/notify", methods=["POST"])
@blp.response(200, OnlineNotifyAnswerSchema)
@blp.doc(requestBody={"description": "the provider's signed notification, in its own format",
                      "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}})
@public
@transactional
def online_notify(provider: str):
    """The provider's signed notification (no sign-in; the school is the one in the address).
    A bad signature: 400, nothing written. A payment of this school it names, paid: recorded
    once, however often the notification comes. Another amount than was asked: 422, logged,
    nothing written."""
    settled = online.notified(provider, dict(request.headers), request.get_data())
    return {"status": settled.status}
