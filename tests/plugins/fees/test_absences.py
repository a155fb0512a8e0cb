"""Kindergarten absences and the refunds they earn, through the API, with every figure worked
out by hand here. The term runs 2026-09-01 (Tue) to 2027-01-22, Monday to Friday: October has
22 school days, November 21. Care (保育教育费) is 800 yuan a month, billed for five months;
meals (伙食费) 15 yuan a school day, billed for the term's 104 school days."""

import uuid
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.models import Absence, BillLine, Refund
from plugins.fees.services.absences import half_up

from .refunds_support import absence_refunds_on, bill_of, fee_item, item_line, money_of
from .support import classroom, paid

CARE, MEAL, DAYS = 80000, 1500, 104
BILLED = 5 * CARE + DAYS * MEAL  # 556,000 fen


@pytest.fixture
def kindergarten(school):
    absence_refunds_on(school)
    return school


@pytest.fixture
def items(kindergarten):
    return (fee_item(kindergarten, "保育教育费", "care", "month", CARE),
            fee_item(kindergarten, "伙食费", "meals", "school_day", MEAL))


@pytest.fixture
def children(kindergarten, term_id, items):
    """Four children of 小一班, each billed care and meals for the term: (id, bill id)."""
    care, meals = items
    _, students = classroom(kindergarten, "小一班", students=4)
    return [(s, bill_of(kindergarten, term_id, s, item_line(care, "care", 5, CARE),
                        item_line(meals, "meals", DAYS, MEAL))) for s in students]


def away(client, user, student, first, last, reason="病假"):
    return client.post("/api/v1/fees/absences", headers=user.headers, json={
        "student_id": student, "starts_on": first, "ends_on": last, "reason": reason})


def preview(client, user, term_id):
    response = client.get("/api/v1/fees/absence-refunds", headers=user.headers,
                          query_string={"term_id": term_id})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def figures(body, student):
    """(month, kind, quantity, amount, refund) of one child's dues."""
    return sorted((d["month"], d["kind"], d["quantity"], d["amount_fen"], d["refund_fen"])
                  for d in body["dues"] if d["student_id"] == student)


def written(school):
    with tenant_context(school):
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Absence, BillLine, Refund))


@pytest.fixture
def district_rule(app):
    """Write the district's own fees.toml for the test school's district."""
    folder = Path(app.instance_path) / "regulations" / "district-a"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fees.toml"

    def write(text: str) -> None:
        path.write_text(text)

    yield write
    path.unlink(missing_ok=True)


def test_thirty_days_away_earn_a_month_of_care_and_meals_every_absent_school_day(
        client, clerk, kindergarten, term_id, children):
    (thirty, thirty_bill), (short, short_bill), (touching, touching_bill), \
        (most, most_bill) = children
    paid(kindergarten, thirty_bill, BILLED)
    paid(kindergarten, touching_bill, 300000)
    paid(kindergarten, most_bill, 500000)
    # 30 consecutive days, weekends included: 12 Oct to 10 Nov.
    assert away(client, clerk, thirty, "2026-10-12", "2026-11-10").status_code == 201
    # 29 days: no care refund; meals still.
    assert away(client, clerk, short, "2026-10-12", "2026-11-09").status_code == 201
    # Two absences that touch make one run of 30 days.
    assert away(client, clerk, touching, "2026-10-12", "2026-10-25").status_code == 201
    assert away(client, clerk, touching, "2026-10-26", "2026-11-10").status_code == 201
    assert away(client, clerk, most, "2026-10-12", "2026-11-10").status_code == 201

    body = preview(client, clerk, term_id)
    assert (body["after_days"], body["mode"], body["meals"]) == (30, "whole_months", True)
    # Care: one month (800 yuan) in November, when the 30 days were complete. Meals: 15 absent
    # school days in October (12–30 Oct), 7 in November (2–6, 9, 10), at 15 yuan.
    assert figures(body, thirty) == [("2026-10", "meals", 15, 22500, 22500),
                                     ("2026-11", "care", 1, 80000, 80000),
                                     ("2026-11", "meals", 7, 10500, 10500)]
    assert figures(body, short) == [("2026-10", "meals", 15, 22500, 0),
                                    ("2026-11", "meals", 6, 9000, 0)]
    # Partly paid: 300,000 paid of 556,000; lowered by 113,000 the bill still asks 143,000.
    assert figures(body, touching) == [
        ("2026-10", "meals", 15, 22500, 0), ("2026-11", "care", 1, 80000, 0),
        ("2026-11", "meals", 7, 10500, 0)]
    # 500,000 paid: lowered to 443,000, the bill is overpaid by 57,000 — that is refunded,
    # spread over the months as they are applied: care 24,000 of 80,000, then all the meals.
    assert [f[4] for f in figures(body, most)] == [22500, 24000, 10500]
    assert (body["amount_fen"], body["refund_fen"]) == (113000 * 3 + 31500, 113000 + 57000)
    assert written(kindergarten)[1:] == (8, 0)  # a dry run writes nothing

    applied = client.post("/api/v1/fees/absence-refunds", headers=clerk.headers,
                          json={"term_id": term_id})
    assert applied.status_code == 200
    result = applied.get_json()
    assert (result["lowered"], result["lowered_fen"], result["refunds"],
            result["refunds_fen"]) == (11, 113000 * 3 + 31500, 6, 170000)
    assert {d["status"] for d in result["dues"]} == {"applied"}
    assert (money_of(kindergarten, thirty_bill).charged,
            money_of(kindergarten, thirty_bill).balance) == (443000, -113000)
    assert money_of(kindergarten, short_bill).balance == BILLED - 31500  # only lowered
    assert money_of(kindergarten, touching_bill).balance == 143000
    assert money_of(kindergarten, most_bill).balance == -57000

    # Applying again changes nothing.
    before = written(kindergarten)
    again = client.post("/api/v1/fees/absence-refunds", headers=clerk.headers,
                        json={"term_id": term_id}).get_json()
    assert (again["lowered"], again["refunds"]) == (0, 0)
    assert written(kindergarten) == before
    with tenant_context(kindergarten):
        keys = set(db.session.scalars(select(Refund.key)))
    assert f"absence:{thirty}:{items_key(kindergarten, 'care')}:2026-11" in keys

    # The refunds paid out, every bill of a paying family is settled (the fixture reconciles).
    due = client.get("/api/v1/fees/refunds", headers=clerk.headers,
                     query_string={"source": "absence", "status": "due"}).get_json()
    assert sum(r["amount_fen"] for r in due) == 170000
    assert client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [r["id"] for r in due], "method": "bank_transfer",
        "paid_on": "2026-11-30"}).status_code == 200
    assert money_of(kindergarten, thirty_bill).balance == 0
    assert money_of(kindergarten, most_bill).balance == 0


def items_key(school, category):
    from plugins.fees.models import FeeItem

    with tenant_context(school):
        return str(db.session.scalar(select(FeeItem.id).where(FeeItem.category == category)))


def test_a_district_that_counts_fifteen_days_refunds_a_shorter_absence(
        client, clerk, kindergarten, term_id, children, district_rule):
    (child, bill), *_ = children
    paid(kindergarten, bill, BILLED)
    away(client, clerk, child, "2026-10-12", "2026-10-31")  # 20 days
    assert [f[:2] for f in figures(preview(client, clerk, term_id), child)] == [
        ("2026-10", "meals")]
    district_rule('[absence_care_refund_after_days]\nvalue = 15\n'
                  'source = "某区幼儿园收费管理办法（测试）：连续每满15日退还1个月保教费"\n')
    body = preview(client, clerk, term_id)
    assert body["after_days"] == 15
    # The 15th day is 26 October: one month of care, counted in October.
    assert figures(body, child) == [("2026-10", "care", 1, 80000, 80000),
                                    ("2026-10", "meals", 15, 22500, 22500)]
    rules = {r["key"]: r for r in client.get("/api/v1/fees/rules",
                                             headers=clerk.headers).get_json()}
    assert rules["absence_care_refund_after_days"]["overridden_by"] == "district-a"


def test_pro_rata_refunds_the_absent_school_days_share_of_each_month(
        client, clerk, kindergarten, term_id, children, district_rule):
    (thirty, bill), (short, _), *_ = children
    paid(kindergarten, bill, BILLED)
    district_rule('[absence_care_refund_mode]\nvalue = "pro_rata"\n'
                  'source = "某区规定（测试）：按缺勤在校日比例退还保教费"\n')
    away(client, clerk, thirty, "2026-10-12", "2026-11-10")
    away(client, clerk, short, "2026-10-12", "2026-11-09")
    body = preview(client, clerk, term_id)
    # October: 800 × 15/22 = 545.4545… → 545.45; November: 800 × 7/21 = 266.666… → 266.67.
    assert figures(body, thirty) == [("2026-10", "care", 15, 54545, 54545),
                                     ("2026-10", "meals", 15, 22500, 22500),
                                     ("2026-11", "care", 7, 26667, 26667),
                                     ("2026-11", "meals", 7, 10500, 10500)]
    # 29 days never reach the rule's 30: meals only.
    assert {f[1] for f in figures(body, short)} == {"meals"}
    applied = client.post("/api/v1/fees/absence-refunds", headers=clerk.headers,
                          json={"term_id": term_id}).get_json()
    assert applied["refunds_fen"] == 54545 + 22500 + 26667 + 10500
    assert money_of(kindergarten, bill).charged == BILLED - 114212


def test_canteen_meals_are_refunded_at_the_daily_price_less_subsidies_and_term_care_monthly(
        client, clerk, kindergarten, term_id):
    from plugins.fees.services.bills import Line

    care = fee_item(kindergarten, "保育教育费（学期）", "care", "term", 5 * CARE)
    meals_item = fee_item(kindergarten, "伙食费（食堂）", "meals", "school_day", MEAL,
                          source="canteen")
    _, (child,) = classroom(kindergarten, "小二班", students=1)
    bill = bill_of(kindergarten, term_id, child, item_line(care, "care", 1, 5 * CARE),
                   Line("charge", "canteen", "meals.reduced", "meals", "伙食费（减免档）", DAYS,
                        MEAL, DAYS * MEAL, fee_item_id=uuid.UUID(meals_item)),
                   Line("discount", "canteen", "subsidy.nutrition", "meals", "营养餐补助", DAYS,
                        -400, -DAYS * 400))
    paid(kindergarten, bill, 5 * CARE + DAYS * 1100)
    away(client, clerk, child, "2026-11-02", "2026-11-06")  # a week: five school days
    away(client, clerk, child, "2026-12-01", "2026-12-30")  # 30 days; 22 school days
    body = preview(client, clerk, term_id)
    # Meals at 15 − 4 = 11 yuan a day (the subsidy was never paid by the family); the term's
    # care fee is 800 yuan a month over the five months the term touches.
    assert figures(body, child) == [("2026-11", "meals", 5, 5500, 5500),
                                    ("2026-12", "care", 1, 80000, 80000),
                                    ("2026-12", "meals", 22, 24200, 24200)]
    assert {d["item_key"] for d in body["dues"] if d["kind"] == "meals"} == {"meals.reduced"}
    client.post("/api/v1/fees/absence-refunds", headers=clerk.headers, json={"term_id": term_id})
    due = client.get("/api/v1/fees/refunds", headers=clerk.headers,
                     query_string={"status": "due"}).get_json()
    client.post("/api/v1/fees/refunds/pay", headers=clerk.headers, json={
        "refund_ids": [r["id"] for r in due], "method": "cash", "paid_on": "2026-12-31"})
    assert money_of(kindergarten, bill).balance == 0


def test_bad_absences_are_refused_naming_the_field_and_nothing_is_written(
        client, clerk, kindergarten, term_id, children, make_user):
    (child, _), *_ = children
    assert away(client, clerk, child, "2026-10-12", "2026-10-20").status_code == 201
    before = written(kindergarten)

    def refused(status, field, *args, **kwargs):
        response = away(client, clerk, *args, **kwargs)
        assert response.status_code == status, response.get_json()
        assert field in response.get_json()["errors"]

    refused(422, "starts_on", child, "2027-02-01", "2027-02-03")  # in no term
    refused(422, "ends_on", child, "2027-01-20", "2027-01-25")  # past the term's end
    refused(422, "ends_on", child, "2026-11-10", "2026-11-09")  # ends before it starts
    refused(409, "starts_on", child, "2026-10-20", "2026-10-25")  # overlaps
    refused(409, "starts_on", child, "2026-10-01", "2026-12-31")  # covers it
    refused(422, "reason", child, "2026-11-02", "2026-11-03", reason="  ")
    refused(422, "student_id", str(uuid.uuid4()), "2026-11-02", "2026-11-03")
    refused(422, "starts_on", child, "2026-11-02.5", "2026-11-03")
    assert written(kindergarten) == before
    # A class teacher records the absences of the classes they head only (this is not one),
    # and does not work refunds out.
    teacher = make_user(kindergarten, "class_teacher")
    not_theirs = away(client, teacher, child, "2026-11-02", "2026-11-03")
    assert not_theirs.status_code == 403 and "student_id" in not_theirs.get_json()["errors"]
    assert client.get("/api/v1/fees/absence-refunds", headers=teacher.headers,
                      query_string={"term_id": term_id}).status_code == 403
    assert written(kindergarten) == before


def test_a_class_teacher_records_and_sees_the_absences_of_the_classes_they_head_only(
        client, kindergarten, term_id, make_user):
    teacher, nurse = make_user(kindergarten, "class_teacher"), make_user(kindergarten, "nurse")
    _mine, (child,) = classroom(kindergarten, "中一班", head=teacher, students=1)
    _other, (stranger,) = classroom(kindergarten, "中二班", students=1)
    assert away(client, teacher, child, "2026-10-12", "2026-10-13").status_code == 201
    assert away(client, teacher, stranger, "2026-10-12", "2026-10-13").status_code == 403
    nursed = away(client, nurse, stranger, "2026-10-14", "2026-10-16")
    assert nursed.status_code == 201
    api = "/api/v1/fees/absences"

    def listed(user):
        return sorted(a["student_id"] for a in client.get(
            api, headers=user.headers, query_string={"term_id": term_id}).get_json())

    assert listed(teacher) == [child] and listed(nurse) == sorted([child, stranger])
    gone = client.delete(f"{api}/{nursed.get_json()['id']}", headers=teacher.headers)
    assert gone.status_code == 403 and listed(nurse) == sorted([child, stranger])
    csrf = signed_in(client, teacher)
    page = client.get(f"/t/{kindergarten.slug}/m/fees/absences").get_data(as_text=True)
    assert "中一班" in page and "中二班" not in page
    posted = client.post(f"/t/{kindergarten.slug}/m/fees/absences", data={
        "csrf_token": csrf, "student_id": stranger, "starts_on": "2026-11-02",
        "ends_on": "2026-11-03", "reason": "病假"})
    assert posted.status_code == 403 and listed(nurse) == sorted([child, stranger])


def test_an_absence_is_deleted_only_until_refunds_were_worked_out_from_it(
        client, clerk, kindergarten, term_id, children):
    (child, _), *_ = children
    november = away(client, clerk, child, "2026-11-02", "2026-11-03").get_json()["id"]
    mistake = away(client, clerk, child, "2026-12-07", "2026-12-08").get_json()["id"]
    assert client.delete(f"/api/v1/fees/absences/{mistake}",
                         headers=clerk.headers).status_code == 204
    client.post("/api/v1/fees/absence-refunds", headers=clerk.headers, json={"term_id": term_id})
    kept = client.delete(f"/api/v1/fees/absences/{november}", headers=clerk.headers)
    assert kept.status_code == 409 and "absence_id" in kept.get_json()["errors"]
    later = away(client, clerk, child, "2026-12-14", "2026-12-15").get_json()["id"]
    assert client.delete(f"/api/v1/fees/absences/{later}",
                         headers=clerk.headers).status_code == 204
    listed = client.get("/api/v1/fees/absences", headers=clerk.headers,
                        query_string={"term_id": term_id}).get_json()
    assert [(a["starts_on"], a["days"]) for a in listed] == [("2026-11-02", 2)]


def test_everything_answers_409_naming_the_setting_while_absence_refunds_are_off(
        client, clerk, school, term_id, children):
    (child, _), *_ = children
    absence_refunds_on(school, False)
    off = away(client, clerk, child, "2026-11-02", "2026-11-03")
    assert off.status_code == 409 and "absence_refunds" in off.get_json()["errors"]
    worked = client.get("/api/v1/fees/absence-refunds", headers=clerk.headers,
                        query_string={"term_id": term_id})
    assert worked.status_code == 409 and "absence_refunds" in worked.get_json()["errors"]


@pytest.mark.parametrize(("exact", "fen"), [(Fraction(1, 2), 1), (Fraction(3, 2), 2),
                                            (Fraction(4999, 10000), 0),
                                            (Fraction(800 * 15, 22) * 100, 54545),
                                            (Fraction(80000 * 7, 21), 26667)])
def test_amounts_round_half_up_to_the_fen_once(exact, fen):
    assert half_up(exact) == fen


def test_any_modules_charges_by_the_day_are_refunded_as_their_lines_say_and_old_lines_as_before(
        client, clerk, kindergarten, term_id):
    """The contract, not the canteen's codes: a milk module's per-day line is given back less
    its per-day subsidy (its one-off charge is neither refunded nor shared); a canteen line
    stored before lines could say so (per_absent_day NULL) is read as meals, as then; a
    canteen line that says it is not by the day is not refunded."""
    from plugins.fees.services.bills import Line

    milk = fee_item(kindergarten, "牛奶（每日）", "other", "school_day", 300, source="milk")
    meals = fee_item(kindergarten, "伙食费（食堂）", "meals", "school_day", MEAL,
                     source="canteen")
    _, (child, other) = classroom(kindergarten, "小三班", students=2)
    milk_id, meals_id = uuid.UUID(milk), uuid.UUID(meals)
    bill_of(kindergarten, term_id, child,
            Line("charge", "milk", "milk:milk.daily", "other", "牛奶", DAYS, 300, DAYS * 300,
                 fee_item_id=milk_id, per_absent_day=True),
            Line("discount", "milk", "milk:subsidy.dairy", "other", "奶补", DAYS, -100,
                 -DAYS * 100, fee_item_id=milk_id, per_absent_day=True),
            Line("charge", "milk", "milk:cup", "other", "奶杯", 1, 2000, 2000,
                 fee_item_id=milk_id, per_absent_day=False),
            Line("charge", "canteen", "canteen:meals.full", "meals", "伙食费", DAYS, MEAL,
                 DAYS * MEAL, fee_item_id=meals_id))
    bill_of(kindergarten, term_id, other,
            Line("charge", "canteen", "canteen:meals.full", "meals", "伙食费", DAYS, MEAL,
                 DAYS * MEAL, fee_item_id=meals_id, per_absent_day=False))
    for student in (child, other):
        assert away(client, clerk, student, "2026-11-02", "2026-11-06").status_code == 201
    body = preview(client, clerk, term_id)
    # five absent school days: milk at 3 − 1 = 2 yuan a day, meals at 15
    assert figures(body, child) == [("2026-11", "meals", 5, 5 * MEAL, 0),
                                    ("2026-11", "other", 5, 5 * 200, 0)]
    assert {(d["item_key"], d["title"]) for d in body["dues"] if d["student_id"] == child} == {
        ("canteen:meals.full", "伙食费（食堂）"), ("milk:milk.daily", "牛奶（每日）")}
    assert figures(body, other) == []
    applied = client.post("/api/v1/fees/absence-refunds", headers=clerk.headers,
                          json={"term_id": term_id}).get_json()
    assert applied["lowered_fen"] == 5 * MEAL + 5 * 200
