"""Online payments through the providers other modules offer (``houqin_payment_providers``,
see ``hookspecs.py`` for the contract).

The providers are collected from every loaded plugin once, when the app starts (the fee
module's ``houqin_startup``), checked against ``PaymentProvider`` and kept by name in the
module's start-up state; a school reaches only those of the modules it has switched on. A payment started
online waits (pending) until the provider's signed notification, or a status query, says it
was paid; then it is recorded once, as a payment with a receipt, under a request key made
from the provider and its reference, so a repeated notification pays nothing twice. A
notification for another amount than was asked is refused and logged.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from core.sdk import (
    PluginApp,
    Principal,
    RuleBroken,
    _,
    db,
    hooks,
    loaded_plugins,
    people,
    plugin_state,
    require_tenant,
    utcnow,
    yuan,
)

from ..hookspecs import PaymentProvider
from ..models import Bill, OnlinePayment
from . import bills, ledger, payments, school_zone, today, who

log = logging.getLogger("houqin.fees.online")
PLUGIN = "fees"  # whose start-up state keeps the providers
KEPT = "payment_providers"
REQUIRED = ("name", "title", "create_payment", "verify_notification", "query_status")
STATUSES = ("pending", "paid", "failed")


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    owner: str  # the plugin that offers it
    impl: Any


class ProviderError(RuntimeError):
    """A provider that breaks the hook's contract (a missing method, a name taken twice)."""


def collect(app: PluginApp) -> dict[str, Provider]:
    """Ask every loaded plugin for its providers, check each against ``PaymentProvider``
    and keep them by name (at start-up: a broken contract stops the app, saying whose)."""
    found: dict[str, Provider] = {}
    for owner, offered_list in app.all_hooks().answers("houqin_payment_providers"):
        for offered in offered_list:
            missing = [name for name in REQUIRED if not hasattr(offered, name) or (
                name not in ("name", "title") and not callable(getattr(offered, name)))]
            if missing or not isinstance(offered, PaymentProvider):
                raise ProviderError(
                    f"a payment provider of plugin {owner} ({offered!r}) is not a "
                    f"PaymentProvider (plugins/fees/hookspecs.py): it lacks "
                    f"{', '.join(missing)}")
            if not isinstance(offered.name, str) or not offered.name:
                raise ProviderError(f"a payment provider of plugin {owner} has no name "
                                    f"(a non-empty str): {offered.name!r}")
            if offered.name in found:
                raise ProviderError(f"two payment providers are called {offered.name!r} "
                                    f"(plugins {found[offered.name].owner} and {owner}): "
                                    "rename one")
            found[offered.name] = Provider(offered.name, str(offered.title), owner, offered)
    app.state(PLUGIN)[KEPT] = found
    return found


def providers() -> dict[str, Provider]:
    """The providers the school in context may use: those of the modules it has on (and of
    plugins that are not modules, such as a test's)."""
    collected: dict[str, Provider] = plugin_state(PLUGIN).get(KEPT, {})
    modules = set(loaded_plugins())
    reached = set(hooks().implementers("houqin_payment_providers"))
    return {name: p for name, p in collected.items()
            if p.owner in reached or p.owner not in modules}


def provider(name: str, field: str = "provider", status: int = 422) -> Provider:
    found = providers().get(name)
    if found is None:
        raise RuleBroken(_("no online payment provider %(name)s here", name=name), field, status)
    return found


def get_online(online_payment_id: uuid.UUID, lock: bool = False) -> OnlinePayment:
    query = select(OnlinePayment).where(OnlinePayment.id == online_payment_id)
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise RuleBroken(_("no such online payment in this school"), "online_payment_id", 404)
    return found


def start(bill_id: uuid.UUID, provider_name: str, amount_fen: int, notify_url: str,
          by: str | None = None) -> OnlinePayment:
    """Ask the provider for a payment of ``amount_fen`` (at most what the bill still owes)
    and keep it as pending, with the address the payer goes to."""
    bill = bills.get_bill(bill_id)
    chosen = provider(provider_name)
    if bill.status != "issued":
        raise RuleBroken(_("only an issued bill can be paid"), "bill_id", status=409)
    payments.check_amount(amount_fen)
    owed = ledger.bill_balance(bill.id)
    if amount_fen > owed:
        raise RuleBroken(_("at most %(yuan)s yuan: what the bill still owes", yuan=yuan(max(
            owed, 0))), "amount_fen")
    description = _("School fees, bill %(bill)s", bill=str(bill.id)[:8])
    try:
        created = chosen.impl.create_payment(bill.id, amount_fen, description, notify_url)
        ref, pay_url = str(created["provider_ref"]), str(created["pay_url"])
    except Exception as exc:  # the provider's own failure: nothing is kept
        log.warning("provider %s refused to create a payment for bill %s: %s", chosen.name,
                    bill.id, exc)
        raise RuleBroken(_("%(provider)s did not take the payment; try again later",
                           provider=chosen.title), "provider", status=502) from exc
    if not ref or len(ref) > 80 or len(pay_url) > 500:
        raise RuleBroken(_("%(provider)s answered with a reference Houqin cannot keep",
                           provider=chosen.title), "provider", status=502)
    online = OnlinePayment(bill_id=bill.id, student_id=bill.student_id, provider=chosen.name,
                           provider_ref=ref, amount_fen=amount_fen, pay_url=pay_url,
                           created_by=who(by))
    db.session.add(online)
    db.session.flush()
    return online


def notified(provider_name: str, headers: Mapping[str, str], body: bytes) -> OnlinePayment:
    """Act on a provider's notification: checked by the provider first (a bad signature
    writes nothing), then settled for the payment it names in this school."""
    chosen = provider(provider_name, status=404)
    try:
        said = chosen.impl.verify_notification(headers, body)
        ref = said["provider_ref"]
        if not isinstance(ref, str):
            raise ValueError("the notification names no payment")
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("school %s: a notification for %s did not check out: %s",
                    require_tenant().slug, chosen.name, exc)
        raise RuleBroken(_("the notification's signature or content does not check out"),
                         "signature", status=400) from exc
    online = db.session.scalar(select(OnlinePayment).where(
        OnlinePayment.provider == chosen.name,
        OnlinePayment.provider_ref == ref).with_for_update())
    if online is None:
        raise RuleBroken(_("no such online payment in this school"), "provider_ref", 404)
    return _settle(online, said)


def refresh(online_payment_id: uuid.UUID) -> OnlinePayment:
    """Ask the provider how a pending payment stands and settle it when it was paid (a
    notification that never came)."""
    online = get_online(online_payment_id, lock=True)
    if online.status != "pending":
        return online
    chosen = provider(online.provider, status=409)
    try:
        said = chosen.impl.query_status(online.provider_ref)
    except Exception as exc:
        log.warning("provider %s did not answer about %s: %s", chosen.name,
                    online.provider_ref, exc)
        raise RuleBroken(_("%(provider)s did not answer; try again later",
                           provider=chosen.title), "provider", status=502) from exc
    if said.get("status") == "pending":
        return online
    return _settle(online, {**said, "provider_ref": online.provider_ref})


def _settle(online: OnlinePayment, said: Mapping[str, Any]) -> OnlinePayment:
    """Record what the provider says happened, once."""
    status = said.get("status")
    if status not in ("paid", "failed"):
        raise RuleBroken(_("the provider said neither paid nor failed"), "status", status=400)
    if online.status == "paid" or status == online.status:
        return online  # told again: paid once is paid
    if status == "failed":
        online.status, online.settled_at = "failed", utcnow()
        db.session.flush()
        return online
    amount = said.get("amount_fen")
    if amount != online.amount_fen or isinstance(amount, bool):
        log.warning("school %s: %s says %s was paid %r fen, but %s fen were asked; refused",
                    require_tenant().slug, online.provider, online.provider_ref, amount,
                    online.amount_fen)
        raise RuleBroken(_("the amount paid differs from the amount asked"), "amount_fen")
    payment = payments.record(
        online.bill_id, online.amount_fen, "online", _received_on(said.get("paid_at")),
        reference=online.provider_ref, request_key=request_key(online.provider,
                                                               online.provider_ref),
        by=who(online.provider))
    online.status, online.payment_id, online.settled_at = "paid", payment.id, utcnow()
    db.session.flush()
    return online


def request_key(provider_name: str, provider_ref: str) -> str:
    """The payment's Idempotency-Key: the same for every notification of one payment."""
    digest = hashlib.sha256(f"{provider_name}\0{provider_ref}".encode()).hexdigest()
    return f"online:{digest[:57]}"


def _received_on(paid_at: Any) -> date:
    """The school's day the provider says the money came (today when it does not say, or
    says a day that has not come yet at the school)."""
    if isinstance(paid_at, datetime) and paid_at.tzinfo is not None:
        return min(paid_at.astimezone(school_zone()).date(), today())
    return today()


def reachable_bill(bill_id: uuid.UUID, principal: Principal, field: str = "bill_id") -> Bill:
    """The bill, if this person may pay it online: the office any bill, a guardian their own
    child's. Anyone else is told there is no such bill."""
    bill = bills.get_bill(bill_id, field=field)
    if "fees.payments.record" in principal.permissions:
        return bill
    if "fees.own.read" in principal.permissions and bill.student_id in {
            child.id for child in people.children_of_user(principal.user_id)}:
        return bill
    raise RuleBroken(_("no such bill in this school"), field, status=404)
