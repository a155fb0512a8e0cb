"""Small steps the fee module's tests share: a class of students, and a bill issued straight
through the services (for tests of what comes after billing)."""

import uuid
from datetime import date

from tests.plugins.canteen.support import classroom  # noqa: F401  (one way to make classes)


def issued_bill(school, term_id: str, student_id: str, *amounts_fen: int,
                category: str = "tuition") -> str:
    """An issued bill for the student with one charge line per amount; its id."""
    from sqlalchemy import select

    from core.extensions import db
    from core.people.models import Student
    from core.tenancy import tenant_context
    from plugins.fees.models import Bill
    from plugins.fees.services import bills

    with tenant_context(school):
        student = db.session.scalar(select(Student).where(Student.id == uuid.UUID(student_id)))
        bill = Bill(term_id=uuid.UUID(term_id), student_id=student.id, class_id=student.class_id)
        db.session.add(bill)
        db.session.flush()
        bills.replace_draft_lines(bill, [
            bills.Line("charge", "fees", f"test.{n}", category, f"费用{n}", 1, amount, amount)
            for n, amount in enumerate(amounts_fen)], by="test")
        bills.issue(bill, by="test")
        db.session.commit()
        return str(bill.id)


def on(day: date) -> str:
    return day.isoformat()


# --- test setup: published items -----------------------------------------------------------
# The catalogue and its notice are built on another branch; until they are here, billing's
# tests publish items straight into the tables as a published notice would leave them.


def published(school, *items: dict, effective_on: date = date(2026, 8, 20)) -> list[str]:
    """TEST SETUP: fee items written as published by one notice, billable from
    ``effective_on``; each dict overrides the defaults (a tuition of ¥1,200 per term for the
    whole school). Returns their ids in the order given."""
    from sqlalchemy import func, select

    from core.db import uuid7
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.models import FeeItem, FeeNotice

    with tenant_context(school):
        number = (db.session.scalar(select(func.max(FeeNotice.number))) or 0) + 1
        notice_id = uuid7()
        rows = []
        for n, overrides in enumerate(items):
            values = {"name": f"项目{n}", "category": "tuition", "amount_fen": 120000,
                      "unit": "term", "basis_authority": "市发改委", "basis_reference": "价〔2026〕1号",
                      "voluntary": False, "applies_to": "school", "applies_ids": [],
                      "source": None, **overrides}
            values["applies_ids"] = [str(i) for i in values["applies_ids"]]
            rows.append(FeeItem(**values, status="published", created_by="test",
                                approved_by="test", notice_id=notice_id,
                                effective_on=effective_on))
        # A notice is never changed once written (append-only): it lists its items at once.
        db.session.add(FeeNotice(id=notice_id, number=number, title=f"收费公示（第{number}号）",
                                 effective_on=effective_on, phones={}, published_by="test",
                                 items=[{"name": r.name, "amount_fen": r.amount_fen}
                                        for r in rows]))
        db.session.add_all(rows)
        db.session.commit()
        return [str(r.id) for r in rows]
