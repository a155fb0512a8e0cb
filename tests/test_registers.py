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


def test_a_keyed_register_sorts_rows_into_new_update_and_unchanged(app):
    """Core's part alone: a key twice is refused at its second row, a kept record is handed
    to ``revise`` with only the fields the sheet has, and a refusal of ``revise`` is shown
    under the column of its field."""
    from core.transfer.columns import Column
    from core.transfer.registers import Register, import_register

    kept = {"a": {"name": "a", "size": 1, "colour": "red"},
            "b": {"name": "b", "size": 2, "colour": "blue"},
            "c": {"name": "c", "size": 3, "colour": "green"}}
    asked: list[dict] = []
    written: list[list] = []

    def revise(record, row):
        asked.append(row)
        if record["name"] == "c":
            raise RuleBroken("locked", "size")
        return [field for field, value in row.items() if record[field] != value]

    register = Register(
        name="things", title="Things", permission="notes.manage",
        columns=(Column("name", ("名称",), required=True), Column("size", ("大小",), int),
                 Column("colour", ("颜色",))),
        load=lambda values, _looked_up: values, write=written.append,
        key="name", kept=lambda: kept, revise=revise)
    report = import_register(register, ["名称", "大小"],
                             [["a", 5], ["b", 2], ["n", 1], ["a", 6], ["c", 4]])
    assert [(o["row"], o["action"], o.get("columns")) for o in report["outcomes"]] == [
        (2, "update", ["大小"]), (3, "unchanged", []), (4, "new", None)]
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(5, "名称"), (6, "大小")]
    assert asked[0] == {"name": "a", "size": 5}  # no colour column: the colour is not asked
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 1)
    assert written == [[{"name": "n", "size": 1}]]


@pytest.mark.parametrize(("asked", "field"), [
    ({"to": "2026-09-30"}, "from"), ({"from": "2026-09-01"}, "to"),
    ({"from": "2026-09-31", "to": "2026-10-01"}, "from"),
    ({"from": "2026-09-02", "to": "2026-09-01"}, "to"),
    ({"from": "2026-09-01", "to": "2026-10-01"}, "to"),  # 31 days: one more than allowed
])
def test_a_dated_registers_period_is_checked_field_by_field(app, asked, field):
    from core.transfer.registers import Register, period_asked

    register = Register(name="log", title="Log", permission="notes.read", columns=(),
                        rows=lambda start, end: [], dated=True, max_days=30)
    with app.test_request_context(), pytest.raises(RuleBroken) as refused:
        period_asked(register, asked)
    assert (refused.value.field, refused.value.status) == (field, 400)
    with app.test_request_context():
        assert period_asked(register, {"from": "2026-09-01", "to": "2026-09-30"})["to"].day == 30
