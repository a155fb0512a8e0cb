"""A module's settings as real form inputs, made from its settings schema, and the form read
back into the values that schema loads.

Each kind of field gets the input a person expects: a checkbox for a yes/no, a number input
(with the field's range as min/max) for a number, a list of boxes to tick for a list of
choices, one input per value (and a blank one to add another; emptied, a value is removed)
for a list of numbers or words, a fieldset for nested settings, and a fieldset per entry (and
a blank one to add another) for a list of nested settings. Only a field of free shape (a
``Dict``, ``Raw``) is still edited as JSON.

A schema says how a field is shown with its metadata: ``label`` (what the field is called),
``hint`` (a sentence under it) and ``choices`` (a code's title for each choice of a
``validate.OneOf``, e.g. ``{"lunch": _l("Lunch")}``; else OneOf's ``labels``, else the code).
Inputs are named by their path: ``meal_prices_fen.full``, ``subsidies.0.code``, and errors
come back by the same path, beside the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from core.api.body import UnreadableJson, loaded
from core.api.schema import range_of


@dataclass
class SettingInput:
    name: str  # the input's name: the path of the setting (meal_prices_fen.full)
    label: str
    hint: str
    # checkbox, number, text, select, choices (boxes to tick), list (one input a value),
    # group (a fieldset of nested settings), groups (a fieldset per entry), json
    kind: str
    value: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    low: Any = None
    high: Any = None
    step: str = ""
    children: list[SettingInput] = field(default_factory=list)
    entries: list[list[SettingInput]] = field(default_factory=list)
    room: bool = True  # a list with room for another value: a blank input or entry is shown


def _label(name: str, item: fields.Field) -> str:
    return str(item.metadata.get("label", name))


def _one_of(item: fields.Field) -> validate.OneOf | None:
    return next((v for v in item.validators if isinstance(v, validate.OneOf)), None)


def _choices(item: fields.Field) -> list[tuple[str, str]]:
    one_of = _one_of(item)
    titles = item.metadata.get("choices") or {}
    labels = list(one_of.labels) if one_of.labels else []
    return [(str(code), str(titles.get(code) or (labels[n] if n < len(labels) else code)))
            for n, code in enumerate(one_of.choices)]


def choices_of(item: fields.Field) -> list[tuple[str, str]]:
    """A setting's choices by their titles (a list's, its items'); none when it has none."""
    if isinstance(item, fields.List):
        item = item.inner
    return _choices(item) if _one_of(item) is not None else []


def _most(item: fields.List) -> int | None:
    lengths = [v.max for v in item.validators if isinstance(v, validate.Length)]
    return lengths[0] if lengths else None


def _simple(item: fields.Field) -> str | None:
    """The input of a single value, or None when the field is no single value."""
    if isinstance(item, fields.Boolean):
        return "checkbox"
    if isinstance(item, fields.Number):
        return "number"
    if isinstance(item, fields.String) and _one_of(item):
        return "select"
    if isinstance(item, fields.String):
        return "text"
    return None


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def setting_input(name: str, item: fields.Field, value: Any, path: str = "") -> SettingInput:
    """The input of one setting holding ``value`` (as the schema loads it, or as the form
    posted it when it is shown again with its errors)."""
    key, label = path + name, _label(name, item)
    hint = str(item.metadata.get("hint", ""))
    kind = _simple(item)
    if kind == "checkbox":
        return SettingInput(key, label, hint, kind, value=bool(value))
    if kind is not None:
        low, high = range_of(item)
        step = "" if kind != "number" else "1" if isinstance(item, fields.Integer) else "any"
        return SettingInput(key, label, hint, kind, value=_shown(value), low=low, high=high,
                            step=step, choices=_choices(item) if kind == "select" else [])
    values = value if isinstance(value, list) else []
    most = _most(item) if isinstance(item, fields.List) else None
    if isinstance(item, fields.List) and _simple(item.inner) == "select":
        return SettingInput(key, label, hint, "choices", value=[str(v) for v in values],
                            choices=_choices(item.inner))
    if isinstance(item, fields.List) and _simple(item.inner) in ("number", "text"):
        low, high = range_of(item.inner)
        step = "1" if isinstance(item.inner, fields.Integer) else "any"
        return SettingInput(key, label, hint, "list", value=[_shown(v) for v in values],
                            low=low, high=high, step=step if _simple(item.inner) == "number"
                            else "", room=most is None or len(values) < most)
    if isinstance(item, fields.Nested) and not item.many:
        return SettingInput(key, label, hint, "group",
                            children=_group(item.schema, value or {}, key + "."))
    if (isinstance(item, fields.List) and isinstance(item.inner, fields.Nested)
            and not item.inner.many):
        room = most is None or len(values) < most
        entries = [_group(item.inner.schema, entry if isinstance(entry, dict) else {},
                          f"{key}.{n}.") for n, entry in enumerate(values)]
        if room:  # a blank entry to add another
            entries.append(_group(item.inner.schema, {}, f"{key}.{len(values)}."))
        return SettingInput(key, label, hint, "groups", entries=entries, room=room)
    import json

    return SettingInput(key, label, hint, "json",
                        value=value if isinstance(value, str)
                        else json.dumps(value, ensure_ascii=False, indent=1))


def _group(schema: Schema, value: dict, path: str) -> list[SettingInput]:
    return [setting_input(name, item, value.get(name), path)
            for name, item in schema.load_fields.items()]


def setting_inputs(schema: Schema, values: dict[str, Any]) -> list[SettingInput]:
    """The inputs of every setting of ``schema``, in its order, holding ``values``."""
    return _group(schema, values, "")


# --- the form, read back -------------------------------------------------------------------


def _read(name: str, item: fields.Field, form, errors: dict[str, str]) -> Any:
    """The value of setting ``name`` (a path) as the schema loads it from ``form`` (a
    MultiDict); what cannot be read (bad JSON) goes into ``errors`` by path."""
    kind = _simple(item)
    if kind == "checkbox":
        return name in form
    if kind is not None:
        return form.get(name, "").strip()
    if isinstance(item, fields.List) and _simple(item.inner) == "select":
        return form.getlist(name)
    if isinstance(item, fields.List) and _simple(item.inner) in ("number", "text"):
        return [v.strip() for v in form.getlist(name) if v.strip()]  # emptied: removed
    if isinstance(item, fields.Nested) and not item.many:
        return _read_group(item.schema, form, name + ".", errors)
    if (isinstance(item, fields.List) and isinstance(item.inner, fields.Nested)
            and not item.inner.many):
        numbers = sorted({int(k[len(name) + 1:].split(".")[0]) for k in form
                          if k.startswith(name + ".") and k[len(name) + 1:].split(".")[0]
                          .isdigit()})
        entries = []
        for n in numbers:
            prefix = f"{name}.{n}."
            if f"{prefix}_remove" in form or not any(
                    form.get(k, "").strip() for k in form if k.startswith(prefix)):
                continue  # removed, or the blank entry left blank
            entries.append(_read_group(item.inner.schema, form, prefix, errors))
        return entries
    try:
        return loaded(form.get(name, ""))
    except UnreadableJson as exc:
        errors[name] = str(exc)
        return None


def _read_group(schema: Schema, form, path: str, errors: dict[str, str]) -> dict[str, Any]:
    return {name: _read(path + name, item, form, errors)
            for name, item in schema.load_fields.items()}


def read_settings(schema: Schema, form) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings the form holds, as the schema loads them, and what could not be read."""
    errors: dict[str, str] = {}
    return _read_group(schema, form, "", errors), errors


def errors_by_input(messages: Any, path: str = "") -> dict[str, str]:
    """marshmallow's messages (nested by field, entry and item) by input name."""
    if isinstance(messages, dict):
        found: dict[str, str] = {}
        for key, inner in messages.items():
            found.update(errors_by_input(inner, f"{path}{key}."))
        return found
    from core.rules import flatten_messages

    return {path.rstrip("."): " ".join(flatten_messages(messages))}
