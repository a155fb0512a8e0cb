"""A module's register imported through the API, as core's people import is: an upload
starts a preview job, its report tells each row new, update or unchanged, then a run
imports the same file; each route asks the register's permission."""

import io

import pytest
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import run_jobs
from plugins.canteen.models import Dish
from plugins.canteen.services import menus
from tests.test_transfer import job, xlsx

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")
API = "/api/v1/canteen/registers/dishes/imports"
HEADERS = ["菜名", "过敏原", "备注", "在用", "配料(每份)"]


@pytest.fixture
def school(make_school):
    return make_school("dish-api", modules=("canteen", "fees"))


@pytest.fixture
def cook(school, make_user):
    return make_user(school, "canteen_manager")


def upload(client, user, content, dry_run=True, path=API):
    return client.post(path, headers=user.headers, data={
        "dry_run": "true" if dry_run else "false", "file": (io.BytesIO(content), "dishes.xlsx")},
        content_type="multipart/form-data")


def test_a_preview_then_a_run_updates_and_adds(app, client, school, cook):
    with tenant_context(school):
        menus.create_dish({"name": "土豆丝", "notes": "清淡"})
        db.session.commit()
    content = xlsx([["土豆丝", "", "酸辣", "是", "土豆 150g"], ["番茄炒蛋", "鸡蛋", "", "是", ""],
                    ["宫保鸡丁", "芝麻", "", "", ""]], HEADERS)
    started = upload(client, cook, content)
    assert started.status_code == 202
    run_jobs(app)
    preview = job(client, cook, started.get_json()["job"])["result"]
    assert preview["dry_run"] is True
    assert [(o["row"], o["action"]) for o in preview["outcomes"]] == [(2, "update"), (3, "new")]
    assert preview["outcomes"][0]["columns"] == ["备注", "配料(每份)"]
    assert [(e["row"], e["column"]) for e in preview["errors"]] == [(4, "过敏原")]
    with tenant_context(school):
        assert db.session.scalar(select(Dish.notes).where(Dish.name == "土豆丝")) == "清淡"
    ran = client.post(f"{API}/{started.get_json()['import_id']}/run", headers=cook.headers)
    assert ran.status_code == 202
    run_jobs(app)
    done = job(client, cook, ran.get_json()["job"])["result"]
    assert (done["dry_run"], done["created"], done["updated"]) == (False, 1, 1)
    with tenant_context(school):
        assert dict(db.session.execute(select(Dish.name, Dish.notes)).all()) == {
            "土豆丝": "酸辣", "番茄炒蛋": ""}
    again = client.post(f"{API}/{started.get_json()['import_id']}/run", headers=cook.headers)
    assert again.status_code == 409  # imported once


def test_the_upload_is_bounded_and_the_register_guarded(app, client, school, cook, make_user,
                                                        make_school):
    app.config["IMPORT_MAX_BYTES"] = 1000
    big = upload(client, cook, xlsx([["菜", "", "很长的备注" * 20, "是", ""]] * 60, HEADERS))
    assert big.status_code == 413 and "file" in big.get_json()["errors"]
    app.config["IMPORT_MAX_BYTES"] = 5_000_000
    nurse = make_user(school, "nurse")  # reads the canteen, keeps no dishes
    assert upload(client, nurse, xlsx([["菜", "", "", "", ""]], HEADERS)).status_code == 403
    # a supplier upload is not a dish import's to run
    suppliers = upload(client, cook, xlsx([["城东蔬菜", "91330106MA2B0C0X1K"]],
                                          ["名称", "统一社会信用代码"]),
                       path="/api/v1/canteen/registers/suppliers/imports")
    assert suppliers.status_code == 202
    wrong = client.post(f"{API}/{suppliers.get_json()['import_id']}/run", headers=cook.headers)
    assert wrong.status_code == 404
    # another school's user, with the same role there, never reaches this school's upload
    other = make_user(make_school("dish-api-2", modules=("canteen",)), "canteen_manager")
    stranger = client.post(f"/api/v1/canteen/registers/suppliers/imports/"
                           f"{suppliers.get_json()['import_id']}/run", headers=other.headers)
    assert stranger.status_code == 404


def test_the_import_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    start = spec["paths"]["/api/v1/canteen/registers/dishes/imports"]["post"]
    assert "multipart/form-data" in start["requestBody"]["content"]
    assert "202" in start["responses"]
    assert "/api/v1/fees/registers/items/imports/{import_id}/run" in spec["paths"]
    # an export-only register has no import route
    assert not any("/registers/collection" in path for path in spec["paths"])


def test_a_form_part_without_a_name_is_a_422_beside_the_other_fields(client, cook):
    """A hand-made multipart body whose part has no name is marshmallow's unknown field
    None; next to another field's error it is named "" rather than breaking the problem."""
    body = (b'--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\nmaybe\r\n--XX--\r\n')
    answer = client.post(API, data=body, headers={
        **cook.headers, "Content-Type": "multipart/form-data; boundary=XX"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"": ["Unknown field."],
                                           "dry_run": ["Not a valid boolean."]}
