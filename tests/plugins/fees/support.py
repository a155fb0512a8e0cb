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


def published(school, *items: dict, effective_on: date | None = None) -> list[str]:
    """Fee items drafted, approved and published on a notice through the catalogue's
    services, billable from ``effective_on`` (today at the school unless given); each dict
    overrides the defaults (a tuition of ¥1,200 per term for the whole school). Returns
    their ids in the order given. Fills in the complaint phones a notice needs."""
    from core.extensions import db
    from core.schools import modules
    from core.sdk import module_settings
    from core.sdk import school_today as today
    from core.tenancy import tenant_context
    from plugins.fees.services import catalogue

    with tenant_context(school):
        current = module_settings("fees")
        modules.update_settings("fees", {
            **current, "bureau_phone": current.get("bureau_phone") or "0591-12345",
            "school_phone": current.get("school_phone") or "0591-67890"})
        made = [catalogue.create_item({
            "name": f"项目{n}", "category": "tuition", "amount_fen": 120000, "unit": "term",
            "basis_authority": "市发改委", "basis_reference": "价〔2026〕1号", **overrides},
            by="test") for n, overrides in enumerate(items)]
        for item in made:
            catalogue.approve_item(item.id, item.version, by="test")
        catalogue.publish_notice({"effective_on": effective_on or today()}, by="test")
        db.session.commit()
        return [str(item.id) for item in made]
