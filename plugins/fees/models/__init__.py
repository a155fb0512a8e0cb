"""The fee module's records, each belonging to one school: one module an area, all imported
here so that the migrations see every table. Money is integer fen (分) throughout."""

from core.sdk import lazy_gettext as _l

CATEGORIES = ("tuition", "care", "boarding", "meals", "held", "other")
UNITS = ("term", "month", "school_day", "item")
ITEM_STATES = ("draft", "approved", "published", "retired")
METHODS = ("cash", "bank_transfer", "card", "online", "other")

CATEGORY_TITLES = {"tuition": _l("Tuition"), "care": _l("Care fee"),
                   "boarding": _l("Boarding"), "meals": _l("Meals"),
                   "held": _l("Held fee (collected on behalf of others)"), "other": _l("Other")}
UNIT_TITLES = {"term": _l("per term"), "month": _l("per month"),
               "school_day": _l("per school day"), "item": _l("per item")}
STATE_TITLES = {"draft": _l("Draft"), "approved": _l("Approved"), "published": _l("Published"),
                "retired": _l("Retired")}
CONCESSION_KINDS = ("discount", "waiver")
CONCESSION_BASES = ("hardship", "sibling", "staff_child", "other")
RUN_SCOPES = ("school", "grade", "class")
CONCESSION_KIND_TITLES = {"discount": _l("Discount"), "waiver": _l("Waiver")}
CONCESSION_BASIS_TITLES = {"hardship": _l("Financial hardship"), "sibling": _l("Sibling"),
                           "staff_child": _l("Staff member's child"), "other": _l("Other")}
RUN_SCOPE_TITLES = {"school": _l("The whole school"), "grade": _l("A grade"),
                    "class": _l("A class")}
METHOD_TITLES = {"cash": _l("Cash"), "bank_transfer": _l("Bank transfer"),
                 "card": _l("Card terminal"), "online": _l("Online"), "other": _l("Other")}

from .bills import Bill, BillingRun, BillLine, Concession, FeeChoice  # noqa: E402
from .catalogue import FeeItem, FeeNotice  # noqa: E402
from .ledger import LedgerEntry  # noqa: E402
from .payments import OnlinePayment, Payment, Receipt, ReceiptCounter  # noqa: E402
from .refunds import Absence, Refund, Settlement, SettlementLine  # noqa: E402

__all__ = [
    "CATEGORIES",
    "CATEGORY_TITLES",
    "CONCESSION_BASES",
    "CONCESSION_BASIS_TITLES",
    "CONCESSION_KINDS",
    "CONCESSION_KIND_TITLES",
    "ITEM_STATES",
    "METHODS",
    "METHOD_TITLES",
    "RUN_SCOPES",
    "RUN_SCOPE_TITLES",
    "STATE_TITLES",
    "UNITS",
    "UNIT_TITLES",
    "Absence",
    "Bill",
    "BillLine",
    "BillingRun",
    "Concession",
    "FeeChoice",
    "FeeItem",
    "FeeNotice",
    "LedgerEntry",
    "OnlinePayment",
    "Payment",
    "Receipt",
    "ReceiptCounter",
    "Refund",
    "Settlement",
    "SettlementLine",
]
