"""The fee catalogue's pages for the office (items, approval, publishing the notice) and the
public notice (收费公示) anyone can open and print, without signing in. Amounts are typed in
yuan (1200.50) and kept in fen."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import (
    RuleBroken,
    forms,
    loaded_plugins,
    people,
    public,
    requires,
    whole_fen,
    yuan,
)
from core.sdk import lazy_gettext as _l

from ..models import CATEGORIES, CATEGORY_TITLES, ITEM_STATES, STATE_TITLES, UNIT_TITLES, UNITS
from ..schemas.catalogue import (
    SCOPE_TITLES,
    SCOPES,
    FeeItemChangeSchema,
    FeeItemSchema,
    FeeItemVersionSchema,
    FeeNoticeSchema,
    applies_text,
    notice_title,
)
from ..services import catalogue, school_zone, today
from . import bp

TEXT_FIELDS = ("name", "category", "unit", "basis_authority", "basis_reference", "applies_to",
               "notes")
# Where each kind of scope is chosen on the item form.
SCOPE_INPUTS = {"grades": "grade_ids", "classes": "class_ids", "students": "student_nos"}


def titles() -> dict[str, Any]:
    """What the catalogue's templates use to show items and notices."""
    return {"yuan": yuan, "category_titles": CATEGORY_TITLES, "unit_titles": UNIT_TITLES,
            "state_titles": STATE_TITLES, "scope_titles": SCOPE_TITLES,
            "applies_text": applies_text, "notice_title": notice_title,
            "local_day": lambda moment: moment.astimezone(school_zone()).date(),
            "module_title": lambda name: loaded_plugins()[name].title
            if name in loaded_plugins() else name}


# --- the catalogue -------------------------------------------------------------------------


@bp.route("/items")
@requires("fees.read")
def fee_items():
    status = request.args.get("status")
    status = status if status in ITEM_STATES else None
    rows, page, more = forms.page_of(catalogue.items(status))
    return render_template("fees/catalogue.html", **titles(), items=rows, status=status,
                           states=ITEM_STATES, page=page, more=more,
                           retired=catalogue.retired_since_last_notice())


def _item_form(item=None) -> dict[str, Any]:
    """The form's inputs for an item (empty for a new one)."""
    if item is None:
        return {"category": "tuition", "unit": "term", "applies_to": "school"}
    form = {name: getattr(item, name) or "" for name in TEXT_FIELDS}
    form |= {"amount": yuan(item.amount_fen), "voluntary": item.voluntary,
             "source": item.source or "", "version": item.version}
    chosen = SCOPE_INPUTS.get(item.applies_to)
    if chosen == "student_nos":
        form[chosen] = " ".join(s.student_no for s in people.students(
            [uuid.UUID(i) for i in item.applies_ids]))
    elif chosen:
        form[chosen] = list(item.applies_ids)
    return form


def _render_form(template: str, errors: dict[str, str], form: dict[str, Any],
                 status: int = 200, **context):
    return render_template(template, **titles(), **context, errors=errors, form=form,
                           categories=CATEGORIES, units=UNITS, scopes=SCOPES,
                           grades=people.grades(), classes=people.classes(),
                           sources=catalogue.charge_sources()), status


def _student_ids(text: str) -> list[uuid.UUID]:
    """Enrolled students by the numbers typed (spaces, commas or new lines between them)."""
    numbers = [n for n in re.split(r"[\s,，、;；]+", text) if n]
    found = {s.student_no: s.id for s in people.students(enrolled_only=True)
             if s.student_no in set(numbers)}
    if missing := [n for n in numbers if n not in found]:
        raise ValidationError({"applies_ids": [str(_l(
            "no enrolled student has the number %(numbers)s", numbers=", ".join(missing)))]})
    return [found[n] for n in numbers]


def _item_data(form: dict[str, Any], scope_ids: dict[str, list[str]]) -> dict[str, Any]:
    """What the item form says, as the item schema loads it: yuan typed become fen, the
    grades, classes or student numbers chosen become ``applies_ids``."""
    data: dict[str, Any] = forms.schema_fields(form, TEXT_FIELDS, checkboxes=("voluntary",))
    data["source"] = form.get("source") or None
    amount = whole_fen(form.get("amount", ""))
    if amount is None:
        raise ValidationError({"amount_fen": [str(_l("an amount in yuan, such as 1200.50"))]})
    data["amount_fen"] = amount
    chosen = SCOPE_INPUTS.get(form.get("applies_to", ""))
    if chosen == "student_nos":
        data["applies_ids"] = [str(i) for i in _student_ids(form.get(chosen, ""))]
    elif chosen:
        data["applies_ids"] = scope_ids[chosen]
    else:
        data["applies_ids"] = []
    return data


def _posted() -> tuple[dict[str, Any], dict[str, list[str]]]:
    form = request.form.to_dict()
    scope_ids = {name: request.form.getlist(name) for name in ("grade_ids", "class_ids")}
    return form | scope_ids, scope_ids


def _errors(errors: dict[str, str]) -> dict[str, str]:
    """The refusal's messages by form input: ``amount_fen`` is the yuan typed in ``amount``."""
    if "amount_fen" in errors:
        errors["amount"] = errors.pop("amount_fen")
    return errors


@bp.route("/items/new")
@requires("fees.catalogue.manage")
def new_fee_item():
    return _render_form("fees/catalogue_item_new.html", {}, _item_form())


@bp.route("/items", methods=["POST"])
@requires("fees.catalogue.manage")
@forms.submitted(lambda errors, form, status: _render_form(
    "fees/catalogue_item_new.html", _errors(errors), _posted()[0], status))
def create_fee_item():
    form, scope_ids = _posted()
    item = catalogue.create_item(FeeItemSchema().load(_item_data(form, scope_ids)))
    return redirect(url_for("fees_pages.fee_item", fee_item_id=item.id))


def _render_item(fee_item_id: uuid.UUID, errors: dict[str, str], form: dict | None,
                 status: int = 200):
    item = forms.found(catalogue.get_item, fee_item_id)
    scope = catalogue.scope_of(item.applies_to, item.applies_ids or [])
    return _render_form("fees/catalogue_item.html", errors,
                        _item_form(item) if form is None else form, status, item=item,
                        scope=scope)


@bp.route("/items/<uuid:fee_item_id>")
@requires("fees.read")
def fee_item(fee_item_id: uuid.UUID):
    return _render_item(fee_item_id, {}, None)


@bp.route("/items/<uuid:fee_item_id>", methods=["POST"])
@requires("fees.catalogue.manage")
@forms.submitted(lambda errors, form, status, fee_item_id: _render_item(
    fee_item_id, _errors(errors), _posted()[0], status))
def change_fee_item(fee_item_id: uuid.UUID):
    forms.found(catalogue.get_item, fee_item_id)
    form, scope_ids = _posted()
    data = {**_item_data(form, scope_ids), "version": _number(form.get("version"))}
    catalogue.update_item(fee_item_id, FeeItemChangeSchema().load(data))
    return redirect(url_for("fees_pages.fee_item", fee_item_id=fee_item_id))


def _decide(fee_item_id: uuid.UUID, decision: Callable[[], object], back: str | None = None):
    """An approval, a return to draft, a retirement or a deletion from the item's page."""
    forms.found(catalogue.get_item, fee_item_id)
    decision()
    return redirect(back or url_for("fees_pages.fee_item", fee_item_id=fee_item_id))


def _refused_decision(errors: dict[str, str], form: dict, status: int,
                      fee_item_id: uuid.UUID):
    """The item's page again, with why next to the buttons."""
    return _render_item(fee_item_id, errors, None, status)


def _number(text: str | None) -> int | str | None:
    """A whole number from a hidden input, as the schema's strict integers take it."""
    return int(text) if text and text.isdigit() else text


def _version() -> int:
    return FeeItemVersionSchema().load({"version": _number(request.form.get("version"))}
                                       )["version"]


@bp.route("/items/<uuid:fee_item_id>/approve", methods=["POST"])
@requires("fees.catalogue.approve")
@forms.submitted(_refused_decision, field="decision")
def approve_fee_item(fee_item_id: uuid.UUID):
    return _decide(fee_item_id, lambda: catalogue.approve_item(fee_item_id, _version()))


@bp.route("/items/<uuid:fee_item_id>/return-to-draft", methods=["POST"])
@requires("fees.catalogue.approve")
@forms.submitted(_refused_decision, field="decision")
def return_fee_item_to_draft(fee_item_id: uuid.UUID):
    return _decide(fee_item_id, lambda: catalogue.return_to_draft(fee_item_id, _version()))


@bp.route("/items/<uuid:fee_item_id>/retire", methods=["POST"])
@requires("fees.catalogue.approve")
@forms.submitted(_refused_decision, field="decision")
def retire_fee_item(fee_item_id: uuid.UUID):
    return _decide(fee_item_id, lambda: catalogue.retire_item(fee_item_id))


@bp.route("/items/<uuid:fee_item_id>/delete", methods=["POST"])
@requires("fees.catalogue.manage")
@forms.submitted(_refused_decision, field="decision")
def delete_fee_item(fee_item_id: uuid.UUID):
    return _decide(fee_item_id, lambda: catalogue.delete_item(fee_item_id),
                   back=url_for("fees_pages.fee_items"))


# --- publishing the notice -----------------------------------------------------------------


def _render_notices(errors: dict[str, str], form: dict[str, Any], status: int = 200):
    try:
        phones, missing_phone = catalogue.complaint_phones(), None
    except RuleBroken as exc:
        phones, missing_phone = None, exc.field
    rows, page, more = forms.page_of(catalogue.notices())
    return render_template("fees/notices.html", **titles(), notices=rows, page=page,
                           more=more, listed=catalogue.to_publish(),
                           retired=catalogue.retired_since_last_notice(), phones=phones,
                           missing_phone=missing_phone, errors=errors, form=form,
                           today=today()), status


@bp.route("/notices")
@requires("fees.read")
def fee_notices():
    return _render_notices({}, {"effective_on": today().isoformat()})


@bp.route("/notices", methods=["POST"])
@requires("fees.catalogue.approve")
@forms.submitted(_render_notices)
def publish_fee_notice():
    notice = catalogue.publish_notice(FeeNoticeSchema().load(
        forms.schema_fields(request.form, ("title", "effective_on", "remarks"))))
    return redirect(url_for("fees_pages.public_fee_notice", notice_id=notice.id))


# --- the public notice ---------------------------------------------------------------------


@bp.route("/public/notice")
@public
def public_fee_notices():
    """The notice in force today (and a newer one still to take effect), then the older
    ones: for anyone, no sign-in; prints on A4."""
    day = today()
    rows, page, more = forms.page_of(catalogue.notices())
    return render_template("fees/notice_public.html", **titles(), school=g.tenant,
                           notice=catalogue.current_notice(day),
                           pending=catalogue.pending_notice(day), history=rows, page=page,
                           more=more, today=day)


@bp.route("/public/notices/<uuid:notice_id>")
@public
def public_fee_notice(notice_id: uuid.UUID):
    """One notice, current or old, as it was published."""
    notice = forms.found(catalogue.get_notice, notice_id)
    day = today()
    current = catalogue.current_notice(day)
    return render_template("fees/notice_public.html", **titles(), school=g.tenant,
                           notice=notice, pending=None, history=None, today=day,
                           current=current, single=True)
