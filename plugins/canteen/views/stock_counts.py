"""Stock counts: the sheet (on a phone, or printed blank for paper), its entry, the results."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.sdk import _, current_principal, forms, requires

from ..schemas.stock import CountLineSchema, CountSchema
from ..services import stock, stock_counts, today
from . import bp
from .stock import stock_common


def _render_sheet(errors: dict[str, str], form: dict, status: int = 200):
    lots = stock.on_hand()
    foods: dict[tuple[str, str], list] = {}
    for lot in lots:
        foods.setdefault((lot.food, lot.unit), []).append(lot)
    return render_template("canteen/stock_count_sheet.html", **stock_common(), foods=foods,
                           blind=request.args.get("blind") == "1", today=today(),
                           errors=errors, form=form), status


@bp.route("/stock/count")
@requires("canteen.read")
def count_sheet():
    """The sheet: every lot on hand with a box for what is found. ``?blind=1`` leaves out the
    book quantities, for a count that is not led by them."""
    return _render_sheet({}, {"counted_by": current_principal().name,
                              "day": today().isoformat()})


def _lines(form: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
    """The lots given a counted quantity, as the form has them (a box left empty is a lot not
    counted), and the refusals by box, each line checked alone so the message lands by it."""
    lines, errors = [], {}
    for key, value in form.items():
        if not key.startswith("counted-") or not value.strip():
            continue
        lot_id = key.removeprefix("counted-")
        line = {"lot_id": lot_id, "counted": value.strip()}
        if form.get(f"book-{lot_id}", "").strip():
            line["book"] = form[f"book-{lot_id}"].strip()
        try:
            CountLineSchema().load(line)
        except ValidationError as exc:
            errors[key] = " ".join(forms.form_errors(exc).values())
        lines.append(line)
    return lines, errors


def _refused_count(errors: dict[str, str], form: dict, status: int):
    lines, _errors = _lines(form)
    for key in [k for k in errors if k.startswith("lines.")]:
        number = int(key.split(".")[1])  # lines.<n>.book: by that lot's box
        errors[f"counted-{lines[number]['lot_id']}"] = errors.pop(key)
    return _render_sheet(errors, form, status)


@bp.route("/stock/count", methods=["POST"])
@requires("canteen.stock.count")
@forms.submitted(_refused_count)
def record_count():
    form = request.form.to_dict()
    lines, errors = _lines(form)
    if not lines:
        errors["lines"] = _("write what was found of at least one lot")
    if errors:
        raise ValidationError(errors)
    fields = forms.schema_fields(form, ("day", "counted_by", "note"),
                                 optional=("day", "counted_by"))
    count = stock_counts.record_count(CountSchema().load({**fields, "lines": lines}))
    return redirect(url_for("canteen_pages.count_result", stock_count_id=count.id))


@bp.route("/stock/counts")
@requires("canteen.read")
def counts():
    rows, page, has_next = forms.page_of(stock_counts.counts_query())
    return render_template("canteen/stock_counts.html", **stock_common(), counts=rows,
                           page=page, has_next=has_next)


@bp.route("/stock/counts/<uuid:stock_count_id>")
@requires("canteen.read")
def count_result(stock_count_id: uuid.UUID):
    result = forms.found(stock_counts.count_result, stock_count_id)
    return render_template("canteen/stock_count.html", **stock_common(), count=result)
