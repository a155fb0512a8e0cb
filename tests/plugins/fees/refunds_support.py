"""Steps the settlement and absence tests share: a published fee item, an issued bill made of
chosen lines, absence refunds switched on."""

import uuid
from datetime import date


def fee_item(school, name: str, category: str, unit: str, amount_fen: int,
             source: str | None = None) -> str:
    """A published fee item (straight into the table: the catalogue is another area)."""
    from core.extensions import db
    from core.tenancy import tenant_context
    from plugins.fees.models import FeeItem

    with tenant_context(school):
        item = FeeItem(name=name, category=category, amount_fen=amount_fen, unit=unit,
                       basis_authority="某市发展和改革委员会", basis_reference="某发改价格〔2026〕1号",
                       voluntary=category == "held", created_by="test", status="published",
                       effective_on=date(2026, 8, 1), source=source)
        db.session.add(item)
        db.session.commit()
        return str(item.id)


def item_line(item_id: str, category: str, quantity: int, unit_price_fen: int):
    from plugins.fees.services.bills import Line

    return Line("charge", "fees", f"item.{item_id}", category, f"项目{category}", quantity,
                unit_price_fen, quantity * unit_price_fen, fee_item_id=uuid.UUID(item_id))


def bill_of(school, term_id: str, student_id: str, *lines) -> str:
    """An issued bill of the student for the term with these ``bills.Line``s; its id."""
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
        bills.replace_draft_lines(bill, list(lines), by="test")
        bills.issue(bill, by="test")
        db.session.commit()
        return str(bill.id)


def money_of(school, bill_id: str):
    from core.tenancy import tenant_context
    from plugins.fees.services import ledger

    with tenant_context(school):
        return ledger.bill_money([uuid.UUID(bill_id)])[uuid.UUID(bill_id)]


def absence_refunds_on(school, on: bool = True) -> None:
    from core.extensions import db
    from core.schools import modules
    from core.tenancy import tenant_context

    with tenant_context(school):
        modules.update_settings("fees", {"absence_refunds": on})
        db.session.commit()
