"""Billing: runs (a job per run, with its progress), bills with their lines and money,
issuing, corrections of issued bills, concessions and voluntary choices."""

from __future__ import annotations

import uuid

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, transactional

from ..schemas.billing import (
    BillAdjustmentSchema,
    BillingRunQuerySchema,
    BillingRunSchema,
    BillIssuedSchema,
    BillIssueSchema,
    BillLineSchema,
    BillQuerySchema,
    BillSchema,
    BillWithLinesSchema,
    BillWriteOffSchema,
    BillWrittenOffSchema,
    ConcessionQuerySchema,
    ConcessionSchema,
    FeeChoiceQuerySchema,
    FeeChoiceSchema,
)
from ..services import billing, bills, concessions
from ..services.billing import with_details, with_job
from . import blp

# --- billing runs --------------------------------------------------------------------------


@blp.route("/billing-runs", methods=["POST"])
@blp.arguments(BillingRunSchema)
@blp.response(202, BillingRunSchema)
@requires("fees.billing.run")
@transactional
def start_billing_run(data):
    """Bill a term for the school, a grade or a class as a job; poll the run (or
    ``/api/v1/jobs/<job_id>``) for its progress. 404 for an unknown term, 409 while nothing
    is published to bill ("publish before you charge")."""
    run = billing.start_run(data["term_id"], data["scope"], data["scope_id"], data["issue"])
    return with_job([run])[0]


@blp.route("/billing-runs")
@blp.arguments(BillingRunQuerySchema, location="query")
@blp.response(200, BillingRunSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_billing_runs(query, pagination_parameters):
    return with_job(page_of(billing.runs(query["term_id"]), pagination_parameters))


@blp.route("/billing-runs/<uuid:billing_run_id>")
@blp.response(200, BillingRunSchema)
@requires("fees.read")
@transactional
def get_billing_run(billing_run_id: uuid.UUID):
    return with_job([billing.get_run(billing_run_id)])[0]


# --- bills ---------------------------------------------------------------------------------


@blp.route("/bills")
@blp.arguments(BillQuerySchema, location="query")
@blp.response(200, BillSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_bills(query, pagination_parameters):
    """Bills by class, with what is paid and owed on the issued ones; ``q`` finds a student's
    by part of the name or the start of the student number."""
    return with_details(page_of(billing.bills_of(query["term_id"], query["class_id"],
                                                 query["status"], query["q"]),
                                pagination_parameters))


@blp.route("/bills/<uuid:bill_id>")
@blp.response(200, BillWithLinesSchema)
@requires("fees.read")
@transactional
def get_bill(bill_id: uuid.UUID):
    """One bill with its lines and its money."""
    return with_details([bills.get_bill(bill_id)], lines=True)[0]


@blp.route("/bills/issue", methods=["POST"])
@blp.arguments(BillIssueSchema)
@blp.response(200, BillIssuedSchema)
@requires("fees.billing.run")
@transactional
def issue_bills(data):
    """Issue the term's draft bills of the school, a grade or a class: their lines are
    charged to the ledger and they no longer change."""
    return {"issued": billing.issue_scope(data["term_id"], data["scope"], data["scope_id"])}


@blp.route("/bills/<uuid:bill_id>/adjustments", methods=["POST"])
@blp.arguments(BillAdjustmentSchema)
@blp.response(201, BillLineSchema)
@requires("fees.adjust")
@transactional
def adjust_bill(data, bill_id: uuid.UUID):
    """Correct an issued bill by one adjustment line, charged at once."""
    return billing.adjust_by_hand(bill_id, data)


@blp.route("/bills/<uuid:bill_id>/write-off", methods=["POST"])
@blp.arguments(BillWriteOffSchema)
@blp.response(201, BillWrittenOffSchema)
@requires("fees.adjust")
@transactional
def write_off_bill(data, bill_id: uuid.UUID):
    """Write off what is still owed on an issued bill (only a positive balance)."""
    return billing.write_off(bill_id, data["reason"])


# --- concessions and choices ---------------------------------------------------------------


@blp.route("/concessions")
@blp.arguments(ConcessionQuerySchema, location="query")
@blp.response(200, ConcessionSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_concessions(query, pagination_parameters):
    return page_of(concessions.concessions(query["term_id"], query["student_id"]),
                   pagination_parameters, dumped_by=ConcessionSchema)


@blp.route("/concessions", methods=["POST"])
@blp.arguments(ConcessionSchema)
@blp.response(201, ConcessionSchema)
@requires("fees.concessions.manage")
@transactional
def grant_concession(data):
    """Grant a discount or a waiver; it counts from the next billing run."""
    return concessions.grant(data)


@blp.route("/concessions/<uuid:concession_id>/revoke", methods=["POST"])
@blp.response(200, ConcessionSchema)
@requires("fees.concessions.manage")
@transactional
def revoke_concession(concession_id: uuid.UUID):
    return concessions.revoke(concession_id)


@blp.route("/fee-choices")
@blp.arguments(FeeChoiceQuerySchema, location="query")
@blp.response(200, FeeChoiceSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("fees.read")
def list_fee_choices(query, pagination_parameters):
    return page_of(concessions.choices(query["term_id"], query["student_id"]),
                   pagination_parameters, dumped_by=FeeChoiceSchema)


@blp.route("/fee-choices", methods=["POST"])
@blp.arguments(FeeChoiceSchema)
@blp.response(201, FeeChoiceSchema)
@requires("fees.concessions.manage")
@transactional
def record_fee_choice(data):
    """Record that a student takes a voluntary item for the term (again: a new quantity)."""
    return concessions.choose(data)


@blp.route("/fee-choices/<uuid:choice_id>", methods=["DELETE"])
@blp.response(204)
@requires("fees.concessions.manage")
@transactional
def remove_fee_choice(choice_id: uuid.UUID):
    concessions.unchoose(choice_id)
