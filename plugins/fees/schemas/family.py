"""What a guardian reads of their children's fees: bills, lines, payments with their receipts,
refunds, and what each child owes. Amounts are integer fen."""

from __future__ import annotations

from marshmallow import fields

from core.sdk import Schema


class FamilyChildSchema(Schema):
    id = fields.UUID()
    student_no = fields.String()
    name = fields.String()


class FamilyStandingSchema(Schema):
    child = fields.Nested(FamilyChildSchema)
    owed_fen = fields.Integer(attribute="owed", metadata={"description": "still owed on bills"})
    credit_fen = fields.Integer(attribute="credit", metadata={
        "description": "overpaid and kept on the child's account"})


class FamilyBillSchema(Schema):
    id = fields.UUID(attribute="bill.id")
    child = fields.Nested(FamilyChildSchema)
    term = fields.String(attribute="term_title")
    term_id = fields.UUID(attribute="bill.term_id")
    issued_at = fields.DateTime(attribute="bill.issued_at")
    total_fen = fields.Integer(attribute="money.charged", metadata={
        "description": "what the bill asks for, after discounts and adjustments"})
    paid_fen = fields.Integer(attribute="money.paid")
    refunded_fen = fields.Integer(attribute="money.refunded")
    written_off_fen = fields.Integer(attribute="money.written_off")
    balance_fen = fields.Integer(attribute="money.balance", metadata={
        "description": "still owed; negative when overpaid (money due back)"})
    status = fields.String(attribute="money.status",
                           metadata={"description": "unpaid, partly_paid, paid or overpaid"})


class FamilyLineSchema(Schema):
    kind = fields.String(metadata={"description": "charge, discount, waiver or adjustment"})
    category = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()
    amount_fen = fields.Integer()
    reason = fields.String()


class FamilyPaymentSchema(Schema):
    payment_id = fields.UUID(attribute="payment.id")
    receipt_number = fields.String(attribute="receipt.number")
    received_on = fields.Date(attribute="payment.received_on")
    method = fields.String(attribute="payment.method")
    amount_fen = fields.Integer(attribute="payment.amount_fen")
    payer = fields.String(attribute="payment.payer")
    voided = fields.Function(lambda paid: paid.payment.voided_at is not None)


class FamilyRefundSchema(Schema):
    amount_fen = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"description": "due, or paid"})
    method = fields.String(allow_none=True)
    paid_on = fields.Date(allow_none=True)


class FamilyBillDetailSchema(Schema):
    bill = fields.Nested(FamilyBillSchema, attribute="of")
    lines = fields.List(fields.Nested(FamilyLineSchema))
    payments = fields.List(fields.Nested(FamilyPaymentSchema))
    refunds = fields.List(fields.Nested(FamilyRefundSchema))


class FamilyReceiptSchema(FamilyPaymentSchema):
    child = fields.Nested(FamilyChildSchema)
    bill_id = fields.UUID(attribute="payment.bill_id")
    payee = fields.String()
    issued_at = fields.DateTime(attribute="receipt.issued_at")
    void_reason = fields.String(attribute="payment.void_reason", allow_none=True)
