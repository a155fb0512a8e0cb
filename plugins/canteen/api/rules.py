"""The rules in force, with their citations."""

from __future__ import annotations

from core.sdk import RuleSchema, requires

from ..regulations import rules
from . import blp


@blp.route("/rules")
@blp.response(200, RuleSchema(many=True))
@requires("canteen.read")
def rules_in_force():
    """The rules the canteen follows here, each with its citation and any district override."""
    return list(rules().values())
