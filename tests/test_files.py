"""Uploaded scans and photos: only real images and PDFs, within the size limit, per school."""

import pytest

from core.extensions import db
from core.files import StoredFile, store_upload, stored_file
from core.rules import RuleBroken
from core.tenancy import tenant_context

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"%" * 64


def test_an_image_and_a_pdf_are_kept_with_their_sniffed_type(app, make_school):
    school = make_school("files-a")
    with tenant_context(school):
        photo = store_upload("C:\\scans\\dish.png", PNG, "dish_photo")
        scan = store_upload("licence.jpg", PDF, "certificate")  # the name does not decide
        db.session.commit()
        assert (photo.filename, photo.content_type, photo.size) == ("dish.png", "image/png", 72)
        assert scan.content_type == "application/pdf"
        assert stored_file(scan.id).content == PDF


@pytest.mark.parametrize(("content", "kinds", "status", "words"), [
    (b"", ("image", "pdf"), 422, "empty"),
    (b"MZ\x90\x00 not a scan", ("image", "pdf"), 415, "PDF"),
    (PDF, ("image",), 415, "image"),
    (PNG * 100, ("image",), 413, "larger"),
])
def test_other_files_are_refused_naming_the_field(app, make_school, content, kinds, status,
                                                  words):
    school = make_school("files-b")
    with tenant_context(school):
        with pytest.raises(RuleBroken) as refused:
            store_upload("x.png", content, "dish_photo", field="photo", kinds=kinds,
                         max_bytes=1000)
        assert (refused.value.field, refused.value.status) == ("photo", status)
        assert words in str(refused.value)
        assert db.session.scalars(db.select(StoredFile)).all() == []


def test_another_schools_file_is_not_found(app, make_school):
    mine, theirs = make_school("files-mine"), make_school("files-theirs")
    with tenant_context(theirs):
        secret = store_upload("theirs.pdf", PDF, "certificate").id
        db.session.commit()
    with tenant_context(mine):
        with pytest.raises(RuleBroken) as refused:
            stored_file(secret)
        assert refused.value.status == 404


@pytest.mark.parametrize("name", ["scan\x00.png", "scan\x07.png", "scan\ud800.png"])
def test_a_name_no_record_can_hold_is_refused_naming_the_field(app, make_school, name):
    school = make_school("files-names")
    with tenant_context(school):
        with pytest.raises(RuleBroken) as refused:
            store_upload(name, PNG, "dish_photo", field="photo")
        assert refused.value.field == "photo" and "U+" in str(refused.value)
        assert db.session.scalars(db.select(StoredFile)).all() == []
