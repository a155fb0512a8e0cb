"""Billing a term: a job bills the published items by their units, voluntary items only when
chosen, the canteen's meal lines through the charge-source hook once a published item has the
canteen as its source, concessions as negative lines; billing again changes nothing, and an
issued bill is corrected by one adjustment per changed line."""

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from core.calendar.services import school_days
from core.extensions import db
from core.people import services as people
from core.schools import modules
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in
from plugins.fees.models import Bill, BillLine, LedgerEntry
from plugins.fees.services import billing

from .conftest import TERM_END, TERM_START
from .support import classroom, issued_bill, published

MONTHS = 5  # September 2026 to January 2027 all hold school days of the term


def bill_term(client, user, app, term_id, **body):
    """Start a billing run through the API, run its job to the end, return the run."""
    response = client.post("/api/v1/fees/billing-runs", headers=user.headers,
                           json={"term_id": term_id, **body})
    assert response.status_code == 202, response.get_json()
    started = response.get_json()
    assert started["job"]["status"] == "queued"
    run_jobs(app)
    run = client.get(f"/api/v1/fees/billing-runs/{started['id']}", headers=user.headers)
    return run.get_json()


def bills_by_student(client, user, term_id) -> dict[str, dict]:
    found = client.get(f"/api/v1/fees/bills?term_id={term_id}&page_size=100",
                       headers=user.headers).get_json()
    return {bill["student_id"]: client.get(f"/api/v1/fees/bills/{bill['id']}",
                                           headers=user.headers).get_json() for bill in found}


def lines(bill) -> list[tuple]:
    return [(line["kind"], line["code"].split(":")[0], line["quantity"], line["unit_price_fen"],
             line["amount_fen"]) for line in bill["lines"]]


def ledger_rows(school) -> list[tuple]:
    with tenant_context(school):
        rows = db.session.execute(select(LedgerEntry.id, LedgerEntry.kind,
                                         LedgerEntry.amount_fen).order_by(LedgerEntry.id)).all()
        db.session.rollback()
    return [tuple(row) for row in rows]


def term_school_days(school) -> int:
    with tenant_context(school):
        return len(school_days(TERM_START, TERM_END))


def test_a_term_is_billed_by_a_job_with_each_item_by_its_unit(app, client, school, term_id,
                                                             clerk):
    _class, pupils = classroom(school, "1班", students=2)
    tuition, care, lunch, book = published(
        school, {"name": "学费", "amount_fen": 120000, "unit": "term"},
        {"name": "保育费", "category": "care", "amount_fen": 50000, "unit": "month"},
        {"name": "午点", "category": "meals", "amount_fen": 300, "unit": "school_day"},
        {"name": "作业本", "category": "other", "amount_fen": 1550, "unit": "item"})
    run = bill_term(client, clerk, app, term_id)
    assert (run["created"], run["updated"], run["adjusted"], run["unchanged"]) == (2, 0, 0, 0)
    assert run["job"]["status"] == "finished" and run["job"]["percent"] == 100
    assert run["finished_at"] and run["problems"] == []
    days = term_school_days(school)
    found = bills_by_student(client, clerk, term_id)
    assert set(found) == set(pupils)
    for bill in found.values():
        assert bill["status"] == "draft" and bill["money"] is None
        # In the order billable_items gives: by category, then name.
        assert lines(bill) == [("charge", "item", MONTHS, 50000, MONTHS * 50000),
                               ("charge", "item", days, 300, days * 300),
                               ("charge", "item", 1, 1550, 1550),
                               ("charge", "item", 1, 120000, 120000)]
        assert [line["code"] for line in bill["lines"]] == [
            f"item:{care}", f"item:{lunch}", f"item:{book}", f"item:{tuition}"]
        assert bill["total_fen"] == 120000 + MONTHS * 50000 + days * 300 + 1550
    assert ledger_rows(school) == []  # drafts charge nothing


def test_months_count_only_months_with_a_school_day_of_the_term(school, term_id):
    with tenant_context(school):
        assert billing.term_facts(uuid.UUID(term_id)).months == MONTHS
        from core.calendar import services as calendar

        for day in range(1, 23):  # January's days made holidays: January no longer counts
            calendar.set_day(date(2027, 1, day), "holiday", "寒假")
        assert billing.term_facts(uuid.UUID(term_id)).months == MONTHS - 1
        db.session.rollback()


def test_items_apply_to_their_grades_classes_or_students(app, client, school, term_id, clerk):
    one, (a, b) = classroom(school, "1班", students=2)
    with tenant_context(school):
        grade_two = people.create_grade("二年级", 2)
        other = people.create_class(grade_two.id, "1班", None)
        c = str(people.create_student({"student_no": "2-1", "name": "乙", "gender": "male",
                                       "birth_date": date(2018, 1, 1),
                                       "class_id": other.id}).id)
        grade_two_id = str(grade_two.id)
        db.session.commit()
    published(school, {"name": "全校", "amount_fen": 100},
              {"name": "二年级", "amount_fen": 200, "applies_to": "grades",
               "applies_ids": [grade_two_id]},
              {"name": "一年级1班", "amount_fen": 400, "applies_to": "classes",
               "applies_ids": [one]},
              {"name": "学生b", "amount_fen": 800, "applies_to": "students",
               "applies_ids": [b]})
    bill_term(client, clerk, app, term_id)
    totals = {student: bill["total_fen"]
              for student, bill in bills_by_student(client, clerk, term_id).items()}
    assert totals == {a: 500, b: 1300, c: 300}


def test_voluntary_items_are_billed_only_to_students_who_chose_them(app, client, school,
                                                                    term_id, clerk, head):
    _class, (taker, other) = classroom(school, "1班", students=2)
    tuition, insurance, uniform = published(
        school, {"name": "学费"},
        {"name": "保险", "category": "held", "amount_fen": 10000, "voluntary": True},
        {"name": "校服", "category": "held", "amount_fen": 8000, "unit": "item",
         "voluntary": True})
    chosen = client.post("/api/v1/fees/fee-choices", headers=clerk.headers, json={
        "term_id": term_id, "student_id": taker, "fee_item_id": uniform, "quantity": 2})
    assert chosen.status_code == 201, chosen.get_json()
    assert client.post("/api/v1/fees/fee-choices", headers=clerk.headers, json={
        "term_id": term_id, "student_id": taker, "fee_item_id": insurance}).status_code == 201
    bill_term(client, clerk, app, term_id)
    found = bills_by_student(client, clerk, term_id)
    assert sorted(line["code"] for line in found[taker]["lines"]) == sorted([
        f"item:{tuition}", f"item:{insurance}", f"item:{uniform}"])
    assert [line["quantity"] for line in found[taker]["lines"]
            if line["code"] == f"item:{uniform}"] == [2]
    assert found[taker]["total_fen"] == 120000 + 10000 + 2 * 8000
    assert [line["code"] for line in found[other]["lines"]] == [f"item:{tuition}"]
    # Removing the choice takes the item off the draft at the next run.
    removed = client.delete(f"/api/v1/fees/fee-choices/{chosen.get_json()['id']}",
                            headers=clerk.headers)
    assert removed.status_code == 204
    run = bill_term(client, clerk, app, term_id)
    assert (run["created"], run["updated"], run["unchanged"]) == (0, 1, 1)
    assert bills_by_student(client, clerk, term_id)[taker]["total_fen"] == 130000


def test_a_choice_names_a_published_item_of_this_school(client, school, term_id, clerk):
    _class, (pupil,) = classroom(school, "1班", students=1)
    response = client.post("/api/v1/fees/fee-choices", headers=clerk.headers, json={
        "term_id": term_id, "student_id": pupil, "fee_item_id": str(uuid.uuid4())})
    assert response.status_code == 404
    response = client.post("/api/v1/fees/fee-choices", headers=clerk.headers, json={
        "term_id": str(uuid.uuid4()), "student_id": pupil, "fee_item_id": str(uuid.uuid4())})
    assert response.status_code == 404 and "term" in response.get_json()["detail"]


# --- concessions ---------------------------------------------------------------------------


def grant(client, user, term_id, student, **body):
    return client.post("/api/v1/fees/concessions", headers=user.headers, json={
        "term_id": term_id, "student_id": student, "basis": "hardship", "reason": "低保家庭",
        **body})


def test_concessions_are_negative_lines_with_their_reason_rounded_half_up(
        app, client, school, term_id, clerk):
    _class, (pupil, sibling) = classroom(school, "1班", students=2)
    tuition, _care, _book = published(
        school, {"name": "学费", "amount_fen": 333},
        {"name": "保育费", "category": "care", "amount_fen": 1001},
        {"name": "书本", "category": "other", "amount_fen": 500})
    assert grant(client, clerk, term_id, pupil, kind="discount", percent=50,
                 fee_item_id=tuition).status_code == 201
    assert grant(client, clerk, term_id, pupil, kind="waiver", category="care").status_code == 201
    fixed = grant(client, clerk, term_id, sibling, kind="discount", amount_fen=700,
                  category="other", basis="sibling", reason="二孩")
    assert fixed.status_code == 201
    revoked = grant(client, clerk, term_id, sibling, kind="waiver", fee_item_id=tuition)
    assert client.post(f"/api/v1/fees/concessions/{revoked.get_json()['id']}/revoke",
                       headers=clerk.headers).status_code == 200
    bill_term(client, clerk, app, term_id)
    found = bills_by_student(client, clerk, term_id)
    mine = [(line["kind"], line["amount_fen"], line["reason"]) for line in found[pupil]["lines"]]
    # Items by category (care, held, tuition), then the concessions in the order granted:
    # 50 % of 3.33 yuan is 1.665 yuan, 167 fen half up; the waiver takes all of 10.01.
    assert mine == [("charge", 1001, ""), ("charge", 500, ""), ("charge", 333, ""),
                    ("discount", -167, "低保家庭"), ("waiver", -1001, "低保家庭")]
    assert found[pupil]["lines"][3]["code"].startswith("concession:")
    assert found[pupil]["lines"][3]["code"].endswith(f":{uuid.UUID(tuition).hex}")
    assert found[pupil]["total_fen"] == 333 + 500 - 167
    # A fixed amount larger than the item takes it to zero, never below.
    theirs = [(line["kind"], line["amount_fen"]) for line in found[sibling]["lines"]]
    assert theirs == [("charge", 1001), ("charge", 500), ("charge", 333), ("discount", -500)]


def test_concessions_together_never_take_an_item_below_zero(school):
    from types import SimpleNamespace

    from plugins.fees.services.bills import Line

    item_id = uuid.uuid4()
    item = billing.Billable(item_id, "学费", "tuition", 999, "term", False, None, "school",
                            frozenset())
    charged = [Line("charge", "fees", f"item:{item_id}", "tuition", "学费", 1, 999, 999,
                    fee_item_id=item_id)]

    def concession(n, **values):
        return SimpleNamespace(**{"id": uuid.UUID(int=n), "created_at": n,
                                  "fee_item_id": item_id, "category": None, "kind": "discount",
                                  "basis": "other", "percent": None, "amount_fen": None,
                                  "reason": f"r{n}", **values})

    found = billing.concession_lines(charged, [concession(2, percent=50),
                                               concession(1, percent=80)], {item_id: item})
    # 80 % of 999 is 799.2 → 799 fen; 50 % would be 499.5 → 500, but only 200 are left.
    assert [(line.amount_fen, line.reason) for line in found] == [(-799, "r1"), (-200, "r2")]
    assert billing.discount_of(1001, 15) == 150 and billing.discount_of(1, 50) == 1
    assert billing.discount_of(3, 50) == 2 and billing.discount_of(0, 100) == 0


@pytest.mark.parametrize("body, field", [
    ({"kind": "discount", "percent": 10, "amount_fen": 100, "category": "tuition"},
     "amount_fen"),
    ({"kind": "discount", "category": "tuition"}, "percent"),
    ({"kind": "discount", "percent": 0, "category": "tuition"}, "percent"),
    ({"kind": "discount", "percent": 101, "category": "tuition"}, "percent"),
    ({"kind": "discount", "amount_fen": 10.5, "category": "tuition"}, "amount_fen"),
    ({"kind": "discount", "amount_fen": -100, "category": "tuition"}, "amount_fen"),
    ({"kind": "waiver", "percent": 100, "category": "tuition"}, "percent"),
    ({"kind": "waiver"}, "fee_item_id"),
    ({"kind": "waiver", "category": "tuition", "reason": ""}, "reason"),
    ({"kind": "waiver", "category": "tuition", "basis": "friend"}, "basis"),
])
def test_a_concession_needs_one_target_one_size_a_basis_and_a_reason(client, school, term_id,
                                                                      clerk, body, field):
    _class, (pupil,) = classroom(school, "1班", students=1)
    response = grant(client, clerk, term_id, pupil, **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_concession_is_for_a_student_and_term_of_this_school(client, school, term_id, clerk,
                                                               head):
    _class, (pupil,) = classroom(school, "1班", students=1)
    assert grant(client, clerk, term_id, str(uuid.uuid4()), kind="waiver",
                 category="tuition").status_code == 404
    assert grant(client, clerk, str(uuid.uuid4()), pupil, kind="waiver",
                 category="tuition").status_code == 404
    made = grant(client, clerk, term_id, pupil, kind="waiver", category="tuition").get_json()
    listed = client.get(f"/api/v1/fees/concessions?student_id={pupil}", headers=clerk.headers)
    assert [c["id"] for c in listed.get_json()] == [made["id"]]
    assert made["approved_by"] and made["revoked_at"] is None
    first = client.post(f"/api/v1/fees/concessions/{made['id']}/revoke", headers=clerk.headers)
    assert first.get_json()["revoked_at"] is not None
    again = client.post(f"/api/v1/fees/concessions/{made['id']}/revoke", headers=clerk.headers)
    assert again.status_code == 409


# --- the canteen's meal lines --------------------------------------------------------------


def test_meal_lines_come_from_the_canteen_once_a_published_item_has_it_as_source(
        app, client, school, term_id, clerk):
    with tenant_context(school):
        modules.enable("canteen")
        modules.update_settings("canteen", {
            "meal_fees": True, "meal_prices_fen": {"full": 1200, "reduced": 600},
            "subsidies": [{"code": "nutrition", "name": "营养改善补助", "fen_per_day": 400,
                           "tiers": ["reduced"]}]})
        db.session.commit()
    _class, (full, reduced) = classroom(school, "1班", students=2)
    from plugins.canteen.services import fees as meal_fees

    with tenant_context(school):
        meal_fees.set_meal_plan(uuid.UUID(reduced), {"tier": "reduced", "note": ""})
        db.session.commit()
    (_tuition,) = published(school, {"name": "学费"})
    run = bill_term(client, clerk, app, term_id)
    # No published item has the canteen as its source: its lines are not billed, and the run
    # says so.
    assert [(p["source"], p["lines"]) for p in run["problems"]] == [("canteen", 3)]
    assert "canteen" in run["problems"][0]["message"]
    days = term_school_days(school)
    assert {b["total_fen"] for b in bills_by_student(client, clerk, term_id).values()} == {
        120000}
    (meals,) = published(school, {"name": "伙食费", "category": "meals", "amount_fen": 0,
                                  "unit": "school_day", "source": "canteen"})
    run = bill_term(client, clerk, app, term_id)
    assert (run["created"], run["updated"], run["unchanged"]) == (0, 2, 0)
    assert run["problems"] == []
    found = bills_by_student(client, clerk, term_id)
    assert lines(found[full]) == [("charge", "canteen", days, 1200, days * 1200),
                                  ("charge", "item", 1, 120000, 120000)]
    assert lines(found[reduced])[:2] == [("charge", "canteen", days, 600, days * 600),
                                         ("discount", "canteen", days, -400, -days * 400)]
    meal_line = found[reduced]["lines"][0]
    assert (meal_line["code"], meal_line["source"], meal_line["fee_item_id"],
            meal_line["category"]) == ("canteen:meals.reduced", "canteen", meals, "meals")
    assert found[reduced]["total_fen"] == 120000 + days * 200
    # the canteen's lines say they are by the school day (absence refunds read that)
    with tenant_context(school):
        said = {(line.source, line.per_absent_day) for line in db.session.scalars(
            select(BillLine))}
    assert said == {("canteen", True), ("fees", None)}


# --- billing again -------------------------------------------------------------------------


def test_billing_again_changes_nothing(app, client, school, term_id, clerk):
    _class, _pupils = classroom(school, "1班", students=3)
    published(school, {"name": "学费"}, {"name": "保育费", "category": "care",
                                         "amount_fen": 50000, "unit": "month"})
    first = bill_term(client, clerk, app, term_id, issue=True)
    assert first["created"] == 3
    before = ledger_rows(school)
    assert len(before) == 6 and {kind for _id, kind, _a in before} == {"charge"}
    bills_before = bills_by_student(client, clerk, term_id)
    assert {b["status"] for b in bills_before.values()} == {"issued"}
    assert {b["money"]["balance_fen"] for b in bills_before.values()} == {120000 + 5 * 50000}
    second = bill_term(client, clerk, app, term_id, issue=True)
    assert (second["created"], second["updated"], second["adjusted"], second["unchanged"]) == (
        0, 0, 0, 3)
    assert ledger_rows(school) == before
    assert bills_by_student(client, clerk, term_id) == bills_before


def test_a_draft_billed_again_unchanged_is_not_rewritten(app, client, school, term_id, clerk):
    _class, (_pupil,) = classroom(school, "1班", students=1)
    published(school, {"name": "学费"})
    bill_term(client, clerk, app, term_id)
    with tenant_context(school):
        line_ids = set(db.session.scalars(select(BillLine.id)))
        version = db.session.scalar(select(Bill.version))
        db.session.rollback()
    run = bill_term(client, clerk, app, term_id)
    assert (run["updated"], run["unchanged"]) == (0, 1)
    with tenant_context(school):
        assert set(db.session.scalars(select(BillLine.id))) == line_ids
        assert db.session.scalar(select(Bill.version)) == version
        db.session.rollback()


def test_an_issued_bill_is_corrected_by_one_adjustment_per_changed_line(app, client, school,
                                                                        term_id, clerk):
    _class, (pupil, _other) = classroom(school, "1班", students=2)
    (tuition,) = published(school, {"name": "学费", "amount_fen": 100000})
    bill_term(client, clerk, app, term_id, issue=True)
    granted = grant(client, clerk, term_id, pupil, kind="discount", percent=30,
                    fee_item_id=tuition).get_json()
    run = bill_term(client, clerk, app, term_id)
    assert (run["adjusted"], run["unchanged"]) == (1, 1)
    bill = bills_by_student(client, clerk, term_id)[pupil]
    (fix,) = [line for line in bill["lines"] if line["kind"] == "adjustment"]
    assert fix["code"] == f"concession:{uuid.UUID(granted['id']).hex}:{uuid.UUID(tuition).hex}"
    assert fix["amount_fen"] == -30000 and fix["reason"].startswith("re-billed: ")
    assert (bill["total_fen"], bill["money"]["balance_fen"]) == (70000, 70000)
    assert bill_term(client, clerk, app, term_id)["unchanged"] == 2
    # Revoking it brings the bill back with one more adjustment on the same code.
    client.post(f"/api/v1/fees/concessions/{granted['id']}/revoke", headers=clerk.headers)
    assert bill_term(client, clerk, app, term_id)["adjusted"] == 1
    bill = bills_by_student(client, clerk, term_id)[pupil]
    assert [line["amount_fen"] for line in bill["lines"]] == [100000, -30000, 30000]
    assert bill["money"]["balance_fen"] == 100000
    assert bill_term(client, clerk, app, term_id)["unchanged"] == 2


def test_billing_leaves_manual_adjustments_alone(app, client, school, term_id, clerk, head):
    _class, (_pupil,) = classroom(school, "1班", students=1)
    published(school, {"name": "学费", "amount_fen": 100000})
    bill_term(client, clerk, app, term_id, issue=True)
    (bill,) = bills_by_student(client, clerk, term_id).values()
    fixed = client.post(f"/api/v1/fees/bills/{bill['id']}/adjustments", headers=head.headers,
                        json={"amount_fen": -2500, "reason": "多收了书本费"})
    assert fixed.status_code == 201, fixed.get_json()
    assert bill_term(client, clerk, app, term_id)["unchanged"] == 1
    bill = client.get(f"/api/v1/fees/bills/{bill['id']}", headers=clerk.headers).get_json()
    assert bill["money"]["balance_fen"] == 97500


def test_issuing_a_scope_charges_its_drafts_to_the_ledger(app, client, school, term_id, clerk):
    class_id, _pupils = classroom(school, "1班", students=2)
    published(school, {"name": "学费"})
    bill_term(client, clerk, app, term_id)
    issued = client.post("/api/v1/fees/bills/issue", headers=clerk.headers,
                         json={"term_id": term_id, "scope": "class", "scope_id": class_id})
    assert issued.status_code == 200 and issued.get_json() == {"issued": 2}
    found = bills_by_student(client, clerk, term_id)
    assert {(b["status"], b["money"]["status"], b["money"]["balance_fen"])
            for b in found.values()} == {("issued", "unpaid", 120000)}
    again = client.post("/api/v1/fees/bills/issue", headers=clerk.headers,
                        json={"term_id": term_id})
    assert again.get_json() == {"issued": 0}
    listed = client.get(f"/api/v1/fees/bills?term_id={term_id}&status=draft",
                        headers=clerk.headers)
    assert listed.get_json() == []


def test_a_run_bills_only_its_class_or_grade(app, client, school, term_id, clerk):
    _one, _first = classroom(school, "1班", students=2)
    two, second = classroom(school, "2班", students=1)
    with tenant_context(school):
        grade_two = people.create_grade("二年级", 2)
        later = people.create_class(grade_two.id, "1班", None)
        third = people.create_student({"student_no": "2-1", "name": "乙", "gender": "male",
                                       "birth_date": date(2018, 1, 1), "class_id": later.id})
        left = people.create_student({"student_no": "2-2", "name": "丙", "gender": "male",
                                      "birth_date": date(2018, 1, 1), "class_id": later.id})
        left.status = "transferred"
        grade_two_id, third_id = str(grade_two.id), str(third.id)
        db.session.commit()
    published(school, {"name": "学费"})
    run = bill_term(client, clerk, app, term_id, scope="class", scope_id=two)
    assert run["created"] == 1 and set(bills_by_student(client, clerk, term_id)) == set(second)
    run = bill_term(client, clerk, app, term_id, scope="grade", scope_id=grade_two_id)
    assert run["created"] == 1  # the transferred student is not billed
    assert set(bills_by_student(client, clerk, term_id)) == {*second, third_id}
    run = bill_term(client, clerk, app, term_id, scope="school")
    assert (run["created"], run["unchanged"]) == (2, 2)
    wrong = client.post("/api/v1/fees/billing-runs", headers=clerk.headers, json={
        "term_id": term_id, "scope": "class", "scope_id": str(uuid.uuid4())})
    assert wrong.status_code == 404
    missing = client.post("/api/v1/fees/billing-runs", headers=clerk.headers, json={
        "term_id": term_id, "scope": "grade"})
    assert missing.status_code == 422 and "scope_id" in missing.get_json()["errors"]


def test_an_unknown_term_or_nothing_published_is_refused_before_any_job(app, client, school,
                                                                         term_id, clerk):
    classroom(school, "1班", students=1)
    nothing = client.post("/api/v1/fees/billing-runs", headers=clerk.headers,
                          json={"term_id": term_id})
    assert nothing.status_code == 409
    assert "publish" in nothing.get_json()["detail"]
    published(school, {"name": "学费"})
    unknown = str(uuid.uuid4())
    response = client.post("/api/v1/fees/billing-runs", headers=clerk.headers,
                           json={"term_id": unknown})
    assert response.status_code == 404 and unknown in response.get_json()["detail"]
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Bill)) == 0
        from core.jobs.models import JobRun

        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
        db.session.rollback()


def test_items_not_yet_in_effect_are_not_billable(client, school, term_id, clerk):
    classroom(school, "1班", students=1)
    published(school, {"name": "学费"}, effective_on=date(2099, 1, 1))
    response = client.post("/api/v1/fees/billing-runs", headers=clerk.headers,
                           json={"term_id": term_id})
    assert response.status_code == 409


def test_only_the_office_bills_and_only_heads_adjust(client, school, term_id, make_user):
    published(school, {"name": "学费"})
    teacher = make_user(school, "class_teacher")
    assert client.post("/api/v1/fees/billing-runs", headers=teacher.headers,
                       json={"term_id": term_id}).status_code == 403
    clerk = make_user(school, "finance_clerk")
    _class, (pupil,) = classroom(school, "1班", students=1)
    bill_id = issued_bill(school, term_id, pupil, 1000)
    assert client.post(f"/api/v1/fees/bills/{bill_id}/write-off", headers=clerk.headers,
                       json={"reason": "x"}).status_code == 403


# --- corrections by hand -------------------------------------------------------------------


def test_an_issued_bill_is_adjusted_and_written_off_with_reasons(client, school, term_id, head):
    _class, (pupil,) = classroom(school, "1班", students=1)
    bill_id = issued_bill(school, term_id, pupil, 50000)
    url = f"/api/v1/fees/bills/{bill_id}"
    for body, field in (({"amount_fen": 0, "reason": "x"}, "amount_fen"),
                        ({"amount_fen": 10.5, "reason": "x"}, "amount_fen"),
                        ({"amount_fen": -100}, "reason"),
                        ({"amount_fen": -100, "reason": ""}, "reason")):
        refused = client.post(f"{url}/adjustments", headers=head.headers, json=body)
        assert refused.status_code == 422 and field in refused.get_json()["errors"]
    up = client.post(f"{url}/adjustments", headers=head.headers,
                     json={"amount_fen": 1500, "reason": "补收校车费", "description": "校车费"})
    assert up.status_code == 201
    assert (up.get_json()["kind"], up.get_json()["code"][:7]) == ("adjustment", "manual:")
    assert client.get(url, headers=head.headers).get_json()["money"]["balance_fen"] == 51500
    off = client.post(f"{url}/write-off", headers=head.headers, json={"reason": "家庭困难核销"})
    assert off.status_code == 201 and off.get_json()["amount_fen"] == -51500
    money = client.get(url, headers=head.headers).get_json()["money"]
    assert (money["balance_fen"], money["written_off_fen"], money["status"]) == (
        0, 51500, "paid")
    again = client.post(f"{url}/write-off", headers=head.headers, json={"reason": "再核销"})
    assert again.status_code == 409
    # An adjustment may take the balance below zero: the family is then owed money back.
    down = client.post(f"{url}/adjustments", headers=head.headers,
                       json={"amount_fen": -2000, "reason": "退还多收"})
    assert down.status_code == 201
    assert client.get(url, headers=head.headers).get_json()["money"]["status"] == "overpaid"


def test_a_draft_is_corrected_by_billing_again_not_by_hand(app, client, school, term_id, clerk,
                                                           head):
    _class, (_pupil,) = classroom(school, "1班", students=1)
    published(school, {"name": "学费"})
    bill_term(client, clerk, app, term_id)
    (bill,) = bills_by_student(client, clerk, term_id).values()
    url = f"/api/v1/fees/bills/{bill['id']}"
    assert client.post(f"{url}/adjustments", headers=head.headers,
                       json={"amount_fen": 100, "reason": "x"}).status_code == 409
    assert client.post(f"{url}/write-off", headers=head.headers,
                       json={"reason": "x"}).status_code == 409
    assert client.get(f"/api/v1/fees/bills/{uuid.uuid4()}",
                      headers=head.headers).status_code == 404


# --- pages ---------------------------------------------------------------------------------


def test_the_term_is_billed_from_its_page_with_a_progress_bar(app, client, school, term_id,
                                                              clerk):
    class_id, _pupils = classroom(school, "1班", students=2)
    published(school, {"name": "学费"})
    csrf = signed_in(client, clerk)
    form = client.get("/t/fees-school/m/fees/billing")
    assert form.status_code == 200 and "1班" in form.get_data(as_text=True)
    refused = client.post("/t/fees-school/m/fees/billing", data={
        "csrf_token": csrf, "term_id": term_id, "scope": "class", "class_id": ""})
    assert refused.status_code == 422 and 'data-testid="error-scope_id"' in refused.get_data(
        as_text=True)
    started = client.post("/t/fees-school/m/fees/billing", data={
        "csrf_token": csrf, "term_id": term_id, "scope": "class", "class_id": class_id,
        "issue": "on"})
    assert started.status_code == 302
    page = client.get(started.headers["Location"])
    assert page.status_code == 200 and 'data-testid="job-progress"' in page.get_data(as_text=True)
    run_jobs(app)
    fragment = client.get(started.headers["Location"] + "/progress").get_data(as_text=True)
    assert 'data-status="finished"' in fragment and 'data-testid="run-counts"' in fragment
    assert "hx-get" not in fragment  # done: no more polling
    listing = client.get(f"/t/fees-school/m/fees/bills?term_id={term_id}")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and 'data-testid="class-totals"' in text
    assert "2400.00" in text  # two bills of ¥1,200
    bills = client.get(f"/t/fees-school/m/fees/bills?term_id={term_id}&class_id={class_id}")
    assert bills.get_data(as_text=True).count('data-testid="bill-row"') == 2


def test_a_bill_page_shows_lines_money_and_takes_corrections(client, school, term_id, head):
    _class, (pupil,) = classroom(school, "1班", students=1)
    bill_id = issued_bill(school, term_id, pupil, 50000, 1234)
    csrf = signed_in(client, head)
    page = client.get(f"/t/fees-school/m/fees/bills/{bill_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "512.34" in text and "data-print" in text
    refused = client.post(f"/t/fees-school/m/fees/bills/{bill_id}/adjust", data={
        "csrf_token": csrf, "amount": "1.005", "reason": "x"})
    assert refused.status_code == 422
    assert client.post(f"/t/fees-school/m/fees/bills/{bill_id}/adjust", data={
        "csrf_token": csrf, "amount": "-12.34", "reason": "多收"}).status_code == 302
    assert client.post(f"/t/fees-school/m/fees/bills/{bill_id}/write-off", data={
        "csrf_token": csrf, "reason": "核销"}).status_code == 302
    text = client.get(f"/t/fees-school/m/fees/bills/{bill_id}").get_data(as_text=True)
    assert "-12.34" in text and 'data-testid="balance">0.00' in text


def test_concessions_are_granted_and_revoked_from_their_page(client, school, term_id, clerk):
    _class, (_pupil,) = classroom(school, "1班", students=1)
    csrf = signed_in(client, clerk)
    page = client.get(f"/t/fees-school/m/fees/concessions?term_id={term_id}")
    assert page.status_code == 200
    refused = client.post("/t/fees-school/m/fees/concessions", data={
        "csrf_token": csrf, "term_id": term_id, "student_no": "1班-0", "kind": "discount",
        "target": "category:tuition", "basis": "hardship", "percent": "", "amount": "",
        "reason": "低保"})
    assert refused.status_code == 422
    unknown = client.post("/t/fees-school/m/fees/concessions", data={
        "csrf_token": csrf, "term_id": term_id, "student_no": "nobody", "kind": "waiver",
        "target": "category:tuition", "basis": "hardship", "reason": "低保"})
    assert unknown.status_code == 422 and "student" in unknown.get_data(as_text=True)
    made = client.post("/t/fees-school/m/fees/concessions", data={
        "csrf_token": csrf, "term_id": term_id, "student_no": "1班-0", "kind": "discount",
        "target": "category:tuition", "basis": "hardship", "percent": "20", "amount": "",
        "reason": "低保"})
    assert made.status_code == 302
    text = client.get(f"/t/fees-school/m/fees/concessions?term_id={term_id}").get_data(
        as_text=True)
    assert "低保" in text and "20%" in text
    with tenant_context(school):
        from plugins.fees.models import Concession

        concession_id = db.session.scalar(select(Concession.id))
        db.session.rollback()
    assert client.post(f"/t/fees-school/m/fees/concessions/{concession_id}/revoke",
                       data={"csrf_token": csrf}).status_code == 302
    with tenant_context(school):
        assert db.session.scalar(select(Concession.revoked_at)) is not None
        db.session.rollback()


def test_each_bill_made_is_audited_with_its_lines(app, client, school, term_id, clerk):
    from core.audit import AuditEvent

    _class, pupils = classroom(school, "1班", students=2)
    published(school, {"name": "学费"}, {"name": "保育费", "category": "care",
                                         "amount_fen": 50000, "unit": "month"})
    bill_term(client, clerk, app, term_id)
    with tenant_context(school):
        events = [(e.entity_id, e.source, e.after) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "fees_bills",
                                     AuditEvent.action == "create"))]
        totals = {str(b.id): b.total_fen for b in db.session.scalars(select(Bill))}
        db.session.rollback()
    assert sorted(bill_id for bill_id, _source, _after in events) == sorted(totals)
    for bill_id, source, after in events:
        assert source == "job" and after["student_id"] in pupils
        assert [line["amount_fen"] for line in after["lines"]] == [MONTHS * 50000, 120000]
        assert after["total_fen"] == totals[bill_id]
