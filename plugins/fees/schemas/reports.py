"""The fee reports as the API serves them: what each asks (term, class, day, month) and what
it answers. Amounts are integer fen (``*_fen``); a rate is an exact percentage string."""

from __future__ import annotations

from marshmallow import fields, validate

from core.sdk import Month, Schema


class FeeTermQuerySchema(Schema):
    term_id = fields.UUID(metadata={"description": "the term; by default the one running now "
                                    "(between terms the last begun)"})


class ClassArrearsQuerySchema(FeeTermQuerySchema):
    # Not strict: a query string is text; "1.5" is refused all the same (not a whole number).
    min_fen = fields.Integer(load_default=1, validate=validate.Range(min=1),
                             metadata={"description": "only students owing at least this"})


class ArrearsQuerySchema(ClassArrearsQuerySchema):
    class_id = fields.UUID(metadata={"description": "only this class"})


class TakingsDayQuerySchema(Schema):
    day = fields.Date(metadata={"description": "the day the money was received; by default "
                                "today at the school"})


class TakingsMonthQuerySchema(Schema):
    month = Month(metadata={"description": "2026-11; by default this month at the school"})


class FeeTermRefSchema(Schema):
    id = fields.UUID()
    title = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()


class ReportCollectionSchema(Schema):
    class_id = fields.UUID(allow_none=True, metadata={"description": "null on the total"})
    title = fields.String()
    students = fields.Integer(metadata={"description": "issued bills (one a student)"})
    charged_fen = fields.Integer(attribute="charged", metadata={
        "description": "what the bills ask for, after discounts and adjustments"})
    paid_fen = fields.Integer(attribute="paid")
    refunded_fen = fields.Integer(attribute="refunded")
    written_off_fen = fields.Integer(attribute="written_off")
    collected_fen = fields.Integer(attribute="collected", metadata={
        "description": "paid less refunded"})
    outstanding_fen = fields.Integer(attribute="outstanding", metadata={
        "description": "still owed on the bills that owe"})
    due_back_fen = fields.Integer(attribute="due_back", metadata={
        "description": "overpaid on the bills that are overpaid"})
    paid_count = fields.Integer()
    partly_paid_count = fields.Integer()
    unpaid_count = fields.Integer()
    overpaid_count = fields.Integer()
    rate = fields.String(allow_none=True, metadata={
        "description": "collected over charged, two decimals (66.67%); null if nothing charged"})


class ReportCollectionTermSchema(Schema):
    term = fields.Nested(FeeTermRefSchema)
    classes = fields.List(fields.Nested(ReportCollectionSchema))
    total = fields.Nested(ReportCollectionSchema)


class ReportArrearSchema(Schema):
    bill_id = fields.UUID()
    student_id = fields.UUID()
    student_no = fields.String()
    student_name = fields.String()
    class_id = fields.UUID()
    class_title = fields.String()
    phones = fields.List(fields.String(), metadata={"description": "the guardians' phones"})
    amount_fen = fields.Integer(attribute="amount", metadata={"description": "still owed"})
    credit_fen = fields.Integer(attribute="credit", metadata={
        "description": "the student's account credit"})
    issued_on = fields.Date()
    days = fields.Integer(metadata={"description": "days since the bill was issued"})


class ReportArrearsSchema(Schema):
    term = fields.Nested(FeeTermRefSchema)
    students = fields.List(fields.Nested(ReportArrearSchema))
    total_fen = fields.Integer()


class ReportMethodTotalSchema(Schema):
    method = fields.String()
    count = fields.Integer()
    amount_fen = fields.Integer(attribute="amount")


class ReportTakenReceiptSchema(Schema):
    payment_id = fields.UUID()
    number = fields.String(metadata={"description": "the receipt number"})
    student_no = fields.String()
    student_name = fields.String()
    class_title = fields.String()
    method = fields.String()
    amount_fen = fields.Integer(attribute="amount")
    payer = fields.String()
    recorded_by = fields.String()
    void_reason = fields.String(allow_none=True, metadata={"description": "null unless void"})


class ReportDailyTakingsSchema(Schema):
    day = fields.Date()
    methods = fields.List(fields.Nested(ReportMethodTotalSchema),
                          metadata={"description": "payments kept, per method"})
    count = fields.Integer()
    total_fen = fields.Integer(attribute="total")
    first_receipt = fields.String(allow_none=True)
    last_receipt = fields.String(allow_none=True)
    receipts = fields.List(fields.Nested(ReportTakenReceiptSchema),
                           metadata={"description": "every receipt of the day, voided too"})
    voided = fields.List(fields.Nested(ReportTakenReceiptSchema))
    voided_total_fen = fields.Integer(attribute="voided_total")
    refunds = fields.List(fields.Nested(ReportMethodTotalSchema),
                          metadata={"description": "refunds paid out that day, per method"})
    refunds_total_fen = fields.Integer(attribute="refunds_total")
    net_fen = fields.Integer(attribute="net", metadata={"description": "takings less refunds"})


class ReportTakingsDaySchema(Schema):
    day = fields.Date()
    amounts_fen = fields.Dict(keys=fields.String(), values=fields.Integer(),
                              attribute="amounts", metadata={"description": "per method"})
    count = fields.Integer()
    total_fen = fields.Integer(attribute="total")


class ReportMonthlyTakingsSchema(Schema):
    month = fields.Function(lambda taken: taken.first.strftime("%Y-%m"))
    days = fields.List(fields.Nested(ReportTakingsDaySchema))
    methods = fields.List(fields.Nested(ReportMethodTotalSchema))
    count = fields.Integer()
    total_fen = fields.Integer(attribute="total")
    voided = fields.Nested(ReportMethodTotalSchema, metadata={
        "description": "payments received this month and voided since"})
    refunds = fields.List(fields.Nested(ReportMethodTotalSchema))
    refunds_total_fen = fields.Integer(attribute="refunds_total")
    net_fen = fields.Integer(attribute="net")


class ReportCategorySchema(Schema):
    category = fields.String(metadata={"description": "empty on the total"})
    charged_fen = fields.Integer(attribute="charged")
    discounts_fen = fields.Integer(attribute="discounts", metadata={
        "description": "discounts and waivers (negative)"})
    adjustments_fen = fields.Integer(attribute="adjustments")
    due_fen = fields.Integer(attribute="due", metadata={"description": "what is asked for"})
    paid_fen = fields.Integer(attribute="paid", metadata={
        "description": "shared among a bill's categories in proportion to what each asks"})
    refunded_fen = fields.Integer(attribute="refunded")
    written_off_fen = fields.Integer(attribute="written_off")
    outstanding_fen = fields.Integer(attribute="outstanding", metadata={
        "description": "negative when overpaid"})


class ReportTermSummarySchema(Schema):
    term = fields.Nested(FeeTermRefSchema)
    bills = fields.Integer()
    categories = fields.List(fields.Nested(ReportCategorySchema))
    total = fields.Nested(ReportCategorySchema)
    credit_fen = fields.Integer(attribute="credit", metadata={
        "description": "paid beyond the bills and kept as account credit"})
    rate = fields.String(allow_none=True)
