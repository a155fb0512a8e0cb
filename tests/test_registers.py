"""A plugin's register (``houqin_registers``) as core takes it: refused at start when its
declaration is unusable; imported at once by ``import_sheet``, preview or real, audited;
not offered in a school that has the plugin switched off."""

from dataclasses import replace

import houqin_testnotes
import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from core.rules import RuleBroken
from core.sdk import hookimpl, import_sheet
from core.tenancy import tenant_context
from tests.test_transfer import xlsx

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.mark.parametrize(("change", "reason"), [
    ({"name": "a_name_far_too_long_for_an_upload"}, "at most 20 characters"),
    ({"permission": "notes.nothing"}, "names no permission 'notes.nothing'"),
])
def test_an_unusable_register_stops_the_start(app_factory, monkeypatch, change, reason):
    from houqin_testnotes.registers import NOTES

    @hookimpl
    def houqin_registers():
        return [replace(NOTES, **change)]

    monkeypatch.setattr(houqin_testnotes, "houqin_registers", houqin_registers)
    with pytest.raises(ValueError, match=reason):
        app_factory(plugins=["notes"])


def test_import_sheet_previews_then_imports_and_audits(app, make_school):
    from houqin_testnotes.models import Note

    school = make_school("sheet-notes", modules=("notes",))
    sheet = xlsx([["采购计划", "下周一前"], ["", "no title"], ["采购计划", ""]], ["标题", "内容"])
    with tenant_context(school):
        before = set(db.session.scalars(select(Note.title)))
        preview = import_sheet("notes.notes", "notes.xlsx", sheet)
        assert (preview["rows"], preview["created"]) == (3, 1)
        assert [(e["row"], e["column"]) for e in preview["errors"]] == [(3, "标题"), (4, "标题")]
        assert set(db.session.scalars(select(Note.title))) == before  # nothing written
        done = import_sheet("notes.notes", "notes.xlsx", sheet, dry_run=False)
        db.session.commit()
        assert done["created"] == 1
        assert set(db.session.scalars(select(Note.title))) == before | {"采购计划"}
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "notes.notes"))
        assert entry.action == "import" and entry.after["created"] == 1


def test_a_school_without_the_plugin_has_no_register(app, make_school):
    school = make_school("sheet-none")
    with tenant_context(school), pytest.raises(RuleBroken) as refused:
        import_sheet("notes.notes", "notes.xlsx", xlsx([["x"]], ["标题"]))
    assert refused.value.field == "kind"
