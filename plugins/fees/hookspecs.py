"""The hooks the fee module declares for other modules (listed in its manifest, so they exist
only when the fee module is installed). Each hook is public API: change it with a deprecation
period, never a break."""

from __future__ import annotations

import uuid
from typing import Any

from core.sdk import hookspec


@hookspec
def houqin_fee_charges(term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Return the lines this module contributes to the term's bills of these students.

    Called by the billing job with the school in context, only on modules the school has
    switched on, for a batch of students at a time. One dict per line::

        {"student_id": UUID, "source": "<module name>", "code": str, "description": str,
         "quantity": int, "unit_price_fen": int, "amount_fen": int}

    ``code`` must be stable for the same charge (regeneration compares lines by source and
    code); ``amount_fen`` is ``quantity × unit_price_fen`` in integer fen, negative for a
    subsidy or discount the module applies itself. ``description`` is in the language of the
    request or job. Lines are billed only while the school has a published fee item whose
    ``source`` is this module ("publish before you charge"); otherwise the run lists them as
    not billed. Raise ``RuleBroken`` for an unknown term.
    """


@hookspec
def houqin_payment_providers() -> list[Any]:
    """Return online payment providers this module offers, called once at start-up.

    A provider is an object with::

        name: str                      # unique, e.g. "wechatpay"
        title: str                     # shown to guardians
        create_payment(bill_id: UUID, amount_fen: int, description: str, notify_url: str)
            -> {"provider_ref": str, "pay_url": str}
        verify_notification(headers: Mapping[str, str], body: bytes)
            -> {"provider_ref": str, "amount_fen": int, "status": "paid" | "failed",
                "paid_at": datetime (aware)}
            # raises ValueError when the signature or the content does not check out
        query_status(provider_ref: str)
            -> {"status": "pending" | "paid" | "failed", "amount_fen": int,
                "paid_at": datetime | None}

    The fee module records a paid notification once (per provider and reference) as a
    payment with a receipt; a notification whose amount differs from what was asked is
    refused and logged.
    """
