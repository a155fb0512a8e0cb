"""The base of every resource schema: marshmallow, with a faster ``dump`` for plain fields.

A list endpoint spends much of its time in marshmallow asking each field of each row for its
value. For schemas made only of plain fields (strings, e-mails, URLs, UUIDs, integers,
booleans, dates and date-times) the dump is compiled once per schema instance into one
function per field; anything else (nested schemas, lists, methods, dump hooks, custom
fields, dotted attributes, dump defaults) falls back to marshmallow unchanged. The output is
the same as marshmallow's, which ``tests/test_schema_dump.py`` checks property by property.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow
from marshmallow import fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _uuid(value: Any) -> str | None:
    return None if value is None else str(value)


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)


def _unchanged(value: Any) -> Any:
    return value


def _temporal(field: fields.Field) -> Callable[[Any], Any]:
    """marshmallow's own formatting table for dates and date-times, so the output (and any
    error for a value of the wrong type) is the same."""
    data_format = field.format or field.DEFAULT_FORMAT
    format_func = field.SERIALIZATION_FUNCS.get(data_format)
    if format_func is not None:
        return lambda value: None if value is None else format_func(value)
    return lambda value: None if value is None else value.strftime(data_format)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    fields.String: _text,
    fields.Email: _text,
    fields.Url: _text,
    fields.UUID: _uuid,
    fields.Integer: _integer,
    fields.Boolean: _unchanged,
    fields.Raw: _unchanged,
}
_TEMPORAL = {fields.DateTime, fields.Date}
_BASE_GET_VALUE = fields.Field.get_value
_BASE_SERIALIZE = fields.Field.serialize


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if type(field).get_value is not _BASE_GET_VALUE or kind.serialize is not _BASE_SERIALIZE:
        return None
    if field.dump_default is not missing or (field.attribute and "." in field.attribute):
        return None
    if kind in _TEMPORAL:
        return _temporal(field)
    if kind is fields.Integer and field.as_string:
        return None
    return _CONVERTERS.get(kind)


def _value(obj: Any, key: str) -> Any:
    # The same lookup as marshmallow.utils.get_value for an undotted key.
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, missing)
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


class Schema(marshmallow.Schema):
    """Derive resource schemas from this one (``core.sdk.Schema``)."""

    _houqin_plan: list[tuple[str, str, Callable[[Any], Any]]] | bool | None = False

    def _plan(self):
        if self._houqin_plan is False:
            plan = None
            hooks_free = not self._hooks[PRE_DUMP] and not self._hooks[POST_DUMP]
            plain_access = type(self).get_attribute is marshmallow.Schema.get_attribute
            if hooks_free and plain_access and self.dict_class is dict:
                plan = []
                for name, field in self.dump_fields.items():
                    convert = _converter(field)
                    if convert is None or "." in name:
                        plan = None
                        break
                    key = field.data_key if field.data_key is not None else name
                    plan.append((key, field.attribute or name, convert))
            self._houqin_plan = plan
        return self._houqin_plan

    def dump(self, obj: Any, *, many: bool | None = None):
        plan = self._plan()
        if plan is None:
            return super().dump(obj, many=many)
        many = self.many if many is None else bool(many)
        if many:
            return None if obj is None else [self._dump_one(plan, item) for item in obj]
        return self._dump_one(plan, obj)

    @staticmethod
    def _dump_one(plan, obj: Any) -> dict[str, Any]:
        out = {}
        for key, attribute, convert in plan:
            value = _value(obj, attribute)
            if value is not missing:
                out[key] = convert(value)
        return out
