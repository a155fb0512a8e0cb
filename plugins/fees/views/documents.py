"""A class's documents printed at once: every student's payment notice, or the receipts of
the term's payments, one per sheet (A5 landscape). A class is a few dozen students; the
services stop at a few hundred sheets."""

from __future__ import annotations

import uuid

from flask import abort, render_template

from core.sdk import db, people, requires, terms, yuan

from ..models import METHOD_TITLES
from ..services import bill_search, receipts
from . import bp
from .billing import payment_titles, term_label


def _place(term_id: uuid.UUID, class_id: uuid.UUID) -> dict:
    """The term and class the address names, both of this school (else a 404)."""
    term = next((t for t in terms() if t.id == term_id), None)
    found = people.classes(ids=[class_id], active=False)
    if term is None or not found:
        abort(404)
    return {"term": term, "class_id": class_id, "class_title": found[0].title}


@bp.route("/terms/<uuid:term_id>/classes/<uuid:class_id>/notices")
@requires("fees.read")
def class_bills_print(term_id: uuid.UUID, class_id: uuid.UUID):
    place = _place(term_id, class_id)
    return render_template("fees/class_notices.html", **place,
                           found=bill_search.issued_of_class(term_id, class_id),
                           limit=bill_search.MAX_SHEETS, term_label=term_label,
                           payment_titles=payment_titles(), yuan=yuan)


@bp.route("/terms/<uuid:term_id>/classes/<uuid:class_id>/receipts")
@requires("fees.read")
def class_receipts_print(term_id: uuid.UUID, class_id: uuid.UUID):
    """The receipts as they stand (not printed yet: a preview; printed: a copy)."""
    place = _place(term_id, class_id)
    return render_template("fees/class_receipts.html", **place,
                           found=receipts.class_receipts(term_id, class_id),
                           limit=receipts.MAX_SHEETS, method_titles=METHOD_TITLES, yuan=yuan)


@bp.route("/terms/<uuid:term_id>/classes/<uuid:class_id>/receipts", methods=["POST"])
@requires("fees.payments.record")
def print_class_receipts(term_id: uuid.UUID, class_id: uuid.UUID):
    """Count a print of each receipt and show them with the browser's print dialog."""
    place = _place(term_id, class_id)
    found = receipts.class_receipts(term_id, class_id, printing=True)
    db.session.commit()
    return render_template("fees/class_receipts.html", **place, found=found,
                           limit=receipts.MAX_SHEETS, method_titles=METHOD_TITLES, yuan=yuan,
                           print_now=True)
