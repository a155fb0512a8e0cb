"""The hooks the fee module declares for other modules (listed in its manifest, so they exist
only when the fee module is installed), and the ``PaymentProvider`` protocol a module's
payment provider meets. Each is public API: change it with a deprecation period
(``deprecated_hookspec``), never a break. The docstrings keep the sections ``docs/hooks.md``
is written from (see ``core/hookspecs.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from core.sdk import hookspec


@hookspec
def houqin_fee_charges(term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Return the lines this module contributes to the term's bills of these students.

    Called: by the billing job with the school in context, only on modules the school has
    switched on, for a batch of students at a time. Declared by the fee module: implement it
    with ``@hookimpl(optionalhook=True)`` so your module loads where the fee module is not
    installed.

    Arguments:
        term_id (uuid.UUID): the term billed; raise ``RuleBroken`` for an unknown term.
        student_ids (list[uuid.UUID]): the students of this batch (ids of no student of the
            school give no line).

    Returns:
        list[dict[str, Any]]: one dict per bill line, an empty list when the module bills
        nothing::

            {"student_id": UUID, "source": "<module name>", "code": str, "description": str,
             "quantity": int, "unit_price_fen": int, "amount_fen": int,
             # optional: a charge by the school day, refunded for the days the child is away
             "per_absent_day": bool, "first_day": date, "last_day": date}

        ``code`` must be stable for the same charge (regeneration compares lines by source
        and code); ``amount_fen`` is ``quantity × unit_price_fen`` in integer fen, negative
        for a subsidy or discount the module applies itself. ``description`` is in the
        language of the request or job. Lines are billed only while the school has a
        published fee item whose ``source`` is this module ("publish before you charge");
        otherwise the run lists them as not billed.

        ``per_absent_day`` (default False) says the line charges ``unit_price_fen`` for each
        of ``quantity`` school days from ``first_day`` to ``last_day`` (both included; the
        whole term when left out), so that where absence refunds are on, each absent school
        day in that span is given back at that price, never for more days than
        ``quantity``: meals, a daily milk or snack. A negative line marked so (a subsidy
        per day) lowers what the same module's per-day charges give back, shared by their
        days: the family never paid it.

    Example::

        from core.sdk import hookimpl

        @hookimpl(optionalhook=True)
        def houqin_fee_charges(term_id, student_ids):
            return [{"student_id": s, "source": "milk", "code": "milk.daily",
                     "description": "Milk, 90 school days", "quantity": 90,
                     "unit_price_fen": 150, "amount_fen": 13500, "per_absent_day": True}
                    for s in student_ids]

    Implemented by: plugins/canteen/__init__.py
    """


@runtime_checkable
class PaymentProvider(Protocol):
    """What an online payment provider is (``houqin_payment_providers`` returns them); the
    fee module checks each one against it at start-up and refuses to start otherwise."""

    name: str  # unique among the providers, e.g. "wechatpay"
    title: str  # shown to guardians

    def create_payment(self, bill_id: uuid.UUID, amount_fen: int, description: str,
                       notify_url: str) -> Mapping[str, str]:
        """Ask for a payment: ``{"provider_ref": str, "pay_url": str}``."""

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Mapping[str, Any]:
        """Check a signed notification: ``{"provider_ref": str, "amount_fen": int,
        "status": "paid" | "failed", "paid_at": datetime (aware)}``; raise ``ValueError``
        when the signature or the content does not check out."""

    def query_status(self, provider_ref: str) -> Mapping[str, Any]:
        """How a payment stands: ``{"status": "pending" | "paid" | "failed",
        "amount_fen": int, "paid_at": datetime | None}``."""


@hookspec
def houqin_payment_providers() -> list[PaymentProvider]:
    """Return the online payment providers this module offers.

    Called: at start-up, once per app, on every loaded plugin (the fee module's
    ``houqin_startup`` collects them); a school is offered only the providers of the modules
    it has switched on.

    Arguments:
        none.

    Returns:
        list[PaymentProvider]: objects meeting ``plugins.fees.hookspecs.PaymentProvider``
        (``name``, ``title``, ``create_payment``, ``verify_notification``,
        ``query_status``); an empty list when the module offers none. The app refuses to
        start when one lacks a member or two share a name.

        The fee module records a paid notification once (per provider and reference) as a
        payment with a receipt; a notification whose amount differs from what was asked is
        refused and logged.

    Example::

        from core.sdk import hookimpl

        class CashDesk:
            name, title = "cashdesk", "Cash desk"

            def create_payment(self, bill_id, amount_fen, description, notify_url):
                return {"provider_ref": str(bill_id), "pay_url": "https://pay.invalid/"}

            def verify_notification(self, headers, body):
                raise ValueError("the cash desk sends no notifications")

            def query_status(self, provider_ref):
                return {"status": "pending", "amount_fen": 0, "paid_at": None}

        @hookimpl
        def houqin_payment_providers():
            return [CashDesk()]

    Implemented by: tests/plugins/fees/fake_provider.py (no first-party provider yet)
    """

