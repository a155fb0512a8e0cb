"""The rules in force, with their citations."""

from __future__ import annotations

from marshmallow import fields

from core.sdk import Schema, requires

from ..regulations import rules
from . import blp


class RuleSchema(Schema):
    key = fields.String()
    value = fields.Integer()
    unit = fields.String()
    source = fields.String()
    effective = fields.String()
    overridden_by = fields.String(allow_none=True)


@blp.route("/rules")
@blp.response(200, RuleSchema(many=True))
@requires("canteen.read")
def rules_in_force():
    """The rules the canteen follows here, each with its citation and any district override."""
    return list(rules().values())
