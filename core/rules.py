"""The error a domain rule raises: what is wrong, which field, and how the caller should read
it (422 a value to fix, 404 a thing that is not there, 409 a conflict with what exists)."""

from __future__ import annotations

from typing import Any


class RuleBroken(ValueError):
    """A domain rule refused what was asked; raised by services, answered as a 4xx naming the
    field (an API problem with ``errors[field]``, the form's field on a page).

    Arguments:
        message (str): what is wrong and what to do, translated (``_()``).
        field (str): the input field the message belongs to (``"ends_on"``).
        status (int): the HTTP status: 422 bad input (default), 404 no such record,
            409 a clash with what is stored, 403 not for this person.

    Example: ``raise RuleBroken(_("the last day lies before the first"), "ends_on")``.
    """

    def __init__(self, message: str, field: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def flatten_messages(messages: Any) -> list[str]:
    """marshmallow's messages (nested dicts and lists) as one flat list of strings, in the
    reader's language."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flatten_messages(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in flatten_messages(value)]
    from core.messages import translate_message

    return [translate_message(str(messages))]
