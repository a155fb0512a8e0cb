"""Billing runs, bills with their lines and money, corrections of issued bills, concessions
and voluntary choices. Amounts are strict integers of fen: 10.5 is refused, not rounded."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from core.sdk import Schema, _l

from ..models import CATEGORIES, CONCESSION_BASES, CONCESSION_KINDS, RUN_SCOPES

REASON = validate.Length(min=1, max=200)
MAX_FEN = 100_000_000  # ¥1,000,000: beyond any bill, so a slip of the finger is caught


class Fen(fields.Integer):
    """Whole fen, strictly an integer: a fraction of a fen is refused by its type."""

    def __init__(self, **kwargs) -> None:
        super().__init__(strict=True, **kwargs)


class _Scope(Schema):
    term_id = fields.UUID(required=True)
    scope = fields.String(load_default="school", validate=validate.OneOf(RUN_SCOPES),
                          metadata={"description": "school, grade or class"})
    scope_id = fields.UUID(load_default=None, allow_none=True,
                           metadata={"description": "the grade's or the class's id"})


class FeeJobStateSchema(Schema):
    status = fields.String(metadata={"description": "queued, running, retrying, finished, "
                                     "failed, skipped"})
    percent = fields.Integer(allow_none=True)
    message = fields.String(allow_none=True)


class BillingRunSchema(_Scope):
    """A run bills the enrolled students of the school, a grade or a class for a term; with
    ``issue`` it issues their draft bills as well."""

    id = fields.UUID(dump_only=True)
    issue = fields.Boolean(load_default=False)
    job_id = fields.UUID(dump_only=True, allow_none=True)
    job = fields.Nested(FeeJobStateSchema, dump_only=True, allow_none=True,
                        metadata={"description": "the job's progress (poll this)"})
    requested_by = fields.String(dump_only=True)
    requested_at = fields.DateTime(dump_only=True)
    created = fields.Integer(dump_only=True, metadata={"description": "bills made"})
    updated = fields.Integer(dump_only=True, metadata={"description": "draft bills rebuilt"})
    adjusted = fields.Integer(dump_only=True,
                              metadata={"description": "issued bills given adjustments"})
    unchanged = fields.Integer(dump_only=True)
    problems = fields.List(fields.Dict(), dump_only=True, metadata={
        "description": "lines not billed, per source: kind, source, lines, message"})
    finished_at = fields.DateTime(dump_only=True, allow_none=True)


class BillingRunQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)


class BillIssueSchema(_Scope):
    """Issue the draft bills of a term for the school, a grade or a class."""


class BillIssuedSchema(Schema):
    issued = fields.Integer(metadata={"description": "how many bills were issued"})


class BillQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)
    class_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("draft", "issued")))
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                      metadata={"description": "part of the student's name, or the start of"
                                               " the student number"})


class BillMoneySchema(Schema):
    charged_fen = fields.Integer(attribute="charged")
    paid_fen = fields.Integer(attribute="paid")
    refunded_fen = fields.Integer(attribute="refunded")
    written_off_fen = fields.Integer(attribute="written_off")
    balance_fen = fields.Integer(attribute="balance",
                                 metadata={"description": "still owed; negative: money due back"})
    status = fields.String(metadata={"description": "unpaid, partly_paid, paid, overpaid"})


class BillLineSchema(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "charge, discount, waiver, adjustment"})
    source = fields.String()
    code = fields.String()
    fee_item_id = fields.UUID(allow_none=True)
    category = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()
    amount_fen = fields.Integer()
    reason = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


class BillSchema(Schema):
    id = fields.UUID()
    term_id = fields.UUID()
    student_id = fields.UUID()
    student_no = fields.String()
    student_name = fields.String()
    class_id = fields.UUID()
    status = fields.String(metadata={"description": "draft or issued"})
    total_fen = fields.Integer()
    generated_at = fields.DateTime()
    issued_at = fields.DateTime(allow_none=True)
    issued_by = fields.String(allow_none=True)
    money = fields.Nested(BillMoneySchema, allow_none=True,
                          metadata={"description": "from the ledger; none for a draft"})


class BillWithLinesSchema(BillSchema):
    lines = fields.List(fields.Nested(BillLineSchema))


class BillAdjustmentSchema(Schema):
    """A correction of an issued bill: negative to reduce it. It may take the balance below
    zero: what was paid beyond the bill is then due back to the family."""

    amount_fen = Fen(required=True, validate=validate.Range(min=-MAX_FEN, max=MAX_FEN))
    reason = fields.String(required=True, validate=REASON)
    description = fields.String(load_default="", validate=validate.Length(max=200))
    category = fields.String(load_default="other", validate=validate.OneOf(CATEGORIES))

    @validates_schema
    def _not_zero(self, data, **_):
        if data.get("amount_fen") == 0:
            raise ValidationError(str(_l("an adjustment of zero changes nothing")),
                                  "amount_fen")


class BillWriteOffSchema(Schema):
    """Write off what is still owed on an issued bill (核销), saying why."""

    reason = fields.String(required=True, validate=REASON)


class BillWrittenOffSchema(Schema):
    id = fields.UUID()
    bill_id = fields.UUID()
    amount_fen = fields.Integer(metadata={"description": "negative: what is no longer owed"})
    reason = fields.String()
    day = fields.Date()


class ConcessionSchema(Schema):
    """A discount (``percent`` 1–100 of the item, or ``amount_fen`` off) or a waiver (the
    whole item) for one student and term, on one item (``fee_item_id``) or on every item of
    a ``category``."""

    id = fields.UUID(dump_only=True)
    term_id = fields.UUID(required=True)
    student_id = fields.UUID(required=True)
    fee_item_id = fields.UUID(load_default=None, allow_none=True)
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(CATEGORIES))
    kind = fields.String(required=True, validate=validate.OneOf(CONCESSION_KINDS))
    basis = fields.String(required=True, validate=validate.OneOf(CONCESSION_BASES),
                          metadata={"description": "hardship, sibling, staff_child, other"})
    percent = fields.Integer(strict=True, load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=100))
    amount_fen = Fen(load_default=None, allow_none=True,
                     validate=validate.Range(min=1, max=MAX_FEN))
    reason = fields.String(required=True, validate=REASON)
    approved_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_by = fields.String(dump_only=True, allow_none=True)

    @validates_schema
    def _one_target_and_one_size(self, data, **_):
        if (data.get("fee_item_id") is None) == (data.get("category") is None):
            raise ValidationError(str(_l("name one fee item or one category")), "fee_item_id")
        sizes = [key for key in ("percent", "amount_fen") if data.get(key) is not None]
        if data.get("kind") == "waiver" and sizes:
            raise ValidationError(str(_l("a waiver takes off the whole item: give no "
                                         "percentage or amount")), sizes[0])
        if data.get("kind") == "discount" and len(sizes) != 1:
            raise ValidationError(str(_l("give either a percentage or an amount")),
                                  sizes[1] if sizes else "percent")


class ConcessionQuerySchema(Schema):
    term_id = fields.UUID(load_default=None)
    student_id = fields.UUID(load_default=None)


class FeeChoiceSchema(Schema):
    """A voluntary item a student takes for a term (``quantity``: for items billed per
    item)."""

    id = fields.UUID(dump_only=True)
    term_id = fields.UUID(required=True)
    student_id = fields.UUID(required=True)
    fee_item_id = fields.UUID(required=True)
    quantity = fields.Integer(strict=True, load_default=1,
                              validate=validate.Range(min=1, max=1000))
    recorded_by = fields.String(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)


class FeeChoiceQuerySchema(ConcessionQuerySchema):
    pass
