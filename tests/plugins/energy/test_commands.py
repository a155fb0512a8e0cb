"""``houqin energy …``: readings imported from the shell with the page's per-row report, and
a day's flags raised by hand, once however often it is run."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.cli import cli
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import xlsx_of

from .conftest import at, days_ago, meter, read
from .test_pages import readings_of

pytestmark = pytest.mark.houqin_plugins("energy")


def test_import_readings_reports_bad_rows_and_keeps_the_good(app, school, tmp_path):
    water = meter(school, "W-1")
    sheet = tmp_path / "抄表.xlsx"
    sheet.write_bytes(xlsx_of([["W-1", at(days_ago(2)).replace(tzinfo=None), 100],
                               ["W-1", at(days_ago(1)).replace(tzinfo=None), 90]],
                              ["表号", "抄表时间", "读数"]))
    runner = app.test_cli_runner()
    tried = runner.invoke(cli, ["energy", "import-readings", str(sheet), "--tenant",
                                "energy-school", "--dry-run"])
    assert tried.exit_code == 1, tried.output
    lines = tried.output.splitlines()
    assert lines[0].startswith("row 3\t读数\t") and lines[1] == "1 of 2 rows would be imported"
    assert readings_of(school) == []
    done = runner.invoke(cli, ["energy", "import-readings", str(sheet), "--tenant",
                               "energy-school"])
    assert done.exit_code == 1 and done.output.endswith("1 of 2 rows imported\n")
    assert [(r.meter_id, str(r.value)) for r in readings_of(school)] == [(water, "100.000")]
    nowhere = runner.invoke(cli, ["energy", "import-readings", str(sheet), "--tenant", "nowhere"])
    assert nowhere.exit_code == 2


def test_flags_raises_a_day_s_flags_once(app, school, settings_of):
    from core.notifications.models import Notification

    settings_of({"water": {"night_limit": "0.5"}})
    water = meter(school)
    night = days_ago(3)
    read(school, water, at(night, 22), "40")
    read(school, water, at(days_ago(2), 6), "48")  # 1 an hour over the night
    runner = app.test_cli_runner()
    for _ in range(2):
        raised = runner.invoke(cli, ["energy", "flags", "--tenant", "energy-school",
                                     "--day", night.isoformat()])
        assert raised.exit_code == 0, raised.output
        assert raised.output.splitlines() == [
            f"{night}\tW-1\tnight\t8.000 m³\t(limit 0.5)", f"1 flag(s) on {night}"]
    with tenant_context(school):
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.source == "energy")) == 1
    quiet = runner.invoke(cli, ["energy", "flags", "--tenant", "energy-school"])
    assert (quiet.exit_code, quiet.output) == (0, f"0 flag(s) on {days_ago(1)}\n")
    future = runner.invoke(cli, ["energy", "flags", "--tenant", "energy-school", "--day",
                                 datetime.now().date().replace(year=2099).isoformat()])
    assert future.exit_code == 2
