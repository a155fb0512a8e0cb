"""The SDK is the whole contract: every public name is dated and documented, deprecated names
and hooks warn, and what a plugin needs from the app (other plugins' hook answers, its
start-up state, a school row by id) is there without reaching into core."""

import re
import uuid
import warnings
from pathlib import Path

import pytest

import core.sdk as sdk
from core.sdk import NotFound, PluginApp, hookimpl
from core.tenancy import tenant_context

ROOT = Path(__file__).parent.parent
VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def test_every_public_name_says_the_version_it_appeared_in():
    assert set(sdk.SINCE) == set(sdk.__all__)
    assert all(VERSION.match(version) for version in sdk.SINCE.values())
    assert not set(sdk.DEPRECATED) & set(sdk.__all__)
    for name in sdk.__all__:
        assert hasattr(sdk, name), name


def documented_names() -> list[str]:
    """The names docs/sdk.md gives an entry (a ``### `name` `` heading each)."""
    text = (ROOT / "docs" / "sdk.md").read_text(encoding="utf-8")
    return re.findall(r"^### `([^`]+)`", text, flags=re.MULTILINE)


def test_the_sdk_reference_lists_exactly_the_public_names_each_once_with_its_version():
    names = documented_names()
    assert sorted(names) == sorted(sdk.__all__)
    assert len(names) == len(set(names))
    text = (ROOT / "docs" / "sdk.md").read_text(encoding="utf-8")
    for name in names:
        entry = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        assert f"Since {sdk.SINCE[name]}" in entry, name


def test_a_deprecated_sdk_name_warns_and_still_answers(monkeypatch):
    monkeypatch.setitem(sdk.DEPRECATED, "page_rows", sdk.Deprecation("page_of", "0.2.0", "0.3.0"))
    with pytest.warns(DeprecationWarning, match=r"core.sdk.page_rows is deprecated since core "
                                                r"0.2.0 and goes in 0.3.0: use core.sdk.page_of"):
        assert sdk.page_rows is sdk.page_of
    with pytest.raises(AttributeError, match="no_such_name"):
        sdk.no_such_name  # noqa: B018
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sdk.page_of  # a name in use warns nothing


def test_a_deprecated_hook_warns_through_pluggy_when_a_plugin_implements_it(app):
    class Late:
        @hookimpl
        def notes_lines(self, tenant):
            return ["old"]

    class Current:
        @hookimpl
        def notes_contributions(self, tenant):
            return ["new"]

    manager = app.extensions["houqin"].plugins.pm
    with pytest.warns(DeprecationWarning, match="deprecated since notes 0.2.0: implement "
                                                "notes_contributions instead"):
        manager.register(Late(), name="late")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manager.register(Current(), name="current")


def test_all_hooks_reach_every_plugin_without_a_school_and_name_who_answered(app):
    with app.app_context():
        answered = dict(sdk.all_hooks().answers("houqin_settings_schema"))
        assert {"notes", "fees", "canteen"} <= set(answered)
        assert "notes" in sdk.all_hooks().implementers("notes_contributions") or \
            "tags" in sdk.all_hooks().implementers("notes_contributions")
        assert set(sdk.loaded_plugins()) == set(app.extensions["houqin"].plugins.manifests)


def test_the_start_up_hook_runs_once_per_app_with_a_read_only_handle(app_factory):
    first, second = app_factory(), app_factory()
    with first.app_context():
        state = sdk.plugin_state("fees")
        assert "payment_providers" in state  # the fee module's houqin_startup filled it
        state["mine"] = 1
    with second.app_context():
        assert "mine" not in sdk.plugin_state("fees")  # one state per app
    handle = PluginApp(first)
    with pytest.raises(TypeError):
        handle.config["SECRET_KEY"] = "changed"  # type: ignore[index]
    assert handle.state("fees")["mine"] == 1


def test_get_or_404_finds_a_school_row_by_id_and_never_another_schools(app, make_school):
    from houqin_testnotes.models import Note

    one, other = make_school("sdk-one"), make_school("sdk-two")
    with tenant_context(one):
        note = Note(title="一", body="x")
        sdk.db.session.add(note)
        sdk.db.session.commit()
        assert sdk.get_or_404(Note, note.id) is note
        with pytest.raises(NotFound) as missing:
            sdk.get_or_404(Note, uuid.uuid4(), field="note_id")
        assert missing.value.status == 404 and "note_id" in missing.value.errors
    with tenant_context(other), pytest.raises(NotFound):
        sdk.get_or_404(Note, note.id)


def test_the_session_gets_a_school_row_by_its_id_alone(app, make_school):
    """``db.session.get(Model, id)`` on a school table: the school in context completes the
    key (school, id), so another school's id finds nothing."""
    from houqin_testnotes.models import Note
    from werkzeug.exceptions import NotFound as PageNotFound

    one, other = make_school("get-one"), make_school("get-two")
    with tenant_context(one):
        note = Note(title="一", body="x")
        sdk.db.session.add(note)
        sdk.db.session.commit()
        note_id = note.id
        sdk.db.session.expunge_all()
        assert sdk.db.session.get(Note, note_id).title == "一"
        assert sdk.db.get_or_404(Note, note_id).id == note_id
    with tenant_context(other):
        assert sdk.db.session.get(Note, note_id) is None
        with pytest.raises(PageNotFound):
            sdk.db.get_or_404(Note, note_id)


def test_a_school_reads_its_own_buildings_and_never_another_schools(app, make_school):
    from core.people.services import create_building

    one, other = make_school("sdk-places"), make_school("sdk-elsewhere")
    with tenant_context(other):
        theirs = create_building("别校楼").id
        sdk.db.session.commit()
    with tenant_context(one):
        library, teaching = create_building("图书馆"), create_building("教学楼")
        sdk.db.session.commit()
        assert sdk.buildings() == [sdk.BuildingRef(library.id, "图书馆"),
                                   sdk.BuildingRef(teaching.id, "教学楼")]
        assert sdk.buildings([teaching.id, theirs]) == [sdk.BuildingRef(teaching.id, "教学楼")]
        assert sdk.building_or_404(library.id).name == "图书馆"
        with pytest.raises(NotFound) as missing:
            sdk.building_or_404(theirs, field="place")
        assert missing.value.status == 404 and list(missing.value.errors) == ["place"]
