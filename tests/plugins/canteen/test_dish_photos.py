"""A dish's photo: uploaded (an image, within the limit), replaced, removed; served to the
school's staff and, on the parents' menu, to anyone, but never another school's file or a file
that is not a dish photo."""

import io
import uuid

import pytest
from sqlalchemy import select, update

from core.extensions import db
from core.files import StoredFile, store_upload
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import Dish

from .support import MONDAY, dish, serve

pytestmark = pytest.mark.houqin_plugins("canteen")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x02" * 64
PDF = b"%PDF-1.7\n" + b"%" * 64


def upload(client, user, dish_id, content, name="photo.png"):
    return client.put(f"/api/v1/canteen/dishes/{dish_id}/photo", headers=user.headers,
                      data={"photo": (io.BytesIO(content), name)},
                      content_type="multipart/form-data")


def files_of(school) -> list[tuple[str, str]]:
    with tenant_context(school):
        return [(f.purpose, f.content_type) for f in db.session.scalars(select(StoredFile))]


def test_a_photo_is_uploaded_replaced_and_removed(client, school, manager):
    dish_id = dish(client, manager).get_json()["id"]
    photo = f"/api/v1/canteen/dishes/{dish_id}/photo"
    assert client.get(photo, headers=manager.headers).status_code == 404
    first = upload(client, manager, dish_id, PNG)
    assert first.status_code == 200 and first.get_json()["photo_id"] is not None
    assert len(first.get_json()["ingredients"]) == 2
    shown = client.get(photo, headers=manager.headers)
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", PNG)
    replaced = upload(client, manager, dish_id, JPEG, name="new.jpg")
    assert replaced.get_json()["photo_id"] != first.get_json()["photo_id"]
    assert client.get(photo, headers=manager.headers).data == JPEG
    assert files_of(school) == [("dish_photo", "image/jpeg")]  # the old one is gone
    assert client.delete(photo, headers=manager.headers).status_code == 204
    assert client.get(photo, headers=manager.headers).status_code == 404
    assert client.delete(photo, headers=manager.headers).status_code == 404
    assert files_of(school) == []


def test_anything_but_an_image_within_the_limit_is_refused_naming_the_field(app, client,
                                                                             school, manager,
                                                                             make_user):
    dish_id = dish(client, manager).get_json()["id"]
    upload(client, manager, dish_id, PNG)
    pdf = upload(client, manager, dish_id, PDF, name="menu.png")  # the name does not decide
    assert pdf.status_code == 415 and "photo" in pdf.get_json()["errors"]
    app.config["UPLOAD_MAX_BYTES"] = 1000
    large = upload(client, manager, dish_id, PNG * 20)
    assert large.status_code == 413 and "photo" in large.get_json()["errors"]
    missing = client.put(f"/api/v1/canteen/dishes/{dish_id}/photo", headers=manager.headers,
                         data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "photo" in missing.get_json()["errors"]
    assert files_of(school) == [("dish_photo", "image/png")]  # the first photo stays
    nurse = make_user(school, "nurse")  # reads the canteen, keeps no dish library
    assert client.get(f"/api/v1/canteen/dishes/{dish_id}/photo", headers=nurse.headers).data == PNG
    assert upload(client, nurse, dish_id, JPEG).status_code == 403


def test_only_the_schools_dish_photos_are_served_to_parents(app, client, school, manager,
                                                            make_school, make_user):
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id)
    upload(client, manager, dish_id, PNG)
    anyone = app.test_client()
    public = f"/t/canteen-school/m/canteen/public/dishes/{dish_id}/photo"
    assert anyone.get(public).data == PNG
    menu = anyone.get(f"/t/canteen-school/m/canteen/public/menu?week={MONDAY}")
    assert f"/m/canteen/public/dishes/{dish_id}/photo" in menu.get_data(as_text=True)

    other = make_school("photo-other", modules=("canteen",))
    assert anyone.get(f"/t/photo-other/m/canteen/public/dishes/{dish_id}/photo"
                      ).status_code == 404
    assert anyone.get(f"/t/no-such-school/m/canteen/public/dishes/{dish_id}/photo"
                      ).status_code == 404
    with tenant_context(school):  # a certificate scan is never served as a photo
        scan = store_upload("licence.pdf", PDF, "certificate").id
        plain = Dish(name="米饭")
        db.session.add(plain)
        db.session.commit()
        plain_id = plain.id
    assert anyone.get(f"/t/canteen-school/m/canteen/public/dishes/{scan}/photo"
                      ).status_code == 404
    with tenant_context(school):  # not even when a dish were made to point at it
        db.session.execute(update(Dish).where(Dish.id == plain_id).values(photo_id=scan))
        db.session.commit()
    assert anyone.get(f"/t/canteen-school/m/canteen/public/dishes/{plain_id}/photo"
                      ).status_code == 404
    intruder = make_user(other, "canteen_manager")
    assert client.get(f"/api/v1/canteen/dishes/{dish_id}/photo",
                      headers=intruder.headers).status_code == 404
    assert upload(client, intruder, dish_id, JPEG).status_code == 404
    assert client.get(f"/api/v1/canteen/dishes/{dish_id}/photo",
                      headers=manager.headers).data == PNG


def test_the_dishes_page_takes_a_photo_from_the_camera_and_shows_a_thumbnail(app, client,
                                                                             school, manager):
    browser = app.test_client()
    token = signed_in(browser, manager)
    base = "/t/canteen-school/m/canteen/dishes"
    bad = browser.post(base, data={"csrf_token": token, "name": "红烧肉", "ingredients": "",
                                   "photo": (io.BytesIO(PDF), "x.png")},
                       content_type="multipart/form-data")
    assert bad.status_code == 415 and 'data-testid="error-photo"' in bad.get_data(as_text=True)
    with tenant_context(school):
        assert db.session.scalars(select(Dish)).all() == []  # nothing half-written
    added = browser.post(base, data={"csrf_token": token, "name": "红烧肉", "ingredients": "",
                                     "photo": (io.BytesIO(PNG), "dish.png")},
                         content_type="multipart/form-data")
    assert added.status_code == 302
    page = browser.get(base).get_data(as_text=True)
    assert 'accept="image/*" capture="environment"' in page and 'data-testid="thumbnail"' in page
    dish_id = client.get("/api/v1/canteen/dishes", headers=manager.headers).get_json()[0]["id"]
    assert browser.get(f"{base}/{dish_id}/photo").data == PNG
    assert browser.post(f"{base}/{dish_id}/photo", data={
        "csrf_token": token, "photo": (io.BytesIO(JPEG), "again.jpg")},
        content_type="multipart/form-data").status_code == 302
    assert browser.get(f"{base}/{dish_id}/photo").data == JPEG
    empty = browser.post(f"{base}/{dish_id}/photo", data={"csrf_token": token},
                         content_type="multipart/form-data")
    assert empty.status_code == 422 and f"error-photo-{dish_id}" in empty.get_data(as_text=True)
    assert browser.post(f"{base}/{dish_id}/photo/delete",
                        data={"csrf_token": token}).status_code == 302
    assert 'data-testid="thumbnail"' not in browser.get(base).get_data(as_text=True)
    assert browser.get(f"{base}/{uuid.uuid4()}/photo").status_code == 404
