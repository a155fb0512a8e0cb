"""The hooks the fee module declares for other modules (listed in its manifest, so they exist
only when the fee module is installed). Each hook is public API: change it with a deprecation
period, never a break. The docstrings keep the sections ``docs/hooks.md`` is written from
(see ``core/hookspecs.py``)."""

from __future__ import annotations

import uuid
from typing import Any

from core.sdk import hookspec


@hookspec
def houqin_fee_charges(term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Return the lines this module contributes to the term's bills of these students.

    Called: by the fee module's billing job, with the school in context, only on modules
    the school has switched on, for a batch of students at a time. Declared by the fee
    module: implement it with ``@hookimpl(optionalhook=True)`` so your module loads where
    the fee module is not installed.

    ``code`` must be stable for the same charge (regeneration compares lines by source and
    code); ``amount_fen`` is ``quantity × unit_price_fen`` in integer fen, negative for a
    subsidy or discount the module applies itself. ``description`` is in the language of the
    request or job. Lines are billed only while the school has a published fee item whose
    ``source`` is this module ("publish before you charge"); otherwise the run lists them as
    not billed.

    Arguments:
        term_id (uuid.UUID): the term being billed; raise ``RuleBroken`` for an unknown one.
        student_ids (list[uuid.UUID]): the students of this batch.

    Returns:
        list[dict[str, Any]]: one dict per bill line, ``{"student_id": UUID, "source":
        "<module name>", "code": str, "description": str, "quantity": int,
        "unit_price_fen": int, "amount_fen": int}``; an empty list when the module charges
        these students nothing.

    Example::

        from core.sdk import hookimpl

        @hookimpl(optionalhook=True)
        def houqin_fee_charges(term_id, student_ids):
            return [{"student_id": student_id, "source": "notes", "code": "notebook",
                     "description": "Notebook", "quantity": 1, "unit_price_fen": 500,
                     "amount_fen": 500} for student_id in student_ids]

    Implemented by: plugins/canteen/__init__.py
    """


@hookspec
def houqin_payment_providers() -> list[Any]:
    """Return the online payment providers this module offers.

    Called: once at start-up by the fee module, on every loaded plugin; a school is offered
    the providers of the modules it has switched on. Two providers of one name stop the app.

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

    Arguments:
        none.

    Returns:
        list[Any]: the provider objects; an empty list when the module offers none.

    Example::

        from core.sdk import hookimpl

        class BankGateway:
            name = "bankpay"
            title = "Bank gateway"

            def create_payment(self, bill_id, amount_fen, description, notify_url):
                return {"provider_ref": str(bill_id), "pay_url": "https://pay.example/"}

            def verify_notification(self, headers, body):
                raise ValueError("unsigned")

            def query_status(self, provider_ref):
                return {"status": "pending", "amount_fen": 0, "paid_at": None}

        @hookimpl(optionalhook=True)
        def houqin_payment_providers():
            return [BankGateway()]

    Implemented by: tests/plugins/fees/fake_provider.py (a complete provider to copy from)
    """
