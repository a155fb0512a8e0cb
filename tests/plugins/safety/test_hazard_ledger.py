"""A hazard register kept on paper before the module (隐患台账) imports as it stands: each row
a hazard as far along as the ledger says, its steps dated as the ledger dates them; rows out
of order, in the future, naming nobody on the staff or already in the register are refused
by column; the module's own export reads back as the same hazards."""

import io
from datetime import timedelta

from openpyxl import load_workbook

from core.extensions import db
from core.sdk import import_sheet
from core.tenancy import tenant_context
from core.testing import signed_in, xlsx_of

from .conftest import API, SLUG, school_day, staff_of

HEADERS = ["序号", "发现时间", "隐患部位", "隐患", "隐患等级", "发现人", "整改责任人", "整改期限",
           "整改措施", "整改完成时间", "验收人", "验收时间", "状态"]


def test_a_paper_ledger_imports_as_it_stands_and_the_loop_goes_on(client, school, officer,
                                                                  keeper):
    staff_of(school, keeper, name="李师傅")
    ledger = xlsx_of([
        [1, "2025-03-02 09:10", "教学楼二楼楼梯", "扶手松动", "一般", "王老师", "李师傅",
         "2025-03-09", "更换扶手螺栓", "2025-03-05 16:00", "张主任", "2025-03-06 10:00", "已销号"],
        [2, "2025-04-01 08:00", "锅炉房", "压力表失灵", "较大", "门卫", "李师傅", "2025-04-04",
         "更换压力表", "2025-04-03 11:00", "", "", "待验收"],
        [3, "2025-05-01", "操场", "围栏破损", "重大", "体育组", "李师傅", "2025-05-10", "", "",
         "", "", ""],
        [4, "2025-06-01 07:30", "校门口", "减速带破损", "", "门卫", "", "", "", "", "", "", ""],
        # refused, each naming its column
        [5, "2025-07-01 09:00", "食堂", "地面湿滑", "一般", "", "李师傅", "2025-06-30", "", "", "",
         "", ""],
        [6, "2025-07-02 09:00", "食堂", "排风扇异响", "一般", "", "李师傅", "2025-07-09", "清理",
         "2025-07-03 09:00", "李师傅", "2025-07-04 09:00", ""],
        [7, "2999-01-01 09:00", "实验室", "药品柜未锁", "一般", "", "", "", "", "", "", "", ""],
        [8, "2025-07-05 09:00", "宿舍", "插座松动", "一般", "", "赵无此人", "2025-07-09", "", "",
         "", "", ""],
        [9, "2025-07-06 09:00", "宿舍", "门锁坏", "一般", "", "李师傅", "2025-07-09", "", "", "",
         "", "已销号"],
        [10, "2025-03-02 09:10", "教学楼二楼楼梯", "扶手松动", "一般", "", "", "", "", "", "",
         "", ""],
        [11, "2025-07-07 09:00", "宿舍", "灯不亮", "一般", "", "李师傅", "2025-07-09", "换灯",
         "2025-07-06 09:00", "", "", ""],
        [12, "2025-07-08 09:00", "宿" * 121, "灯不亮", "一般", "", "", "", "", "", "", "", ""],
    ], HEADERS)
    with tenant_context(school):
        report = import_sheet("safety.hazards", "ledger.xlsx", ledger, dry_run=False)
        db.session.commit()
    assert report["created"] == 4
    assert sorted((e["row"], e["column"]) for e in report["errors"]) == [
        (6, "整改期限"), (7, "验收人"), (8, "发现时间"), (9, "整改责任人"), (10, "状态"),
        (11, "隐患"), (12, "整改完成时间"), (13, "隐患部位")]

    listed = {h["place"]: h for h in client.get(f"{API}/hazards", headers=officer.headers)
              .get_json()}
    assert {p: h["status"] for p, h in listed.items()} == {
        "教学楼二楼楼梯": "closed", "锅炉房": "fixed", "操场": "open", "校门口": "reported"}
    closed = client.get(f"{API}/hazards/{listed['教学楼二楼楼梯']['id']}",
                        headers=officer.headers).get_json()
    assert [(s["step"], s["by"]) for s in closed["steps"]] == [
        ("reported", "王老师"), ("assigned", ""), ("fixed", "李师傅"), ("passed", "张主任")]
    assert closed["steps"][2]["at"].startswith("2025-03-05T08:00")  # 16:00 in Beijing
    # Nothing told: history is not news. The imported hazard waiting for verification is
    # verified on the module like any other.
    verified = client.post(f"{API}/hazards/{listed['锅炉房']['id']}/verification",
                           headers=officer.headers, json={"passed": True, "note": "复查合格"})
    assert verified.status_code == 200 and verified.get_json()["status"] == "closed"

    # The module's own export of the period reads back as the hazards already kept.
    signed_in(client, officer)
    exported = client.get(f"/t/{SLUG}/m/safety/registers/hazards.xlsx",
                          query_string={"from": "2025-01-01", "to": "2025-12-31"})
    rows = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert rows[0] == tuple(HEADERS)
    assert rows[1][1:5] == (__import__("datetime").datetime(2025, 3, 2, 9, 10), "教学楼二楼楼梯",
                            "扶手松动", "一般")
    with tenant_context(school):
        again = import_sheet("safety.hazards", "back.xlsx", exported.data, dry_run=True)
    assert again["created"] == 0
    assert {e["column"] for e in again["errors"]} == {"隐患"} and len(again["errors"]) == 4


def test_only_those_who_assign_hazards_import_a_ledger(client, school, keeper, officer):
    signed_in(client, keeper)  # reports and fixes hazards, does not manage them
    day = (school_day() - timedelta(days=3)).isoformat()
    sheet = xlsx_of([[1, day, "操场", "围栏破损"]], HEADERS[:4])
    refused = client.post(f"/t/{SLUG}/m/safety/registers/hazards/import",
                          data={"file": (io.BytesIO(sheet), "l.xlsx")})
    assert refused.status_code == 403
