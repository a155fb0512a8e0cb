"""The fee catalogue and its notices (收费公示): items from draft to retired, publishing a
notice, and the notice in force for anyone to read."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, public, requires, school_today, transactional

from ..schemas.catalogue import (
    FeeItemChangeSchema,
    FeeItemQuerySchema,
    FeeItemSchema,
    FeeItemVersionSchema,
    FeeNoticeSchema,
    PublicFeeNoticesSchema,
)
from ..services import catalogue
from . import blp

# --- items ---------------------------------------------------------------------------------


@blp.route("/items")
@blp.arguments(FeeItemQuerySchema, location="query")
@blp.response(200, FeeItemSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_fee_items(query, pagination_parameters):
    """The catalogue: drafts first, then approved, published and retired items."""
    return page_of(catalogue.items(query.get("status"), query.get("category")),
                   pagination_parameters, dumped_by=FeeItemSchema)


@blp.route("/items", methods=["POST"])
@blp.arguments(FeeItemSchema)
@blp.response(201, FeeItemSchema)
@requires("fees.catalogue.manage")
@transactional
def create_fee_item(data):
    """Draft an item. A held fee must be voluntary; the grades, classes or students it
    applies to must be this school's."""
    return catalogue.create_item(data)


@blp.route("/items/<uuid:fee_item_id>")
@blp.response(200, FeeItemSchema)
@requires("fees.read")
@transactional
def get_fee_item(fee_item_id: uuid.UUID):
    return catalogue.get_item(fee_item_id)


@blp.route("/items/<uuid:fee_item_id>", methods=["PATCH"])
@blp.arguments(FeeItemChangeSchema(partial=catalogue.EDITABLE))
@blp.response(200, FeeItemSchema)
@requires("fees.catalogue.manage")
@transactional
def change_fee_item(changes, fee_item_id: uuid.UUID):
    """Change a draft; ``version`` is the one you saw (409 if it moved on)."""
    return catalogue.update_item(fee_item_id, changes)


@blp.route("/items/<uuid:fee_item_id>", methods=["DELETE"])
@blp.response(204)
@requires("fees.catalogue.manage")
@transactional
def delete_fee_item(fee_item_id: uuid.UUID):
    """Delete a draft that was never approved; any other item is retired instead."""
    catalogue.delete_item(fee_item_id)


@blp.route("/items/<uuid:fee_item_id>/approve", methods=["POST"])
@blp.arguments(FeeItemVersionSchema)
@blp.response(200, FeeItemSchema)
@requires("fees.catalogue.approve")
@transactional
def approve_fee_item(data, fee_item_id: uuid.UUID):
    """Approve a draft as it is at ``version``; its legal basis must be filled in."""
    return catalogue.approve_item(fee_item_id, data["version"])


@blp.route("/items/<uuid:fee_item_id>/return-to-draft", methods=["POST"])
@blp.arguments(FeeItemVersionSchema)
@blp.response(200, FeeItemSchema)
@requires("fees.catalogue.approve")
@transactional
def return_fee_item_to_draft(data, fee_item_id: uuid.UUID):
    """Take back the approval of an item no notice has published yet."""
    return catalogue.return_to_draft(fee_item_id, data["version"])


@blp.route("/items/<uuid:fee_item_id>/retire", methods=["POST"])
@blp.response(200, FeeItemSchema)
@requires("fees.catalogue.approve")
@transactional
def retire_fee_item(fee_item_id: uuid.UUID):
    """Stop charging for an item from now on; the next notice leaves it out."""
    return catalogue.retire_item(fee_item_id)


# --- notices -------------------------------------------------------------------------------


@blp.route("/notices")
@blp.response(200, FeeNoticeSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_fee_notices(pagination_parameters):
    """Every notice the school published, newest first."""
    return page_of(catalogue.notices(), pagination_parameters, dumped_by=FeeNoticeSchema)


@blp.route("/notices", methods=["POST"])
@blp.arguments(FeeNoticeSchema)
@blp.response(201, FeeNoticeSchema)
@requires("fees.catalogue.approve")
@transactional
def publish_fee_notice(data):
    """Publish the notice: every approved and published item as it is now, with the
    complaint phones of the fee settings. Refused (naming the setting) while the school's or
    the bureau's phone is empty, and when there is nothing to list."""
    return catalogue.publish_notice(data)


@blp.route("/notices/<uuid:notice_id>")
@blp.response(200, FeeNoticeSchema)
@requires("fees.read")
@transactional
def get_fee_notice(notice_id: uuid.UUID):
    return catalogue.get_notice(notice_id)


@blp.route("/public/notice")
@blp.response(200, PublicFeeNoticesSchema)
@public
def public_fee_notice():
    """The notice in force at the school today and any newer one still to take effect, for
    anyone (the school's website, a parents' app): no sign-in."""
    day = school_today()
    return {"current": catalogue.current_notice(day), "pending": catalogue.pending_notice(day)}
