"""core.sdk.Schema's compiled dump gives exactly what marshmallow gives."""

import datetime as dt
import uuid
from types import SimpleNamespace

import marshmallow
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import fields, post_dump

from core.sdk import Schema


class Plain(Schema):
    text = fields.String(allow_none=True)
    email = fields.Email(allow_none=True)
    ident = fields.UUID(allow_none=True)
    count = fields.Integer(allow_none=True)
    flag = fields.Boolean(allow_none=True)
    when = fields.DateTime(allow_none=True)
    day = fields.Date(allow_none=True)
    renamed = fields.String(data_key="shownAs", attribute="source", allow_none=True)
    stamp = fields.DateTime(format="rfc", allow_none=True)
    secret = fields.String(load_only=True)


def marshmallow_dump(schema, obj, many=None):
    return marshmallow.Schema.dump(schema, obj, many=many)


def outcome(dump, *args, **kwargs) -> str:
    """The result's repr (type-strict: True == 1 in Python), or the error it raised."""
    try:
        return repr(dump(*args, **kwargs))
    except Exception as exc:
        return f"raises {type(exc).__name__}"


values = st.fixed_dictionaries({}, optional={
    "text": st.none() | st.text(max_size=20) | st.binary(max_size=5).map(
        lambda b: b.decode("latin-1").encode()) | st.integers(),
    "email": st.none() | st.emails(),
    "ident": st.none() | st.uuids(),
    "count": st.none() | st.integers(-10**12, 10**12) | st.booleans(),
    "flag": st.none() | st.booleans() | st.integers(0, 1),
    "when": st.none() | st.datetimes(timezones=st.none() | st.just(dt.UTC)) | st.dates(),
    "day": st.none() | st.dates() | st.datetimes(),
    "stamp": st.none() | st.datetimes(timezones=st.just(dt.UTC)),
    "source": st.none() | st.text(max_size=5),
    "secret": st.text(max_size=5),
})


@settings(max_examples=300)
@given(values, st.booleans())
def test_compiled_dump_equals_marshmallow(data, as_object):
    schema = Plain()
    obj = SimpleNamespace(**data) if as_object else dict(data)
    assert schema._plan() is not None
    assert outcome(schema.dump, obj) == outcome(marshmallow_dump, schema, obj)
    assert outcome(Plain(many=True).dump, [obj, obj]) == outcome(
        marshmallow_dump, schema, [obj, obj], many=True)


def test_only_and_exclude_are_respected():
    obj = SimpleNamespace(text="a", count=1, ident=uuid.uuid4())
    assert Plain(only=("text",)).dump(obj) == {"text": "a"}
    assert "count" not in Plain(exclude=("count",)).dump(obj)


class WithNested(Schema):
    inner = fields.Nested(Plain)


class WithHook(Schema):
    text = fields.String()

    @post_dump
    def shout(self, data, **kwargs):
        return {k: v.upper() for k, v in data.items()}


class WithFormat(Schema):
    when = fields.DateTime(format="%Y")


class WithMethod(Schema):
    length = fields.Method("measure")

    def measure(self, obj):
        return len(obj["text"])


def test_anything_else_falls_back_to_marshmallow():
    cases = [
        (WithNested(), {"inner": {"text": "x"}}),
        (WithHook(), {"text": "x"}),
        (WithMethod(), {"text": "four"}),
    ]
    for schema, obj in cases:
        assert schema._plan() is None, type(schema).__name__
        assert repr(schema.dump(obj)) == repr(marshmallow_dump(schema, obj))


def test_custom_date_formats_are_compiled_and_equal():
    schema = WithFormat()
    assert schema._plan() is not None
    obj = {"when": dt.datetime(2026, 1, 1)}
    assert outcome(schema.dump, obj) == outcome(marshmallow_dump, schema, obj) == "{'when': '2026'}"
