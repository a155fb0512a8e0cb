"""Billing pages: a term's bills by class with what is paid, one bill (printable) with its
corrections, billing the term with the job's progress bar, and concessions with voluntary
choices. Amounts are typed in yuan and shown in yuan; the services work in fen."""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, render_template, request, url_for

from core.sdk import (
    RuleBroken,
    TermRef,
    _,
    db,
    forms,
    job_state,
    people,
    requires,
    terms,
    whole_fen,
    yuan,
)

from ..models import (
    CATEGORY_TITLES,
    CONCESSION_BASES,
    CONCESSION_BASIS_TITLES,
    CONCESSION_KIND_TITLES,
    CONCESSION_KINDS,
    RUN_SCOPE_TITLES,
    RUN_SCOPES,
)
from ..schemas.billing import BillAdjustmentSchema, ConcessionSchema, FeeChoiceSchema
from ..services import bill_search, billing, bills, catalogue, concessions, today
from ..services.bill_search import PAID_STATES
from ..services.billing import with_details, with_job
from . import bp


def payment_titles() -> dict[str, str]:
    return {"unpaid": _("unpaid"), "partly_paid": _("partly paid"), "paid": _("paid"),
            "overpaid": _("overpaid"), "draft": _("draft")}


def term_label(term: TermRef) -> str:
    """A term as lists show it: its name and its dates (names repeat from year to year)."""
    return f"{term.name} ({term.start_date.isoformat()} – {term.end_date.isoformat()})"


def _chosen_term(found: list[TermRef]) -> TermRef | None:
    """The term named in the address, else the one under way today, else the latest."""
    wanted = request.values.get("term_id", "")
    on = today()
    return (next((t for t in found if str(t.id) == wanted), None)
            or next((t for t in found if t.start_date <= on <= t.end_date), None)
            or (found[-1] if found else None))


def _common(**extra) -> dict[str, Any]:
    found = terms()
    classes = people.classes()
    return {"terms": found[::-1], "term": _chosen_term(found), "term_label": term_label,
            "classes": classes,
            "class_titles": {c.id: c.title for c in people.classes(active=False)},
            "yuan": yuan, "payment_titles": payment_titles(), "category_titles": CATEGORY_TITLES,
            **extra}


# --- a term's bills ------------------------------------------------------------------------


@bp.route("/bills", endpoint="bills")
@requires("fees.read")
def bills_page():
    """The term's totals by class, and the bills found by student (name or number), class
    and how they are paid: one page of them at a time."""
    context = _common()
    term, chosen = context["term"], None
    totals, rows, more, page = [], [], False, 1
    wanted = {"q": request.args.get("q", "").strip()[:50],
              "paid": request.args.get("paid", "") if request.args.get("paid") in PAID_STATES
              else ""}
    if term is not None:
        totals = billing.class_totals(term.id)
        class_id = request.args.get("class_id", "")
        chosen = next((c for c in context["classes"] if str(c.id) == class_id), None)
        if chosen is not None or wanted["q"] or wanted["paid"]:
            rows, page, more = forms.page_of(bill_search.search(
                term.id, wanted["q"], chosen.id if chosen else None, wanted["paid"]))
            with_details(rows)
    return render_template("fees/billing_bills.html", **context, totals=totals, chosen=chosen,
                           rows=rows, page=page, more=more, wanted=wanted,
                           searched=bool(chosen or wanted["q"] or wanted["paid"]),
                           paid_states=PAID_STATES,
                           paid_titles={"owing": _("owing (unpaid or partly paid)"),
                                        **payment_titles()})


def _render_bill(bill_id: uuid.UUID, errors: dict[str, str], form: dict[str, str],
                 status: int = 200):
    bill = forms.found(bills.get_bill, bill_id)
    with_details([bill], lines=True)
    granted = db.session.scalars(concessions.concessions(bill.term_id, bill.student_id)).all()
    term = next((t for t in terms() if t.id == bill.term_id), None)
    return render_template(
        "fees/billing_bill.html", bill=bill, term=term, term_label=term_label, granted=granted,
        errors=errors,
        form=form, yuan=yuan, payment_titles=payment_titles(),
        class_title=next((c.title for c in people.classes([bill.class_id], active=False)), ""),
        kind_titles=CONCESSION_KIND_TITLES, basis_titles=CONCESSION_BASIS_TITLES,
        category_titles=CATEGORY_TITLES), status


@bp.route("/bills/<uuid:bill_id>")
@requires("fees.read")
def bill(bill_id: uuid.UUID):
    return _render_bill(bill_id, {}, {})


def _refused_adjustment(errors: dict[str, str], form: dict, status: int, bill_id: uuid.UUID):
    if "amount_fen" in errors:  # the page asks for yuan
        errors["amount"] = errors.pop("amount_fen")
    return _render_bill(bill_id, errors, form, status)


@bp.route("/bills/<uuid:bill_id>/adjust", methods=["POST"])
@requires("fees.adjust")
@forms.submitted(_refused_adjustment)
def adjust_bill(bill_id: uuid.UUID):
    found = forms.found(bills.get_bill, bill_id)
    form = request.form
    amount = whole_fen(form.get("amount", ""))
    if amount is None:
        raise RuleBroken(_("an amount in yuan, such as -12.50"), "amount")
    data = BillAdjustmentSchema().load({"amount_fen": amount,
                                        "reason": form.get("reason", "").strip(),
                                        "description": form.get("description", "").strip()})
    billing.adjust_by_hand(found.id, data)
    return redirect(url_for("fees_pages.bill", bill_id=found.id))


@bp.route("/bills/<uuid:bill_id>/write-off", methods=["POST"])
@requires("fees.adjust")
@forms.submitted(lambda errors, form, status, bill_id: _render_bill(bill_id, errors, form,
                                                                     status), prefix="off_")
def write_off_bill(bill_id: uuid.UUID):
    found = forms.found(bills.get_bill, bill_id)
    billing.write_off(found.id, request.form.get("reason", "").strip())
    return redirect(url_for("fees_pages.bill", bill_id=found.id))


# --- billing the term ----------------------------------------------------------------------


def _render_billing(errors: dict[str, str], form: dict[str, str], status: int = 200):
    context = _common()
    grades = {c.grade_id: c.grade for c in context["classes"]}
    term = context["term"]
    recent = with_job(db.session.scalars(billing.runs(term.id if term else None)
                                         .limit(10)).all())
    return render_template("fees/billing.html", **context, grades=grades, scopes=RUN_SCOPES,
                           scope_titles=RUN_SCOPE_TITLES, recent=recent, errors=errors, form=form,
                           billable=catalogue.billable_items(today())), status


@bp.route("/billing", endpoint="billing")
@requires("fees.billing.run")
def billing_page():
    return _render_billing({}, {})


def _scope_of(form: dict[str, str]) -> tuple[uuid.UUID, str, uuid.UUID | None]:
    """The term, scope and grade or class a billing form names."""
    try:
        term_id = uuid.UUID(form.get("term_id", ""))
    except ValueError:
        raise RuleBroken(_("choose a term"), "term_id") from None
    scope = form.get("scope", "school")
    if scope not in RUN_SCOPES:
        raise RuleBroken(_("choose what to bill"), "scope")
    chosen = form.get({"grade": "grade_id", "class": "class_id"}.get(scope, ""), "")
    try:
        scope_id = uuid.UUID(chosen) if chosen else None
    except ValueError:
        scope_id = None
    return term_id, scope, scope_id


@bp.route("/billing", methods=["POST"])
@requires("fees.billing.run")
@forms.submitted(_render_billing, picked=("scope_id",))  # a grade or class gone meanwhile
def start_billing():
    form = request.form
    term_id, scope, scope_id = _scope_of(form)
    run = billing.start_run(term_id, scope, scope_id, issue="issue" in form)
    return redirect(url_for("fees_pages.billing_run", billing_run_id=run.id))


@bp.route("/billing/issue", methods=["POST"])
@requires("fees.billing.run")
@forms.submitted(_render_billing, picked=("scope_id",))
def issue_bills():
    term_id, scope, scope_id = _scope_of(request.form)
    billing.issue_scope(term_id, scope, scope_id)
    return redirect(url_for("fees_pages.bills", term_id=term_id))


def _run_context(billing_run_id: uuid.UUID) -> dict[str, Any]:
    run = forms.found(billing.get_run, billing_run_id)
    state = job_state(run.job_id) if run.job_id else None
    return {"billing_run": run, "run": state, "done": state is None or state.done,
            "term": next((t for t in terms() if t.id == run.term_id), None),
            "term_label": term_label,
            "scope_titles": RUN_SCOPE_TITLES,
            "poll_url": url_for("fees_pages.billing_run_progress", billing_run_id=run.id)}


@bp.route("/billing/runs/<uuid:billing_run_id>")
@requires("fees.read")
def billing_run(billing_run_id: uuid.UUID):
    return render_template("fees/billing_run.html", **_run_context(billing_run_id))


@bp.route("/billing/runs/<uuid:billing_run_id>/progress")
@requires("fees.read")
def billing_run_progress(billing_run_id: uuid.UUID):
    """The progress bar and, once done, what the run did: htmx polls this fragment."""
    return render_template("fees/billing_run_status.html", **_run_context(billing_run_id))


# --- concessions and choices ---------------------------------------------------------------


def _student_by_number(number: str) -> people.StudentRef:
    found = next((s for s in people.students() if s.student_no == number.strip()), None)
    if found is None:
        raise RuleBroken(_("no student has this number"), "student_no")
    return found


def _render_concessions(errors: dict[str, str], form: dict[str, str], status: int = 200):
    context = _common()
    term = context["term"]
    granted, chosen, students = [], [], {}
    if term is not None:
        granted = db.session.scalars(concessions.concessions(term.id).limit(500)).all()
        chosen = db.session.scalars(concessions.choices(term.id).limit(500)).all()
        students = {s.id: s for s in people.students(
            {c.student_id for c in granted} | {c.student_id for c in chosen})}
    items = catalogue.billable_items(today())
    return render_template(
        "fees/billing_concessions.html", **context, granted=granted, chosen=chosen,
        students=students, items=items, item_names={i.id: i.name for i in items},
        kinds=CONCESSION_KINDS, kind_titles=CONCESSION_KIND_TITLES, bases=CONCESSION_BASES,
        basis_titles=CONCESSION_BASIS_TITLES, errors=errors,
        form={"student_no": request.args.get("student_no", ""), **form}), status


@bp.route("/concessions", endpoint="concessions")
@requires("fees.read")
def concessions_page():
    return _render_concessions({}, {})


def _concession_data(form: dict[str, str]) -> dict[str, Any]:
    """What the concession form holds, as ``ConcessionSchema`` loads it."""
    student = _student_by_number(form.get("student_no", ""))
    target, _sep, value = form.get("target", "").partition(":")
    amount = form.get("amount", "").strip()
    fen = whole_fen(amount) if amount else None
    if amount and fen is None:
        raise RuleBroken(_("an amount in yuan, such as 200 or 12.50"), "amount")
    percent = form.get("percent", "").strip()
    return {"term_id": form.get("term_id"), "student_id": str(student.id),
            "fee_item_id": value if target == "item" else None,
            "category": value if target == "category" else None,
            "kind": form.get("kind"), "basis": form.get("basis"),
            "percent": int(percent) if percent.isdigit() else (percent or None),
            "amount_fen": fen, "reason": form.get("reason", "").strip()}


def _refused_concession(errors: dict[str, str], form: dict, status: int):
    """Errors by the inputs typed: yuan for fen, one "target" for an item or a category."""
    if "amount_fen" in errors:
        errors["amount"] = errors.pop("amount_fen")
    if "fee_item_id" in errors or "category" in errors:
        errors["target"] = errors.pop("fee_item_id", None) or errors.pop("category")
    return _render_concessions(errors, form, status)


# A student, item or term chosen in these forms that is not found is the form's error, not a
# missing page.
@bp.route("/concessions", methods=["POST"])
@requires("fees.concessions.manage")
@forms.submitted(_refused_concession, picked=True)
def grant_concession():
    form = request.form.to_dict()
    concessions.grant(ConcessionSchema().load(_concession_data(form)))
    return redirect(url_for("fees_pages.concessions", term_id=form.get("term_id")))


@bp.route("/concessions/<uuid:concession_id>/revoke", methods=["POST"])
@requires("fees.concessions.manage")
@forms.submitted(lambda errors, form, status, concession_id: _render_concessions(errors, {},
                                                                                 status))
def revoke_concession(concession_id: uuid.UUID):
    found = forms.found(concessions.get_concession, concession_id)
    concessions.revoke(found.id)
    return redirect(url_for("fees_pages.concessions", term_id=found.term_id))


@bp.route("/choices", methods=["POST"])
@requires("fees.concessions.manage")
@forms.submitted(lambda errors, form, status: _render_concessions(  # the choice's own input
    {("choice_student_no" if k == "student_no" else k): v for k, v in errors.items()}, form,
    status), picked=True)
def record_choice():
    form = request.form.to_dict()
    student = _student_by_number(form.get("choice_student_no", ""))
    quantity = form.get("quantity", "1").strip() or "1"
    concessions.choose(FeeChoiceSchema().load({
        "term_id": form.get("term_id"), "student_id": str(student.id),
        "fee_item_id": form.get("fee_item_id"),
        "quantity": int(quantity) if quantity.isdigit() else quantity}))
    return redirect(url_for("fees_pages.concessions", term_id=form.get("term_id")))


@bp.route("/choices/<uuid:choice_id>/remove", methods=["POST"])
@requires("fees.concessions.manage")
@forms.submitted(lambda errors, form, status, choice_id: _render_concessions(errors, {},
                                                                             status))
def remove_choice(choice_id: uuid.UUID):
    found = forms.found(concessions.get_choice, choice_id)
    term_id = found.term_id
    concessions.unchoose(found.id)
    return redirect(url_for("fees_pages.concessions", term_id=term_id))
