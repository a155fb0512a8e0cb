"""Bills written in one statement on PostgreSQL: what ``bills.create_bills`` does for a term's
drafts, or for bills issued at once with their ledger charges, at the speed of set-based SQL.

Most of a school's bills repeat a handful of lines (the same tuition, care fee and meals for
a whole class), so each distinct line is sent once, and each bill names its lines by number.
The statement then writes the bills, their lines and the bills' audit events (as
``create_bills`` words them on any database) from a few numbers per student instead of a
row per line, and the ids of lines and events are counted up in SQL from ``id_block``.

It is plain SQL, which the ORM's school guard cannot read: every row it writes is stamped
with the school in context, and row-level security checks each one against it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import text

from core.sdk import ascending_ids, audit, db, id_block, require_tenant, utcnow

from . import bills, today

if TYPE_CHECKING:
    from .bills import Line, NewBill

_STATEMENT = text("""
WITH
templates AS (
    SELECT * FROM json_to_recordset(CAST(:templates AS json)) AS t(
        n int, kind text, source text, code text, fee_item_id uuid, category text,
        description text, quantity int, unit_price_fen int, amount_fen int, reason text,
        per_absent_day boolean)),
wanted AS (
    SELECT * FROM json_to_recordset(CAST(:bills AS json)) AS b(
        n bigint, first bigint, id uuid, term_id uuid, student_id uuid, class_id uuid,
        total_fen int, t int[])),
made AS (
    INSERT INTO fees_bills (tenant_id, id, term_id, student_id, class_id, status, total_fen,
                            generated_at, issued_at, issued_by, version)
    SELECT :tenant_id, id, term_id, student_id, class_id, CAST(:status AS text), total_fen, :now,
           CAST(:issued_at AS timestamptz), CAST(:issued_by AS text), 1
    FROM wanted),
lines AS (
    INSERT INTO fees_bill_lines (tenant_id, id, bill_id, kind, source, code, fee_item_id,
                                 category, description, quantity, unit_price_fen, amount_fen,
                                 reason, per_absent_day, created_by, created_at)
    SELECT :tenant_id,
           CAST(CAST(:line_ids AS text) || lpad(to_hex(:line_low + b.first + x.pos - 1), 12,
                                                 '0') AS uuid),
           b.id, t.kind, t.source, t.code, t.fee_item_id, t.category, t.description,
           t.quantity, t.unit_price_fen, t.amount_fen, t.reason, t.per_absent_day,
           CAST(:by AS text), :now
    FROM wanted b CROSS JOIN LATERAL unnest(b.t) WITH ORDINALITY AS x(n, pos)
    JOIN templates t ON t.n = x.n
    RETURNING id, bill_id, kind, code, amount_fen, reason, description),
charged AS (
    INSERT INTO fees_ledger (tenant_id, id, student_id, bill_id, kind, amount_fen, bill_line_id,
                             reason, day, created_by, created_at)
    SELECT :tenant_id,
           CAST(CAST(:entry_ids AS text)
                || lpad(to_hex(:entry_low + row_number() OVER (ORDER BY l.id) - 1), 12, '0')
                AS uuid),
           b.student_id, l.bill_id, CASE WHEN l.kind = 'charge' THEN 'charge'
                                         ELSE 'adjustment' END,
           l.amount_fen, l.id, left(coalesce(nullif(l.reason, ''), l.description), 200), :day,
           CAST(:by AS text), :now
    FROM lines l JOIN wanted b ON b.id = l.bill_id
    WHERE CAST(:issue AS boolean) AND l.amount_fen <> 0
    RETURNING id, amount_fen)
INSERT INTO audit_events (tenant_id, id, at, user_id, source, address, request_id, action,
                          entity, entity_id, before, after)
SELECT :tenant_id,
       CAST(CAST(:event_ids AS text) || lpad(to_hex(:event_low + b.n), 12, '0') AS uuid), :at,
       CAST(:user_id AS bigint), CAST(:source AS text), CAST(:address AS text),
       CAST(:request_id AS text), 'create', 'fees_bills', CAST(b.id AS text), CAST(NULL AS json),
       json_build_object(
           'tenant_id', :tenant_id, 'id', b.id, 'term_id', b.term_id,
           'student_id', b.student_id, 'class_id', b.class_id, 'status', CAST(:status AS text),
           'total_fen', b.total_fen, 'generated_at', CAST(:now_text AS text),
           'issued_at', CAST(:issued_text AS text), 'issued_by', CAST(:issued_by AS text),
           'version', 1, 'lines', coalesce(l.lines, '[]'))
FROM wanted b LEFT JOIN (
    SELECT bill_id, json_agg(json_build_object('id', id, 'code', code, 'amount_fen', amount_fen)
                             ORDER BY id) AS lines
    FROM lines GROUP BY bill_id) l ON l.bill_id = b.id
UNION ALL
-- The ledger's charges: one event for the batch, as ``ledger.post_many`` words it.
SELECT :tenant_id,
       CAST(CAST(:event_ids AS text) || lpad(to_hex(:event_low + :bill_count), 12, '0') AS uuid),
       :at, CAST(:user_id AS bigint), CAST(:source AS text), CAST(:address AS text),
       CAST(:request_id AS text), 'create', 'fees_ledger', min(CAST(id AS text)),
       CAST(NULL AS json),
       json_build_object('entries', count(*), 'amount_fen', sum(amount_fen),
                         'first_id', min(CAST(id AS text)), 'last_id', max(CAST(id AS text)))
FROM charged HAVING count(*) > 0
""")


def create_drafts(new: list[NewBill], by: str, now: datetime,
                  issue: bool = False) -> list[uuid.UUID]:
    """Write these bills as drafts with their lines and audit events, or issued with their
    lines' ledger charges as well (``issue``); their ids."""
    templates: dict[Line, int] = {}
    # Bills of a class usually share one list of lines (``Terms.lines_for``): number it once.
    numbered: dict[int, tuple[list[int], int, int]] = {}
    wanted, first, charges = [], 0, 0
    ids = ascending_ids(len(new))
    for n, (spec, bill_id) in enumerate(zip(new, ids, strict=True)):
        known = numbered.get(id(spec.lines))
        if known is None:
            if issue:
                for line in spec.lines:  # what ``ledger.post_many`` checks of each charge
                    if line.kind == "charge" and line.amount_fen < 0:
                        raise ValueError("a charge entry must be positive")
            known = numbered[id(spec.lines)] = (
                [templates.setdefault(line, len(templates)) for line in spec.lines],
                sum(line.amount_fen for line in spec.lines),
                sum(1 for line in spec.lines if line.amount_fen))
        wanted.append({"n": n, "first": first, "id": str(bill_id),
                       "term_id": str(spec.term_id), "student_id": str(spec.student_id),
                       "class_id": str(spec.class_id), "total_fen": known[1], "t": known[0]})
        first += len(known[0])
        charges += known[2]
    line_ids, line_low = id_block(first)
    entry_ids, entry_low = id_block(charges if issue else 0)
    event_ids, event_low = id_block(len(new) + 1)
    actor = audit.current_actor()
    db.session.execute(_STATEMENT, {
        "templates": json.dumps([{"n": n, **bills.line_values(line)}
                                 for line, n in templates.items()],
                                ensure_ascii=False, default=str),  # default: item ids
        "bills": json.dumps(wanted, separators=(",", ":")),
        "tenant_id": require_tenant().id, "now": now, "now_text": now.isoformat(), "by": by,
        "status": "issued" if issue else "draft", "issue": issue,
        "issued_at": now if issue else None,
        "issued_text": now.isoformat() if issue else None, "issued_by": by if issue else None,
        "day": today(), "bill_count": len(new),
        "line_ids": line_ids, "line_low": line_low, "entry_ids": entry_ids,
        "entry_low": entry_low, "event_ids": event_ids,
        "event_low": event_low, "at": utcnow(), "user_id": actor.user_id,
        "source": actor.source, "address": actor.address, "request_id": actor.request_id})
    return ids
