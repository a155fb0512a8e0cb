"""The energy pages as a signed-in asset keeper uses them: a reading from the phone form
with a photo of its dial, a refusal next to its input with nothing written, the month's page,
the .xlsx exports, the search box, the home card and the demo's weeks of readings."""

import io
import random
import re
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in

from .conftest import at, building, days_ago, meter, read

pytestmark = pytest.mark.houqin_plugins("energy")
BASE = "/t/energy-school/m/energy"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def readings_of(school):
    from plugins.energy.models import Reading

    with tenant_context(school):
        return db.session.scalars(select(Reading).order_by(Reading.read_at)).all()


def test_a_reading_from_the_form_with_a_photo_and_a_lower_one_refused(client, school, keeper):
    water = meter(school)
    read(school, water, at(days_ago(2)), "500")
    token = signed_in(client, keeper)
    form = client.get(f"{BASE}/readings/new?meter_id={water}").get_data(as_text=True)
    assert f'value="{water}" selected' in form
    day = days_ago(1).isoformat()
    lower = client.post(f"{BASE}/readings/new", content_type="multipart/form-data", data={
        "csrf_token": token, "meter_id": str(water), "day": day, "time": "07:30",
        "value": "450", "photo": (io.BytesIO(PNG), "dial.png")})
    assert lower.status_code == 422
    page = lower.get_data(as_text=True)
    assert 'data-testid="error-value"' in page and "500" in page
    assert len(readings_of(school)) == 1  # nothing written, the photo neither
    saved = client.post(f"{BASE}/readings/new", content_type="multipart/form-data", data={
        "csrf_token": token, "meter_id": str(water), "day": day, "time": "07:30",
        "value": "512.5", "photo": (io.BytesIO(PNG), "dial.png")})
    assert saved.status_code == 302
    last = readings_of(school)[-1]
    assert (last.value, last.used) == (Decimal("512.5"), Decimal("12.5"))
    photo = client.get(f"{BASE}/readings/{last.id}/photo")
    assert photo.status_code == 200 and photo.data == PNG
    page = client.get(f"{BASE}/meters/{water}").get_data(as_text=True)
    assert "512.500" in page and f"/readings/{last.id}/photo" in page


def test_a_photo_that_is_not_an_image_is_refused_naming_the_photo(client, school, keeper):
    water = meter(school)
    token = signed_in(client, keeper)
    answer = client.post(f"{BASE}/readings/new", content_type="multipart/form-data", data={
        "csrf_token": token, "meter_id": str(water), "day": days_ago(1).isoformat(),
        "time": "07:30", "value": "1", "photo": (io.BytesIO(b"%PDF-1.4 x"), "dial.pdf")})
    assert answer.status_code == 415
    assert 'data-testid="error-photo"' in answer.get_data(as_text=True)
    assert readings_of(school) == []


def test_the_month_page_the_exports_and_the_search(client, school, keeper):
    water = meter(school, "SB-001")
    read(school, water, at(days_ago(3)), "100")
    from plugins.energy.services import readings

    with tenant_context(school):
        readings.record(water, {"read_at": at(days_ago(2)), "value": Decimal("110"),
                                "note": "=HYPERLINK(\"x\")"})
        db.session.commit()
    signed_in(client, keeper)
    assert client.get(f"{BASE}/").status_code == 200
    month = days_ago(2).strftime("%Y-%m")
    page = client.get(f"{BASE}/?month={month}").get_data(as_text=True)
    assert 'data-testid="kind-water"' in page and "<svg" in page

    sheet = client.get(f"{BASE}/readings.xlsx?month={month}")
    assert sheet.status_code == 200
    cells = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows())
    assert cells[1][0].value == "SB-001" and cells[1][2].value == 100
    note = cells[2][4]  # a note is never a live formula: text, shown as typed
    assert (note.value, note.data_type, note.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    meters = client.get(f"{BASE}/registers/meters.xlsx")
    assert load_workbook(io.BytesIO(meters.data)).active["A2"].value == "SB-001"

    found = client.get("/t/energy-school/search?q=SB-0").get_data(as_text=True)
    assert f"/m/energy/meters/{water}" in found


def test_the_home_card_is_the_day_s_work_while_meters_are_due(client, school, keeper,
                                                              make_user):
    water = meter(school, "W-DUE")
    read(school, water, at(days_ago(3)), "1")
    signed_in(client, keeper)
    home = client.get("/t/energy-school/").get_data(as_text=True)
    today = home.split('data-testid="today"', 1)[1].split("</section>\n</section>", 1)[0]
    assert 'data-testid="energy-due"' in today and "W-DUE" in today
    # Whoever only reads the figures sees the card, not as the day's work.
    signed_in(client, make_user(school, "finance_clerk"))
    home = client.get("/t/energy-school/").get_data(as_text=True)
    assert 'data-testid="energy-widget"' in home and 'data-testid="today"' not in home
    read(school, water, at(days_ago(0), 0), "2")
    signed_in(client, keeper)
    home = client.get("/t/energy-school/").get_data(as_text=True)
    assert 'data-testid="energy-due"' not in home and 'data-testid="today"' not in home


def test_the_demo_adds_weeks_of_readings_once(app, school):
    from plugins.energy import demo
    from plugins.energy.models import Meter, Reading
    from plugins.energy.services import usage

    teaching = building(school, "教学楼")  # as core's demo sets up the school's places
    with tenant_context(school):
        demo.live(school, 30, random.Random(7))
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(Reading))
        demo.live(school, 30, random.Random(7))
        assert db.session.scalar(select(func.count()).select_from(Reading)) == count
        assert count >= 4 * 28
        assert db.session.scalar(select(func.count()).select_from(Meter)) == 4
        [parent] = usage.unmetered(days_ago(20), days_ago(10))
        assert parent.unmetered > 0  # the teaching building is inside the school's water
        # Meters name the school's buildings it has; the whole school's is in none.
        assert dict(db.session.execute(select(Meter.number, Meter.building_id)).all()) == {
            "SB-001": None, "SB-002": teaching, "DB-001": None, "RQ-001": None}


def test_a_kindergarten_reads_its_own_word_for_per_student(client, make_school, make_user):
    nursery = make_school("energy-nursery", type="kindergarten", modules=("energy",))
    signed_in(client, make_user(nursery, "logistics_director"))
    page = client.get("/t/energy-nursery/m/energy/").get_data(as_text=True)
    assert "幼儿人均" in page and "生均" not in page


def test_a_school_enters_its_tariff_on_the_settings_page(client, school, make_user):
    from core.sdk import module_settings

    token = signed_in(client, make_user(school, "school_admin", email="head@energy.test"))
    page = client.get("/t/energy-school/modules/energy/settings").get_data(as_text=True)
    assert 'name="water.tiers.0.price"' in page and 'name="jump_factor"' in page
    form = {"csrf_token": token, "night_starts": "22", "night_ends": "6", "reading_days": "1",
            "water.tiers.0.up_to": "", "water.tiers.0.price": "-3.5"}
    refused = client.post("/t/energy-school/modules/energy/settings", data=form)
    assert refused.status_code == 422
    assert re.search(r'(?s)water\.tiers\.0\.price.*?不能为负数', refused.get_data(as_text=True))
    saved = client.post("/t/energy-school/modules/energy/settings",
                        data={**form, "water.tiers.0.price": "3.45"})
    assert saved.status_code == 302
    with tenant_context(school):
        assert module_settings("energy")["water"]["tiers"] == [{"up_to": "", "price": "3.45"}]


def test_meters_set_up_and_replaced_from_the_pages(client, school, keeper):
    from plugins.energy.models import Meter

    canteen = str(building(school, "食堂"))
    token = signed_in(client, keeper)
    made = client.post(f"{BASE}/meters", data={
        "csrf_token": token, "number": "DB-001", "kind": "electricity", "building_id": canteen,
        "digits": "6", "multiplier": "40", "installed_on": days_ago(30).isoformat()})
    assert made.status_code == 302
    taken = client.post(f"{BASE}/meters", data={
        "csrf_token": token, "number": "DB-001", "kind": "water", "digits": "5",
        "multiplier": "1", "installed_on": days_ago(1).isoformat()})
    assert taken.status_code == 409 and 'data-testid="error-number"' in taken.get_data(
        as_text=True)
    with tenant_context(school):
        old = db.session.scalar(select(Meter.id).where(Meter.number == "DB-001"))
    read(school, old, at(days_ago(3)), "900")
    replaced = client.post(f"{BASE}/meters/{old}/replacement", data={
        "csrf_token": token, "read_at": at(days_ago(2)).strftime("%Y-%m-%dT%H:%M"),
        "final_value": "910", "number": "DB-002", "digits": "6", "multiplier": "40",
        "first_value": "0.5"})
    assert replaced.status_code == 302
    page = client.get(replaced.headers["Location"]).get_data(as_text=True)
    assert "DB-002" in page and "0.500" in page
    with tenant_context(school):
        assert db.session.scalar(select(Meter.retired_on).where(Meter.id == old)) == days_ago(2)
        # The new meter is in the old one's building.
        assert db.session.scalar(select(Meter.building_id).where(Meter.number == "DB-002")
                                 ) == uuid.UUID(canteen)


def test_a_name_no_building_has_shows_until_a_building_is_picked(client, school, keeper,
                                                                   make_school):
    """A meter kept from before meters named the school's buildings shows its building as
    written, marked; the meter's page picks one of the school's buildings, never another
    school's."""
    from plugins.energy.models import Meter
    from plugins.energy.services import meters

    library = building(school, "图书馆")
    theirs = building(make_school("energy-elsewhere", modules=("energy",)), "别校楼")
    with tenant_context(school):
        old = meters.create({"number": "W-OLD", "kind": "water", "digits": 5,
                             "unmatched_building": "老图书馆", "installed_on": days_ago(9)}).id
        db.session.commit()
    token = signed_in(client, keeper)
    page = client.get(f"{BASE}/meters/{old}").get_data(as_text=True)
    assert "老图书馆" in page and 'data-testid="unmatched-building"' in page
    assert "老图书馆" in client.get(f"{BASE}/meters").get_data(as_text=True)

    refused = client.post(f"{BASE}/meters/{old}/building",
                          data={"csrf_token": token, "building_id": str(theirs)})
    assert refused.status_code == 422 and 'data-testid="error-building_id"' in \
        refused.get_data(as_text=True) and "别校楼" not in refused.get_data(as_text=True)
    placed = client.post(f"{BASE}/meters/{old}/building",
                         data={"csrf_token": token, "building_id": str(library)})
    assert placed.status_code == 302
    page = client.get(f"{BASE}/meters/{old}").get_data(as_text=True)
    assert "图书馆" in page and "老图书馆" not in page
    with tenant_context(school):
        found = db.session.get(Meter, old)
        assert (found.building_id, found.unmatched_building) == (library, "")
