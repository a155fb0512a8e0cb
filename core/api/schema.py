"""The base of every resource schema: marshmallow, with a faster ``dump`` for plain fields.

A list endpoint spends much of its time in marshmallow asking each field of each row for its
value. For schemas made only of plain fields (strings, e-mails, URLs, UUIDs, integers,
booleans, dates and date-times) the dump is compiled once per schema instance into one
function per field; anything else (nested schemas, lists, methods, dump hooks, custom
fields, dotted attributes, dump defaults) falls back to marshmallow unchanged. The output is
the same as marshmallow's, which ``tests/test_schema_dump.py`` checks property by property.

Loading refuses, for every field of every schema (plain marshmallow fields included, inside
``Nested``, ``List``, ``Tuple`` and ``Dict`` too), what the database or an export cannot hold,
with a 422 naming the field:

* text with a character ``core.text`` refuses: NUL, lone surrogates, control characters (C0,
  DEL and C1, U+0080–U+009F) and U+FFFE/U+FFFF. A text field is one line unless it is declared
  multi-line with ``metadata=MULTILINE`` (``{"x-multiline": True}``, which the API document
  shows too); only a multi-line field keeps tab, line feed and carriage return. A field is
  multi-line when it holds free prose of several sentences (remarks, notes, allergies: 500
  characters or more); names, numbers, reasons and other short texts are one line. Text in
  a field of free shape (``Raw``, an untyped ``Dict``) is judged as multi-line;
* a number with a fraction for an ``Integer`` (2.9 is refused, not stored as 2; "3" in a
  query string is still 3, and true is no integer), and, where the field sets no
  ``validate.Range`` of its own, one beyond ``INT_LIMIT`` (it would overflow the column);
* a date or date-time outside the years ``MIN_YEAR``–``MAX_YEAR``: nothing a school keeps lies
  there, and arithmetic near the ends of the calendar overflows. ``Month`` reads ``YYYY-MM``
  within the same years.

A page's form posts only text: ``Schema.load_form`` loads it as the API would load the same
values typed (the text of a whole number, "7", for a ``strict`` integer field that the API
insists gets a JSON number), so a strict field refuses "7" in a JSON body yet takes it typed
into a page.

The address's parts, the query's arguments and form values that no schema reads are checked
before any view by ``core.pipeline`` with the same rules (``core.text``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import marshmallow
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, pre_load, validate
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing
from sqlalchemy.engine import Row

from core.text import refused_in, shown

MIN_YEAR, MAX_YEAR = 1900, 2999
INT_LIMIT = 2**31 - 1  # PostgreSQL's integer; a field that needs more sets its own Range
MULTILINE = {"x-multiline": True}  # the metadata of a text field that may hold line breaks


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
    error for a value of the wrong type) is the same. None never reaches it (the plan keeps
    None as None, as marshmallow does)."""
    data_format = field.format or field.DEFAULT_FORMAT
    format_func = field.SERIALIZATION_FUNCS.get(data_format)
    if format_func is not None:
        return format_func
    return lambda value: value.strftime(data_format)


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


class _NothingKept:
    """No value is of this type: the kept type of a converter that always converts."""


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


# The type of value each converter hands back as it is (``str(s)`` is ``s`` for a ``str``,
# ``int(i)`` is ``i`` for an ``int``, not a ``bool``), so a row's usual values skip the call.
_KEPT: dict[Callable[[Any], Any], type] = {_text: str, _integer: int}


def _value(obj: Any, key: str) -> Any:
    # The same lookup as marshmallow.utils.get_value for an undotted key.
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, missing)
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


# Fields that parse their text into something else (and refuse text that does not parse).
_PARSED = (fields.Number, fields.Boolean, fields.Date, fields.DateTime, fields.Time,
           fields.TimeDelta, fields.UUID, fields.IP, fields.Enum, fields.Constant)
# Fields of free shape: whatever text they carry is judged as multi-line.
_FREE = (fields.Raw, fields.Method, fields.Function)


def _multiline(field: fields.Field) -> bool:
    return bool(field.metadata.get("x-multiline"))


def _gathered(found) -> dict | None:
    errors = {key: error for key, error in found if error is not None}
    return errors or None


def _fraction(value: Any) -> bool:
    if isinstance(value, float):
        return value == value and abs(value) != float("inf") and not value.is_integer()
    if isinstance(value, Decimal):
        return value.is_finite() and value != value.to_integral_value()
    return False


def _raw_refused(field: fields.Field, value: Any) -> Any:
    """What is wrong with ``value`` as given for ``field`` before marshmallow reads it, in
    marshmallow's shape of messages; None when nothing is."""
    if value is None or value is missing:
        return None
    if isinstance(field, fields.Nested):
        return _nested_refused(field, value)
    if isinstance(field, fields.List) and isinstance(value, (list, tuple)):
        return _gathered((i, _raw_refused(field.inner, item)) for i, item in enumerate(value))
    if isinstance(field, fields.Tuple) and isinstance(value, (list, tuple)):
        pairs = zip(field.tuple_fields, value, strict=False)  # a wrong length: marshmallow's
        return _gathered((i, _raw_refused(inner, item)) for i, (inner, item) in enumerate(pairs))
    if isinstance(field, fields.Mapping) and isinstance(value, Mapping):
        return _gathered(
            (shown(key),
             (_raw_refused(field.key_field, key) if field.key_field else refused_in(key))
             or (_raw_refused(field.value_field, item) if field.value_field
                 else refused_in(item)))
            for key, item in value.items())
    if isinstance(field, fields.Integer) and _fraction(value):
        return [field.error_messages["invalid"]]
    if isinstance(field, _FREE) or type(field) is fields.Field:
        return refused_in(value)
    if isinstance(value, str) and not isinstance(field, _PARSED):
        return refused_in(value, _multiline(field))
    return None


def _nested_refused(field: fields.Nested, value: Any) -> Any:
    schema = field.schema
    if isinstance(schema, Schema):
        return None  # a schema of ours refuses for itself when the nested value is loaded
    if isinstance(field, fields.Pluck):
        return refused_in(value)
    if schema.many and isinstance(value, (list, tuple)):
        return _gathered((i, _fields_refused(schema, item)) for i, item in enumerate(value))
    return _fields_refused(schema, value)


def _fields_refused(schema: marshmallow.Schema, data: Any) -> dict | None:
    if not isinstance(data, Mapping):
        return None  # marshmallow says what is wrong with the shape
    found = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        if key in data:
            found.append((key, _raw_refused(field, data[key])))
    return _gathered(found)


class Month(fields.String):
    """A month as ``YYYY-MM`` (2026-11) within the years the calendar keeps; loaded as the
    same text, so ``date.fromisoformat(month + "-01")`` always gives its first day."""

    _PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": self._PATTERN.pattern, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        found = self._PATTERN.match(text)
        if found is None or not MIN_YEAR <= int(found[1]) <= MAX_YEAR:
            raise ValidationError(_("Give a month such as 2026-11, between the years %(first)s"
                                    " and %(last)s.", first=MIN_YEAR, last=MAX_YEAR))
        return text


class _WithinCalendar:
    """A date or date-time between the first day of ``MIN_YEAR`` and the last of ``MAX_YEAR``."""

    def __call__(self, value: Any) -> None:
        if isinstance(value, (date, datetime)) and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(_("Give a date between the years %(first)s and %(last)s.",
                                    first=MIN_YEAR, last=MAX_YEAR))


_WITHIN_CALENDAR = _WithinCalendar()


class _WithinColumn:
    """An integer a database column holds (PostgreSQL's ``integer``), where the field sets
    no range of its own."""

    def __call__(self, value: Any) -> None:
        if isinstance(value, int) and not -INT_LIMIT <= value <= INT_LIMIT:
            raise ValidationError(_("Give a whole number between %(low)s and %(high)s.",
                                    low=-INT_LIMIT, high=INT_LIMIT))


_WITHIN_COLUMN = _WithinColumn()


def _bounded(field: fields.Field) -> None:
    """Every date field keeps to the calendar's years and every integer field without a range
    of its own to what a column holds, also inside lists, tuples and mappings."""
    if isinstance(field, (fields.Date, fields.DateTime)):
        _add(field, _WITHIN_CALENDAR)
    elif isinstance(field, fields.Integer):
        if not any(isinstance(v, validate.Range) for v in field.validators):
            _add(field, _WITHIN_COLUMN)
    elif isinstance(field, fields.List):
        _bounded(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            _bounded(inner)
    elif isinstance(field, fields.Mapping) and field.value_field is not None:
        _bounded(field.value_field)


def _add(field: fields.Field, check: Callable[[Any], None]) -> None:
    if check not in field.validators:  # a schema may bind its fields again
        field.validators.append(check)


def range_of(field: fields.Field) -> tuple[Any, Any]:
    """The least and greatest value a field takes, by its ``validate.Range`` checks (None
    for an open end)."""
    ranges = [c for c in field.validators if isinstance(c, validate.Range)]
    lows = [r.min for r in ranges if r.min is not None]
    highs = [r.max for r in ranges if r.max is not None]
    return (max(lows) if lows else None), (min(highs) if highs else None)


_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,18}$")


def _typed(field: fields.Field, value: Any) -> Any:
    """``value`` as a form posts it for ``field``, typed where a JSON body would be."""
    if isinstance(field, fields.Integer) and field.strict and isinstance(value, str):
        text = value.strip()
        return int(text) if _WHOLE_NUMBER.match(text) else value
    if isinstance(field, fields.Nested) and isinstance(field.schema, marshmallow.Schema):
        if isinstance(value, (list, tuple)) and field.schema.many:
            return [_typed_fields(field.schema, item) for item in value]
        return _typed_fields(field.schema, value)
    if isinstance(field, fields.List) and isinstance(value, (list, tuple)):
        return [_typed(field.inner, item) for item in value]
    return value


def _typed_fields(schema: marshmallow.Schema, data: Any) -> Any:
    if not isinstance(data, Mapping):
        return data
    typed = dict(data)
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        if key in typed:
            typed[key] = _typed(field, typed[key])
    return typed


class Schema(marshmallow.Schema):
    """Derive resource schemas from this one (``core.sdk.Schema``)."""

    _houqin_plan: list[tuple[str, str, Callable[[Any], Any] | None, type]] | bool | None = False

    def __deepcopy__(self, memo: dict) -> Schema:
        # A built schema is configuration: loading and dumping keep no state in it. flask-smorest
        # deep-copies each view's documentation, schemas included, once per decorator and
        # route as a module's API is imported (every field of every schema, a tenth of a
        # module's start-up); the copies would be the same schema.
        return self

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _bounded(field_obj)

    def load_form(self, data: Mapping[str, Any], **kwargs: Any) -> Any:
        """Load what a page's form posted: forms post text, so the text of a whole number
        ("7") is taken for a ``strict`` integer field (also in nested schemas and lists), which
        the API, whose JSON carries numbers, keeps strict. Anything else loads as ``load``."""
        return self.load(_typed_fields(self, data), **kwargs)

    def limits(self, name: str) -> tuple[Any, Any]:
        """The least and greatest value field ``name`` takes (its ``validate.Range``; None
        for an open end), for a page to put on the input (``min``/``max``) and say beside it
        before a save is refused."""
        return range_of(self.fields[name])

    @pre_load
    def _refuse_what_cannot_be_kept(self, data: Any, **_kwargs: Any) -> Any:
        errors = _fields_refused(self, data)
        if errors:
            raise ValidationError(errors)
        return data

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
                    # None is None after every converter; _unchanged needs no call at all.
                    plan.append((key, field.attribute or name,
                                 None if convert is _unchanged else convert,
                                 _KEPT.get(convert, _NothingKept)))
            self._houqin_plan = plan
        return self._houqin_plan

    def dumped_attributes(self) -> tuple[str, ...] | None:
        """The attributes a dump reads, when it reads plain attributes only (no dotted
        paths, methods, nested schemas or dump hooks); else None."""
        plan = self._plan()
        return None if plan is None else tuple(attribute for _, attribute, _, _ in plan)

    def dump(self, obj: Any, *, many: bool | None = None):
        plan = self._plan()
        if plan is None:
            return super().dump(obj, many=many)
        many = self.many if many is None else bool(many)
        if many:
            if obj is None:
                return None
            items = obj if isinstance(obj, list) else list(obj)
            if len({type(item) for item in items}) == 1:  # a page: one kind, decided once
                dump_one = _dumper_of(items[0])
                return [dump_one(plan, item) for item in items]
            return [_dumper_of(item)(plan, item) for item in items]
        return _dumper_of(obj)(plan, obj)


def _dumper_of(obj: Any) -> Callable[[list, Any], dict[str, Any]]:
    if isinstance(obj, Row):
        return _dump_row
    return _dump_keyed if hasattr(obj, "__getitem__") else _dump_attributes


def _dump_keyed(plan, obj: Any) -> dict[str, Any]:
    out = {}
    for key, attribute, convert, kept in plan:
        value = _value(obj, attribute)
        if value is not missing:
            out[key] = (value if value is None or convert is None
                        or type(value) is kept else convert(value))
    return out


def _dump_attributes(plan, obj: Any) -> dict[str, Any]:
    # An object (an ORM object): the same lookup as _value's, without asking per field.
    out = {}
    for key, attribute, convert, kept in plan:
        value = getattr(obj, attribute, missing)
        if value is not missing:
            out[key] = (value if value is None or convert is None
                        or type(value) is kept else convert(value))
    return out


def _dump_row(plan, row: Row) -> dict[str, Any]:
    # A row of columns named as the attributes they stand for (``page_of(dumped_by=...)``):
    # its mapping answers by name far faster than its attributes do.
    values = row._mapping
    out = {}
    try:
        for key, attribute, convert, kept in plan:
            value = values[attribute]
            out[key] = (value if value is None or convert is None
                        or type(value) is kept else convert(value))
    except KeyError:  # a row without one of them: what it lacks is left out, as for an object
        return _dump_attributes(plan, row)
    return out
