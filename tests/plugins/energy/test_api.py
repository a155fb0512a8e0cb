"""The energy API as an asset keeper uses it: meters, readings refused naming the field, the
month's use (the .xlsx import is core's register import: test_registers)."""

import uuid
from datetime import datetime, timedelta

import pytest

from .conftest import ZONE, at, building, days_ago

pytestmark = pytest.mark.houqin_plugins("energy")
API = "/t/energy-school/api/v1/energy"


def new_meter(client, keeper, number="W-1", **extra):
    answer = client.post(f"{API}/meters", headers=keeper.headers, json={
        "number": number, "kind": "water", "digits": 5,
        "installed_on": days_ago(100).isoformat(), **extra})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_meters_and_readings_through_the_api(client, school, keeper):
    teaching = str(building(school, "教学楼"))
    meter = new_meter(client, keeper, building_id=teaching)
    assert (meter["unit"], meter["building_id"], meter["building"]) == ("m³", teaching, "教学楼")
    taken = client.post(f"{API}/meters", headers=keeper.headers, json={
        "number": "W-1", "kind": "gas", "digits": 5, "installed_on": days_ago(1).isoformat()})
    assert taken.status_code == 409 and "number" in taken.get_json()["errors"]

    readings = f"{API}/meters/{meter['id']}/readings"
    first = client.post(readings, headers=keeper.headers,
                        json={"read_at": at(days_ago(2)).isoformat(), "value": "120.5"})
    assert first.status_code == 201 and first.get_json()["kind"] == "first"
    lower = client.post(readings, headers=keeper.headers,
                        json={"read_at": at(days_ago(1)).isoformat(), "value": "100"})
    assert lower.status_code == 422 and list(lower.get_json()["errors"]) == ["value"]
    future = client.post(readings, headers=keeper.headers, json={
        "read_at": (datetime.now(ZONE) + timedelta(hours=1)).isoformat(), "value": "130"})
    assert future.status_code == 422 and list(future.get_json()["errors"]) == ["read_at"]
    # A time without a zone is the school's clock: the same moment as the first reading.
    same = client.post(readings, headers=keeper.headers, json={
        "read_at": at(days_ago(2)).replace(tzinfo=None).isoformat(), "value": "121"})
    assert same.status_code == 409 and list(same.get_json()["errors"]) == ["read_at"]
    second = client.post(readings, headers=keeper.headers,
                         json={"read_at": at(days_ago(1)).isoformat(), "value": "130.5"})
    assert second.get_json()["used"] == "10.000"

    listed = client.get(f"{API}/readings?meter_id={meter['id']}", headers=keeper.headers)
    assert [r["value"] for r in listed.get_json()] == ["130.500", "120.500"]
    days = client.get(f"{API}/use/days?start={days_ago(2)}&end={days_ago(1)}",
                      headers=keeper.headers).get_json()
    assert sum(float(d["used"]) for d in days if d["kind"] == "water") == pytest.approx(10)
    month = client.get(f"{API}/use/month", headers=keeper.headers).get_json()
    assert [k["kind"] for k in month] == ["water", "electricity", "gas"]
    assert month[0]["cost"] is None  # no tariff entered: no price is invented


def test_a_meter_names_only_its_own_school_s_buildings(client, school, keeper, make_school):
    """Another school's building, or none, is refused by its field and nothing is written;
    the answer says nothing of the other school's building."""
    other = make_school("energy-other", modules=("energy",))
    theirs = building(other, "秘密实验楼")
    for wrong in (theirs, uuid.uuid4()):
        answer = client.post(f"{API}/meters", headers=keeper.headers, json={
            "number": "W-9", "kind": "water", "digits": 5, "building_id": str(wrong),
            "installed_on": days_ago(1).isoformat()})
        assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["building_id"]
        assert "秘密实验楼" not in answer.get_data(as_text=True)
    assert client.get(f"{API}/meters", headers=keeper.headers).get_json() == []

    meter = new_meter(client, keeper)
    place = f"{API}/meters/{meter['id']}/building"
    refused = client.put(place, headers=keeper.headers, json={"building_id": str(theirs)})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["building_id"]
    canteen = str(building(school, "食堂"))
    placed = client.put(place, headers=keeper.headers, json={"building_id": canteen})
    assert (placed.status_code, placed.get_json()["building"]) == (200, "食堂")
    cleared = client.put(place, headers=keeper.headers, json={"building_id": None})
    assert (cleared.get_json()["building_id"], cleared.get_json()["building"]) == (None, "")


def test_a_meter_of_another_kind_is_no_parent(client, keeper):
    water = new_meter(client, keeper)
    answer = client.post(f"{API}/meters", headers=keeper.headers, json={
        "number": "E-1", "kind": "electricity", "digits": 6, "parent_id": water["id"],
        "installed_on": days_ago(1).isoformat()})
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["parent_id"]


def test_a_guard_reads_meters_but_does_not_set_them_up(client, school, make_user):
    guard = make_user(school, "guard")
    answer = client.post(f"{API}/meters", headers=guard.headers, json={
        "number": "X", "kind": "water", "digits": 5, "installed_on": days_ago(1).isoformat()})
    assert answer.status_code == 403
    assert client.get(f"{API}/meters", headers=guard.headers).status_code == 200
