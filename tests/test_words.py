"""Words a Chinese school uses: a kindergarten's own words from the catalogue, job progress in
the reader's language, the audit log in labels and names rather than codes, and refusals that
name what people see rather than codes.

Tests whose name ends in ``_in_chinese`` or that read a kindergarten's words need the
translations that arrive with this change's strings (``houqin i18n update/compile``); the
rest hold on today's catalogues."""

import io
import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import refresh
from sqlalchemy import select

from core.extensions import db
from core.i18n import extract
from core.identity.models import User
from core.jobs.models import JobRun
from core.messages import nphrase, phrase, read_stored
from core.people import services as people
from core.tenancy import tenant_context
from core.testing import run_jobs, signed_in
from core.wording import word

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")


def visible(page: str) -> str:
    """The text a person reads: no tags, no attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def kindergarten(app, make_school):
    return make_school("words-kg", type="kindergarten")


@pytest.fixture
def primary(app, make_school):
    return make_school("words-primary", type="primary")


def _office(client, school, make_user, locale=None):
    user = make_user(school, "school_admin", token=False)
    with tenant_context(school):
        grade = people.create_grade("小班" if school.type == "kindergarten" else "一年级", 1)
        one = people.create_class(grade.id, "1班", None)
        people.create_student({"student_no": "2026001", "name": "王小明", "gender": "male",
                               "birth_date": date(2022, 5, 1), "class_id": one.id,
                               "boarding": False, "allergies": "", "dietary_notes": ""})
        db.session.commit()
    signed_in(client, user)
    if locale:
        with client.session_transaction() as session:
            session["locale"] = locale
    return user


# --- a kindergarten's words -----------------------------------------------------------------


def test_extraction_gives_each_worded_text_a_kindergarten_entry(tmp_path):
    source = tmp_path / "words"
    (source / "templates").mkdir(parents=True)
    (source / "templates" / "page.html").write_text('<h1>{{ word("Students") }}</h1>'
                                                   '{{ _("Plain") }}')
    (source / "labels.py").write_text('LABEL = lazy_word("Student number")\n')
    extract([source], tmp_path / "translations")
    with open(tmp_path / "translations" / "messages.pot", "rb") as handle:
        found = {(m.context, m.id) for m in read_po(handle) if m.id}
    assert found == {(None, "Students"), ("kindergarten", "Students"), (None, "Plain"),
                     (None, "Student number"), ("kindergarten", "Student number")}


def test_a_school_without_own_words_reads_the_plain_translation(app, primary, kindergarten):
    with app.test_request_context("/"):
        with tenant_context(primary):
            assert word("Students") == "学生"
        # A text the catalogue words no differently for a kindergarten falls back to the plain.
        with tenant_context(kindergarten):
            assert word("Classes") == "班级"


def test_a_kindergarten_reads_its_own_words_and_a_school_its_own(client, app, kindergarten,
                                                                 primary, make_user):
    _office(client, kindergarten, make_user)
    page = visible(client.get("/t/words-kg/people/students").get_data(as_text=True))
    assert "幼儿" in page and "幼儿编号" in page and "添加幼儿" in page
    assert "学生" not in page and "学号" not in page
    assert "幼儿园后勤管理" in client.get("/t/words-kg/people/classes").get_data(as_text=True)

    other = app.test_client()
    _office(other, primary, make_user)
    page = visible(other.get("/t/words-primary/people/students").get_data(as_text=True))
    assert "学生" in page and "学号" in page and "添加学生" in page
    assert "幼儿" not in page


def test_a_persons_name_is_labelled_as_a_persons_name(client, app, primary, make_user):
    _office(client, primary, make_user)
    page = visible(client.get("/t/words-primary/people/students").get_data(as_text=True))
    assert "名称" not in page


# --- job progress --------------------------------------------------------------------------


def test_import_progress_reads_in_the_readers_language_not_the_starters(client, app, primary,
                                                                        make_user):
    from tests.test_transfer import xlsx

    starter = make_user(primary, "school_admin")
    db.session.get(User, starter.id).locale = "en"
    db.session.commit()
    started = client.post("/api/v1/people/imports", headers=starter.headers, data={
        "kind": "students", "file": (io.BytesIO(xlsx([["1", "", "男", "2019-05-01", "一年级",
                                                        "1班", "", ""]])), "a.xlsx")},
        content_type="multipart/form-data").get_json()
    run_jobs(app)
    with tenant_context(primary):
        stored = db.session.scalar(select(JobRun.message).where(
            JobRun.id == uuid.UUID(started["job"])))
    assert stored.startswith('{"msgid":')  # kept untranslated, as msgid and values

    _office(client, primary, make_user)  # a web session that reads zh-CN, the default
    page = client.get(f"/t/words-primary/people/imports/{started['import_id']}"
                      f"?job={started['job']}").get_data(as_text=True)
    progress = page.split('data-testid="job-progress"')[1].split("</div>")[0]
    assert "1 行中将导入 0 行" in progress and "would be imported" not in progress

    english = client.get(f"/api/v1/jobs/{started['job']}", headers=starter.headers).get_json()
    assert english["message"] == "0 of 1 rows would be imported"


@pytest.mark.houqin_plugins("fees")  # the phrase is the fee module's, in its catalogue
def test_billing_progress_reads_in_chinese(app):
    kept = nphrase("%(done)s of %(num)s student billed", "%(done)s of %(num)s students billed",
                   60, done=60).stored()
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        refresh()
        assert read_stored(kept) == "已为 60 / 60 名学生开票"
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()
        assert read_stored(kept) == "60 of 60 students billed"
        assert read_stored(nphrase("%(done)s of %(num)s student billed",
                                   "%(done)s of %(num)s students billed", 1,
                                   done=0).stored()) == "0 of 1 student billed"


def test_a_stored_text_that_is_no_phrase_is_shown_as_it_is(app):
    with app.test_request_context("/"):
        assert read_stored("written before phrases") == "written before phrases"
        assert read_stored('{"msgid": broken') == '{"msgid": broken'
        kept = phrase("row %(row)s of %(rows)s", row=1, rows=2).stored()
        assert read_stored(kept) == "第 1 行，共 2 行"
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()
        assert read_stored(kept) == "row 1 of 2"


# --- the audit log --------------------------------------------------------------------------


def _audited(client, school, make_user, locale):
    office = _office(client, school, make_user, locale)
    with tenant_context(school):
        db.session.get(User, office.id).name = "赵主任"
        people.create_grade("二年级", 2)  # by the system: no person in context
        db.session.commit()
    return office


def _audit_rows(page: str) -> list[list[str]]:
    table = page.split('data-testid="audit-events"')[1].split("</table>")[0]
    return [[re.sub(r"\s+", " ", visible(c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                          row, re.S)]
            for row in re.findall(r"<tr data-entity[^>]*>(.*?)</tr>", table, re.S)]


def test_the_audit_log_shows_labels_and_names_not_codes(client, app, primary, make_user):
    office = _audited(client, primary, make_user, "en")
    token = client.get("/t/words-primary/people/classes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token).group(1)
    made = client.post("/t/words-primary/people/classes", data={
        "grade": "三年级", "level": "3", "name": "1班", "csrf_token": token})
    assert made.status_code == 302
    page = client.get("/t/words-primary/audit").get_data(as_text=True)
    # The search offers what people read, sending the code.
    assert '<option value="classes" >Classes</option>' in page
    assert '<option value="create" >Added</option>' in page
    rows = _audit_rows(page)
    by_page = [r for r in rows if r[1] == "赵主任"]
    assert by_page, rows
    who, source, action, entity = by_page[0][1], by_page[0][2], by_page[0][4], by_page[0][5]
    assert (who, source, action) == ("赵主任", "Web page", "Added")
    assert entity in {"Classes", "Grades"}
    codes = {"create", "update", "web", "system", "classes", "grades", "students",
             "memberships", str(office.id), office.email}
    for row in rows:
        assert not codes & {row[2], row[4], row[5]}, row
        assert row[1] in {"赵主任", "system"}, row  # "system" is the English page's word


def test_the_audit_log_reads_in_chinese(client, app, primary, make_user):
    _audited(client, primary, make_user, None)
    rows = _audit_rows(client.get("/t/words-primary/audit").get_data(as_text=True))
    labels = {(r[2], r[4], r[5]) for r in rows}
    assert ("系统", "新增", "年级") in labels or ("网页", "新增", "年级") in labels, labels
    assert any(r[5] == "学生" for r in rows)


# --- refusals -------------------------------------------------------------------------------


def _refused(client, school, make_user) -> str:
    teacher = make_user(school, "class_teacher", token=False)
    signed_in(client, teacher)
    page = client.get("/t/words-primary/audit")
    assert page.status_code == 403
    return visible(page.get_data(as_text=True))


def test_a_refused_page_names_the_permission_not_its_code(client, app, primary, make_user):
    text = _refused(client, primary, make_user)
    assert "core.audit.read" not in text and "“查阅并导出操作日志”" in text
    api = make_user(primary, "class_teacher")
    refused = client.get("/t/words-primary/api/v1/audit", headers=api.headers)
    assert refused.status_code == 403 and "core.audit.read" in refused.get_json()["detail"]


def test_a_refused_page_reads_in_chinese(client, app, primary, make_user):
    text = _refused(client, primary, make_user)
    assert "permission" not in text and "需要“查阅并导出操作日志”权限" in text


def test_word_lists_share_one_meaning_per_msgid():
    """'Name' may label a thing; a person's name is 'Full name' wherever a person is named."""
    top = Path(__file__).parent.parent
    roots = [top / "core/web/templates/web", top / "plugins/canteen/templates/canteen"]
    person_pages = {"staff.html", "_staff_fields.html", "students.html", "student.html",
                    "kitchen_staff.html"}
    for root in roots:
        for page in root.glob("*.html"):
            if page.name in person_pages:
                assert '_("Name")' not in page.read_text(), page
