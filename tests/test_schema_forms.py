"""A page's form posts text: ``Schema.load_form`` takes "7" for a strict integer, which the
API (JSON, with numbers) keeps refusing."""

import pytest
from marshmallow import ValidationError, fields, validate

from core.sdk import Schema


class Line(Schema):
    days = fields.Integer(strict=True, allow_none=True)
    note = fields.String()


class Order(Schema):
    count = fields.Integer(strict=True)
    lines = fields.List(fields.Nested(Line))
    sizes = fields.List(fields.Integer(strict=True))
    one = fields.Nested(Line)


def test_a_form_s_whole_numbers_load_as_numbers_even_nested():
    loaded = Order().load_form({"count": " 7 ", "lines": [{"days": "30", "note": "12"}],
                                "sizes": ["1", "-2"], "one": {"days": "+3"}})
    assert loaded == {"count": 7, "lines": [{"days": 30, "note": "12"}], "sizes": [1, -2],
                      "one": {"days": 3}}


def test_the_api_keeps_strict_integers_strict():
    with pytest.raises(ValidationError) as refused:
        Order().load({"count": "7"})
    assert "count" in refused.value.messages


@pytest.mark.parametrize("text", ["7.5", "seven", "", "1e3", "99999999999999999999"])
def test_a_form_s_text_that_is_no_whole_number_is_still_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as refused:
        Order().load_form({"count": text})
    assert list(refused.value.messages) == ["count"]


def test_a_field_s_limits_are_its_range_for_the_form_to_show():
    class Sample(Schema):
        grams = fields.Integer(validate=[validate.Range(min=1, max=5000)])
        hot = fields.Decimal(validate=validate.Range(min=50))
        note = fields.String()

    assert Sample().limits("grams") == (1, 5000)
    assert Sample().limits("hot") == (50, None)
    assert Sample().limits("note") == (None, None)
