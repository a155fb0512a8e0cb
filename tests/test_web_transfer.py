"""The import page: upload, a preview job with a progress bar, per-row errors, the real import."""

import io
import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.people.models import Student
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in
from core.transfer.models import ImportFile
from tests.test_transfer import xlsx

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def school(app, make_school):
    from core.people import services

    school = make_school("import-page")
    with tenant_context(school):
        grade = services.create_grade("一年级", 1)
        services.create_class(grade.id, "1班", None)
        db.session.commit()
    return school


def students_in(school) -> int:
    with tenant_context(school):
        return db.session.scalar(select(func.count()).select_from(Student))


GOOD = [["2026001", "王小明", "男", "2019-05-01", "一年级", "1班", "否", ""],
        ["2026002", "李小红", "女", "2019-06-01", "一年级", "1班", "是", "花生"]]
BAD = [["2026003", "", "女", "2019-06-01", "一年级", "1班", "", ""],
       ["2026004", "赵六", "男", "2019-13-01", "一年级", "1班", "", ""]]


def test_a_preview_reports_bad_rows_then_the_good_rows_are_imported(client, app, school,
                                                                    make_user):
    token = signed_in(client, make_user(school))
    response = client.post("/t/import-page/people/imports", data={
        "csrf_token": token, "kind": "students",
        "file": (io.BytesIO(xlsx(GOOD + BAD)), "学生.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    status_url = response.location
    page = client.get(status_url).get_data(as_text=True)
    assert 'data-testid="job-progress"' in page and 'hx-trigger="every 1s"' in page
    run_jobs(app)
    fragment = client.get(status_url.replace("?", "/progress?")).get_data(as_text=True)
    assert "hx-trigger" not in fragment  # done: the bar stops polling
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", fragment)
    assert rows == [("4", "姓名"), ("5", "出生日期")]  # row numbers as the spreadsheet shows them
    assert students_in(school) == 0  # a preview writes nothing
    run_url = re.search(r'action="([^"]+/run)"', fragment).group(1)
    assert client.post(run_url, data={"csrf_token": token}).status_code == 302
    run_jobs(app)
    assert students_in(school) == 2
    with tenant_context(school):
        assert db.session.scalar(select(ImportFile.status)) == "imported"
    again = client.post(run_url, data={"csrf_token": token})
    assert again.status_code == 409 and students_in(school) == 2


@pytest.mark.parametrize(("content", "name", "status", "message"), [
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", 422, ".xlsx"),
    (b"not a spreadsheet at all", "x.pdf", 422, ""),
    (b"x" * 2_000_001, "big.csv", 413, "MB"),
])
def test_files_that_are_not_spreadsheets_or_too_large_are_refused(client, app, school, make_user,
                                                                  content, name, status, message):
    app.config["IMPORT_MAX_BYTES"] = 2_000_000
    token = signed_in(client, make_user(school))
    response = client.post("/t/import-page/people/imports", data={
        "csrf_token": token, "kind": "students", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == status and 'data-testid="error-file"' in page
    assert message in re.search(r'data-testid="error-file">([^<]+)<', page).group(1)
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(ImportFile)) == 0


def test_a_missing_kind_or_file_is_named(client, school, make_user):
    token = signed_in(client, make_user(school))
    no_kind = client.post("/t/import-page/people/imports", data={"csrf_token": token})
    assert no_kind.status_code == 422 and 'data-testid="error-kind"' in no_kind.get_data(as_text=True)
    no_file = client.post("/t/import-page/people/imports",
                          data={"csrf_token": token, "kind": "staff"})
    assert no_file.status_code == 422 and 'data-testid="error-file"' in no_file.get_data(as_text=True)


def test_another_schools_user_sees_no_upload_and_a_viewer_cannot_import(client, app, school,
                                                                        make_school, make_user):
    token = signed_in(client, make_user(school))
    client.post("/t/import-page/people/imports", data={
        "csrf_token": token, "kind": "students", "file": (io.BytesIO(xlsx(GOOD)), "a.xlsx")},
        content_type="multipart/form-data")
    with tenant_context(school):
        upload_id = db.session.scalar(select(ImportFile.id))
    other = make_school("import-other")
    intruder = app.test_client()
    token = signed_in(intruder, make_user(other))
    for url in (f"/t/import-other/people/imports/{upload_id}",
                f"/t/import-other/people/imports/{upload_id}/progress"):
        assert intruder.get(url).status_code == 404
    assert intruder.post(f"/t/import-other/people/imports/{upload_id}/run",
                         data={"csrf_token": token}).status_code == 404
    assert "a.xlsx" not in intruder.get("/t/import-other/people/imports").get_data(as_text=True)
    viewer = app.test_client()
    token = signed_in(viewer, make_user(school, "class_teacher"))
    assert viewer.get("/t/import-page/people/imports").status_code == 403
    assert viewer.post(f"/t/import-page/people/imports/{upload_id}/run",
                       data={"csrf_token": token}).status_code == 403
