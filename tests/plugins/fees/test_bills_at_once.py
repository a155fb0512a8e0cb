"""On PostgreSQL (mandatory in CI) a term's drafts are written in one statement (``bills_at_once``); what it
writes must be what ``create_bills`` writes a row at a time on every database: the same
bills, lines in the same order, and the same audit events."""

import uuid

import pytest
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.exc import ProgrammingError

from core.audit import Actor, AuditEvent, acting_as
from core.db import utcnow
from core.extensions import db
from core.tenancy import tenant_context
from plugins.fees.models import Bill, BillLine, LedgerEntry
from plugins.fees.services import bills, ledger
from plugins.fees.services.bills import Line, NewBill

from .support import classroom, issued_bill

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(app_factory, houqin_postgres):
    app = app_factory(database=houqin_postgres)
    with app.app_context():
        yield app

ITEM = uuid.uuid4()
TUITION = Line("charge", "fees", f"item:{ITEM}", "tuition", "学费", 1, 120000, 120000,
               fee_item_id=ITEM)
MEALS = Line("charge", "canteen", "canteen:meals.full", "meals", "伙食, 101 天", 101, 1200,
             121200)
SUBSIDY = Line("discount", "canteen", "canteen:subsidy.rural", "meals", "营养餐补助", 101,
               -400, -40400)
WAIVER = Line("waiver", "fees", f"concession:{uuid.uuid4().hex}:{ITEM.hex}", "tuition",
              "减免 " + "很长的说明" * 50, 1, -120000, -120000, fee_item_id=ITEM,
              reason="低保家庭 (民政证明)")


def _written(term_id: uuid.UUID) -> list[tuple]:
    """Each bill of the term with its lines and its audit event, ids left out."""
    found = []
    for bill in db.session.scalars(select(Bill).where(Bill.term_id == term_id)
                                   .order_by(Bill.student_id)):
        lines = db.session.scalars(select(BillLine).where(BillLine.bill_id == bill.id)
                                   .order_by(BillLine.created_at, BillLine.id)).all()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "fees_bills",
                                                           AuditEvent.entity_id == str(bill.id)))
        after = dict(event.after)
        assert after.pop("id") == str(bill.id) and after.pop("term_id") == str(term_id)
        assert after.pop("generated_at") == bill.generated_at.isoformat()
        assert after.pop("issued_at") == (bill.issued_at.isoformat() if bill.issued_at else None)
        charged = db.session.scalars(select(LedgerEntry).where(LedgerEntry.bill_id == bill.id)
                                     .order_by(LedgerEntry.id)).all()
        assert [(line["id"], line["code"], line["amount_fen"]) for line in after.pop("lines")] \
            == [(str(line.id), line.code, line.amount_fen) for line in lines]
        found.append((
            bill.student_id, bill.class_id, bill.status, bill.total_fen, bill.version,
            [(line.kind, line.source, line.code, line.fee_item_id, line.category,
              line.description, line.quantity, line.unit_price_fen, line.amount_fen,
              line.reason, line.created_by, line.created_at == bill.generated_at)
             for line in lines],
            [(entry.student_id, entry.kind, entry.amount_fen,
              [line.id for line in lines].index(entry.bill_line_id), entry.reason, entry.day,
              entry.created_by) for entry in charged],
            (event.action, event.source, event.user_id, event.before, after)))
    return found


def _ledger_events(term_id: uuid.UUID) -> list[tuple]:
    """The term's ledger batch events, checked against the entries they name."""
    entries = db.session.scalars(select(LedgerEntry).join(Bill, Bill.id == LedgerEntry.bill_id)
                                 .where(Bill.term_id == term_id).order_by(LedgerEntry.id)).all()
    if not entries:
        return []
    first, last = str(entries[0].id), str(entries[-1].id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "fees_ledger",
                                                       AuditEvent.entity_id == first))
    assert (event.after["first_id"], event.after["last_id"]) == (first, last)
    return [(event.action, event.source, event.after["entries"], event.after["amount_fen"])]


@pytest.mark.parametrize("issue", [False, True], ids=["drafts", "issued"])
def test_one_statement_writes_what_row_by_row_writes(school, issue):
    class_id, pupils = classroom(school, "1班", students=4)
    shared = [TUITION, MEALS, SUBSIDY]  # two students share one list, as billing shares it
    wanted = [shared, shared, [TUITION, WAIVER, MEALS], []]
    at_once, row_by_row = uuid.uuid4(), uuid.uuid4()
    with tenant_context(school), acting_as(Actor(user_id=None, source="job")):
        for term_id, write in ((at_once, lambda new, by: bills.create_bills(new, by, issue)),
                               (row_by_row, lambda new, by: bills.create_row_by_row(
                                   new, by, utcnow(), issue))):
            new = [NewBill(term_id, uuid.UUID(pupil), uuid.UUID(class_id), lines)
                   for pupil, lines in zip(pupils, wanted, strict=True)]
            ids = write(new, "会计")
            assert len(set(ids)) == 4
        db.session.commit()
        one, other = _written(at_once), _written(row_by_row)
        events = _ledger_events(at_once), _ledger_events(row_by_row)
        problems = ledger.reconcile()
        db.session.rollback()
    assert one == other
    assert events[0] == events[1] == ([("create", "job", 9, 2 * 200800 + 121200)] if issue
                                      else [])
    assert problems == []
    assert {bill[2] for bill in one} == {"issued" if issue else "draft"}
    assert sum(len(bill[6]) for bill in one) == (9 if issue else 0)
    assert [bill[3] for bill in sorted(one, key=lambda b: pupils.index(str(b[0])))] == [
        120000 + 121200 - 40400, 120000 + 121200 - 40400, 121200, 0]
    assert len(one[0][5]) + len(one[1][5]) + len(one[2][5]) + len(one[3][5]) == 9
    waived = next(bill for bill in one if len(bill[5]) == 3 and bill[5][1][0] == "waiver")
    assert len(waived[5][1][5]) == 200 and waived[5][1][9] == "低保家庭 (民政证明)"


def test_the_app_may_remove_a_line_but_never_change_one(school, houqin_postgres):
    _class, (pupil,) = classroom(school, "1班", students=1)
    bill_id = issued_bill(school, str(uuid.uuid4()), pupil, 5000)
    engine = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    scope = "SELECT set_config('houqin.tenant_id', :t, true)"
    try:
        with pytest.raises(ProgrammingError, match="permission denied"), \
                engine.begin() as connection:
            connection.execute(text(scope), {"t": str(school.id)})
            connection.execute(text("UPDATE fees_bill_lines SET amount_fen = 1"))
        with engine.begin() as connection:  # rolled back: the ledger still names the line
            connection.execute(text(scope), {"t": str(school.id)})
            removed = connection.execute(text("DELETE FROM fees_bill_lines WHERE bill_id = :b"),
                                         {"b": bill_id}).rowcount
            connection.rollback()
    finally:
        engine.dispose()
    assert removed == 1
