"""The audit log's "Changes" column in the reader's words: each changed column by the name its
module gives it, each stored code by its title in that table (the same code means different
things in different tables), money in yuan, times in the school's zone, a module's settings by
their form labels — and anything nobody named still shown as stored, so no change is hidden."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from core.audit_labels import AuditVocabulary
from core.web.audit import changes

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def shown(table, before, after, locale="zh_Hans_CN"):
    with force_locale(locale):
        return [(c.label, c.before, c.after) for c in changes(AuditVocabulary(SHANGHAI), table,
                                                              before, after)]


def test_a_code_is_titled_by_its_own_table(app):
    with app.test_request_context():
        assert shown("fees_bills", {"status": "draft"}, {"status": "issued"}) == [
            ("状态", "草稿", "已开具")]
        assert shown("canteen_stock_movements", None, {"kind": "out"}) == [("种类", "—", "出库")]
        assert shown("fees_bills", {"status": "draft"}, {"status": "issued"}, "en") == [
            ("Status", "Draft", "Issued to the payer")]


def test_people_have_full_names_and_things_have_names(app):
    with app.test_request_context():
        assert shown("students", None, {"name": "王芳", "gender": "female"}) == [
            ("性别", "—", "女"), ("姓名", "—", "王芳")]
        assert shown("buildings", None, {"name": "教学楼"}) == [("名称", "—", "教学楼")]


def test_money_times_yes_and_no_and_lists_read_as_people_read_them(app):
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC).isoformat()
    with app.test_request_context():
        assert shown("fees_payments", None, {"amount_fen": 45050, "recorded_at": at}) == [
            ("金额", "—", "¥450.50"), ("登记时间", "—", "2026-03-02 09:30")]
        assert shown("canteen_dishes", {"active": True, "allergens": []},
                     {"active": False, "allergens": ["egg"]}) == [
            ("在用", "是", "否"), ("过敏原", "", "蛋类")]


def test_settings_are_named_as_their_form_names_them(app):
    with app.test_request_context():
        rows = shown("tenant_modules", {"settings": {"count_cutoff": "09:00",
                                                     "meal_slots": ["lunch"]}},
                     {"settings": {"count_cutoff": "23:59", "meal_slots": ["breakfast", "lunch"]}})
    assert rows == [("报餐截止时间（时:分，学校时间）", "09:00", "23:59"),
                    ("供应的餐次", "午餐", "早餐、午餐")]


def test_bookkeeping_is_left_out_and_what_nobody_named_is_shown_as_stored(app):
    with app.test_request_context():
        assert shown("fees_bill_lines", None, {"code": "item:1", "description": "伙食费"}) == [
            ("说明", "—", "伙食费")]
        assert shown("canteen_samples", None, {"mystery_column": "x"}) == [
            ("mystery_column", "—", "x")]
