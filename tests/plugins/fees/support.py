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


def paid(school, bill_id: str, amount_fen: int, method: str = "cash",
         received_on: date = date(2026, 9, 10)) -> str:
    """A payment on the bill recorded straight through the service; its id."""
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.services import payments

    with tenant_context(school):
        payment = payments.record(uuid.UUID(bill_id), amount_fen, method, received_on, by="test")
        db.session.commit()
        return str(payment.id)


def receipt_number(seq: int) -> str:
    """The number of a receipt for money received today at the school (the year turns)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return f"{datetime.now(ZoneInfo('Asia/Shanghai')).year}-{seq:06d}"
