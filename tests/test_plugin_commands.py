"""A plugin's ``houqin <plugin> …`` command group (``houqin_cli_group``), and the fee
module's ``import-items`` run through it."""

import pytest
from sqlalchemy import select

from core.cli import cli
from core.extensions import db
from core.tenancy import tenant_context
from tests.test_transfer import xlsx


@pytest.mark.houqin_plugins("notes")
def test_a_plugin_command_runs_under_the_plugin_name(make_school, houqin_cli):
    from houqin_testnotes.models import Note

    school = make_school("cli-notes", modules=("notes",))
    with tenant_context(school):
        db.session.add(Note(title="第二条", body=""))
        db.session.commit()
    listed = houqin_cli("--help")
    assert "notes" in listed.output and "anything" not in listed.output
    counted = houqin_cli("notes", "count", "--tenant", "cli-notes")
    assert counted.exit_code == 0, counted.output
    assert counted.output.strip() == "2 notes"  # the greeting the module seeds, and ours
    unknown = houqin_cli("notes", "count", "--tenant", "nowhere")
    assert unknown.exit_code == 2 and "no school 'nowhere'" in unknown.output


@pytest.mark.houqin_plugins("fees")
def test_fees_import_items_reports_bad_rows_and_writes_the_good(app, make_school, tmp_path):
    from plugins.fees.models import FeeItem

    make_school("cli-fees", modules=("fees",))
    sheet = tmp_path / "收费公示.xlsx"
    sheet.write_bytes(xlsx([["保教费", "保教费", 850, "每月"], ["午餐费", "餐费", "1.234", "每天"]],
                           ["名称", "类别", "金额(元)", "计价单位"]))
    runner = app.test_cli_runner()
    tried = runner.invoke(cli, ["fees", "import-items", str(sheet), "--tenant", "cli-fees",
                                "--dry-run"])
    assert tried.exit_code == 1
    assert tried.output.splitlines() == ["row 3\t金额(元)\t“1.234” is not an amount in yuan such "
                                         "as 85.50", "1 of 2 rows would be imported"]
    school = make_school("other-fees", modules=("fees",))
    with tenant_context(school):
        assert db.session.scalar(select(FeeItem.id)) is None
    done = runner.invoke(cli, ["fees", "import-items", str(sheet), "--tenant", "cli-fees"])
    assert done.exit_code == 1 and done.output.endswith("1 of 2 rows imported\n")
    from core.schools.registry import tenant_by_slug

    with tenant_context(tenant_by_slug("cli-fees")):
        assert [(i.name, i.amount_fen, i.status) for i in db.session.scalars(select(FeeItem))] \
            == [("保教费", 85000, "draft")]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    refused = runner.invoke(cli, ["fees", "import-items", str(empty), "--tenant", "cli-fees"])
    assert refused.exit_code == 2 and "the file is empty" in refused.output
