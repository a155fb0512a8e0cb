"""Any canteen register as .xlsx, from the link on its page."""

from __future__ import annotations

from flask import abort, request
from marshmallow import ValidationError

from core.sdk import RuleBroken, db, forms, requires, school_today

from .. import exports
from ..schemas import PeriodSchema
from . import bp


@bp.route("/exports/<name>.xlsx")
@requires("canteen.read")
def export_register(name: str):
    """``start`` and ``end`` default to the first of this month and today."""
    today = school_today()
    asked = {"start": request.args.get("start") or today.replace(day=1).isoformat(),
             "end": request.args.get("end") or today.isoformat()}
    try:
        response = exports.xlsx_response(name, **PeriodSchema().load(asked))
    except (ValidationError, RuleBroken) as exc:
        status = forms.refusal_status(exc)
        abort(status, "; ".join(f"{k}: {v}" for k, v in forms.form_errors(exc).items()))
    db.session.commit()
    return response
