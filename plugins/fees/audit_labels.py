"""What the audit log shows for the fee module's tables and report exports
(core.audit_labels)."""

from core.sdk import lazy_gettext as _l

AUDIT_LABELS: dict[str, object] = {
    "fees_items": _l("Fee items"),
    "fees_notices": _l("Fee notices"),
    "fees_bills": _l("Bills"),
    "fees_bill_lines": _l("Bill lines"),
    "fees_concessions": _l("Concessions"),
    "fees_choices": _l("Voluntary item choices"),
    "fees_billing_runs": _l("Billing runs"),
    "fees_ledger": _l("Fee ledger"),
    "fees_payments": _l("Payments"),
    "fees_receipts": _l("Receipts"),
    "fees_receipt_counters": _l("Receipt numbering"),
    "fees_online_payments": _l("Online payments"),
    "fees_refunds": _l("Refunds"),
    "fees_settlements": _l("Settlements"),
    "fees_settlement_lines": _l("Settlement lines"),
    "fees_absences": _l("Absences"),
    "fees.collection": _l("Collection report"),
    "fees.arrears": _l("Arrears report"),
    "fees.summary": _l("Term summary"),
    "fees.daily": _l("Day's takings"),
    "fees.monthly": _l("Month's takings"),
}
