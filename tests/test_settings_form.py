"""Settings inputs made from a schema, and the form read back into what the schema loads."""

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from core.web.settings_form import errors_by_input, read_settings, setting_inputs


class Inner(Schema):
    size = fields.Integer(validate=validate.Range(1, 9))
    colour = fields.String(validate=validate.OneOf(["red", "blue"], labels=["Red", "Blue"]))


class Settings(Schema):
    on = fields.Boolean()
    days = fields.List(fields.Integer(validate=validate.Range(0, 99)),
                       validate=validate.Length(max=2))
    inner = fields.Nested(Inner)
    entries = fields.List(fields.Nested(Inner))
    free = fields.Dict()


def test_each_kind_of_setting_gets_its_input():
    inputs = {f.name: f for f in setting_inputs(Settings(), {
        "on": True, "days": [1, 2], "inner": {"size": 3, "colour": "red"},
        "entries": [{"size": 4, "colour": "blue"}], "free": {"a": 1}})}
    assert inputs["on"].kind == "checkbox" and inputs["on"].value is True
    assert inputs["days"].kind == "list" and inputs["days"].value == ["1", "2"]
    assert not inputs["days"].room  # at its most: no blank input to add a third
    assert (inputs["days"].low, inputs["days"].high) == (0, 99)
    inner = {f.name: f for f in inputs["inner"].children}
    assert inner["inner.colour"].choices == [("red", "Red"), ("blue", "Blue")]
    assert [[f.name for f in e] for e in inputs["entries"].entries] == [
        ["entries.0.size", "entries.0.colour"], ["entries.1.size", "entries.1.colour"]]
    assert inputs["free"].kind == "json" and '"a": 1' in inputs["free"].value


def test_the_form_reads_back_dropping_emptied_values_and_blank_entries():
    form = MultiDict([("days", "5"), ("days", ""), ("inner.size", "2"),
                      ("inner.colour", "blue"), ("entries.0.size", "1"),
                      ("entries.0.colour", "red"), ("entries.1.size", "3"),
                      ("entries.1.colour", "red"), ("entries.1._remove", "1"),
                      ("entries.2.size", ""), ("entries.2.colour", ""), ("free", "{bad")])
    values, errors = read_settings(Settings(), form)
    assert values["on"] is False and values["days"] == ["5"]
    assert values["inner"] == {"size": "2", "colour": "blue"}
    assert values["entries"] == [{"size": "1", "colour": "red"}]
    assert list(errors) == ["free"]


def test_errors_land_on_the_input_they_belong_to():
    messages = {"days": {1: ["too many"]}, "inner": {"size": ["too big"]},
                "entries": {0: {"colour": ["no"]}}, "on": ["bad"]}
    assert errors_by_input(messages) == {"days.1": "too many", "inner.size": "too big",
                                         "entries.0.colour": "no", "on": "bad"}
