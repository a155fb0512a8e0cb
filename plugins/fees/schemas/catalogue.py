"""Fee items and fee notices, as the API and the office pages load and show them."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from core.sdk import MULTILINE, Schema, _
from core.sdk import lazy_gettext as _l

from ..models import CATEGORIES, CATEGORY_TITLES, ITEM_STATES, UNIT_TITLES, UNITS

SCOPES = ("school", "grades", "classes", "students")
SCOPE_TITLES = {"school": _l("The whole school"), "grades": _l("Grades"),
                "classes": _l("Classes"), "students": _l("Named students")}
NOT_BLANK = validate.Regexp(r"\S", error="must not be blank")


def applies_text(line: dict[str, Any]) -> str:
    """Whom an item on a notice applies to, in the reader's language."""
    if line["applies_to"] == "school":
        return _("All students")
    if line["applies_to"] == "students":
        return _("%(n)s named students", n=line.get("applies_count") or 0)
    return "、".join(line.get("applies_names") or [])


class FeeItemSchema(Schema):
    """A fee item. Created as a draft; ``amount_fen`` is what one unit costs (for an item
    priced by a module's charge-source hook, ``source``, the price shown on the notice)."""

    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=80), NOT_BLANK])
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES), metadata={
        "description": "tuition, care (保教费), boarding, meals, held (代收费: collected on "
                       "behalf of others, always voluntary), other"})
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                                metadata={"description": "what one unit costs, in whole fen; "
                                          "at most 500,000 yuan a term, 100,000 a month or an "
                                          "item, 10,000 a school day"})
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    basis_authority = fields.String(load_default="", validate=validate.Length(max=120),
                                    metadata={"description": "the approving authority "
                                              "(批准机关); required before approval"})
    basis_reference = fields.String(load_default="", validate=validate.Length(max=120),
                                    metadata={"description": "the approving document's number "
                                              "(文号); required before approval"})
    voluntary = fields.Boolean(load_default=False)
    applies_to = fields.String(load_default="school", validate=validate.OneOf(SCOPES))
    applies_ids = fields.List(fields.UUID(), load_default=list,
                              validate=validate.Length(max=2000), metadata={
                                  "description": "the grades, classes or (enrolled) students "
                                                 "it applies to; empty for the whole school"})
    source = fields.String(load_default=None, allow_none=True, metadata={
        "description": "the module that prices this item's lines through the charge-source "
                       "hook (\"canteen\"), or null"})
    notes = fields.String(load_default="", validate=validate.Length(max=1000),
                          metadata=MULTILINE)
    status = fields.String(dump_only=True, metadata={"description": ", ".join(ITEM_STATES)})
    version = fields.Integer(dump_only=True, metadata={
        "description": "send it back with an edit or an approval"})
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    # null while the item is a draft, or until it is published or retired
    approved_by = fields.String(dump_only=True, allow_none=True,
                                metadata={"description": "the last approval"})
    approved_at = fields.DateTime(dump_only=True, allow_none=True)
    notice_id = fields.UUID(dump_only=True, allow_none=True, metadata={"description": "the notice that "
                                                      "published it"})
    effective_on = fields.Date(dump_only=True, allow_none=True,
                               metadata={"description": "billable from"})
    retired_by = fields.String(dump_only=True, allow_none=True)
    retired_at = fields.DateTime(dump_only=True, allow_none=True)


class FeeItemChangeSchema(FeeItemSchema):
    """An edit of a draft: the fields to change, and the version the editor saw."""

    version = fields.Integer(required=True, strict=True)


class FeeItemVersionSchema(Schema):
    """Approving an item, or taking its approval back: the version decided on."""

    version = fields.Integer(required=True, strict=True)


class FeeItemQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ITEM_STATES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))


class FeeNoticeLineSchema(Schema):
    """An item as a notice lists it, frozen on the day it was published."""

    item_id = fields.UUID()
    name = fields.String()
    category = fields.String()
    category_title = fields.Function(lambda line: str(CATEGORY_TITLES[line["category"]]))
    amount_fen = fields.Integer()
    unit = fields.String()
    unit_title = fields.Function(lambda line: str(UNIT_TITLES[line["unit"]]))
    basis_authority = fields.String()
    basis_reference = fields.String()
    voluntary = fields.Boolean()
    applies_to = fields.String()
    applies_names = fields.List(fields.String())
    applies_count = fields.Integer(allow_none=True)
    applies_text = fields.Function(applies_text)
    source = fields.String(allow_none=True)


class FeeNoticePhonesSchema(Schema):
    bureau = fields.String(metadata={"description": "the education bureau's complaint phone"})
    regulator = fields.String(metadata={"description": "the price regulator's complaint phone"})
    school = fields.String()


def notice_title(notice: Any) -> str:
    """A notice's title as people read it: its own, or “Fee notice” in their language."""
    return notice.title or _("Fee notice")


class FeeNoticeSchema(Schema):
    id = fields.UUID(dump_only=True)
    number = fields.Integer(dump_only=True, metadata={"description": "1, 2, 3… per school"})
    title = fields.String(load_default="", validate=validate.Length(max=120), metadata={
        "description": "empty: “Fee notice” in the reader's language"})
    effective_on = fields.Date(required=True, metadata={
        "description": "today or later, and not before the previous notice"})
    remarks = fields.String(load_default="", validate=validate.Length(max=2000),
                            metadata=MULTILINE)
    items = fields.List(fields.Nested(FeeNoticeLineSchema), dump_only=True)
    phones = fields.Nested(FeeNoticePhonesSchema, dump_only=True)
    title_shown = fields.Function(notice_title, dump_only=True, metadata={
        "description": "the title, or “Fee notice” in the reader's language"})
    published_by = fields.String(dump_only=True)
    published_at = fields.DateTime(dump_only=True)


class PublicFeeNoticeSchema(FeeNoticeSchema):
    """A notice as anyone may read it: without who published it."""

    class Meta:
        exclude = ("published_by",)


class PublicFeeNoticesSchema(Schema):
    current = fields.Nested(PublicFeeNoticeSchema, allow_none=True, metadata={
        "description": "the notice in force today"})
    pending = fields.Nested(PublicFeeNoticeSchema, allow_none=True, metadata={
        "description": "a newer notice that takes effect later"})
