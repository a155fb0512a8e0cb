"""Importing a register in a real browser: two bad rows reported, the good ones imported."""

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.identity import services
from core.people import services as people
from core.people.models import Student
from core.tenancy import tenant_context
from core.testing import run_jobs
from tests.browser.conftest import screenshot
from tests.test_transfer import xlsx

pytestmark = pytest.mark.houqin_plugins("notes")
ROWS = [["2026001", "王小明", "男", "2019-05-01", "一年级", "1班", "否", ""],
        ["2026002", "", "女", "2019-06-01", "一年级", "1班", "", ""],          # no name
        ["2026003", "李小红", "女", "2019-06-01", "一年级", "1班", "是", "花生"],
        ["2026004", "赵六", "男", "2019-13-01", "一年级", "1班", "", ""]]       # no such month


@pytest.fixture
def school(app, make_school):
    school = make_school("import-browser")
    user = services.create_user("office@import.test", "Office", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "logistics_director")
        people.create_class(people.create_grade("一年级", 1).id, "1班", None)
    db.session.commit()
    return school


def preview(page, live_server, upload) -> None:
    """Sign in as the office and upload ``upload`` for a preview of the students it lists."""
    page.goto(f"{live_server}/login")
    page.fill("#email", "office@import.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.click("text=导入导出")
    page.select_option("#kind", "students")
    page.set_input_files("#file", str(upload))
    page.click("form.form button")
    page.wait_for_selector("[data-testid=job-progress]")


def test_import_an_xlsx_with_two_bad_rows(app, page, live_server, school, tmp_path):
    upload = tmp_path / "学生名单.xlsx"
    upload.write_bytes(xlsx(ROWS))
    preview(page, live_server, upload)
    run_jobs(app)  # on Redis the test is the worker; in-process jobs have run already
    errors = page.wait_for_selector("[data-testid=import-errors]")  # htmx polled it in
    rows = [line.split("\t")[:2] for line in errors.inner_text().splitlines()[1:]]
    assert rows == [["3", "姓名"], ["5", "出生日期"]]
    screenshot(page, "import-preview")
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Student)) == 0
    page.click("[data-testid=import-run]")
    run_jobs(app)
    page.wait_for_selector("[data-testid=import-summary]:has-text('2')")
    screenshot(page, "import-done")
    with tenant_context(school):
        names = set(db.session.scalars(select(Student.name)))
    assert names == {"王小明", "李小红"}


def test_a_file_with_a_formula_is_refused_on_the_page(app, page, live_server, school, tmp_path):
    from tests.test_import_hostile import formula_book

    upload = tmp_path / "公式.xlsx"
    upload.write_bytes(formula_book())
    preview(page, live_server, upload)
    run_jobs(app)
    error = page.wait_for_selector("[data-testid=import-error]")  # htmx polled it in
    assert "B2" in error.inner_text()  # the cell that holds the formula
    assert page.query_selector("[data-testid=import-run]") is None


def test_a_first_student_list_creates_its_classes_when_confirmed(app, page, live_server, school,
                                                                 tmp_path):
    from core.people.models import Grade, SchoolClass

    upload = tmp_path / "新生名单.xlsx"
    upload.write_bytes(xlsx([["2026101", "孙一", "男", "2019-05-01", "一年级", "2班", "否", ""],
                             ["2026102", "周二", "女", "2019-06-01", "二年级", "1班", "否", ""]]))
    preview(page, live_server, upload)
    run_jobs(app)
    offer = page.wait_for_selector("[data-testid=missing-classes]")
    assert "一年级 2班" in offer.inner_text() and "二年级 1班" in offer.inner_text()
    screenshot(page, "import-missing-classes")
    page.check("[data-testid=create-classes]")
    page.click("[data-testid=import-run]")
    run_jobs(app)
    page.wait_for_selector("[data-testid=created-classes]")
    screenshot(page, "import-classes-created")
    with tenant_context(school):
        names = set(db.session.scalars(select(Student.name)))
        classes = set(db.session.execute(select(Grade.name, SchoolClass.name).join(
            Grade, Grade.id == SchoolClass.grade_id)).all())
    assert names == {"孙一", "周二"}
    assert classes == {("一年级", "1班"), ("一年级", "2班"), ("二年级", "1班")}
