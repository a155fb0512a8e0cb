"""A module's register imported through the shared import page in a real browser, on a
375 px phone and on a desktop: the dishes page's 导入 link, a preview naming the bad rows,
then the good rows imported."""

import pytest
from sqlalchemy import select

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from core.testing import run_jobs
from plugins.canteen.models import Dish
from tests.browser.conftest import screenshot
from tests.test_transfer import xlsx

pytestmark = pytest.mark.houqin_plugins("canteen")
ROWS = [["番茄炒蛋", "鸡蛋", "", "是"],
        ["宫保鸡丁", "花生、芝麻", "", ""],   # 芝麻: no allergen group of the library
        ["红烧肉", "", "少糖", "否"]]


@pytest.fixture
def kitchen(app, make_school):
    school = make_school("dishes-browser", modules=("canteen",))
    user = services.create_user("cook@dishes.test", "Cook", "correct-horse-1")
    with tenant_context(school):
        services.grant_school_role(user, "canteen_manager")
    db.session.commit()
    return school


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 812},
                                      {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_dishes_are_imported_through_the_shared_page(app, chromium, live_server, kitchen,
                                                     tmp_path, viewport):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=viewport, is_mobile=viewport["width"] < 400,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    upload = tmp_path / "菜品库.xlsx"
    upload.write_bytes(xlsx(ROWS, ["菜名", "过敏原", "备注", "在用"]))
    page.goto(f"{live_server}/login")
    page.fill("#email", "cook@dishes.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/dishes-browser/m/canteen/dishes")
    page.click("[data-testid='import-canteen.dishes']")
    expect(page.locator("[data-testid=register-columns]")).to_have_count(1)
    page.set_input_files("#file", str(upload))
    page.click("[data-testid=register-import] button[type=submit]")
    expect(page.locator("[data-testid=job-progress]")).to_have_count(1)
    run_jobs(app)  # on Redis the test is the worker; in-process jobs have run already
    errors = page.locator("[data-testid=import-errors] tbody tr")
    expect(errors).to_have_count(1)  # htmx polled the report in
    assert errors.first.inner_text().split("\t")[:2] == ["3", "过敏原"]
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the import's preview scrolls sideways"
    screenshot(page, f"register-import-preview-{viewport['width']}")
    with tenant_context(kitchen):
        assert db.session.scalar(select(Dish.id)) is None  # a preview writes nothing
    page.click("[data-testid=import-run]")
    run_jobs(app)
    expect(page.locator("[data-testid=import-summary]:has-text('已导入 2 行')")).to_have_count(1)
    screenshot(page, f"register-import-done-{viewport['width']}")
    with tenant_context(kitchen):
        assert set(db.session.scalars(select(Dish.name))) == {"番茄炒蛋", "红烧肉"}
    page.click("text=← 菜品")
    expect(page.locator("[data-testid=uploads] tbody tr")).to_have_count(1)
    context.close()


def test_the_preview_tells_new_rows_from_updates(app, chromium, live_server, kitchen, tmp_path):
    from playwright.sync_api import expect

    from plugins.canteen.services import menus

    with tenant_context(kitchen):
        menus.create_dish({"name": "土豆丝", "notes": "清淡"})
        menus.create_dish({"name": "红烧肉", "notes": "少糖", "active": False})
        db.session.commit()
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    upload = tmp_path / "菜品库.xlsx"
    upload.write_bytes(xlsx([["土豆丝", "", "酸辣", "是"], ["番茄炒蛋", "鸡蛋", "", "是"],
                             ["红烧肉", "", "少糖", "否"]], ["菜名", "过敏原", "备注", "在用"]))
    page.goto(f"{live_server}/login")
    page.fill("#email", "cook@dishes.test")
    page.fill("#password", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/t/dishes-browser/m/canteen/registers/dishes/import")
    page.set_input_files("#file", str(upload))
    page.click("[data-testid=register-import] button[type=submit]")
    expect(page.locator("[data-testid=job-progress]")).to_have_count(1)
    run_jobs(app)
    outcomes = page.locator("[data-testid=import-outcomes] tbody tr")
    expect(outcomes).to_have_count(3)
    assert [outcomes.nth(i).get_attribute("data-action") for i in range(3)] == [
        "update", "new", "unchanged"]
    assert outcomes.first.inner_text().split("\t")[1::2] == ["土豆丝", "备注"]
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the update preview scrolls sideways"
    screenshot(page, "register-import-update-preview-375")
    with tenant_context(kitchen):
        assert db.session.scalar(select(Dish.notes).where(Dish.name == "土豆丝")) == "清淡"
    page.click("[data-testid=import-run]")
    run_jobs(app)
    expect(page.locator("[data-testid=import-tally]")).to_have_count(1)
    with tenant_context(kitchen):
        notes = dict(db.session.execute(select(Dish.name, Dish.notes)).all())
        assert notes == {"土豆丝": "酸辣", "番茄炒蛋": "", "红烧肉": "少糖"}
    context.close()
