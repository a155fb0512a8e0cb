"""Module enablement per school: dependencies, suitability, settings, and what 'off' means."""

import pytest
from click.testing import CliRunner
from houqin_testnotes.models import Note
from sqlalchemy import select

from core.cli import cli
from core.extensions import db
from core.schools import modules
from core.schools.models import TenantModule
from core.state import kernel
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")


@pytest.fixture
def school(app, make_school):
    return make_school("riverside")


@pytest.fixture
def admin(school, make_user):
    return make_user(school, "school_admin")


def states() -> dict[str, bool]:
    return {s["name"]: s["enabled"] for s in modules.module_states()}


def test_enabling_pulls_in_dependencies_and_seeds_data(school):
    with tenant_context(school):
        assert modules.enable("tags") == ["notes", "tags"]
        db.session.commit()
        assert states() == {"notes": True, "tags": True, "playground": False}
        # notes' on_enable hook ran with its validated default settings.
        assert db.session.scalars(select(Note.title)).all() == ["welcome"]
        assert modules.enable("tags") == []


def test_disabling_a_needed_module_names_its_dependents(school):
    with tenant_context(school):
        modules.enable("tags")
        with pytest.raises(modules.ModuleInUse, match="needed by Tags") as caught:
            modules.disable("notes")
        assert caught.value.dependents == ["tags"]
        assert modules.disable("notes", cascade=True) == ["tags", "notes"]
        db.session.commit()
        assert states() == {"notes": False, "tags": False, "playground": False}
        # Off is not gone: the data stays until an admin purges it.
        rows = db.session.scalars(select(TenantModule)).all()
        assert {r.module for r in rows} == {"notes", "tags"}
        assert db.session.scalars(select(Note.title)).all() == ["welcome"]


def test_a_module_not_suited_to_the_school_type_is_refused(school, make_school):
    with tenant_context(school), pytest.raises(modules.ModuleError, match="not offered"):
        modules.enable("playground")
    kindergarten = make_school("little-ones", type="kindergarten")
    with tenant_context(kindergarten):
        assert modules.enable("playground") == ["playground"]


def test_settings_are_validated_by_the_plugins_schema(school):
    with tenant_context(school):
        with pytest.raises(modules.SettingsInvalid) as caught:
            modules.enable("notes", {"max_body_length": 0, "colour": "red"})
        assert set(caught.value.messages) == {"max_body_length", "colour"}
        assert "Unknown field" in str(caught.value.messages["colour"])
        modules.enable("notes", {"max_body_length": 50})
        assert modules.update_settings("notes", {"greeting": "hi"}) == {
            "max_body_length": 2000, "greeting": "hi"}
        with pytest.raises(modules.ModuleError, match="has no settings"):
            modules.enable("tags", {"anything": 1})


def test_api_switches_modules_and_reports_errors_by_field(client, admin):
    put = lambda name, body: client.put(f"/api/v1/modules/{name}", json=body,  # noqa: E731
                                        headers=admin.headers)
    response = put("tags", {"enabled": True})
    assert response.status_code == 200
    assert response.get_json()["switched"] == ["notes", "tags"]
    response = put("notes", {"enabled": False})
    assert response.status_code == 409
    assert "Tags" in response.get_json()["errors"]["cascade"][0]
    response = put("notes", {"enabled": True, "settings": {"max_body_length": "many"}})
    assert response.status_code == 422
    assert response.get_json()["errors"]["settings"] == {"max_body_length": ["Not a valid integer."]}
    response = put("nothing", {"enabled": True})
    assert response.status_code == 404
    response = put("notes", {"enabled": False, "cascade": True})
    assert response.get_json()["switched"] == ["tags", "notes"]
    listed = client.get("/api/v1/modules", headers=admin.headers).get_json()
    assert {m["name"]: m["enabled"] for m in listed} == {"notes": False, "tags": False,
                                                          "playground": False}


def test_a_disabled_modules_routes_answer_404_and_come_back(client, school, admin):
    assert client.get("/api/v1/notes", headers=admin.headers).status_code == 404
    assert client.get("/m/notes/", headers=admin.headers).status_code == 404
    with tenant_context(school):
        modules.enable("notes")
        db.session.commit()
    assert client.get("/api/v1/notes", headers=admin.headers).status_code == 200
    assert client.get("/m/notes/", headers=admin.headers).status_code == 200


def test_hooks_reach_only_the_modules_the_school_enabled(client, school, admin, make_school,
                                                         make_user):
    other = make_school("hillside", modules=("tags",))
    other_admin = make_user(other, "school_admin")
    with tenant_context(school):
        modules.enable("notes")
        db.session.commit()
    mine = client.get("/api/v1/notes/contributions", headers=admin.headers).get_json()
    theirs = client.get("/api/v1/notes/contributions", headers=other_admin.headers).get_json()
    assert mine == {"lines": []}
    assert theirs == {"lines": ["tags for hillside"]}


def test_navigation_comes_only_from_enabled_modules(app, make_school):
    kindergarten = make_school("tiny", type="kindergarten", modules=("playground",))
    with tenant_context(kindergarten):
        from core.sdk import hooks

        entries = [e for group in hooks().houqin_navigation(tenant=kindergarten, principal=None)
                   for e in group]
    assert [str(e.title) for e in entries] == ["Playground"]
    assert len(kernel().plugins.manifests) == 3  # the others are loaded, just not reached


def test_cli_lists_enables_and_disables(app, school):
    runner = CliRunner()
    result = runner.invoke(cli, ["modules", "enable", "--tenant", "riverside", "tags"])
    assert result.exit_code == 0, result.output
    assert "switched on: notes, tags" in result.output
    result = runner.invoke(cli, ["modules", "disable", "--tenant", "riverside", "notes"])
    assert result.exit_code == 2
    assert "needed by Tags" in result.output and "--cascade" in result.output
    result = runner.invoke(cli, ["modules", "list", "--tenant", "riverside"])
    assert "on  notes 0.1.0" in result.output and "on  tags 0.1.0" in result.output
    assert "(not offered to this type of school)" in result.output
    result = runner.invoke(cli, ["modules", "disable", "--tenant", "riverside", "--cascade",
                                 "notes"])
    assert "switched off: tags, notes" in result.output
    result = runner.invoke(cli, ["modules", "enable", "--tenant", "riverside", "--settings",
                                 '{"colour": 1}', "notes"])
    assert result.exit_code == 2 and "colour: Unknown field" in result.output


def test_an_anonymous_caller_cannot_tell_which_modules_are_on(client, school, make_school):
    make_school("with-notes", modules=("notes",))
    off = client.get("/t/riverside/api/v1/notes")
    on = client.get("/t/with-notes/api/v1/notes")
    assert off.status_code == on.status_code == 401


def test_asking_for_a_module_where_none_is_installed_says_so_in_words(app_factory, make_school):
    bare = app_factory(plugins=[])
    with bare.app_context():
        school = make_school("bare")
        with tenant_context(school), pytest.raises(modules.ModuleError) as refused:
            modules.enable("canteen")
    # Not "(installed: none)": an English word the Chinese sentence could not translate.
    assert str(refused.value) == "no module named canteen is installed, nor any other"
