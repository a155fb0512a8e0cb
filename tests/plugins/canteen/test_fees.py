"""Canteen: meal fees for the fees module. Each student's price tier, the term's school days
within the student's meal plan, subsidies as negative lines, and the charge-source hook, which
answers through pluggy and loads without the fees module."""

import uuid
from contextlib import contextmanager
from datetime import date

import pluggy
import pytest
from flask_babel import refresh
from sqlalchemy import select

import plugins.canteen as canteen
from core import hookspecs
from core.calendar.models import Term
from core.calendar.services import school_days
from core.extensions import db
from core.rules import RuleBroken
from core.schools import modules
from core.sdk import hooks, hookspec
from core.state import kernel
from core.tenancy import tenant_context
from core.testing import signed_in

from .support import classroom

pytestmark = pytest.mark.houqin_plugins("canteen")
NUTRITION = {"code": "nutrition", "name": "营养改善补助", "fen_per_day": 400,
             "tiers": ["reduced", "free"]}
BILLING = {"meal_fees": True, "meal_prices_fen": {"full": 1200, "reduced": 600, "staff": 1500},
           "subsidies": [NUTRITION]}


class FeesHooks:
    """What the fees module will declare (issue 5), word for word."""

    @hookspec
    def houqin_fee_charges(self, term_id: uuid.UUID, student_ids: list[uuid.UUID]) -> list[dict]:
        """Return the bill lines this module charges these students for the term."""


@contextmanager
def api_request(app, school, language="en"):
    """The school in context during an API request in ``language`` (Accept-Language)."""
    with app.test_request_context("/api/v1/canteen", headers={"Accept-Language": language}), \
            tenant_context(school):
        refresh()  # the test's app context outlives each request: forget the last language
        yield


@pytest.fixture
def term(school):
    with tenant_context(school):
        found = db.session.scalar(select(Term))
        return found.id, len(school_days(found.start_date, found.end_date))


def billing(school, **settings):
    with tenant_context(school):
        modules.update_settings("canteen", {**BILLING, **settings})
        db.session.commit()


def plan(client, manager, student_id, **body):
    return client.put(f"/api/v1/canteen/meal-plans/{student_id}", headers=manager.headers,
                      json={"tier": "full", **body})


def test_each_student_pays_their_tier_for_the_school_days_they_eat(client, school, manager,
                                                                   term):
    term_id, days = term
    class_id, (full, reduced, free, joined) = classroom(school, "1班", students=4)
    billing(school)
    assert plan(client, manager, reduced, tier="reduced").status_code == 200
    assert plan(client, manager, free, tier="free").status_code == 200
    assert plan(client, manager, joined, meals_from="2026-11-16").status_code == 200
    lines = client.get(f"/api/v1/canteen/meal-fees?term_id={term_id}&class_id={class_id}",
                       headers=manager.headers).get_json()
    by_student = {}
    for line in lines:
        assert line["source"] == "canteen"
        by_student.setdefault(line["student_id"], []).append(
            (line["code"], line["quantity"], line["unit_price_fen"], line["amount_fen"]))
    with tenant_context(school):
        late_days = len(school_days(date(2026, 11, 16), date(2027, 1, 22)))
    assert by_student[full] == [("meals.full", days, 1200, days * 1200)]
    assert by_student[reduced] == [("meals.reduced", days, 600, days * 600),
                                   ("subsidy.nutrition", days, -400, -days * 400)]
    # Free meals cost nothing, so the subsidy has nothing to take off: no line.
    assert by_student[free] == [("meals.free", days, 0, 0)]
    assert by_student[joined] == [("meals.full", late_days, 1200, late_days * 1200)]
    assert 0 < late_days < days


def test_a_subsidy_never_takes_a_bill_below_zero(app, school, term):
    term_id, days = term
    _class, (pupil,) = classroom(school, "1班", students=1)
    billing(school, subsidies=[{**NUTRITION, "fen_per_day": 500, "tiers": ["full"]},
                               {"code": "local", "name": "区补助", "fen_per_day": 900,
                                "tiers": ["full"]}])
    with api_request(app, school):
        lines = canteen.houqin_fee_charges(term_id=term_id, student_ids=[uuid.UUID(pupil)])
    assert [(line["code"], line["amount_fen"]) for line in lines] == [
        ("meals.full", days * 1200), ("subsidy.nutrition", -days * 500),
        ("subsidy.local", -days * 700)]
    assert sum(line["amount_fen"] for line in lines) == 0
    assert "up to the meal fee" in lines[2]["description"]
    assert lines[2]["quantity"] * lines[2]["unit_price_fen"] < lines[2]["amount_fen"]


def test_nothing_is_billed_until_the_school_bills_meals_nor_for_a_student_who_left(
        app, school, term):
    from core.people import services as people

    term_id, _days = term
    _class, (stays, left) = classroom(school, "1班", students=2)
    ids = [uuid.UUID(stays), uuid.UUID(left)]
    with api_request(app, school):
        assert canteen.houqin_fee_charges(term_id=term_id, student_ids=ids) == []
    billing(school)
    with api_request(app, school):
        people.update_student(ids[1], {"status": "left"})
        lines = canteen.houqin_fee_charges(term_id=term_id, student_ids=[*ids, uuid.uuid4()])
        assert [line["student_id"] for line in lines] == [ids[0]]
        with pytest.raises(RuleBroken, match="no such term"):
            canteen.houqin_fee_charges(term_id=uuid.uuid4(), student_ids=ids)
        db.session.rollback()


def test_the_hook_answers_through_the_plugin_manager(app, school, term):
    """The app's own pluggy manager, given the fees module's hookspec, reaches the canteen for
    the schools that have it on."""
    term_id, days = term
    _class, (pupil,) = classroom(school, "1班", students=1)
    billing(school)
    kernel().plugins.pm.add_hookspecs(FeesHooks)
    with api_request(app, school):
        answers = hooks().houqin_fee_charges(term_id=term_id, student_ids=[uuid.UUID(pupil)])
    assert answers == [[{"student_id": uuid.UUID(pupil), "source": "canteen",
                         "code": "meals.full", "description": f"Meals at full price, {days} "
                                                              "school days",
                         "quantity": days, "unit_price_fen": 1200, "amount_fen": days * 1200,
                         "per_absent_day": True}]]
    with api_request(app, school, "zh-CN"):
        chinese = hooks().houqin_fee_charges(term_id=term_id, student_ids=[uuid.UUID(pupil)])
    assert chinese[0][0]["description"] == f"伙食费（全价），{days}个在校日"


def test_the_canteen_loads_without_the_fees_module_and_its_hook_stays_optional():
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(canteen, name="canteen")
    manager.check_pending()  # no fees module: the optional hook is not an error
    assert not manager.hook.houqin_fee_charges.has_spec()
    manager.add_hookspecs(FeesHooks)  # the fees module arrives: the signature matches
    assert [impl.plugin_name for impl in manager.hook.houqin_fee_charges.get_hookimpls()] == [
        "canteen"]


def test_meal_plans_are_checked_and_another_schools_student_is_not_found(
        client, school, manager, make_school, make_user):
    _class, (pupil,) = classroom(school, "1班", students=1)
    bad_tier = plan(client, manager, pupil, tier="vip")
    assert bad_tier.status_code == 422 and "tier" in bad_tier.get_json()["errors"]
    backwards = plan(client, manager, pupil, meals_from="2026-12-01", meals_until="2026-11-01")
    assert backwards.status_code == 422 and "meals_until" in backwards.get_json()["errors"]
    other = make_school("fees-other", modules=("canteen",))
    intruder = make_user(other, "canteen_manager")
    assert plan(client, intruder, pupil, tier="free").status_code == 404
    listed = client.get(f"/api/v1/canteen/meal-plans?class_id={_class}",
                        headers=manager.headers).get_json()
    assert [(p["name"], p["tier"]) for p in listed] == [("1班学生0", "full")]


def test_settings_refuse_billing_without_a_price_and_twin_subsidy_codes(school):
    with tenant_context(school):
        for bad, key in (({"meal_fees": True}, "meal_prices_fen"),
                         ({"subsidies": [NUTRITION, NUTRITION]}, "subsidies"),
                         ({"meal_prices_fen": {"full": -1}}, "meal_prices_fen"),
                         ({"subsidies": [{**NUTRITION, "fen_per_day": 0}]}, "subsidies")):
            with pytest.raises(modules.SettingsInvalid) as refused:
                modules.update_settings("canteen", bad)
            assert key in refused.value.messages, bad


def test_the_meal_plans_page_sets_a_tier(app, client, school, manager):
    class_id, (pupil,) = classroom(school, "1班", students=1)
    token = signed_in(client, manager)
    page = client.get(f"/t/canteen-school/m/canteen/meal-plans?class_id={class_id}")
    assert page.status_code == 200 and "1班学生0" in page.get_data(as_text=True)
    bad = client.post(f"/t/canteen-school/m/canteen/meal-plans/{pupil}?class_id={class_id}",
                      data={"csrf_token": token, "tier": "reduced", "meals_from": "2026-12-01",
                            "meals_until": "2026-11-01"})
    assert bad.status_code == 422 and 'data-testid="error-1班-0"' in bad.get_data(as_text=True)
    good = client.post(f"/t/canteen-school/m/canteen/meal-plans/{pupil}?class_id={class_id}",
                       data={"csrf_token": token, "tier": "reduced", "meals_from": "",
                             "meals_until": ""})
    assert good.status_code == 302
    listed = client.get(f"/api/v1/canteen/meal-plans?class_id={class_id}",
                        headers=manager.headers).get_json()
    assert listed[0]["tier"] == "reduced"
    gone = client.post(f"/t/canteen-school/m/canteen/meal-plans/{uuid.uuid4()}",
                       data={"csrf_token": token, "tier": "free"})
    assert gone.status_code == 404
