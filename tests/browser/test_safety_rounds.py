"""A guard walks the gate round on a 375 px phone from the place's QR link, in Chinese: ticks
the items, fails one with a note and a photo, saves half done, comes back and signs — the
failure is a hazard linked from the round, and no page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.identity import services
from core.tenancy import tenant_context
from tests.browser.conftest import screenshot
from tests.browser.test_safety import PASSWORD, PNG, _no_sideways, _phone

pytestmark = pytest.mark.houqin_plugins("safety")


@pytest.fixture
def gate(app, make_school):
    from plugins.safety.services import rounds

    school = make_school("rounds-phone", modules=("safety",))
    with tenant_context(school):
        guard = services.create_user("guard@rounds.test", "guard", PASSWORD)
        services.grant_school_role(guard, "guard")
        checklist = next(c for c in rounds.install_defaults() if c.kind == "gate")
        db.session.commit()
        return str(checklist.id), len(rounds.items(checklist.id))


def test_a_gate_round_on_a_phone_with_a_failure_photographed(chromium, live_server, gate):
    checklist_id, count = gate
    context, phone = _phone(chromium, live_server, "guard@rounds.test")
    phone.locator("[data-testid=safety-rounds-due]").wait_for()
    phone.goto(f"{live_server}/t/rounds-phone/m/safety/rounds/here?checklist_id={checklist_id}"
               "&place=东校门")
    phone.click("form[data-testid=start-here] button[type=submit]")
    expect(phone.locator("[data-testid=round-state]")).to_contain_text("进行中")
    _no_sideways(phone, "the round")
    phone.check("input[name=result_1][value=pass]")
    phone.check("input[name=result_2][value=fail]")
    phone.click("[data-testid=save-round]")
    expect(phone.locator("[data-testid=error-note_2]")).to_be_visible()  # a failure says what
    phone.check("input[name=result_1][value=pass]")
    phone.check("input[name=result_2][value=fail]")
    phone.fill("#note_2", "门卫室防护器械缺少钢叉")
    phone.set_input_files("#photo_2", files=[{"name": "gate.png", "mimeType": "image/png",
                                              "buffer": PNG}])
    phone.click("[data-testid=save-round]")
    expect(phone.locator("[data-testid=result-2]")).to_contain_text("不合格")
    expect(phone.locator("[data-testid=hazard-2]")).to_be_visible()
    round_url = phone.url
    phone.goto(f"{live_server}/t/rounds-phone/m/safety/rounds/here?checklist_id={checklist_id}"
               "&place=东校门")
    assert phone.url == round_url  # the QR link continues the round under way
    for position in range(3, count + 1):
        phone.check(f"input[name=result_{position}][value=pass]")
    phone.click("[data-testid=sign-round]")
    expect(phone.locator("[data-testid=round-state]")).to_contain_text("签字")
    _no_sideways(phone, "the signed round")
    screenshot(phone, "safety-round-phone")
    phone.click("[data-testid=hazard-2]")
    expect(phone.locator("[data-testid=hazard-round]")).to_contain_text("东校门")
    context.close()
