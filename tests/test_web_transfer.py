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


NEW_CLASSES = [["2026011", "周一", "男", "2019-05-01", "一年级", "2班", "否", ""],
               ["2026012", "吴二", "女", "2019-06-01", "二年级", "1班", "否", ""],
               ["2026013", "郑三", "女", "2019-06-01", "二年级", "1班", "否", ""]]


def _previewed(client, app, token, rows) -> str:
    response = client.post("/t/import-page/people/imports", data={
        "csrf_token": token, "kind": "students",
        "file": (io.BytesIO(xlsx(rows)), "学生.xlsx")}, content_type="multipart/form-data")
    run_jobs(app)
    return client.get(response.location.replace("?", "/progress?")).get_data(as_text=True)


def classes_in(school) -> set[tuple[str, str, int]]:
    from core.people.models import Grade, SchoolClass

    with tenant_context(school):
        return set(db.session.execute(select(Grade.name, SchoolClass.name, Grade.level)
                                      .join(Grade, Grade.id == SchoolClass.grade_id)).all())


def test_the_preview_offers_the_missing_classes_and_the_import_creates_them(
        client, app, school, make_user):
    from core.audit import AuditEvent

    token = signed_in(client, make_user(school))
    fragment = _previewed(client, app, token, GOOD + NEW_CLASSES)
    offer = fragment.split('data-testid="missing-classes"')[1].split("</div>")[0]
    assert "一年级 2班" in offer and "二年级 1班" in offer and "(2 " in offer
    assert " 3 " in offer.split('data-testid="create-classes"')[1]  # their rows, all good
    # Unconfirmed, those rows would be refused, and the preview says so row by row.
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", fragment)
    assert rows == [("4", "班级"), ("5", "班级"), ("6", "班级")]
    assert classes_in(school) == {("一年级", "1班", 1)}  # a preview creates nothing
    run_url = re.search(r'action="([^"]+/run)"', fragment).group(1)
    assert client.post(run_url, data={"csrf_token": token, "create_classes": "1"}
                       ).status_code == 302
    run_jobs(app)
    assert students_in(school) == 5
    assert classes_in(school) == {("一年级", "1班", 1), ("一年级", "2班", 1),
                                  ("二年级", "1班", 2)}
    with tenant_context(school):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.after["created_classes"] == [["一年级", "2班"], ["二年级", "1班"]]
    done = client.get(f"{run_url[:-4]}/progress").get_data(as_text=True)
    assert 'data-testid="created-classes"' in done


def test_unconfirmed_the_import_refuses_the_rows_of_missing_classes(
        client, app, school, make_user):
    token = signed_in(client, make_user(school))
    fragment = _previewed(client, app, token, GOOD + NEW_CLASSES)
    run_url = re.search(r'action="([^"]+/run)"', fragment).group(1)
    client.post(run_url, data={"csrf_token": token})
    run_jobs(app)
    assert students_in(school) == 2 and classes_in(school) == {("一年级", "1班", 1)}


def test_a_class_that_cannot_be_created_leaves_nothing_written(client, app, school, make_user):
    token = signed_in(client, make_user(school))
    long_name = "班" * 41  # longer than a class name may be
    rows = [*GOOD, ["2026021", "钱四", "男", "2019-05-01", "三年级", long_name, "否", ""]]
    fragment = _previewed(client, app, token, rows)
    assert 'data-testid="import-error"' in fragment and long_name in fragment
    with tenant_context(school):
        upload = db.session.scalar(select(ImportFile))
    from core.transfer import services

    with app.test_request_context(), tenant_context(school):
        services.import_for_real(upload.id, [["三年级", long_name]])
        db.session.commit()
    run_jobs(app)
    assert students_in(school) == 0 and classes_in(school) == {("一年级", "1班", 1)}


def test_a_new_grade_takes_the_level_its_name_says():
    from core.transfer.importer import grade_level

    assert [grade_level(name, [1, 2]) for name in ("三年级", "初二", "高一", "中班", "十一年级",
                                                    "2年级", "提高班")] == [3, 8, 10, 1, 11, 2, 3]
