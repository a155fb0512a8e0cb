"""Registers in from .xlsx/.csv (a job, with a preview and per-row errors) and out to .xlsx."""

import csv
import io
import uuid

import pytest
from openpyxl import Workbook, load_workbook

from core.extensions import db
from core.people import services
from core.tenancy import tenant_context
from core.testing import run_jobs

pytestmark = pytest.mark.houqin_plugins("notes")
HEADERS = ["学号", "姓名", "性别", "出生日期", "年级", "班级", "住校", "过敏"]


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def school(app, make_school):
    school = make_school("import-school")
    with tenant_context(school):
        grade = services.create_grade("一年级", 1)
        services.create_class(grade.id, "1班", None)
        db.session.commit()
    return school


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def upload(client, admin, content, name="students.xlsx", kind="students", dry_run=True):
    return client.post("/api/v1/people/imports", headers=admin.headers, data={
        "kind": kind, "dry_run": "true" if dry_run else "false",
        "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def job(client, admin, job_id):
    return client.get(f"/api/v1/jobs/{job_id}", headers=admin.headers).get_json()


def result(app, job_id):
    from sqlalchemy import select

    from core.jobs.models import JobRun

    return db.session.scalar(select(JobRun.result).where(JobRun.id == uuid.UUID(job_id)))


GOOD_AND_BAD = [
    ["2026001", "王小明", "男", "2019-05-01", "一年级", "1班", "否", "花生"],
    ["2026002", "李小红", "女", "2019/6/2", "一年级", "1班", "是", ""],
    ["2026003", "张三", "男", "not a date", "一年级", "1班", "否", ""],   # row 4: bad date
    ["2026004", "赵四", "男", "2019-01-01", "一年级", "9班", "否", ""],     # row 5: no such class
    [None, None, None, None, None, None, None, None],                      # blank: skipped
]


def test_preview_then_import_keeps_good_rows_and_reports_bad_ones(app, client, school, admin):
    started = upload(client, admin, xlsx(GOOD_AND_BAD))
    assert started.status_code == 202, started.get_json()
    ids = started.get_json()
    run_jobs(app)
    preview = job(client, admin, ids["job"])
    assert (preview["status"], preview["percent"]) == ("finished", 100)
    with tenant_context(school):
        report = result(app, ids["job"])
        assert db.session.scalars(services.search_students()).all() == []  # a preview writes nothing
    assert (report["rows"], report["created"], report["dry_run"]) == (4, 2, True)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(4, "出生日期"), (5, "班级")]
    assert "not a date such as" in report["errors"][0]["reason"]

    real = client.post(f"/api/v1/people/imports/{ids['import_id']}/run", headers=admin.headers)
    assert real.status_code == 202
    run_jobs(app)
    with tenant_context(school):
        report = result(app, real.get_json()["job"])
        names = [s.name for s in db.session.scalars(services.search_students())]
    assert (report["created"], report["dry_run"]) == (2, False) and names == ["王小明", "李小红"]
    again = client.post(f"/api/v1/people/imports/{ids['import_id']}/run", headers=admin.headers)
    assert again.status_code == 409


def test_a_gb18030_csv_with_chinese_headers(app, client, school, admin):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "岗位", "电话"])
    writer.writerow(["刘师傅", "厨师", "13800138000"])
    writer.writerow(["陈阿姨", "保育员", "12345"])
    started = upload(client, admin, text.getvalue().encode("gb18030"), "staff.csv", "staff",
                     dry_run=False)
    run_jobs(app)
    with tenant_context(school):
        report = result(app, started.get_json()["job"])
    assert report["created"] == 1
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["column"] == "电话"


@pytest.mark.parametrize(("content", "name", "status", "says"), [
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "students.xlsx", 422, ".xlsx or a .csv"),
    (b"PK\x03\x04" + b"0" * 100, "students.xlsx", 422, "damaged"),
    (b"\xd0\xcf\x11\xe0" + b"0" * 100, "students.xls", 422, "save it as .xlsx"),
    (b"a,b\x00,c", "students.csv", 422, "not a text"),
    (b"", "students.csv", 422, "empty"),
])
def test_files_that_are_not_usable_spreadsheets_are_refused(app, client, school, admin, content,
                                                            name, status, says):
    response = upload(client, admin, content, name)
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert "file" in problem.get("errors", {}) and says in problem["errors"]["file"][0]
    with tenant_context(school):
        from sqlalchemy import func, select

        from core.transfer.models import ImportFile

        assert db.session.scalar(select(func.count()).select_from(ImportFile)) == 0


def test_a_missing_column_ends_the_preview_job_with_the_reason(app, client, school, admin):
    # The request stores the file without reading it; the job reads the header row.
    started = upload(client, admin, "名字,年龄\n王,5\n".encode(), "students.csv")
    assert started.status_code == 202
    run_jobs(app)
    done = job(client, admin, started.get_json()["job"])
    assert done["status"] == "finished" and "学号" in done["result"]["error"]
    again = client.post(f"/api/v1/people/imports/{started.get_json()['import_id']}/run",
                        headers=admin.headers)
    assert again.status_code == 409


def test_an_oversized_upload_is_refused(app, client, school, admin):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(client, admin, xlsx([["1", "x", "男", "2019-01-01", "一年级", "1班"]] * 50))
    assert response.status_code == 413 and "larger than" in response.get_json()["errors"]["file"][0]


def test_guardians_import_by_student_number(app, client, school, admin):
    upload(client, admin, xlsx(GOOD_AND_BAD[:1]), dry_run=False)
    run_jobs(app)
    content = xlsx([["2026001", "王大明", "父亲", "13800138000", "是"],
                    ["2099999", "无名", "母亲", "13800138001", "否"]],
                   headers=["学号", "姓名", "关系", "电话", "可接送"])
    started = upload(client, admin, content, "guardians.xlsx", "guardians", dry_run=False)
    run_jobs(app)
    with tenant_context(school):
        report = result(app, started.get_json()["job"])
    assert report["created"] == 1 and report["errors"][0]["column"] == "学号"


def test_export_round_trips_into_another_school(app, client, school, admin, make_school,
                                                make_user):
    upload(client, admin, xlsx(GOOD_AND_BAD[:2]), dry_run=False)
    run_jobs(app)
    exported = client.get("/api/v1/people/exports/students.xlsx", headers=admin.headers)
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["学号", "姓名", "性别", "出生日期", "年级", "班级", "住校", "过敏", "饮食备注"]
    assert rows[1][:3] == ["2026001", "王小明", "男"]

    other = make_school("import-other")
    with tenant_context(other):
        grade = services.create_grade("一年级", 1)
        services.create_class(grade.id, "1班", None)
        db.session.commit()
    other_admin = make_user(other, "school_admin")
    started = upload(client, other_admin, exported.data, dry_run=False)
    run_jobs(app)
    with tenant_context(other):
        report = result(app, started.get_json()["job"])
        assert report["created"] == 2 and report["errors"] == []
    assert client.get("/api/v1/people/exports/nothing.xlsx", headers=admin.headers).status_code == 404


def test_a_large_import_returns_at_once_and_runs_as_a_job(app_factory, houqin_redis_url,
                                                           make_school, make_user):
    app = app_factory(plugins=["notes"], REDIS_URL=houqin_redis_url,
                      RQ_QUEUE=f"houqin-test-{uuid.uuid4().hex[:8]}")
    with app.app_context():
        school = make_school("big-import")
        with tenant_context(school):
            grade = services.create_grade("一年级", 1)
            services.create_class(grade.id, "1班", None)
            db.session.commit()
        admin = make_user(school, "school_admin")
        rows = [[f"N{i:05}", f"学生{i}", "女", "2019-01-01", "一年级", "1班", "否", ""]
                for i in range(1200)]
        client = app.test_client()
        started = upload(client, admin, xlsx(rows), dry_run=False)
        # The request has stored the file and queued the job; no row is imported yet.
        assert started.status_code == 202
        assert job(client, admin, started.get_json()["job"])["status"] == "queued"
        run_jobs(app)
        done = job(client, admin, started.get_json()["job"])
        assert (done["status"], done["percent"], done["progress_total"]) == ("finished", 100, 1200)
        with tenant_context(school):
            assert result(app, started.get_json()["job"])["created"] == 1200


def test_a_formula_like_name_round_trips_exactly_through_export_and_import(
        app, client, school, admin, make_school, make_user):
    from sqlalchemy import select

    from core.people.models import Student

    hostile = '=HYPERLINK("http://x","y")'
    rows = [["2026001", hostile, "男", "2019-05-01 00:00:00", "一年级", "1班", "否", ""],
            # As our own CSV export writes such a name: behind an apostrophe.
            ["2026002", "'+1+1", "女", "2019-06-02", "一年级", "1班", "否", ""]]
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, *rows])
    csv_text = out.getvalue()
    upload(client, admin, csv_text.encode("utf-8-sig"), name="students.csv", dry_run=False)
    run_jobs(app)
    with tenant_context(school):
        stored = dict(db.session.execute(select(Student.student_no, Student.name)).all())
    assert stored == {"2026001": hostile, "2026002": "+1+1"}

    exported = client.get("/api/v1/people/exports/students.xlsx", headers=admin.headers)
    other = make_school("import-formula")
    with tenant_context(other):
        grade = services.create_grade("一年级", 1)
        services.create_class(grade.id, "1班", None)
        db.session.commit()
    upload(client, make_user(other, "school_admin"), exported.data, dry_run=False)
    run_jobs(app)
    with tenant_context(other):
        copied = dict(db.session.execute(select(Student.student_no, Student.name)).all())
    assert copied == stored


def test_through_the_api_a_preview_names_the_missing_classes_and_the_run_creates_them(
        app, client, school, admin):
    from sqlalchemy import select

    from core.people.models import SchoolClass

    started = upload(client, admin, xlsx([
        ["2026201", "冯一", "男", "2019-05-01", "一年级", "3班", "否", ""]])).get_json()
    run_jobs(app)
    with tenant_context(school):
        report = result(app, started["job"])
    assert report["missing_classes"] == [["一年级", "3班", 1]] and report["held"] == 1
    refused = client.post(f"/api/v1/people/imports/{started['import_id']}/run"
                          "?create_classes=maybe", headers=admin.headers)
    assert refused.status_code == 422 and "create_classes" in str(refused.get_json())
    real = client.post(f"/api/v1/people/imports/{started['import_id']}/run?create_classes=true",
                       headers=admin.headers)
    assert real.status_code == 202
    run_jobs(app)
    with tenant_context(school):
        report = result(app, real.get_json()["job"])
        assert report["created_classes"] == [["一年级", "3班"]] and report["created"] == 1
        assert db.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "3班"))
