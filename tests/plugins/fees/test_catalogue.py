"""The fee catalogue and its public notice (收费公示): items go draft → approved → published →
retired, only drafts change, a notice publishes what is approved with the complaint phones,
nothing unpublished is billable, and each school's public page shows only its own notice."""

import json
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.fees.services import catalogue

from .support import classroom

API = "/api/v1/fees"
ITEM = {"name": "保教费", "category": "care", "amount_fen": 120000, "unit": "month",
        "basis_authority": "市发展和改革委员会", "basis_reference": "发改收费〔2026〕12号"}
PHONES = {"school_phone": "0551-6500-1234", "bureau_phone": "0551-6290-0000"}


def school_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def draft(client, user, **changes):
    return client.post(f"{API}/items", json={**ITEM, **changes}, headers=user.headers)


def approved(client, head, **changes) -> dict:
    item = draft(client, head, **changes).get_json()
    response = client.post(f"{API}/items/{item['id']}/approve",
                           json={"version": item["version"]}, headers=head.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def set_phones(client, head, **phones):
    response = client.put("/api/v1/modules/fees", headers=head.headers,
                          json={"enabled": True, "settings": {**PHONES, **phones}})
    assert response.status_code == 200, response.get_json()


def publish(client, head, effective_on: date | None = None, **body):
    return client.post(f"{API}/notices", headers={**head.headers, "Accept-Language": "zh-CN"},
                       json={
        "effective_on": (effective_on or school_today()).isoformat(), **body})


def billable_names(school, on: date) -> list[str]:
    with tenant_context(school):
        names = [item.name for item in catalogue.billable_items(on)]
        db.session.rollback()
        return names


def refused(response, status: int, field: str) -> None:
    body = response.get_json()
    assert response.status_code == status, body
    assert field in body["errors"], body


# --- the whole way, through the API and the public page ------------------------------------


def test_an_item_goes_from_draft_to_the_public_notice(client, school, clerk, head):
    created = draft(client, clerk, voluntary=False)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["status"], item["version"], item["effective_on"]) == ("draft", 1, None)
    assert client.post(f"{API}/items/{item['id']}/approve", json={"version": 1},
                       headers=clerk.headers).status_code == 403  # a clerk drafts, a head approves
    assert billable_names(school, school_today()) == []

    approved_item = client.post(f"{API}/items/{item['id']}/approve", json={"version": 1},
                                headers=head.headers).get_json()
    assert approved_item["status"] == "approved" and approved_item["approved_by"]
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"amount_fen": 1, "version": approved_item["version"]}), 409,
            "status")
    assert billable_names(school, school_today()) == []  # approved is not yet published

    set_phones(client, head)
    response = publish(client, head, title="2026年秋季学期收费公示", remarks="按月收取")
    assert response.status_code == 201, response.get_json()
    notice = response.get_json()
    assert notice["number"] == 1
    assert notice["phones"] == {"school": "0551-6500-1234", "bureau": "0551-6290-0000",
                                "regulator": "12315"}  # the cited national hotline
    (line,) = notice["items"]
    assert (line["name"], line["amount_fen"], line["unit"], line["basis_reference"],
            line["applies_text"]) == ("保教费", 120000, "month", "发改收费〔2026〕12号", "全部学生")
    published = client.get(f"{API}/items/{item['id']}", headers=clerk.headers).get_json()
    assert (published["status"], published["notice_id"], published["effective_on"]) == (
        "published", notice["id"], school_today().isoformat())
    assert billable_names(school, school_today()) == ["保教费"]

    anyone = client.application.test_client()
    page = anyone.get("/t/fees-school/m/fees/public/notice")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("2026年秋季学期收费公示", "保教费", "1200.00", "每月", "市发展和改革委员会",
                  "发改收费〔2026〕12号", "0551-6500-1234", "0551-6290-0000", "12315",
                  "按月收取", school.name, "print-a4"):  # paper: A4
        assert shown in text, shown
    public = anyone.get(f"{API}/public/notice", headers={"X-Tenant": "fees-school"}).get_json()
    assert public["current"]["number"] == 1 and public["pending"] is None
    assert "published_by" not in public["current"]


def test_edits_name_the_version_they_were_made_on(client, school, clerk):
    item = draft(client, clerk).get_json()
    changed = client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                           json={"amount_fen": 110000, "version": 1})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"amount_fen": 100000, "version": 1}), 409, "version")
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"amount_fen": 100000}), 422, "version")
    assert client.get(f"{API}/items/{item['id']}",
                      headers=clerk.headers).get_json()["amount_fen"] == 110000


def test_a_held_fee_must_be_voluntary(client, school, clerk):
    held = {"name": "教辅材料费", "category": "held", "amount_fen": 8000, "unit": "term"}
    refused(draft(client, clerk, **held), 422, "voluntary")
    item = draft(client, clerk, **held, voluntary=True).get_json()
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"voluntary": False, "version": item["version"]}), 422,
            "voluntary")
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"category": "held", "voluntary": False,
                               "version": item["version"]}), 422, "voluntary")


@pytest.mark.parametrize("amount", [1200.5, 1200.0, -100, 0, "1200", True, None, 10**12],
                         ids=["fraction", "float", "negative", "zero", "text", "bool", "null",
                              "huge"])
def test_amounts_are_whole_positive_fen(client, school, clerk, amount):
    refused(draft(client, clerk, amount_fen=amount), 422, "amount_fen")


@pytest.mark.parametrize(("unit", "cap"), list(catalogue.MAX_AMOUNT_FEN.items()))
def test_absurd_amounts_are_refused_per_unit(client, school, clerk, unit, cap):
    refused(draft(client, clerk, unit=unit, amount_fen=cap + 1), 422, "amount_fen")
    item = draft(client, clerk, unit=unit, amount_fen=cap).get_json()
    refused(client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                         json={"amount_fen": cap + 1, "version": 1}), 422, "amount_fen")


def test_approval_needs_the_legal_basis(client, school, clerk, head):
    item = draft(client, clerk, basis_authority="", basis_reference="").get_json()
    refused(client.post(f"{API}/items/{item['id']}/approve", json={"version": 1},
                        headers=head.headers), 422, "basis_authority")
    client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                 json={"basis_authority": "市发改委", "version": 1})
    refused(client.post(f"{API}/items/{item['id']}/approve", json={"version": 2},
                        headers=head.headers), 422, "basis_reference")
    refused(client.post(f"{API}/items/{item['id']}/approve", json={"version": 1},
                        headers=head.headers), 409, "version")  # approve what you have read


def test_an_item_applies_only_to_this_schools_grades_classes_and_students(
        client, school, clerk, make_school):
    class_id, pupils = classroom(school, "1班", students=2)
    other = make_school("other-school", modules=("fees",))
    foreign_class, foreign_pupils = classroom(other, "9班", students=1)
    with tenant_context(school):
        from core.sdk import people

        grade_id = str(people.grades()[0].id)
    for applies_to, ids in (("classes", [foreign_class]), ("students", foreign_pupils),
                            ("grades", [str(uuid.uuid4())]), ("classes", []),
                            ("school", [class_id])):
        refused(draft(client, clerk, applies_to=applies_to, applies_ids=ids), 422,
                "applies_ids")
    refused(draft(client, clerk, applies_to="classes", applies_ids=["not-an-id"]), 422,
            "applies_ids")
    for applies_to, ids in (("classes", [class_id]), ("students", pupils),
                            ("grades", [grade_id])):
        created = draft(client, clerk, applies_to=applies_to, applies_ids=ids)
        assert created.status_code == 201, created.get_json()
        assert sorted(created.get_json()["applies_ids"]) == sorted(ids)


def test_a_source_must_be_a_module_that_prices_fee_lines(client, school, clerk, head):
    refused(draft(client, clerk, category="meals", source="canteen"), 422, "source")
    refused(draft(client, clerk, category="meals", source="nonsense"), 422, "source")
    client.put("/api/v1/modules/canteen", json={"enabled": True, "settings": {}},
               headers=head.headers)
    created = draft(client, clerk, name="伙食费", category="meals", unit="school_day",
                    amount_fen=1200, source="canteen")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["source"] == "canteen"


# --- publishing ----------------------------------------------------------------------------


def test_publishing_needs_the_phones_something_to_publish_and_a_day_not_past(
        client, school, head):
    refused(publish(client, head), 409, "bureau_phone")
    set_phones(client, head, school_phone="")
    refused(publish(client, head), 409, "school_phone")
    set_phones(client, head, regulator_phone="0551-12358")
    refused(publish(client, head), 409, "items")
    draft(client, head)  # a draft is not published
    refused(publish(client, head), 409, "items")
    approved(client, head)
    refused(publish(client, head, school_today() - timedelta(days=1)), 422, "effective_on")
    notice = publish(client, head).get_json()
    assert notice["phones"]["regulator"] == "0551-12358"
    assert (notice["title"], notice["title_shown"]) == ("", "收费公示")
    assert len(notice["items"]) == 1  # the draft stays off
    with tenant_context(school):
        assert len(db.session.scalars(catalogue.notices()).all()) == 1
        db.session.rollback()


def test_a_retired_item_leaves_the_next_notice_and_billing_but_not_the_history(
        client, school, head):
    set_phones(client, head)
    care = approved(client, head)
    approved(client, head, name="住宿费", category="boarding", amount_fen=150000, unit="term")
    first = publish(client, head).get_json()
    assert [line["name"] for line in first["items"]] == ["保教费", "住宿费"]
    assert sorted(billable_names(school, school_today())) == ["住宿费", "保教费"]

    retired = client.post(f"{API}/items/{care['id']}/retire", headers=head.headers)
    assert retired.status_code == 200 and retired.get_json()["status"] == "retired"
    refused(client.post(f"{API}/items/{care['id']}/retire", headers=head.headers), 409,
            "status")
    assert billable_names(school, school_today()) == ["住宿费"]
    signed_in(client, head)
    assert "保教费" in client.get("/t/fees-school/m/fees/items").get_data(as_text=True)

    second = publish(client, head).get_json()
    assert (second["number"], [line["name"] for line in second["items"]]) == (2, ["住宿费"])
    kept = client.get(f"{API}/notices/{first['id']}",
                      headers={**head.headers, "Accept-Language": "zh-CN"}).get_json()
    assert kept["items"] == first["items"]  # the old notice is as it was
    history = client.get(f"{API}/notices", headers=head.headers).get_json()
    assert [n["number"] for n in history] == [2, 1]

    anyone = client.application.test_client()
    current = anyone.get("/t/fees-school/m/fees/public/notice").get_data(as_text=True)
    assert "保教费" not in current.split('data-testid="notice-history"')[0]
    old = anyone.get(f"/t/fees-school/m/fees/public/notices/{first['id']}")
    assert "保教费" in old.get_data(as_text=True) and "1200.00" in old.get_data(as_text=True)


def test_a_notice_for_a_later_day_makes_its_items_billable_only_from_then(
        client, school, head):
    set_phones(client, head)
    approved(client, head)
    later = school_today() + timedelta(days=10)
    notice = publish(client, head, later).get_json()
    assert billable_names(school, school_today()) == []
    assert billable_names(school, later) == ["保教费"]
    refused(publish(client, head), 422, "effective_on")  # not before the pending notice

    anyone = client.application.test_client()
    page = anyone.get("/t/fees-school/m/fees/public/notice").get_data(as_text=True)
    assert 'data-testid="no-notice"' in page and 'data-testid="pending-notice"' in page
    assert later.isoformat() in page
    public = anyone.get(f"{API}/public/notice", headers={"X-Tenant": "fees-school"}).get_json()
    assert public["current"] is None and public["pending"]["id"] == notice["id"]


def test_an_approval_can_be_taken_back_until_published_and_only_fresh_drafts_are_deleted(
        client, school, clerk, head):
    fresh = draft(client, clerk).get_json()
    assert client.delete(f"{API}/items/{fresh['id']}", headers=clerk.headers).status_code == 204
    assert client.get(f"{API}/items/{fresh['id']}", headers=clerk.headers).status_code == 404

    item = approved(client, head)
    back = client.post(f"{API}/items/{item['id']}/return-to-draft",
                       json={"version": item["version"]}, headers=head.headers)
    assert back.status_code == 200 and back.get_json()["status"] == "draft"
    edited = client.patch(f"{API}/items/{item['id']}", headers=clerk.headers,
                          json={"amount_fen": 100000, "version": back.get_json()["version"]})
    assert edited.status_code == 200, edited.get_json()
    refused(client.delete(f"{API}/items/{item['id']}", headers=clerk.headers), 409, "status")

    set_phones(client, head)
    again = client.post(f"{API}/items/{item['id']}/approve",
                        json={"version": edited.get_json()["version"]},
                        headers=head.headers).get_json()
    publish(client, head)
    refused(client.post(f"{API}/items/{item['id']}/return-to-draft",
                        json={"version": again["version"] + 1}, headers=head.headers), 409,
            "status")
    refused(client.delete(f"{API}/items/{item['id']}", headers=clerk.headers), 409, "status")


def test_a_notice_published_twice_at_once_is_a_conflict(client, school, head, monkeypatch):
    """Two heads publish at the same moment: both saw no notice, so both take number 1; the
    unique number turns the second into a 409, not an error."""
    set_phones(client, head)
    approved(client, head)
    assert publish(client, head).status_code == 201
    from sqlalchemy import false

    stale = catalogue.notices
    monkeypatch.setattr(catalogue, "notices", lambda: stale().where(false()))
    refused(publish(client, head), 409, "number")
    monkeypatch.undo()
    assert publish(client, head).get_json()["number"] == 2


# --- the public page -----------------------------------------------------------------------


def test_the_public_page_shows_only_this_schools_published_notice(
        client, school, head, make_school, make_user):
    set_phones(client, head)
    approved(client, head)
    draft(client, head, name="草稿里的兴趣班费")
    publish(client, head)
    approved(client, head, name="批准未公示的校服费", category="held", voluntary=True,
             amount_fen=20000, unit="item")

    other = make_school("other-school", modules=("fees",))
    other_head = make_user(other, "school_admin")
    set_phones(client, other_head, school_phone="021-0000-9999")
    approved(client, other_head, name="别校的午托费")
    other_id = publish(client, other_head, remarks="other's remark").get_json()["id"]

    anyone = client.application.test_client()
    pages = [anyone.get("/t/fees-school/m/fees/public/notice"),
             anyone.get(f"{API}/public/notice", headers={"X-Tenant": "fees-school"})]
    for page in pages:
        text = page.get_data(as_text=True) if page.is_json is False else json.dumps(
            page.get_json(), ensure_ascii=False)
        assert page.status_code == 200 and "保教费" in text
        for hidden in ("别校的午托费", "021-0000-9999", "other's remark", other_id,
                       "草稿里的兴趣班费", "批准未公示的校服费"):
            assert hidden not in text, hidden
    assert anyone.get(f"/t/fees-school/m/fees/public/notices/{other_id}").status_code == 404
    assert "别校的午托费" in anyone.get(f"/t/other-school/m/fees/public/notices/{other_id}"
                                    ).get_data(as_text=True)
    no_fees = make_school("no-fees")
    assert anyone.get(f"/t/{no_fees.slug}/m/fees/public/notice").status_code == 404


# --- the office's pages --------------------------------------------------------------------


def test_the_office_drafts_approves_and_publishes_through_the_pages(client, school, head):
    set_phones(client, head)
    class_id, _pupils = classroom(school, "2班", students=1)
    token = signed_in(client, head)
    base = "/t/fees-school/m/fees"
    form = {"csrf_token": token, "name": "课后服务费", "category": "other", "amount": "12.345",
            "unit": "month", "basis_authority": "市教育局", "basis_reference": "教〔2026〕3号",
            "applies_to": "classes", "class_ids": [class_id], "notes": ""}
    refusal = client.post(f"{base}/items", data=form)
    assert refusal.status_code == 422
    assert 'data-testid="error-amount"' in refusal.get_data(as_text=True)
    created = client.post(f"{base}/items", data={**form, "amount": "300.5"})
    assert created.status_code == 302
    item_url = created.headers["Location"]
    item_id = item_url.rsplit("/", 1)[-1]
    page = client.get(item_url).get_data(as_text=True)
    assert "300.50" in page and "一年级2班" in page

    stale = client.post(item_url, data={**form, "amount": "280", "version": "0"})
    assert stale.status_code == 409
    assert 'data-testid="error-version"' in stale.get_data(as_text=True)
    assert client.post(item_url, data={**form, "amount": "280", "version": "1"}
                       ).status_code == 302
    assert client.post(f"{item_url}/approve", data={"csrf_token": token, "version": "2"}
                       ).status_code == 302
    listing = client.get(f"{base}/items?status=approved").get_data(as_text=True)
    assert "课后服务费" in listing and "280.00" in listing
    assert "课后服务费" not in client.get(f"{base}/items?status=draft").get_data(as_text=True)

    notices = client.get(f"{base}/notices").get_data(as_text=True)
    assert "课后服务费" in notices and "0551-6500-1234" in notices
    past = client.post(f"{base}/notices", data={
        "csrf_token": token, "title": "", "remarks": "",
        "effective_on": (school_today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and 'data-testid="error-effective_on"' in past.get_data(
        as_text=True)
    published = client.post(f"{base}/notices", data={
        "csrf_token": token, "title": "", "remarks": "",
        "effective_on": school_today().isoformat()})
    assert published.status_code == 302
    notice = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "课后服务费" in notice and "280.00" in notice and "一年级2班" in notice
    with tenant_context(school):
        assert catalogue.get_item(uuid.UUID(item_id)).status == "published"
        db.session.rollback()
    retire = client.post(f"{item_url}/retire", data={"csrf_token": token})
    assert retire.status_code == 302
    assert billable_names(school, school_today()) == []


def test_a_clerk_sees_no_approval_buttons_and_is_refused_them(client, school, clerk):
    item = draft(client, clerk).get_json()
    token = signed_in(client, clerk)
    page = client.get(f"/t/fees-school/m/fees/items/{item['id']}").get_data(as_text=True)
    assert 'data-testid="approve"' not in page and 'data-testid="item-form"' in page
    assert client.post(f"/t/fees-school/m/fees/items/{item['id']}/approve",
                       data={"csrf_token": token, "version": "1"}).status_code == 403
    assert 'data-testid="publish-form"' not in client.get(
        "/t/fees-school/m/fees/notices").get_data(as_text=True)


@pytest.mark.postgres
def test_on_postgresql_two_heads_publishing_at_once_get_one_notice_and_a_conflict(
        app_factory, houqin_postgres, make_school):
    """The first head's notice is written but not yet committed when the second starts: the
    second waits on the items the first holds, then finds number 1 taken and hears 409."""
    import threading

    from sqlalchemy import create_engine, pool, select, text

    from core.rules import RuleBroken
    from core.schools import modules as module_service
    from plugins.fees.models import FeeNotice

    app = app_factory(database=houqin_postgres)
    with app.app_context():
        school = make_school("fees-pg", modules=("fees",))
        with tenant_context(school):
            module_service.update_settings("fees", PHONES)
            item = catalogue.create_item(ITEM, by="test")
            catalogue.approve_item(item.id, item.version, by="test")
            db.session.commit()

    first_written, first_may_commit = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def head(name: str, hold: bool) -> None:
        with app.app_context(), tenant_context(school):
            try:
                notice = catalogue.publish_notice({"effective_on": school_today()}, by=name)
                if hold:
                    first_written.set()
                    first_may_commit.wait(timeout=30)
                db.session.commit()
                outcomes[name] = notice.number
            except RuleBroken as exc:
                db.session.rollback()
                outcomes[name] = (exc.status, exc.field)
            finally:
                first_written.set()

    first = threading.Thread(target=head, args=("first", True))
    first.start()
    assert first_written.wait(timeout=30)
    second = threading.Thread(target=head, args=("second", False))
    second.start()
    watcher = create_engine(houqin_postgres.app_url, poolclass=pool.NullPool)
    try:
        for _attempt in range(600):  # until the second head waits on the first one's locks
            with watcher.connect() as connection:
                if connection.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                          "WHERE wait_event_type = 'Lock'")):
                    break
            threading.Event().wait(0.05)
    finally:
        watcher.dispose()
        first_may_commit.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert outcomes == {"first": 1, "second": (409, "number")}
    with app.app_context(), tenant_context(school):
        assert [n.number for n in db.session.scalars(select(FeeNotice))] == [1]
        db.session.rollback()
