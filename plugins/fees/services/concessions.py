"""Concessions (减免) and voluntary choices: what billing takes off a student's bill, and
which voluntary items a guardian said yes to. Both count from the next billing run; a
concession is revoked, never deleted."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from core.sdk import RuleBroken, _, db, first_writer, people, utcnow

from ..models import Concession, FeeChoice
from . import catalogue, who
from .billing import term_facts


def get_student(student_id: uuid.UUID) -> people.StudentRef:
    found = people.students([student_id])
    if not found:
        raise RuleBroken(_("no such student in this school"), "student_id", status=404)
    return found[0]


# --- concessions ---------------------------------------------------------------------------


def grant(data: dict[str, Any], by: str | None = None) -> Concession:
    """Grant a discount (a percentage or a fixed amount) or a waiver for one student and
    term, on one item or on every item of a category, with its basis and reason."""
    term_facts(data["term_id"])
    get_student(data["student_id"])
    if data.get("fee_item_id") is not None:
        catalogue.get_item(data["fee_item_id"])
    concession = Concession(
        term_id=data["term_id"], student_id=data["student_id"],
        fee_item_id=data.get("fee_item_id"), category=data.get("category"), kind=data["kind"],
        basis=data["basis"], percent=data.get("percent"), amount_fen=data.get("amount_fen"),
        reason=data["reason"], approved_by=who(by))
    db.session.add(concession)
    db.session.flush()
    return concession


def get_concession(concession_id: uuid.UUID) -> Concession:
    concession = db.session.scalar(select(Concession).where(Concession.id == concession_id))
    if concession is None:
        raise RuleBroken(_("no such concession in this school"), "concession_id", status=404)
    return concession


def revoke(concession_id: uuid.UUID, by: str | None = None) -> Concession:
    """Revoke a concession: the next billing run bills without it (an issued bill gets an
    adjustment)."""
    concession = get_concession(concession_id)
    if concession.revoked_at is not None:
        raise RuleBroken(_("this concession is revoked already"), "concession_id", status=409)
    concession.revoked_at, concession.revoked_by = utcnow(), who(by)
    db.session.flush()
    return concession


def concessions(term_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None,
                revoked: bool = True) -> Select:
    query = select(Concession).order_by(Concession.created_at.desc(), Concession.id)
    if term_id is not None:
        query = query.where(Concession.term_id == term_id)
    if student_id is not None:
        query = query.where(Concession.student_id == student_id)
    return query if revoked else query.where(Concession.revoked_at.is_(None))


# --- voluntary choices ---------------------------------------------------------------------


def choose(data: dict[str, Any], by: str | None = None) -> FeeChoice:
    """Record that a student takes a published item for the term (with how many, for an
    item billed per item); recording it again changes the quantity."""
    term_facts(data["term_id"])
    get_student(data["student_id"])
    item = catalogue.get_item(data["fee_item_id"])
    if item.status != "published":
        raise RuleBroken(_("only a published item can be chosen"), "fee_item_id", status=409)
    def chosen() -> FeeChoice | None:
        return db.session.scalar(select(FeeChoice).where(
            FeeChoice.term_id == data["term_id"], FeeChoice.student_id == data["student_id"],
            FeeChoice.fee_item_id == item.id).execution_options(populate_existing=True))

    choice = chosen()
    if choice is None:  # chosen on two screens at once: one row, the later values
        choice = first_writer(FeeChoice(term_id=data["term_id"], student_id=data["student_id"],
                                        fee_item_id=item.id, quantity=data["quantity"],
                                        recorded_by=who(by), recorded_at=utcnow()),
                              winner=chosen)
    choice.quantity, choice.recorded_by, choice.recorded_at = data["quantity"], who(by), utcnow()
    db.session.flush()
    return choice


def get_choice(choice_id: uuid.UUID) -> FeeChoice:
    choice = db.session.scalar(select(FeeChoice).where(FeeChoice.id == choice_id))
    if choice is None:
        raise RuleBroken(_("no such choice in this school"), "choice_id", status=404)
    return choice


def unchoose(choice_id: uuid.UUID) -> None:
    """Remove a choice: the next billing run no longer bills the item to the student."""
    db.session.delete(get_choice(choice_id))
    db.session.flush()


def choices(term_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None) -> Select:
    query = select(FeeChoice).order_by(FeeChoice.recorded_at.desc(), FeeChoice.id)
    if term_id is not None:
        query = query.where(FeeChoice.term_id == term_id)
    if student_id is not None:
        query = query.where(FeeChoice.student_id == student_id)
    return query
