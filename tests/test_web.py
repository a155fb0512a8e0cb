"""The web shell: sign-in, throttling, CSRF, language, the school picker and home."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.extensions import db
from core.identity import services
from core.identity.models import User
from core.tenancy import tenant_context
from core.testing import signed_in

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")
REGISTERS = ["班级", "学生", "教职工", "场所", "校历"]
TRANSLATIONS = Path(__file__).parent.parent / "core" / "translations"
TOOLS = ["导入导出", "操作日志", "模块"]
ACCOUNTS = "账号"  # a school administrator's last tool
CHANNELS = "通知渠道"
PLUGIN_TRANSLATIONS = sorted((Path(__file__).parent.parent / "plugins").glob("*/translations"))


@pytest.fixture
def person(app, make_school):
    primary = make_school("web-primary", modules=("notes",))
    kindergarten = make_school("web-kg", type="kindergarten", modules=("playground",))
    user = services.create_user("teacher@web.test", "Teacher", "correct-horse-1")
    for school in (primary, kindergarten):
        with tenant_context(school):
            services.grant_school_role(user, "school_admin")
    db.session.commit()
    return user.id


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, password="correct-horse-1", email="teacher@web.test"):
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


def test_the_sign_in_page_is_chinese_by_default(client, person):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page and "电子邮箱或手机号" in page


def test_signing_in_and_picking_a_school(client, person):
    response = sign_in(client)
    assert response.status_code == 302 and response.location.endswith("/")
    picker = client.get("/").location
    assert picker.endswith("/schools")
    page = client.get("/schools").get_data(as_text=True)
    assert 'href="/t/web-primary/"' in page and 'href="/t/web-kg/"' in page


def test_a_kindergarten_home_shows_only_its_modules(client, person):
    sign_in(client)
    kindergarten = client.get("/t/web-kg/").get_data(as_text=True)
    primary = client.get("/t/web-primary/").get_data(as_text=True)
    def nav(page: str) -> list[list[str]]:  # the home's tiles, group by group
        tiles = page.split('data-testid="navigation"', 1)[1].split("</nav>", 1)[0]
        return [re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', group)
                for group in re.findall(r'<ul class="tiles">(.*?)</ul>', tiles, re.S)]

    # Core's registers first, then the school's own modules and nothing else, then core's tools.
    # A kindergarten's children are 幼儿, not 学生 (core.wording).
    assert nav(kindergarten) == [[w.replace("学生", "幼儿") for w in REGISTERS], ["Playground"],
                                 [*TOOLS, CHANNELS, ACCOUNTS]]
    assert nav(primary) == [REGISTERS, ["Notes"], [*TOOLS, CHANNELS, ACCOUNTS]]


def test_wrong_passwords_are_refused_then_throttled(client, person):
    response = sign_in(client, password="wrong-password")
    assert response.status_code == 422 and "电子邮箱、手机号或密码不正确" in response.get_data(as_text=True)
    unknown = sign_in(client, email="nobody@web.test", password="wrong-password")
    assert "电子邮箱、手机号或密码不正确" in unknown.get_data(as_text=True)  # no hint that it is unknown
    for _ in range(4):
        sign_in(client, password="wrong-password")
    locked = sign_in(client)  # even the right password, for a while
    assert locked.status_code == 429


def test_forms_without_the_csrf_token_are_refused(client, person):
    response = client.post("/login", data={"email": "teacher@web.test",
                                           "password": "correct-horse-1"})
    assert response.status_code == 400
    sign_in(client)
    assert client.post("/logout").status_code == 400
    page = client.get("/schools").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf(page)}).status_code == 302
    gone = client.get("/schools")
    assert gone.status_code == 302 and gone.location == "/login?next=/schools"


def test_the_language_choice_is_remembered_for_the_person(client, app, person):
    sign_in(client)
    page = client.get("/schools").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": csrf(page), "next": "/schools"})
    assert "My schools" in client.get("/schools").get_data(as_text=True)
    assert db.session.get(User, person).locale == "en"
    other_device = app.test_client()
    sign_in(other_device)
    assert '<html lang="en">' in other_device.get("/schools").get_data(as_text=True)


def test_next_never_leaves_the_site(client, person):
    token = csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x", data={
        "email": "teacher@web.test", "password": "correct-horse-1", "csrf_token": token})
    assert response.location == "/"


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("translations", [TRANSLATIONS, *PLUGIN_TRANSLATIONS], ids=str)
def test_catalogues_are_complete_and_compiled(locale, translations):
    with open(translations / "messages.pot", "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    path = translations / locale / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    done = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert wanted - done == set()
    assert path.with_suffix(".mo").stat().st_mtime >= path.stat().st_mtime - 1


def test_register_pages_refuse_bad_input_by_field_and_need_the_right_role(client, app,
                                                                          person, make_user):
    sign_in(client)
    page = client.get("/t/web-primary/people/classes").get_data(as_text=True)
    token = csrf(page)
    missing = client.post("/t/web-primary/people/classes", data={"grade": "", "name": "1班",
                                                                "csrf_token": token})
    assert missing.status_code == 422 and 'data-testid="error-grade"' in missing.get_data(
        as_text=True)
    made = client.post("/t/web-primary/people/classes", data={
        "grade": "一年级", "level": "1", "name": "1班", "csrf_token": token})
    assert made.status_code == 302
    again = client.post("/t/web-primary/people/classes", data={
        "grade": "一年级", "name": "1班", "csrf_token": token})
    assert again.status_code == 422 and "已有班级" in again.get_data(as_text=True)
    from core.schools.registry import tenant_by_slug

    teacher = make_user(tenant_by_slug("web-primary"), "class_teacher", token=False)
    viewer = app.test_client()
    signed_in(viewer, teacher)
    assert viewer.get("/t/web-primary/people/students").status_code == 200
    refused = viewer.post("/t/web-primary/people/students", data={"csrf_token": "test-csrf-token"})
    assert refused.status_code == 403


def test_no_catalogue_translates_another_catalogues_msgid_differently():
    """Core and the modules share one gettext domain, so a module's translation of a msgid
    replaces everyone's: the same msgid must read the same in every catalogue. A msgctxt
    (a kindergarten's words, core.wording) makes another msgid."""
    seen: dict[tuple[str | None, str], tuple[str, str]] = {}
    clashes = []
    for folder in [TRANSLATIONS, *PLUGIN_TRANSLATIONS]:
        with open(folder / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id:
                continue
            key = (message.context,
                   message.id if isinstance(message.id, str) else message.id[0])
            value = message.string if isinstance(message.string, str) else tuple(message.string)
            first = seen.setdefault(key, (folder.parent.name, value))
            if first[1] != value:
                clashes.append((key, first, (folder.parent.name, value)))
    assert clashes == []


def test_an_error_page_is_in_the_readers_language_styled_and_leads_home(client, person):
    sign_in(client)
    page = client.get("/t/web-primary/no-such-page", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert '<html lang="zh-CN">' in text and "houqin.css" in text
    assert re.search(r'<a href="/" data-testid="error-home">返回首页</a>', text)
    client.post("/language", data={"locale": "en", "csrf_token": csrf(
        client.get("/t/web-primary/").get_data(as_text=True))})
    text = client.get("/t/web-primary/no-such-page").get_data(as_text=True)
    assert '<html lang="en">' in text and "Back to the home page" in text
